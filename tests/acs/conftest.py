"""Fixtures of the embedded library system's tests (shared ones live in fixtures.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from kiosk import sip2
from kiosk.acs import EmbeddedACS
from tests.acs.fixtures import DEMO, embedded_acs

__all__ = ["DEMO", "client", "embedded_acs", "kiosk_client"]


def kiosk_client(acs: EmbeddedACS, login: str | None = None, **settings: object) -> sip2.SIP2Client:
    """The kiosk's own SIP2 client, configured for one of the demo's kiosk accounts."""
    account = acs.account(login or DEMO["kiosk"]["login"])
    options: dict[str, object] = {
        "host": acs.host, "port": acs.port, "user": account.login,
        "password": account.password, "location_code": account.location_code,
        "institution_id": "SE-BOL", "charset": account.charset,
        "error_detection": account.error_detection, "terminator": account.terminator,
        "timeout": 3.0,
    }  # fmt: skip
    options.update(settings)
    return sip2.SIP2Client(sip2.ClientSettings(**options))  # type: ignore[arg-type]


@pytest.fixture
async def client(embedded_acs: EmbeddedACS) -> AsyncIterator[sip2.SIP2Client]:
    """Our own client logged in as the Bollnäs main library kiosk."""
    async with kiosk_client(embedded_acs) as c:
        yield c
