"""Fleet monitoring on Prometheus and Grafana (config/monitoring/): the alert rules pass
``promtool``'s checks and unit tests, and every query of the rules and of the Grafana dashboard
is valid PromQL that names only metrics a kiosk exports."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.health import Metrics

MONITORING = Path(__file__).resolve().parents[2] / "config" / "monitoring"
PROMTOOL = shutil.which("promtool")
_METRIC = re.compile(r"\b(kiosk_[a-z_]+)\b")
_PROMETHEUS_OWN = {"up"}


@pytest.fixture(scope="module")
def promtool() -> str:
    if PROMTOOL is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing: .ci/setup installs Debian's prometheus")
        pytest.skip("no promtool (bash .ci/setup installs Debian's prometheus)")
    return PROMTOOL


def exported_series() -> set[str]:
    """The names of every series a kiosk's /metrics can show, each method called once."""
    metrics = Metrics("k1", library="SE-BOL", branch="BOL-HB")
    metrics.set_ils_state(True, latency_s=0.05)
    metrics.set_ils_connections(2, 4)
    metrics.set_reader_state("rfid", True)
    metrics.set_printer_state(True, "out")
    metrics.set_sorter_state(True)
    metrics.set_bin_fill("holds", count=3, capacity=60)
    metrics.set_offline_queue_depth(2)
    metrics.set_reconciliation_entries(1)
    metrics.transaction("checkout", "ok")
    metrics.session_started()
    metrics.session_ended("completed")
    metrics.error("sip2", "timeout")
    return {sample.name for family in metrics.registry.collect() for sample in family.samples}


def rule_queries() -> list[str]:
    text = (MONITORING / "kiosk-alerts.yml").read_text(encoding="utf-8")
    return [m.group(1) for m in re.finditer(r"expr: \|?\s*\n?((?:.+\n)+?)\s+for:", text)]


def dashboard_queries() -> list[str]:
    dashboard = json.loads((MONITORING / "grafana-fleet.json").read_text(encoding="utf-8"))
    return [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]


def test_alert_rules_pass_promtool_checks_and_their_unit_tests(promtool: str) -> None:
    checked = subprocess.run(
        [promtool, "check", "rules", "kiosk-alerts.yml"],
        cwd=MONITORING, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "SUCCESS: 8 rules found" in checked.stdout
    tested = subprocess.run(
        [promtool, "test", "rules", "kiosk-alerts.test.yml"],
        cwd=MONITORING, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_the_rules_cover_what_the_fleet_must_hear_about() -> None:
    text = (MONITORING / "kiosk-alerts.yml").read_text(encoding="utf-8")
    for alert in (
        "KioskLibrarySystemUnreachable",
        "KioskOfflineQueueGrowing",
        "KioskReaderDown",
        "KioskPrinterDown",
        "KioskPaperOut",
        "KioskEntriesWaitingForStaff",
        "KioskLibrarySystemPoolShort",
    ):
        assert f"alert: {alert}" in text


def test_every_query_names_only_metrics_a_kiosk_exports() -> None:
    exported = exported_series()
    assert len(rule_queries()) == 8
    queries = rule_queries() + dashboard_queries()
    for query in queries:
        named = set(_METRIC.findall(query))
        assert named or "up{" in query, query
        assert named <= exported, (query, sorted(named - exported))


def test_every_dashboard_query_is_valid_promql(promtool: str, tmp_path: Path) -> None:
    rules = [
        {"record": f"dashboard:panel_{n}", "expr": query.replace("$library", ".*")}
        for n, query in enumerate(dashboard_queries())
    ]
    path = tmp_path / "dashboard-queries.yml"
    path.write_text(json.dumps({"groups": [{"name": "dashboard", "rules": rules}]}), "utf-8")
    checked = subprocess.run(
        [promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_fleet_prometheus_config_loads_the_rules(promtool: str, tmp_path: Path) -> None:
    for name in ("prometheus.yml", "kiosk-alerts.yml"):
        shutil.copy(MONITORING / name, tmp_path / name)
    (tmp_path / "kiosks.json").write_text('[{"targets": ["127.0.0.1:9464"]}]', "utf-8")
    checked = subprocess.run(
        [promtool, "check", "config", "prometheus.yml"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
