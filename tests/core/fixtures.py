"""Test rig for the kiosk core: the embedded library system over real sockets, the simulated
FEIG reader over a pty with the real driver, a real SQLite journal. Other areas may import it.

    async with kiosk_rig(tmp_path) as rig:
        await rig.login("2150000001", "1234")
        rig.place("3000000011")                      # the item's tags on the pad
        await rig.kiosk.start_borrow()
        event = await rig.events.wait(ItemBorrowed, item_id="3000000011")
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from drivers.rfid import FeigReader, FeigSimulator, VirtualTag
from kiosk.acs import EmbeddedACS
from kiosk.acs.model import ConsortiumModel
from kiosk.assembly import RunningKiosk, branch_directory, demo_item_tags, demo_patron_card
from kiosk.core import (
    Kiosk,
    KioskSettings,
    PinPolicy,
    ReturnKind,
    SecuritySettings,
    Statistics,
    TransferKind,
    events,
)
from kiosk.ils.journal import Entry, Journal
from kiosk.ils.offline import OfflineMode, OfflinePolicy
from kiosk.ils.port import LibrarySystem
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.lockout import GuessGuard

E = TypeVar("E", bound=events.KioskEvent)

ACCOUNT = "kiosk-bol-hb"
BRANCH = "BOL-HB"
PATRON, PIN = "2150000001", "1234"


class EventLog:
    """Every event the kiosk emits, with a way to wait for one."""

    def __init__(self, kiosk: Kiosk) -> None:
        self.seen: list[events.KioskEvent] = []
        self._changed = asyncio.Event()
        kiosk.subscribe(self._on_event)

    def _on_event(self, event: events.KioskEvent) -> None:
        self.seen.append(event)
        self._changed.set()

    def of(self, kind: type[E], **match: Any) -> list[E]:
        return [
            e
            for e in self.seen
            if isinstance(e, kind) and all(getattr(e, k) == v for k, v in match.items())
        ]

    async def wait(self, kind: type[E], timeout: float = 10.0, **match: Any) -> E:
        """The first event of ``kind`` matching ``match`` (already seen or still to come)."""
        async with asyncio.timeout(timeout):
            while True:
                found = self.of(kind, **match)
                if found:
                    return found[0]
                self._changed.clear()
                await self._changed.wait()

    def clear(self) -> None:
        self.seen.clear()


@dataclasses.dataclass
class Rig:
    kiosk: Kiosk
    acs: EmbeddedACS
    sim: FeigSimulator
    journal: Journal
    statistics: Statistics
    events: EventLog
    settings: KioskSettings

    def tags(self, barcode: str, **kw: Any) -> list[VirtualTag]:
        return demo_item_tags(self.acs.model, barcode, security=self.settings.security, **kw)

    def place(self, barcode: str, *, parts: list[int] | None = None, **kw: Any) -> list[VirtualTag]:
        """Put an item's tags (all parts, or the given part numbers) on the pad."""
        tags = self.tags(barcode, **kw)
        chosen = [tags[n - 1] for n in parts] if parts else tags
        self.sim.place(*chosen)
        return chosen

    def take(self, barcode: str) -> None:
        for tag in self.tags(barcode):
            self.sim.remove(tag.uid)

    def tag_state(self, barcode: str, part: int = 1) -> VirtualTag:
        uid = self.tags(barcode)[part - 1].uid
        tag = self.sim.tag(uid)
        assert tag is not None, f"tag of {barcode} part {part} is not on the pad"
        return tag

    def secured(self, barcode: str, part: int = 1) -> bool:
        tag = self.tag_state(barcode, part)
        security = self.settings.security
        if security.uses_afi:
            return tag.afi == security.afi_secured
        return tag.eas

    def place_patron_card(self, barcode: str) -> VirtualTag:
        card = demo_patron_card(self.acs.model, barcode)
        self.sim.place(card)
        return card

    async def login(self, patron: str = PATRON, pin: str = PIN) -> events.SessionStarted:
        await self.kiosk.identify(patron)
        await self.kiosk.enter_pin(pin)
        return await self.events.wait(events.SessionStarted)

    async def place_again(self, barcode: str, **kw: Any) -> list[VirtualTag]:
        """The patron takes the item off the pad and, once the kiosk has seen it go, puts it
        back (``kw`` as for :meth:`place`)."""
        self.take(barcode)
        await self.settle()
        return self.place(barcode, **kw)

    def entry(self, barcode: str) -> Entry:
        """The journal's one entry for the item."""
        [entry] = [e for e in self.journal.entries() if e.item_id == barcode]
        return entry

    async def borrow(self, *barcodes: str) -> list[events.ItemBorrowed]:
        """Put the items on the pad, start borrowing, and wait until each is lent."""
        for barcode in barcodes:
            self.place(barcode)
        await self.kiosk.start_borrow()
        return [await self.events.wait(events.ItemBorrowed, item_id=b) for b in barcodes]

    async def borrow_refused(self, barcode: str, **kw: Any) -> events.ItemRefused:
        """Put the item on the pad (``kw`` as for :meth:`place`), start borrowing, and wait
        for its refusal."""
        self.place(barcode, **kw)
        await self.kiosk.start_borrow()
        return await self.events.wait(events.ItemRefused, item_id=barcode)

    async def settle(self, rounds: int = 3) -> None:
        """Let the pad watcher see the pad a few times, then wait for the work it started."""
        assert self.kiosk.pad is not None
        await self.kiosk.pad.wait_rounds(rounds)
        await self.kiosk.wait_idle()


