"""The type checker's verdict on the tree, with the configuration in pyproject.toml ([tool.mypy]):
``kiosk/`` and ``drivers/`` are held at zero errors, as a new contributor running mypy sees them."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

TYPED = ("kiosk", "drivers")

_SUMMARY = re.compile(r"^(Success: no issues found|Found \d+ errors? in \d+ files?) ", re.M)


@pytest.mark.skipif(
    importlib.util.find_spec("mypy") is None,
    reason="mypy is not installed (it comes with the test extra: pip install -e '.[test]')",
)
def test_the_kiosk_and_its_drivers_have_no_mypy_error() -> None:
    """A crash or a configuration error fails the test as much as an error does."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", *TYPED],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert _SUMMARY.search(result.stdout), result.stdout[-2000:] + result.stderr[-2000:]
    errors = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert result.returncode == 0 and errors == [], "\n".join(errors[:50])
