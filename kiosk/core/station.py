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
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from drivers.cards.contract import BarcodeScanner
from drivers.printer.contract import PrinterError, ReceiptPrinter
from drivers.rfid.contract import ReaderError, RfidReader
from drivers.sorter.contract import (
    TAKEN_OUT,
    BinEmptied,
    BinFullChanged,
    ControllerRestarted,
    Delivered,
    DeliveriesLost,
    DivertRefusal,
    DivertRefused,
    InletChanged,
    ItemAtReader,
    JamChanged,
    Sorter,
    SorterConnection,
    SorterError,
    SorterEvent,
    SorterUnavailable,
)
from kiosk.core import events as ev
from kiosk.core import station_events as sev
from kiosk.core.bus import EventCallback, EventHub, EventStream
from kiosk.core.model import ReturnKind, ReturnOutcome, TransferKind
from kiosk.core.pad import PadTag, PadWatcher, SharedReader
from kiosk.core.returns import ReturnDone, ReturnService
from kiosk.core.routing import exception_outcome
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings
from kiosk.core.slips import Slip, SlipKind, slip_document
from kiosk.core.sorting import SortDecision, SortFacts, SortingRuleLike, sort_item
from kiosk.core.station_bins import BinBook, StationBin
from kiosk.core.station_ledger import LedgerRecord, StationLedger
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import LibrarySystem

__all__ = ["ReturnStation", "SortedItem", "StationSettings"]

log = logging.getLogger(__name__)


#: A barcode scanned this long before the item reached the read position still belongs to it.
BARCODE_GRACE_S = 0.3


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


