"""Fixtures of the FOLIO tests: prism (mock and validating proxy), the embedded FOLIO server.

Session-scoped, because a prism process takes a second or two to start: one ``prism mock``
and one ``prism proxy`` in front of one embedded FOLIO server. Each test gets a fresh embedded
library system (:class:`kiosk.acs.EmbeddedACS`, the SIP2 server too) which the FOLIO server then
serves, and an adapter whose spec requests go through prism; a test fails if prism reported any
violation. In CI (``CI=true``) a prism that cannot start fails the run instead of skipping.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from kiosk.acs import ConsortiumModel, FolioServer
from tests.ils_folio.prism import Prism, run_prism
from tests.ils_folio.rig import FolioBackend, Gateway, folio_backend


@pytest.fixture(scope="session")
def prism_logs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("prism")


@pytest.fixture(scope="session")
def prism_mock(prism_logs: Path) -> Iterator[Prism]:
    with run_prism("mock", log_dir=prism_logs) as mock:
        yield mock


@pytest.fixture(scope="session")
def gateway(prism_logs: Path) -> Iterator[Gateway]:
    """The embedded FOLIO server with a validating ``prism proxy`` in front of it."""
    placeholder = ConsortiumModel.open()
    server = FolioServer(placeholder).start()
    try:
        with run_prism("proxy", server.url, log_dir=prism_logs) as proxy:
            yield Gateway(server, proxy)
    finally:
        server.stop()
        placeholder.close()


@pytest.fixture
async def folio(gateway: Gateway) -> AsyncIterator[FolioBackend]:
    """A fresh embedded library system served over FOLIO (through the validating proxy)."""
    async with folio_backend(gateway) as backend:
        yield backend
