"""Fixtures for the card reader tests: one private pcscd with vpcd readers per test session.

pyscard's client library fixes the pcscd socket path at the first PC/SC call of a process, so the
daemon is session-scoped. In CI (``CI=true``) a pcscd that cannot start fails the run; elsewhere
the PC/SC tests are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from drivers.cards import PcscDaemon, PcscdUnavailable


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    daemon = PcscDaemon()
    try:
        daemon.start()
    except PcscdUnavailable as error:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"pcscd must run in CI: {error}")
        pytest.skip(f"pcscd cannot be started here: {error}")
    yield daemon
    daemon.stop()
