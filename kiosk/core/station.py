"""The return station: chute -> identify -> check in -> sort -> bin, unattended.

One loop per item at the read position, in the order the sorter numbered them::

    ItemAtReader(n) -> ledger.arrived -> identify (tags in the field, else a scanned barcode)
        -> ReturnService.check_in per item (journal, offline policy, re-arm + verify, routing)
        -> sort_item (the configured rules) -> a bin with room (overflow / pause the inlet)
        -> ledger.routed -> sorter.divert(n, bin) -> ledger.diverted -> slips
    ... later: Delivered(n, bin) -> ledger.delivered (the bin counts)

Why this keeps up: the sorter takes an item off the read position as soon as its bin is known
and carries it to the bin by itself, so while item n travels (the machine's "time per item"),
item n+1 is fed, identified and checked in. The library system's latency is paid once per item
inside that window; it does not add to the machine's cycle unless it is longer than it. Several
items at the read position at once (a stack on a return shelf) are checked in concurrently.

Why nothing is lost: the ledger (:mod:`kiosk.core.station_ledger`) has a row for every item the
sorter numbered before anything else happens to it, and the journal has every check-in. An item
waits *at the read position* while there is no room (full bins: the inlet pauses with a message
until staff empty one), while the conveyor is jammed (the inlet pauses; the item is diverted once
the jam is cleared), and while the sorter's controller does not answer. An item that cannot be
checked in (no readable tag and no barcode, the library system down with offline returns off)
still goes to the exception bin with a slip, and its ledger row says why. Drops are counted only
when the sorter reports them, and a jammed item staff took out is recorded as such.

The station emits the core's item events (``ItemSeen``, ``ItemChecking``, ``ItemReturned``,
``LibrarySystemStatus``) and its own (:mod:`kiosk.core.station_events`) to subscribers: the
optional display, the metrics, tests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from drivers.cards.contract import BarcodeScanner
from drivers.printer.contract import ReceiptPrinter
from drivers.rfid.contract import ReaderError, RfidReader
from drivers.sorter.contract import (
    ItemAtReader,
    Sorter,
    SorterError,
)
from kiosk.core import events as ev
from kiosk.core import station_events as sev
from kiosk.core.bus import EventCallback, EventHub, EventStream
from kiosk.core.pad import PadWatcher, SharedReader
from kiosk.core.printing import Printing
from kiosk.core.returns import ReturnService
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings
from kiosk.core.slips import SlipQueue, slip_for
from kiosk.core.sorting import SortFacts, SortingRuleLike
from kiosk.core.staff import StaffDesk
from kiosk.core.station_bins import BinBook, StationBin
from kiosk.core.station_inlet import Inlet
from kiosk.core.station_items import ReadPosition, SortedItem, batch_decision
from kiosk.core.station_ledger import StationLedger
from kiosk.core.station_sorter import Conveyor
from kiosk.core.statistics import Statistics
from kiosk.core.tasks import BackgroundTasks
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import LibrarySystem

__all__ = ["ReturnStation", "SortedItem", "StationSettings"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True, kw_only=True)
class StationSettings:
    """The return station's own settings (``kiosk.station_assembly`` maps the config)."""

    bins: tuple[StationBin, ...]
    rules: tuple[SortingRuleLike, ...]
    exception_bin: str
    slip_for_holds: bool = True
    slip_for_transits: bool = True
    when_full: str = "overflow"
    identify_timeout_s: float = 1.5
    station_name: str = ""
    replay_interval_s: float = 5.0
    online_check_s: float = 5.0


