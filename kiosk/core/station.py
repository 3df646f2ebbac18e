"""The return station: chute -> identify -> check in -> sort -> bin, unattended.

Items are identified one after the other, in the order the sorter numbered them, and each then
goes its own way (:mod:`kiosk.core.station_dispatch`)::

    ItemAtReader(n) -> ledger.arrived -> identify (tags in the field, else a scanned barcode)
        => Dispatch.run(n), alongside the next items:
           ReturnService.check_in per item (journal, offline policy, re-arm + verify, routing)
           -> sort_item (the configured rules) -> a bin with room (overflow / pause the inlet)
           -> ledger.routed -> sorter.divert(n, bin) -> ledger.diverted -> slips
    ... later: Delivered(n, bin) -> ledger.delivered (the bin counts)

Why this keeps up: the sorter carries an item to its bin by itself once its bin is known. On a
stop-and-go machine, while item n travels (the machine's "time per item"), item n+1 is fed,
identified and checked in. On a conveyor that does not stop for items, several are in flight:
while item n is checked in, item n+1 is read and item n-1 travels to its bin, so the library
system's latency overlaps the next items instead of adding to each; an item whose bin is not
known before it reaches the diverter goes to the exceptions, counted as late. Several items at
the read position at once (a stack on a return shelf) are checked in concurrently.

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
from dataclasses import dataclass

from drivers.cards.contract import BarcodeScanner
from drivers.printer.contract import ReceiptPrinter
from drivers.rfid.contract import ReaderError, RfidReader
from drivers.sorter.contract import (
    ItemAtReader,
    Sorter,
    SorterError,
)
from drivers.sorter.registers import next_seq
from kiosk.core import events as ev
from kiosk.core import station_events as sev
from kiosk.core.bus import EventHub, Service
from kiosk.core.pad import PadWatcher, SharedReader
from kiosk.core.printing import Printing
from kiosk.core.returns import ReturnService
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings
from kiosk.core.slips import SlipQueue
from kiosk.core.sorting import SortingRuleLike
from kiosk.core.staff import StaffDesk
from kiosk.core.station_bins import BinBook, StationBin
from kiosk.core.station_dispatch import Dispatch
from kiosk.core.station_inlet import Inlet
from kiosk.core.station_items import ReadPosition, SortedItem
from kiosk.core.station_ledger import LedgerRecord, StationLedger
from kiosk.core.station_sorter import Conveyor
from kiosk.core.statistics import Statistics
from kiosk.core.tasks import BackgroundTasks
from kiosk.core.transaction import Transactions
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import LibrarySystem

__all__ = ["ReturnStation", "SortedItem", "StationSettings"]

log = logging.getLogger(__name__)

#: On a conveyor the chute is inventoried at least this often, before security writes and
#: checks if need be: the next item's tags enter the field while the last ones are armed.
URGENT_POLL_S = 0.1


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


class ReturnStation(Service):
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
            # Stop and go: nothing new reaches the field while the item there is checked in,
            # so polls wait for its security writes (a conveyor keeps polling: see start()).
            hold=lambda: bool(self._dispatching) and self.sorter.conveyor is None,
        )
        self.returns = ReturnService(
            Transactions(
                ils=ils, journal=journal, security=self.security, on_online=self._ils_state
            ),
            settings=kiosk_settings,
            offline_policy=self.offline_policy,
            statistics=statistics,
        )
        self.replayer = Replayer(journal, ils)
        self.inlet = Inlet(sorter, self._emit)
        self.read_position = ReadPosition(self.pad, identify_timeout_s=settings.identify_timeout_s)
        self.printing = Printing(printer)
        self.slips = SlipQueue(self.printing)
        self.staff = StaffDesk(
            kiosk_settings,
            journal=journal,
            printing=self.printing,
            pad=self.pad,
            online=lambda: self._ils_online,
            branch_name=settings.station_name,
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
        self.dispatch = Dispatch(
            returns=self.returns,
            ledger=ledger,
            conveyor=self.conveyor,
            slips=self.slips,
            inlet=self.inlet,
            settings=settings,
            offline_policy=self.offline_policy,
            emit=self._emit,
            deadline_s=lambda: conveyor.deadline_s if (conveyor := sorter.conveyor) else None,
        )
        self._hub = EventHub()
        self._arrivals: asyncio.Queue[int] = asyncio.Queue()
        self._queued: set[int] = set()
        self._arrived_at: dict[int, float] = {}
        self._handling: set[int] = set()  # identified or being identified, not yet sent on
        self._dispatching = 0  # items identified and being checked in and sent on
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
        if self.sorter.conveyor is not None:
            self.pad.urgent_after_s = URGENT_POLL_S
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
        return bool(self._handling) or not self._arrivals.empty()

    async def wait_idle(self) -> None:
        """Wait until no item is at the read position waiting for the station (tests)."""
        while self.busy:
            await self._idle.wait()
            await asyncio.sleep(0)

    # ================================================================== the item loop

    async def _item_loop(self) -> None:
        """Identify items in the order they reached the read position; each then goes on by
        itself (:meth:`_dispatch`), so the next is read while it is checked in."""
        while True:
            number = await self._arrivals.get()
            self._queued.discard(number)
            self._handling.add(number)
            self._idle.clear()
            try:
                record = await asyncio.to_thread(self.ledger.arrived, number)
                arrived, items = await self._identify(number)
            except asyncio.CancelledError:
                raise
            except Exception:
                self._failed(number)
                continue
            self._tasks.start(self._dispatch(number, record, items, arrived), f"item-{number}")

    async def _dispatch(
        self, number: int, record: LedgerRecord, items: list[SortedItem], arrived: float
    ) -> None:
        self._dispatching += 1
        try:
            await self.dispatch.run(number, record, items, arrived)
        except asyncio.CancelledError:
            raise
        except Exception:
            self._failed(number)
        finally:
            self._dispatching -= 1
            self._handling.discard(number)
            if not self._handling and self._arrivals.empty():
                self._idle.set()

    def _failed(self, number: int) -> None:
        """A bug or a broken disk must not stop the station silently: the item stays where the
        machine holds it (or goes on to the late output) and its ledger row says "arrived"."""
        log.exception("return station failed on sorter item %d; inlet paused", number)
        self._handling.discard(number)
        if not self._handling and self._arrivals.empty():
            self._idle.set()
        self.inlet.pause(sev.PauseReason.STATION_ERROR, "station error: see the log")
        self._tasks.start(self.inlet.apply(), "station-inlet")

    # ------------------------------------------------------------------ identification

    async def _identify(self, number: int) -> tuple[float, list[SortedItem]]:
        """When the item reached the read position, and what lies there (see
        :class:`ReadPosition`); while the chute reader does not answer, the item waits for it
        (sorting it unread would send it to the exceptions unchecked)."""
        loop = asyncio.get_running_loop()
        arrived = self._arrived_at.get(number, loop.time())
        if not self.pad.healthy:
            await self._reader_back()
            arrived = loop.time()
        conveyor = self.sorter.conveyor
        # On a conveyor the check-in needs the rest of the time before the diverter.
        budget = conveyor.deadline_s / 2 if conveyor is not None else None
        following = (lambda: self._arrived_at.get(next_seq(number))) if conveyor else None
        items = await self.read_position.identify(
            number, arrived, next_arrival=following, timeout_s=budget
        )
        self._arrived_at.pop(number, None)
        for stale in [n for n in self._arrived_at if n not in self._queued]:
            del self._arrived_at[stale]
        return arrived, items

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
        if number not in self._handling and number not in self._queued:
            self._arrived_at[number] = asyncio.get_running_loop().time()
            self._queued.add(number)
            self._idle.clear()
            self._arrivals.put_nowait(number)
            self.read_position.item_arrived()
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
