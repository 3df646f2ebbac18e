"""``kiosk sort explain`` and ``kiosk return-station`` as staff and systemd use them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from drivers.sorter import MechanicsTiming, SorterSimulator
from kiosk.cli import main
from tests.return_station.fixtures import CONFIG_DIR, DEMO

ROOT = Path(__file__).resolve().parents[2]

#: A 10 Checkin Response: a hold for a patron in Ljusdal (CV 02, CT LJD-HB), CL 3.
HOLD_ELSEWHERE = (
    "101YNY20250101    120000AOSE-BOL|AB3000000005|AQHUD-HB|AJHälsingland i bild|CK001|"
    "CSHc|CRVuxen|CL3|CTLJD-HB|CV02|"
)


def test_explain_shows_the_facts_every_rule_and_the_bin(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sort", "explain", "--config", str(DEMO), "--sip2", HOLD_ELSEWHERE]) == 0
    out = capsys.readouterr().out
    assert "destination (CT): 'LJD-HB'" in out
    assert "rule 3 (the van to Hudiksvall): does not match" in out
    assert "destination: wanted 'HUD-HB', 'HUD-DEL', 'HUD-BUS', got 'LJD-HB': no" in out
    assert "=> bin 'transit': rule 5 (everything else that travels)" in out


def test_explain_takes_the_facts_as_options_and_answers_in_json(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = ["sort", "explain", "--config", str(DEMO), "--json"]
    assert main([*args, "--alert-type", "01"]) == 0
    assert json.loads(capsys.readouterr().out)["bin"] == "holds"
    assert main([*args, "--sip2", HOLD_ELSEWHERE, "--destination", "HUD-DEL"]) == 0
    assert json.loads(capsys.readouterr().out)["rule_name"] == "the van to Hudiksvall"
    assert main([*args, "--sip2", HOLD_ELSEWHERE, "--refused"]) == 0
    refused = json.loads(capsys.readouterr().out)
    assert (refused["bin"], refused["reason"], refused["rule"]) == (
        "exceptions",
        "checkin_refused",
        None,
    )
    assert main([*args, "--offline"]) == 0
    assert json.loads(capsys.readouterr().out)["rule"] == 1


def test_explain_refuses_a_message_that_is_not_a_check_in_response(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["sort", "explain", "--config", str(DEMO), "--sip2", "9900302.00"]) == 2
    assert "check-in response (10)" in capsys.readouterr().err


def test_explain_needs_a_return_station_config(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sort", "explain", "--config", str(CONFIG_DIR / "demo.toml")]) == 1
    assert "no [return_station] section" in capsys.readouterr().err


def run_station(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "return-station", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_the_demo_station_runs_headless_sorts_and_stops_cleanly(tmp_path: Path) -> None:
    env = {
        "KIOSK__KIOSK__STATE_DIR": str(tmp_path),
        "KIOSK__HEALTH__ENABLED": "false",
        "KIOSK__HARDWARE__SORTER__SIMULATOR__TIME_PER_ITEM_S": "0.1",
        "KIOSK__HARDWARE__SORTER__SIMULATOR__TRAVEL_S": "0.2",
    }
    config = ["--config", str(DEMO)]
    result = run_station(*config, "--demo-returns", "4", "--exit-after", "8", env=env)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "-> bin holds" in result.stdout  # the log line of the hold for this branch
    status = run_station(*config, "status", "--json", env=env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert sum(b["count"] for b in report["bins"]) == 4
    assert report["not_in_a_bin"] == [] and report["for_staff"] == []
    text = run_station(*config, "status", env=env)
    assert "holds" in text.stdout and "not yet in a bin: 0" in text.stdout


def test_a_wrong_config_mode_is_refused(tmp_path: Path) -> None:
    result = run_station("--config", str(CONFIG_DIR / "demo.toml"), env={})
    assert result.returncode == 1
    assert "needs a return-station configuration" in result.stderr


@pytest.fixture
def plc_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[SorterSimulator, Path]]:
    """The demo station's config pointed at a PLC (a sorter simulator) on the network."""
    with SorterSimulator(bins=7, timing=MechanicsTiming(feed_s=0.0, travel_s=0.1)) as sim:
        monkeypatch.setenv("KIOSK__KIOSK__STATE_DIR", str(tmp_path))
        monkeypatch.setenv("KIOSK__HARDWARE__SORTER__TYPE", "modbus-tcp")
        monkeypatch.setenv("KIOSK__HARDWARE__SORTER__HOST", sim.host)
        monkeypatch.setenv("KIOSK__HARDWARE__SORTER__PORT", str(sim.port))
        yield sim, DEMO


def test_staff_tell_the_sorter_a_bin_was_emptied(
    plc_config: tuple[SorterSimulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    sim, path = plc_config
    assert main(["return-station", "--config", str(path), "bin-emptied", "holds"]) == 0
    assert sim.mechanics.emptied(2) == 1
    assert "bin holds emptied" in capsys.readouterr().out
    assert main(["return-station", "--config", str(path), "bin-emptied", "attic"]) == 2
    assert "no bin 'attic'" in capsys.readouterr().err


def test_staff_reset_a_jam_only_once_it_is_freed(
    plc_config: tuple[SorterSimulator, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    import time

    sim, path = plc_config
    sim.mechanics.jam_next()
    sim.mechanics.insert("book")
    while not sim.mechanics.item_at_reader:
        time.sleep(0.01)
    sim.mechanics.divert(sim.mechanics.item_at_reader, 1)
    while not sim.mechanics.jammed:
        time.sleep(0.01)
    assert main(["return-station", "--config", str(path), "reset-jam"]) == 1
    assert "still jammed" in capsys.readouterr().err
    sim.mechanics.free_jam()
    assert main(["return-station", "--config", str(path), "reset-jam"]) == 0
    assert not sim.mechanics.jammed
    assert main(["return-station", "--config", str(path), "status", "--json"]) == 0
    report = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert report["sorter"]["jammed"] is False
