"""The return-station benchmark runs and prints the documented JSON (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_return_station_reports_throughput_lateness_and_losses() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "return_station.py"), "--json", "--latency", "0",
         "--items", "6", "--repeat", "1", "--time-per-item", "0.2"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
    )  # fmt: skip
    [run] = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert run["machine"] == "conveyor" and run["items"] == 6 and run["latency_ms"] == 0
    expected = {"items_per_hour", "late", "late_percent", "lost", "items_per_hour_min"}
    assert expected <= set(run)
    assert run["items_per_hour"] > 0 and run["lost"] == 0
