"""Headless Kivy for the UI tests: one offscreen window per test process (Kivy's rule).

Screenshots go to ``KIOSK_UI_SCREENSHOTS`` when set (to keep them), else to pytest's temporary
directory; never into the source tree.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.ui.harness import configure_kivy

# llvmpipe on one thread: steadier frame times on a shared 2-core machine.
os.environ.setdefault("LP_NUM_THREADS", "1")
configure_kivy(headless=True, width=800, height=480)


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    chosen = os.environ.get("KIOSK_UI_SCREENSHOTS")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("ui-screenshots")