async def logged_in(kiosk: Kiosk, patron: str = PATRON, pin: str = PIN) -> EventLog:
    """A patron's session started with her card and PIN; the kiosk's events from then on."""
    log = EventLog(kiosk)
    await kiosk.identify(patron)
    await kiosk.enter_pin(pin)
    await log.wait(events.SessionStarted)
    return log


async def lend_and_take_back(
    running: RunningKiosk, model: ConsortiumModel, log: EventLog
) -> events.ItemReturned:
    """At a kiosk built from a configuration, with a patron's session open: she borrows
    3000000012, takes it off the pad and returns 3000000003 (Söderhamn's), which goes back to
    its own library; the return's event."""
    assert running.simulator is not None
    running.simulator.place(*demo_item_tags(model, "3000000012"))
    await running.kiosk.start_borrow()
    await log.wait(events.ItemBorrowed, item_id="3000000012")
    for tag in demo_item_tags(model, "3000000012"):
        running.simulator.remove(tag.uid)
    running.simulator.place(*demo_item_tags(model, "3000000003"))
    await running.kiosk.start_return()
    returned = await log.wait(events.ItemReturned, item_id="3000000003")
    assert returned.outcome.kind is ReturnKind.OTHER_LIBRARY
    return returned


#: Parametrizes a test over every routing outcome of the demo consortium: the example item,
#: and the kind, transfer and destination branch its return comes to.
every_routing_outcome = pytest.mark.parametrize(
    ("example", "kind", "transfer", "destination"),
    [
        ("return_reshelve", ReturnKind.RESHELVE, None, "BOL-HB"),
        ("return_floating_stays", ReturnKind.RESHELVE, None, "BOL-HB"),
        ("return_transit_home", ReturnKind.OTHER_LIBRARY, TransferKind.TRANSIT, "SOD-HB"),
        ("return_hold_here", ReturnKind.HOLD_HERE, None, "BOL-HB"),
        ("return_hold_transit", ReturnKind.OTHER_LIBRARY, TransferKind.HOLD, "LJD-HB"),
    ],
)