@dataclass(slots=True)
class SortedItem:
    """One library item of a physical arrival, as far as the station got with it."""

    item_id: str
    tags: list[PadTag] = field(default_factory=list)
    parts: int = 1
    done: ReturnDone | None = None
    facts: SortFacts | None = None
    decision: SortDecision | None = None
    outcome: ReturnOutcome | None = None
    title: str = ""


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
        self.printer = printer
        self._reader = SharedReader(reader)
        self.security = SecurityWriter(self._reader, kiosk_settings.security)
        self.pad = PadWatcher(
            self._reader,
            interval_s=kiosk_settings.pad_interval_s,
            absent_rounds=kiosk_settings.pad_absent_rounds,
            on_arrive=self._tag_arrived,
            on_leave=self._tag_left,
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
        self.bins = BinBook(
            settings.bins,
            when_full=settings.when_full,
            counts=ledger.counts(),
            en_route=ledger.en_route(),
        )
        self._hub = EventHub()
        self._claimed: set[bytes] = set()
        self._barcodes: list[tuple[float, str]] = []
        self._field_changed = asyncio.Event()
        self._arrivals: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._arrived_at: dict[int, float] = {}
        self._current: int | None = None
        self._space = asyncio.Event()
        self._jam_cleared = asyncio.Event()
        self._jam_cleared.set()
        self._sorter_up = asyncio.Event()
        self._sorter_up.set()
        self._pauses: dict[sev.PauseReason, str] = {}
        self._inlet_paused: bool | None = None  # what the machine last reported / was told
        self._inlet_lock = asyncio.Lock()
        self._slips: asyncio.Queue[Slip] = asyncio.Queue()
        self._tasks: list[asyncio.Task[None]] = []
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
        spawn = self._spawn
        spawn(self.pad.run(), "station-reader")
        spawn(self._sorter_loop(), "station-sorter")
        spawn(self._item_loop(), "station-items")
        spawn(self._slip_loop(), "station-slips")
        spawn(self._replay_loop(), "station-replay")
        if self.scanner is not None:
            spawn(self._scanner_loop(self.scanner), "station-scanner")
        for bin_ in self.settings.bins:
            self._bin_state(bin_.id)
        await self._apply_inlet()

    async def stop(self, timeout_s: float = 10.0) -> None:
        """Close the inlet, let the item at the read position finish, then stop."""
        if not self._started:
            return
        self._pauses.setdefault(sev.PauseReason.SHUTDOWN, "the station is stopping")
        with contextlib.suppress(SorterError, TimeoutError):
            await asyncio.wait_for(self._apply_inlet(), timeout=2)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._idle.wait(), timeout=timeout_s)
        await _cancel_all(self._tasks)
        self._tasks.clear()
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
        return dict(self._pauses)

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
                self._pause(sev.PauseReason.STATION_ERROR, "station error: see the log")
                await self._apply_inlet()
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
        decision = self._batch_decision(items)
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
        target = await self._divert(number, decision.bin, record)
        if target is None:
            return
        record = await asyncio.to_thread(self.ledger.diverted, record.id, target.id)
        self.bins.diverted(target.id, record.items)
        self._bin_state(target.id)
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
            slip = self._slip(item, decision, target)
            if slip is not None:
                self._slips.put_nowait(slip)

    # ------------------------------------------------------------------ identification

    async def _identify(self, number: int) -> list[SortedItem]:
        """What lies at the read position: tags not claimed by an earlier item, else a
        barcode. Waits two full inventories (so every tag in the field had its turn), then until
        every multi-part item is complete, or ``identify_timeout_s``."""
        loop = asyncio.get_running_loop()
        arrived = self._arrived_at.pop(number, loop.time())
        if not self.pad.healthy:  # nothing can be read: the item waits for the reader
            await self._reader_back()
            arrived = loop.time()
        deadline = arrived + self.settings.identify_timeout_s
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                self.pad.wait_rounds(2), timeout=max(0.0, deadline - loop.time())
            )
        while True:
            tags = [t for uid, t in self.pad.present.items() if uid not in self._claimed]
            groups = _groups(tags)
            barcodes = self._take_barcodes(arrived, peek=True)
            unreadable = [t for t in tags if not t.data.ok]
            complete = bool(groups) and all(len(g.tags) >= g.parts for g in groups.values())
            if complete or (barcodes and not groups) or loop.time() >= deadline:
                break
            self._field_changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._field_changed.wait(), timeout=max(0.0, deadline - loop.time())
                )
        self._claimed.update(t.uid for t in tags)
        barcodes = self._take_barcodes(arrived)
        items = list(groups.values())
        if barcodes and not items:
            # Barcode fallback: a barcode-only item, or a tag that cannot be read (its tag is
            # still armed through the check-in, if it answers at all).
            for n, code in enumerate(dict.fromkeys(barcodes)):
                items.append(
                    SortedItem(item_id=code, tags=unreadable[:1] if n == 0 else [], parts=1)
                )
            unreadable = unreadable[1:]
        for tag in unreadable:
            items.append(_unchecked(tag.uid_hex, "tag_unreadable"))
        if not items:
            items.append(_unchecked("", "not_identified"))
            log.warning("sorter item %d: no readable tag and no barcode", number)
        return items

    def _take_barcodes(self, arrived: float, *, peek: bool = False) -> list[str]:
        """Barcodes scanned since the item arrived; taken (not peeked) they are used up, and
        older ones belonged to nobody (scanned with nothing at the read position)."""
        found = [code for at, code in self._barcodes if at >= arrived - BARCODE_GRACE_S]
        if not peek:
            self._barcodes.clear()
        return found

    # ----------------------------------------------------------------------- check-in

    async def _check_in(self, item: SortedItem) -> None:
        """Check one item in through the one check-in path, and decide its bin."""
        if item.facts is not None:  # not checkable (no id, unreadable tag, patron card)
            item.decision = sort_item(item.facts, self.settings.rules, self.settings.exception_bin)
            item.outcome = exception_outcome(item.item_id, item.decision.reason)
            return
        self._emit(ev.ItemChecking(item_id=item.item_id, action=ev.Action.RETURN))
        try:
            done = await self.returns.check_in(item.item_id, item.tags)
        except Exception:
            log.exception("check-in of %s failed inside the station", item.item_id)
            item.facts = SortFacts.not_checked_in("station_error")
            item.decision = sort_item(item.facts, self.settings.rules, self.settings.exception_bin)
            item.outcome = exception_outcome(item.item_id, "station_error")
            return
        item.done = done
        item.title = done.title
        exception: str | None = None
        if done.outcome is None:
            if not self.offline_policy.allows_returns:
                self._pause(
                    sev.PauseReason.LIBRARY_SYSTEM_UNAVAILABLE,
                    "the library system is unavailable and this station takes no offline returns",
                )
                await self._apply_inlet()
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
        item.facts = SortFacts.from_return(done, item.tags, exception=exception)
        item.decision = sort_item(item.facts, self.settings.rules, self.settings.exception_bin)
        if done.outcome is None:
            item.outcome = exception_outcome(item.item_id, item.decision.reason)
        elif item.decision.exception and done.outcome.kind is not ReturnKind.EXCEPTION:
            item.outcome = exception_outcome(
                item.item_id, item.decision.reason, done.checkin, title=done.title
            )
        else:
            item.outcome = done.outcome

    def _batch_decision(self, items: Sequence[SortedItem]) -> SortDecision:
        """One bin for what lies at the read position: the items' common bin, else the
        exception bin (a sorter cannot split a stack)."""
        decisions = [item.decision for item in items if item.decision is not None]
        bins = {d.bin for d in decisions}
        if len(bins) == 1:
            return decisions[0]
        return SortDecision(self.settings.exception_bin, "several_items")

    # ---------------------------------------------------------------------- the sorter

    async def _divert(self, number: int, bin_id: str, record: LedgerRecord) -> StationBin | None:
        """Find a bin with room and send the item there; waits while the machine cannot."""
        while True:
            target = await self._room(bin_id)
            try:
                await self.sorter.divert(number, target.number)
                return target
            except DivertRefused as refusal:
                reason = refusal.reason
                if reason is DivertRefusal.BIN_FULL:
                    self.bins.set_sensor(target.id, True)
                    self._bin_state(target.id)
                elif reason in (DivertRefusal.JAMMED, DivertRefusal.STOPPED):
                    self._jam_cleared.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._jam_cleared.wait(), timeout=1.0)
                elif reason is DivertRefusal.NO_SUCH_ITEM:
                    log.error(
                        "sorter item %d (%s) is no longer at the read position; staff must find it",
                        number,
                        ",".join(record.item_ids) or "unidentified",
                    )
                    self._emit(
                        sev.DeliveryProblem(
                            item_ids=record.item_ids,
                            detail=f"sorter item {number} left the read position unsorted",
                        )
                    )
                    return None
                elif reason is DivertRefusal.NO_SUCH_BIN and bin_id != self.settings.exception_bin:
                    log.error("the sorter has no output %d (bin %s)", target.number, target.id)
                    bin_id = self.settings.exception_bin
                else:
                    raise
            except SorterUnavailable as error:
                log.warning("divert of sorter item %d waits for the sorter: %s", number, error)
                self._sorter_up.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._sorter_up.wait(), timeout=1.0)

    async def _room(self, bin_id: str) -> StationBin:
        """A bin with room for an item routed to ``bin_id``; pauses the inlet until there is."""
        while True:
            target = self.bins.room_for(bin_id)
            if target is not None:
                if sev.PauseReason.BIN_FULL in self._pauses:
                    self._pauses.pop(sev.PauseReason.BIN_FULL)
                    await self._apply_inlet()
                return target
            names = ", ".join(b.name for b in self.bins.blocking(bin_id))
            self._pause(sev.PauseReason.BIN_FULL, f"bin full: {names}; please empty it")
            await self._apply_inlet()
            self._space.clear()
            await self._space.wait()

    async def _sorter_loop(self) -> None:
        async for event in self.sorter.events():
            try:
                await self._on_sorter(event)
            except Exception:
                log.exception("sorter event %s could not be handled", type(event).__name__)

    async def _on_sorter(self, event: SorterEvent) -> None:
        match event:
            case ItemAtReader(item=number):
                if number != self._current and number not in self._queued:
                    self._arrived_at[number] = asyncio.get_running_loop().time()
                    self._queued.add(number)
                    self._idle.clear()
                    self._arrivals.put_nowait(number)
                    self._emit(sev.ItemArrived(sorter_item=number))
            case Delivered(delivery=drop):
                target = self.bins.by_number(drop.bin)
                bin_id = target.id if target else None
                if drop.bin != TAKEN_OUT and target is None:
                    log.error(
                        "the sorter dropped item %d into unknown output %d", drop.item, drop.bin
                    )
                    bin_id = f"output-{drop.bin}"
                record = await asyncio.to_thread(self.ledger.delivered, drop.item, bin_id, drop.seq)
                items = record.items if record else 1
                ids = record.item_ids if record else ()
                if target is not None:
                    self.bins.delivered(target.id, items)
                    self._bin_state(target.id)
                elif record is not None and record.bin in self.bins.bins:
                    self.bins.lost(record.bin, items)
                    self._bin_state(record.bin)
                if drop.bin == TAKEN_OUT:
                    log.warning("staff took sorter item %d (%s) out at a jam", drop.item, ids)
                self._emit(sev.ItemDelivered(sorter_item=drop.item, item_ids=ids, bin_id=bin_id))
                self._space.set()
            case DeliveriesLost(count=count):
                await self._unconfirmed(count, f"{count} drops not confirmed by the sorter")
            case ControllerRestarted(run=run):
                await asyncio.to_thread(self.ledger.set_delivery_mark, run, 0)
                await self._unconfirmed(None, "the sorter restarted with items on their way")
            case JamChanged(jammed=True, item=item):
                self._jam_cleared.clear()
                ids = self._ids_of(item)
                self._emit(sev.SorterJammed(sorter_item=item, item_ids=ids))
                where = f" at item {item}" if item else ""
                self._pause(sev.PauseReason.JAM, f"sorter jammed{where}: free it and press reset")
                await self._apply_inlet()
            case JamChanged(jammed=False):
                self._jam_cleared.set()
                self._emit(sev.SorterJamCleared())
                self._pauses.pop(sev.PauseReason.JAM, None)
                await self._apply_inlet()
            case BinFullChanged(bin=number, full=full):
                target = self.bins.by_number(number)
                if target is not None:
                    self.bins.set_sensor(target.id, full)
                    self._bin_state(target.id)
                    if not full:
                        self._space.set()
            case BinEmptied(bin=number):
                target = self.bins.by_number(number)
                if target is not None:
                    await asyncio.to_thread(self.ledger.bin_emptied, target.id)
                    self.bins.emptied(target.id)
                    log.info("bin %s emptied", target.id)
                    self._bin_state(target.id)
                    self._space.set()
            case InletChanged(paused=paused):
                # The station opens and closes the slot on its own state changes only; a pause
                # made at the machine's panel stays until the station's next change.
                self._inlet_paused = paused
            case SorterConnection(up=up, detail=detail):
                self._emit(sev.SorterState(up=up, detail=detail))
                if up:
                    self._sorter_up.set()
                    self._pauses.pop(sev.PauseReason.SORTER_UNAVAILABLE, None)
                    self._inlet_paused = None  # unknown: apply what we want
                    await self._apply_inlet()
                else:  # nothing can be commanded now; the controller holds the item itself
                    self._sorter_up.clear()
                    self._pause(
                        sev.PauseReason.SORTER_UNAVAILABLE, f"the sorter does not answer: {detail}"
                    )

    async def _unconfirmed(self, count: int | None, detail: str) -> None:
        lost = await asyncio.to_thread(self.ledger.unconfirmed, count)
        for record in lost:
            if record.bin in self.bins.bins:
                self.bins.lost(record.bin, record.items)
                self._bin_state(record.bin)
        if lost:
            ids = tuple(i for record in lost for i in record.item_ids)
            log.error("%s; items for staff to find: %s", detail, ",".join(ids) or "unidentified")
            self._emit(sev.DeliveryProblem(item_ids=ids, detail=detail))

    def _ids_of(self, sorter_item: int | None) -> tuple[str, ...]:
        if sorter_item is None:
            return ()
        for record in self.ledger.open_records():
            if record.sorter_item == sorter_item:
                return record.item_ids
        return ()

    # ---------------------------------------------------------------------- the inlet

    def _pause(self, reason: sev.PauseReason, message: str) -> None:
        if self._pauses.get(reason) != message:
            self._pauses[reason] = message
            log.warning("inlet paused: %s", message)
            self._emit(sev.InletPaused(reason=reason, message=message))

    async def _apply_inlet(self) -> None:
        """Tell the sorter to open or close the slot when that differs from what it shows."""
        async with self._inlet_lock:
            want = bool(self._pauses)
            if self._inlet_paused is want:
                return
            try:
                if want:
                    await self.sorter.pause_inlet()
                else:
                    await self.sorter.resume_inlet()
            except SorterError as error:
                log.warning("could not %s the inlet: %s", "pause" if want else "open", error)
                return
            if not want and self._inlet_paused is not None:
                log.info("inlet open again")
                self._emit(sev.InletResumed())
            self._inlet_paused = want

    # ------------------------------------------------------------------ reader and scanner

    def _tag_arrived(self, tag: PadTag) -> None:
        self._field_changed.set()

    def _tag_left(self, tag: PadTag) -> None:
        self._claimed.discard(tag.uid)

    def _reader_failed(self, error: ReaderError) -> None:
        """The chute reader does not answer: close the inlet until it does again (an item at
        the read position waits; sorting it unread would send it to the exceptions unchecked)."""
        log.warning("chute reader failed: %s", error)
        if sev.PauseReason.READER_UNAVAILABLE not in self._pauses:
            self._pause(sev.PauseReason.READER_UNAVAILABLE, f"the chute reader fails: {error}")
            self._spawn(self._reader_back(), "station-reader-watch")

    async def _reader_back(self) -> None:
        await self._apply_inlet()
        while not self.pad.healthy:
            await asyncio.sleep(0.2)
        if self._pauses.pop(sev.PauseReason.READER_UNAVAILABLE, None) is not None:
            log.info("chute reader answers again")
            await self._apply_inlet()

    async def _scanner_loop(self, scanner: BarcodeScanner) -> None:
        loop = asyncio.get_running_loop()
        try:
            async for barcode in scanner.barcodes():
                code = barcode.strip()
                if code:
                    self._barcodes.append((loop.time(), code))
                    self._field_changed.set()
        except Exception as error:
            log.warning("barcode scanner stopped: %s", error)

    # ---------------------------------------------------------------------------- slips

    def _slip(self, item: SortedItem, decision: SortDecision, target: StationBin) -> Slip | None:
        outcome = item.outcome
        if outcome is None:
            return None
        kind: SlipKind | None = None
        overflow = target.id != decision.bin
        if decision.exception or overflow:
            kind = SlipKind.EXCEPTION
        elif outcome.kind is ReturnKind.HOLD_HERE or outcome.transfer is TransferKind.HOLD:
            kind = SlipKind.HOLD if self.settings.slip_for_holds else None
        elif outcome.transfer is TransferKind.TRANSIT:
            kind = SlipKind.TRANSIT if self.settings.slip_for_transits else None
        if kind is None:
            return None
        lines: tuple[str, ...] = outcome.slip.lines if outcome.slip else ()
        if overflow:
            routed = self.bins.bin(decision.bin).name
            lines = (f"overflow: belongs in {routed}", *lines)
        if decision.exception:
            lines = (decision.reason.replace("_", " "), *lines)
        return Slip(
            kind=kind,
            item_id=item.item_id,
            title=item.title,
            bin_label=target.name,
            destination_name=outcome.destination_name if kind is not SlipKind.EXCEPTION else None,
            lines=lines,
            station=self.settings.station_name,
        )

    async def _slip_loop(self) -> None:
        while True:
            slip = await self._slips.get()
            if self.printer is None:
                continue
            try:
                await self.printer.print_document(slip_document(slip))
            except PrinterError as error:
                log.warning("slip for %s not printed: %s", slip.item_id, error)

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
            if online and waiting in self._pauses:
                self._pauses.pop(waiting, None)
                await self._apply_inlet()

        await self.replayer.watch(
            self.settings.replay_interval_s,
            in_doubt=lambda: not self._ils_online or waiting in self._pauses,
            on_state=on_state,
        )

    # ---------------------------------------------------------------------- plumbing

    def _bin_state(self, bin_id: str) -> None:
        b = self.bins.bin(bin_id)
        self._emit(
            sev.BinState(
                bin_id=bin_id,
                label=b.name,
                count=self.bins.counts[bin_id],
                capacity=b.capacity,
                full=self.bins.full(bin_id),
                en_route=self.bins.en_route[bin_id],
            )
        )

    def _spawn(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        task.add_done_callback(_report_end)
        self._tasks.append(task)


async def _cancel_all(tasks: Sequence[asyncio.Task[Any]], timeout_s: float = 5.0) -> None:
    """Cancel ``tasks`` and wait for them to end, cancelling again those that did not: on
    Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives as its inner
    awaitable finishes, and a loop around it would then run on."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    pending = {task for task in tasks if not task.done()}
    while pending and loop.time() < deadline:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=0.5)
    for task in pending:
        log.error("task %s did not stop", task.get_name())


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("return station task %s ended", task.get_name(), exc_info=task.exception())


def _groups(tags: Sequence[PadTag]) -> dict[str, SortedItem]:
    """Readable tags grouped into items (parts of a set share one item id)."""
    items: dict[str, SortedItem] = {}
    for tag in tags:
        if not tag.data.ok:
            continue
        if tag.is_patron_card:
            items[tag.item_id] = _unchecked(tag.item_id, "patron_card", tag)
            continue
        item = items.setdefault(tag.item_id, SortedItem(item_id=tag.item_id, parts=tag.parts))
        item.tags.append(tag)
        item.parts = max(item.parts, tag.parts)
    return items


def _unchecked(item_id: str, reason: str, tag: PadTag | None = None) -> SortedItem:
    item = SortedItem(item_id=item_id, tags=[tag] if tag else [])
    owner = tag.data.owner_library.isil if tag and tag.data.owner_library else None
    item.facts = SortFacts.not_checked_in(reason, owner_library=owner)
    return item
