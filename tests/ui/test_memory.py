"""What a finished session freed goes back to the system (kiosk.ui.memory)."""

from __future__ import annotations

import gc
from pathlib import Path

from kiosk.ui.memory import release_free_memory


def resident_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_memory_freed_between_live_blocks_is_handed_back() -> None:
    # 60 MB in 4 KB blocks (the C heap, like label textures and layout data); every tenth stays,
    # so the free memory lies in holes that the allocator keeps without being told.
    blocks = [bytearray(4096) for _ in range(15_000)]
    survivors = blocks[::10]
    del blocks
    gc.collect()
    before = resident_mb()
    assert release_free_memory()
    after = resident_mb()
    assert after < before - 30, (before, after)
    assert len(survivors) == 1500
