"""The stack benchmark runs and prints the documented JSON (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_stack_prints_one_json_object_per_setting() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stack.py"), "--json", "--latency", "0",
         "--pool", "1", "4", "--repeat", "1"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
    )  # fmt: skip
    runs = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [(r["latency_ms"], r["pool"]) for r in runs] == [(0, 1), (0, 4)]
    for run in runs:
        assert {"items", "latency_ms", "pool", "seconds", "overhead_ms_per_item"} <= set(run)
        assert run["items"] == 10 and run["seconds"] > 0 and run["overhead_ms_per_item"] > 0


def test_bench_stack_with_reader_timing_says_where_the_time_went() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "stack.py"), "--json", "--reader-timing",
         "--latency", "0", "--pool", "4", "--repeat", "1", "--baud", "115200"],
        capture_output=True, text=True, timeout=120, check=True, cwd=ROOT,
    )  # fmt: skip
    [run] = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert run["baud"] == 115200 and run["reader_timing"] is True
    where = run["where"]
    parts = ("wait_for_first_poll", "inventory", "reads", "security writes", "verification")
    assert set(parts) <= set(where) and all(where[part] >= 0 for part in parts)
    assert where["reads"] > 0 and where["security writes"] > 0 and where["verification"] > 0
    accounted = sum(where[p] for p in (*parts, "reader_idle", "tail"))
    assert accounted == pytest.approx(run["seconds"], abs=0.01)
    assert run["air_floor_s"] > 0
    assert run["ratio_to_air_floor"] == pytest.approx(run["seconds"] / run["air_floor_s"], 0.01)
