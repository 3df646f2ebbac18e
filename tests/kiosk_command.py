"""The ``kiosk`` command run as a user runs it: ``python -m kiosk ...`` in a child process.

Why a child process: what a user sees (the exit status, stdout and stderr, a clean shutdown,
no traceback) is only shown by the real entry point, with its own interpreter and logging.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_kiosk(
    *argv: str,
    timeout: float = 60,
    env: Mapping[str, str] | None = None,
    stdin: str | None = None,
    encoding: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``kiosk *argv`` from the project's root; ``stdin`` is its input, ``encoding`` that of its
    text streams (the locale's by default)."""
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *argv],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        encoding=encoding,
        timeout=timeout,
        check=False,
    )
