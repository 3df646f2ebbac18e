"""The stack benchmark runs and prints the documented JSON (figures are not asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