async def assert_return_routed(
    rig: Rig, example: str, kind: ReturnKind, transfer: TransferKind | None, destination: str
) -> str:
    """Return the ``example`` item (it comes back from a loan unsecured; no identification
    needed) and check where it goes, its hold slip, that it is armed again and no longer
    lent; returns its barcode."""
    item = rig.acs.examples[example]["item"]
    rig.place(item, secured=False)
    await rig.kiosk.start_return()
    outcome = (await rig.events.wait(events.ItemReturned, item_id=item)).outcome
    assert (outcome.kind, outcome.transfer, outcome.destination) == (kind, transfer, destination)
    assert outcome.destination_name == rig.settings.branch_names[destination]
    assert outcome.security_ok and rig.secured(item)
    assert rig.acs.model.item(item).loan is None
    if kind is ReturnKind.HOLD_HERE or transfer is TransferKind.HOLD:
        assert outcome.slip is not None and outcome.slip.item_id == item
    return item


def rig_settings(**overrides: Any) -> KioskSettings:
    base = KioskSettings(
        library_name="Bollnäs bibliotek",
        library_code="SE-BOL",
        branch_code=BRANCH,
        branch_name="Bollnäs huvudbibliotek",
        pin=PinPolicy.ALWAYS,
        inactivity_timeout_s=600,
        inactivity_warning_s=15,
        security=SecuritySettings(),
        pad_interval_s=0.01,
        pad_active_interval_s=0.01,
        staff_code="2468",
    )
    return dataclasses.replace(base, **overrides)


def consortium_settings(acs: EmbeddedACS, account: str, **overrides: Any) -> KioskSettings:
    """The rig's settings for a kiosk of ``account``'s branch, knowing the consortium's
    branches by name."""
    settings = rig_settings(branch_code=acs.account(account).branch, **overrides)
    return dataclasses.replace(settings, branch_names=branch_directory(acs.model))


@contextlib.asynccontextmanager
async def kiosk_rig(
    state_dir: Path,
    *,
    account: str = ACCOUNT,
    pool_size: int = 4,
    offline: OfflineMode = OfflineMode.RETURNS_AND_LOANS,
    acs_options: dict[str, Any] | None = None,
    card_reader: Any = None,
    scanner: Any = None,
    **settings: Any,
) -> AsyncIterator[Rig]:
    async with EmbeddedACS(**(acs_options or {})) as acs:
        kiosk_settings = consortium_settings(acs, account, **settings)
        client = acs.client_settings(account, pool_size=pool_size, timeout=2.0, retries=1)
        async with SIP2LibrarySystem(client) as ils:
            pin_guard = GuessGuard(
                state_dir / "lockouts.db",
                kind="patron_pin",
                attempts=kiosk_settings.pin_lockout_after,
                lockout_s=kiosk_settings.pin_lockout_minutes * 60,
                hide_subjects=True,
            )
            async with rig_kiosk(
                state_dir,
                acs,
                ils,
                kiosk_settings,
                offline=offline,
                card_reader=card_reader,
                scanner=scanner,
                pin_guard=pin_guard,
            ) as rig:
                yield rig


@contextlib.asynccontextmanager
async def rig_kiosk(
    state_dir: Path,
    acs: EmbeddedACS,
    ils: LibrarySystem,
    settings: KioskSettings,
    *,
    offline: OfflineMode,
    **devices: Any,
) -> AsyncIterator[Rig]:
    """A running kiosk over ``ils`` (whichever back end serves ``acs``): the simulated FEIG
    reader with the real driver, the journal and statistics in ``state_dir``, its events
    logged; ``devices`` go to the kiosk as they are (card reader, scanner, PIN guard)."""
    with FeigSimulator(timing=False) as sim:
        async with FeigReader(sim.port) as reader:
            journal = Journal(state_dir / "journal.db")
            statistics = Statistics(state_dir / "statistics.db")
            kiosk = Kiosk(
                ils=ils,
                reader=reader,
                settings=settings,
                journal=journal,
                offline_policy=OfflinePolicy(mode=offline),
                statistics=statistics,
                replay_interval_s=0.2,
                **devices,
            )
            log = EventLog(kiosk)
            try:
                async with kiosk:
                    yield Rig(kiosk, acs, sim, journal, statistics, log, settings)
            finally:
                journal.close()
                statistics.close()
