"""The type checker's verdict on the tree, with the configuration in pyproject.toml ([tool.mypy]).

The packages named in ``CLEAN`` are held at zero errors; the rest of ``kiosk/`` and ``drivers/``
joins them as it is made clean (then one test runs mypy over both folders as a whole).
"""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Folders and modules with no mypy error under the project's configuration.
CLEAN = (
    "kiosk/acs",
    "kiosk/sip2",
    "kiosk/ils",
    "kiosk/vendors",
    "kiosk/store.py",
    "kiosk/privacy.py",
    "kiosk/registry.py",
    "kiosk/logs.py",
    "kiosk/httpserve.py",
    "drivers/cards",
    "drivers/printer",
    "drivers/tags",
)

#: mypy's last line once it has checked ("Success: ..." or "Found 2 errors in 1 file ...").
_SUMMARY = re.compile(r"^(Success: no issues found|Found \d+ errors? in \d+ files?) ", re.M)


def in_clean(report_line: str) -> bool:
    path = report_line.split(":", 1)[0]
    return any(path == clean or path.startswith(clean + "/") for clean in CLEAN)


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (it comes with the test extra: pip install -e '.[test]')",
)
def test_the_typed_packages_have_no_mypy_error() -> None:
    """Errors mypy reports in modules the clean ones import (it follows imports) are not theirs
    and are left out; a crash or a configuration error fails the test."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *CLEAN],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode in (0, 1) and _SUMMARY.search(result.stdout), (
        result.stdout[-2000:] + result.stderr[-2000:]
    )
    errors = [line for line in result.stdout.splitlines() if ": error:" in line and in_clean(line)]
    assert errors == []
