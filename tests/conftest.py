"""Fixtures for the whole suite: one private pcscd with vpcd readers per test session (and the
suite's Hypothesis settings, below).

pyscard's client library fixes the pcscd socket path at the first PC/SC call of a process, so the
daemon is session-scoped, and it lives here rather than beside the card reader tests: any test
that lets the kiosk open a PC/SC reader (the card reader tests, the assembly's test of a missing
reader) asks for this fixture, whichever of them runs first. In CI (``CI=true``) a pcscd that
cannot start fails the run; elsewhere the PC/SC tests are skipped with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import settings

from drivers.cards import DeviceError, PcscDaemon, PcscdUnavailable, list_reader_names

# Properties check behaviour, not speed (bench/ measures that): on a loaded CI machine an example
# may take longer than Hypothesis's default deadline of 200 ms, which would fail a correct test.
settings.register_profile("kiosk", deadline=None)
settings.load_profile("kiosk")


@pytest.fixture(scope="session")
def pcscd() -> Iterator[PcscDaemon]:
    daemon = PcscDaemon()
    try:
        daemon.start()
    except PcscdUnavailable as error:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"pcscd must run in CI: {error}")
        pytest.skip(f"pcscd cannot be started here: {error}")
    try:
        seen = list_reader_names()
    except DeviceError as error:
        seen = [str(error)]
    if seen != list(daemon.reader_names):
        daemon.stop()
        pytest.fail(
            "the PC/SC client library talks to another pcscd than the test's (it fixes its socket"
            f" path at the first PC/SC call of the process; did an earlier test make one?): {seen}"
        )
    yield daemon
    daemon.stop()