class ReturnStation:
    """The unattended return station (see module docs).

    Use ``async with station:`` (or ``start()`` / ``stop()``). Like :class:`~kiosk.core.Kiosk`,
    it does not open or close the devices, the port, the journal or the ledger passed in:
    their owner does (``kiosk.station_assembly.open_return_station``).
    """

    def __init__(
        self,
        *,
        sorter: Sorter,
        reader: RfidReader,
        ils: LibrarySystem,
        journal: Journal,
        ledger: StationLedger,
        settings: StationSettings,
        kiosk_settings: KioskSettings,
        offline_policy: OfflinePolicy | None = None,
        statistics: Statistics | None = None,
        scanner: BarcodeScanner | None = None,
        printer: ReceiptPrinter | None = None,
    ) -> None:
        self.sorter = sorter
        self.ils = ils
        self.journal = journal
        self.ledger = ledger
        self.settings = settings
        self.kiosk_settings = kiosk_settings
        self.offline_policy = offline_policy or OfflinePolicy()
        self.scanner = scanner
        self._reader = SharedReader(reader)
        self.security = SecurityWriter(self._reader, kiosk_settings.security)
        self.pad = PadWatcher(
            self._reader,
            interval_s=kiosk_settings.pad_interval_s,
            absent_rounds=kiosk_settings.pad_absent_rounds,
            on_arrive=lambda tag: self.read_position.tag_arrived(tag),
            on_leave=lambda tag: self.read_position.tag_left(tag),
            on_error=self._reader_failed,
        )
        self.returns = ReturnService(
            ils=ils,
            journal=journal,
            security=self.security,
            settings=kiosk_settings,
            offline_policy=self.offline_policy,
            statistics=statistics,
            on_online=self._ils_state,
        )
        self.replayer = Replayer(journal, ils)
        self.inlet = Inlet(sorter, self._emit)
        self.read_position = ReadPosition(self.pad, identify_timeout_s=settings.identify_timeout_s)
        self.printing = Printing(printer)
        self.slips = SlipQueue(self.printing)
        self.staff = StaffDesk(
            journal=journal,
            printing=self.printing,
            pad=self.pad,
            online=lambda: self._ils_online,
            staff_code=kiosk_settings.staff_code,
            staff_card_uids=kiosk_settings.staff_card_uids,
            library_name=kiosk_settings.library_name,
            branch_name=settings.station_name or kiosk_settings.branch_name,
        )
        self.bins = BinBook(
            settings.bins,
            when_full=settings.when_full,
            counts=ledger.counts(),
            en_route=ledger.en_route(),
        )
        self.conveyor = Conveyor(
            sorter=sorter,
            bins=self.bins,
            ledger=ledger,
            inlet=self.inlet,
            exception_bin=settings.exception_bin,
            emit=self._emit,
        )
        self._hub = EventHub()
        self._arrivals: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._arrived_at: dict[int, float] = {}
        self._current: int | None = None
        self._tasks = BackgroundTasks()
        self._idle = asyncio.Event()
        self._idle.set()
        self._ils_online = True
        self._started = False

    # ============================================================== lifecycle and events

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._ils_online = self.ils.online
        spawn = self._tasks.start
        spawn(self.pad.run(), "station-reader")
        spawn(self._sorter_loop(), "station-sorter")
        spawn(self._item_loop(), "station-items")
        spawn(self.slips.run(), "station-slips")
        spawn(self._replay_loop(), "station-replay")
        if self.scanner is not None:
            spawn(self.read_position.read_barcodes(self.scanner), "station-scanner")
        for bin_ in self.settings.bins:
            self.conveyor.publish_bin(bin_.id)
        await self.inlet.apply()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Close the inlet, let the item at the read position finish, then stop."""
        if not self._started:
            return
        self.inlet.pauses.setdefault(sev.PauseReason.SHUTDOWN, "the station is stopping")
        with contextlib.suppress(SorterError, TimeoutError):
            await asyncio.wait_for(self.inlet.apply(), timeout=2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=timeout_s)
        await self._tasks.stop()
        self._started = False

    async def __aenter__(self) -> ReturnStation:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on the loop); returns an unsubscriber."""
        return self._hub.subscribe(callback)

    def events(self) -> EventStream:
        """Every event from now on, as an async iterator (see :class:`EventStream`)."""
        return self._hub.events()

    def announce(self, event: ev.KioskEvent) -> None:
        """Send ``event`` to the subscribers as the station's own (the display adapter's staff
        mode events go through here)."""
        self._emit(event)

    def _emit(self, event: ev.KioskEvent) -> None:
        self._hub.emit(event)

    # ========================================================================== state

    @property
    def library_system_online(self) -> bool:
        return self._ils_online

    @property
    def paused(self) -> dict[sev.PauseReason, str]:
        """Why the inlet is closed now (empty: open)."""
        return dict(self.inlet.pauses)

    @property
    def busy(self) -> bool:
        """An item is being handled, or arrivals wait."""
        return not self._idle.is_set() or not self._arrivals.empty()

    async def wait_idle(self) -> None:
        """Wait until no item is at the read position waiting for the station (tests)."""
        while self.busy:
            await self._idle.wait()
            await asyncio.sleep(0)

    # ================================================================== the item loop

    async def _item_loop(self) -> None:
        while True:
            number = await self._arrivals.get()
            self._queued.discard(number)
            self._idle.clear()
            self._current = number
            try:
                await self._handle(number)
            except asyncio.CancelledError:
                raise
            except Exception:
                # A bug or a broken disk must not stop the station silently: the item stays at
                # the read position (the sorter holds it) and its ledger row says "arrived".
                log.exception("return station failed on sorter item %d; inlet paused", number)
                self.inlet.pause(sev.PauseReason.STATION_ERROR, "station error: see the log")
                await self.inlet.apply()
            finally:
                self._current = None
                if self._arrivals.empty():
                    self._idle.set()

    async def _handle(self, number: int) -> None:
        record = await asyncio.to_thread(self.ledger.arrived, number)
        items = await self._identify(number)
        for item in items:
            self._emit(
                ev.ItemSeen(
                    item_id=item.item_id,
                    action=ev.Action.RETURN,
                    part=len(item.tags) or 1,
                    parts=item.parts,
                )
            )
        await asyncio.gather(*(self._check_in(item) for item in items))
        decision = batch_decision(items, self.settings.exception_bin)
        ids = tuple(item.item_id for item in items if item.item_id)
        record = await asyncio.to_thread(
            self.ledger.routed,
            record.id,
            item_ids=ids,
            bin=decision.bin,
            reason=decision.reason,
            rule=decision.rule_name,
            entry_ids=tuple(
                item.done.entry_id for item in items if item.done and item.done.entry_id
            ),
        )
        self._emit(
            sev.ItemRouted(
                sorter_item=number, item_ids=ids, bin_id=decision.bin, reason=decision.reason
            )
        )
        for item in items:
            outcome = item.outcome
            assert outcome is not None
            self._emit(
                ev.ItemReturned(
                    item_id=item.item_id,
                    title=item.title,
                    outcome=outcome,
                    offline=bool(item.done and item.done.offline),
                )
            )
            if not outcome.security_ok and item.done and item.done.armed:
                self._emit(
                    ev.SecurityNotCleared(
                        item_id=item.item_id, action=ev.Action.RETURN, title=item.title
                    )
                )
        target = await self.conveyor.divert(number, decision.bin, record)
        if target is None:
            return
        record = await asyncio.to_thread(self.ledger.diverted, record.id, target.id)
        self.bins.diverted(target.id, record.items)
        self.conveyor.publish_bin(target.id)
        self._emit(
            sev.ItemSorted(
                sorter_item=number,
                item_ids=ids,
                bin_id=target.id,
                bin_label=target.name,
                reason=decision.reason,
                rule=decision.rule_name,
                routed_bin=decision.bin if decision.bin != target.id else None,
            )
        )
        for item in items:
            if item.outcome is not None:
                slip = slip_for(
                    item.item_id,
                    item.title,
                    item.outcome,
                    decision,
                    target=target,
                    routed=self.bins.bin(decision.bin),
                    holds=self.settings.slip_for_holds,
                    transits=self.settings.slip_for_transits,
                    station=self.settings.station_name,
                )
                if slip is not None:
                    self.slips.add(slip)

    # ------------------------------------------------------------------ identification

    async def _identify(self, number: int) -> list[SortedItem]:
        """What lies at the read position (see :class:`ReadPosition`); while the chute reader
        does not answer, the item waits for it (sorting it unread would send it to the
        exceptions unchecked)."""
        loop = asyncio.get_running_loop()
        arrived = self._arrived_at.pop(number, loop.time())
        if not self.pad.healthy:
            await self._reader_back()
            arrived = loop.time()
        return await self.read_position.identify(number, arrived)

    # ----------------------------------------------------------------------- check-in

    async def _check_in(self, item: SortedItem) -> None:
        """Check one item in through the one check-in path, and decide its bin."""
        if item.facts is not None:  # not checkable (no id, unreadable tag, patron card)
            item.sort(self.settings.rules, self.settings.exception_bin)
            return
        self._emit(ev.ItemChecking(item_id=item.item_id, action=ev.Action.RETURN))
        try:
            done = await self.returns.check_in(item.item_id, item.tags)
        except Exception:
            log.exception("check-in of %s failed inside the station", item.item_id)
            item.facts = SortFacts.not_checked_in("station_error")
            item.sort(self.settings.rules, self.settings.exception_bin)
            return
        item.done = done
        item.title = done.title
        exception: str | None = None
        if done.outcome is None:
            if not self.offline_policy.allows_returns:
                self.inlet.pause(
                    sev.PauseReason.LIBRARY_SYSTEM_UNAVAILABLE,
                    "the library system is unavailable and this station takes no offline returns",
                )
                await self.inlet.apply()
        elif done.unverified and done.entry_id is not None:
            # The item is still in the reader's field: one more try before it moves on.
            unverified = await self.returns.rearm(done.entry_id, sorted(done.unverified))
            if unverified:
                exception = "security_not_verified"
            else:
                assert done.outcome is not None
                done = replace(
                    done, unverified=frozenset(), outcome=replace(done.outcome, security_ok=True)
                )
                item.done = done
        if item.tags and len(item.tags) < item.parts:
            exception = exception or "incomplete_set"
        item.sort(self.settings.rules, self.settings.exception_bin, exception=exception)

    # ---------------------------------------------------------------------- the sorter

    async def _sorter_loop(self) -> None:
        async for event in self.sorter.events():
            try:
                if isinstance(event, ItemAtReader):
                    self._arrived(event.item)
                else:
                    await self.conveyor.handle(event)
            except Exception:
                log.exception("sorter event %s could not be handled", type(event).__name__)

    def _arrived(self, number: int) -> None:
        """The sorter holds item ``number`` at the read position."""
        if number != self._current and number not in self._queued:
            self._arrived_at[number] = asyncio.get_running_loop().time()
            self._queued.add(number)
            self._idle.clear()
            self._arrivals.put_nowait(number)
            self._emit(sev.ItemArrived(sorter_item=number))

    # ------------------------------------------------------------------ reader and scanner

    def _reader_failed(self, error: ReaderError) -> None:
        """The chute reader does not answer: close the inlet until it does again (an item at
        the read position waits; sorting it unread would send it to the exceptions unchecked)."""
        log.warning("chute reader failed: %s", error)
        if sev.PauseReason.READER_UNAVAILABLE not in self.inlet.pauses:
            self.inlet.pause(sev.PauseReason.READER_UNAVAILABLE, f"the chute reader fails: {error}")
            self._tasks.start(self._reader_back(), "station-reader-watch")

    async def _reader_back(self) -> None:
        await self.inlet.apply()
        while not self.pad.healthy:
            await asyncio.sleep(0.2)
        if self.inlet.lift(sev.PauseReason.READER_UNAVAILABLE):
            log.info("chute reader answers again")
            await self.inlet.apply()

    # ------------------------------------------------------------- the library system

    def _ils_state(self, online: bool) -> None:
        if online != self._ils_online:
            self._ils_online = online
            self._emit(
                ev.LibrarySystemStatus(
                    online=online, offline_mode=not online and self.offline_policy.allows_returns
                )
            )

    async def _replay_loop(self) -> None:
        """Watch for the library system while offline; replay the journal once it is back, and
        open the inlet again if it was closed for want of the library system."""
        waiting = sev.PauseReason.LIBRARY_SYSTEM_UNAVAILABLE

        async def on_state(online: bool) -> None:
            self._ils_state(online)
            if online and self.inlet.lift(waiting):
                await self.inlet.apply()

        await self.replayer.watch(
            self.settings.replay_interval_s,
            in_doubt=lambda: not self._ils_online or waiting in self.inlet.pauses,
            on_state=on_state,
        )

    # ---------------------------------------------------------------------- plumbing
