"""A kiosk's back room for offline/recovery tests: the embedded library system over real SIP2
sockets, the simulated FEIG reader over a pty with the real driver, and a journal on disk.

Other areas may import these fixtures (``from tests.core_offline.fixtures import *``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from drivers.rfid.feig import FeigReader
from drivers.rfid.simulator import FeigSimulator
from drivers.rfid.virtual_tag import tag_for_item
from kiosk.acs import EmbeddedACS
from kiosk.core.pad import SharedReader
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import SecuritySettings
from kiosk.ils.journal import Journal
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.sip2 import ClientSettings

KIOSK_LOGIN = "kiosk-bol-hb"
PATRON = "2150000001"  # Åsa Öberg: no blocks, no fees (demo data "patron")
AFI_SECURED = 0x07
AFI_UNSECURED = 0xC2


@dataclass
class Pad:
    """The simulated reader, the real driver on it, and the security writer the kiosk uses."""

    sim: FeigSimulator
    acs: EmbeddedACS
    reader: SharedReader
    security: SecurityWriter

    def place(self, barcode: str, *, secured: bool = True, part: int = 1) -> bytes:
        """Put the item's tag (or one part of a set) on the pad; returns its UID."""
        item = self.acs.model.item(barcode)
        assert item is not None, f"no item {barcode} in the demo data"
        tag = tag_for_item(
            barcode,
            item.owner_isil,
            parts=item.parts,
            part_number=part,
            not_for_loan_offline=not item.offline_loan,
            secured=secured,
        )
        self.sim.place(tag)
        return tag.uid

    def afi(self, uid: bytes) -> int | None:
        tag = self.sim.tag(uid)
        return None if tag is None else tag.afi

    def lift(self, uid: bytes) -> None:
        self.sim.remove(uid)


def client_settings(acs: EmbeddedACS, *, pool: int = 2) -> ClientSettings:
    return acs.client_settings(
        KIOSK_LOGIN, pool_size=pool, timeout=2.0, connect_timeout=2.0, retries=1
    )


@pytest.fixture
async def acs() -> AsyncIterator[EmbeddedACS]:
    async with EmbeddedACS() as running:
        yield running


@pytest.fixture
async def port(acs: EmbeddedACS) -> AsyncIterator[SIP2LibrarySystem]:
    async with SIP2LibrarySystem(client_settings(acs)) as opened:
        yield opened


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.db") as opened:
        yield opened


@pytest.fixture
async def pad(acs: EmbeddedACS) -> AsyncIterator[Pad]:
    with FeigSimulator(timing=False) as sim:
        async with FeigReader(sim.port, timeout=0.3, retries=1) as driver:
            shared = SharedReader(driver)
            yield Pad(sim, acs, shared, SecurityWriter(shared, SecuritySettings()))
