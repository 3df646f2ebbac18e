"""The deploy tests' report: the units' systemd-analyze security scores, printed after the run.

Issue 6 asks for the scores in CI's output; a test's own print() is captured by pytest, so the
score test records them here and the terminal summary prints them.
"""

from __future__ import annotations

from typing import Any

import pytest

SECURITY_SCORES: dict[str, str] = {}


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if SECURITY_SCORES:
        terminalreporter.section("systemd-analyze security --offline=true")
        for unit, score in sorted(SECURITY_SCORES.items()):
            terminalreporter.write_line(f"{unit}: {score}")


@pytest.fixture
def security_scores() -> dict[str, str]:
    return SECURITY_SCORES
