"""The sorter as the return station drives it: an item diverted to a bin with room, and the
bins' books kept from what the machine reports.

Why its own module: the machine speaks in events of its own (drops confirmed, jams, full-bin
sensors, a restarted controller, a lost connection) and refuses diverts for reasons of its own;
each must end in the bins' counts and the ledger being right, so that staff know where every
item is. The station hands an item over with :meth:`Conveyor.divert` and forwards every other
sorter event to :meth:`Conveyor.handle`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

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
    JamChanged,
    Sorter,
    SorterConnection,
    SorterEvent,
    SorterUnavailable,
)
from kiosk.core import station_events as sev
from kiosk.core.events import KioskEvent
from kiosk.core.station_bins import BinBook, StationBin
from kiosk.core.station_inlet import Inlet
from kiosk.core.station_ledger import LedgerRecord, StationLedger

__all__ = ["Conveyor"]

log = logging.getLogger(__name__)


class Conveyor:
    """Diverts items and keeps the bins' books for one return station."""

    def __init__(
        self,
        *,
        sorter: Sorter,
        bins: BinBook,
        ledger: StationLedger,
        inlet: Inlet,
        exception_bin: str,
        emit: Callable[[KioskEvent], None],
    ) -> None:
        self.sorter = sorter
        self.bins = bins
        self.ledger = ledger
        self.inlet = inlet
        self.exception_bin = exception_bin
        self._emit = emit
        self._space = asyncio.Event()
        self._jam_cleared = asyncio.Event()
        self._jam_cleared.set()
        self._sorter_up = asyncio.Event()
        self._sorter_up.set()
        # A conveyor's items that passed the diverter before their bin came (refused as late),
        # and drops of items not yet diverted by the station (they went to the late output).
        self._went_late: set[int] = set()
        self._dropped_early: dict[int, str] = {}

    def went_late(self, number: int) -> bool:
        """True (once) when the conveyor sent ``number`` to its late output by itself."""
        if number in self._went_late:
            self._went_late.discard(number)
            return True
        return False

    def dropped_early(self, number: int) -> bool:
        """True (once) when ``number`` dropped into a bin before the station diverted it (the
        drop is counted already)."""
        return self._dropped_early.pop(number, None) is not None

    def _late_output(self) -> StationBin | None:
        conveyor = self.sorter.conveyor
        return self.bins.by_number(conveyor.late_bin) if conveyor is not None else None

    async def divert(self, number: int, bin_id: str, record: LedgerRecord) -> StationBin | None:
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
                    self.publish_bin(target.id)
                elif reason in (DivertRefusal.JAMMED, DivertRefusal.STOPPED):
                    self._jam_cleared.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._jam_cleared.wait(), timeout=1.0)
                elif reason is DivertRefusal.LATE and (late := self._late_output()):
                    log.warning(
                        "sorter item %d (%s) passed the diverter before its bin was sent: it"
                        " went on to %s",
                        number,
                        ",".join(record.item_ids) or "unidentified",
                        late.id,
                    )
                    self._went_late.add(number)
                    return late
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
                elif reason is DivertRefusal.NO_SUCH_BIN and bin_id != self.exception_bin:
                    log.error("the sorter has no output %d (bin %s)", target.number, target.id)
                    bin_id = self.exception_bin
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
                if self.inlet.lift(sev.PauseReason.BIN_FULL):
                    await self.inlet.apply()
                return target
            names = ", ".join(b.name for b in self.bins.blocking(bin_id))
            self.inlet.pause(sev.PauseReason.BIN_FULL, f"bin full: {names}; please empty it")
            await self.inlet.apply()
            self._space.clear()
            await self._space.wait()

    async def handle(self, event: SorterEvent) -> None:
        """What the machine reports (drops, jams, full bins, its connection)."""
        match event:
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
                if record is None and bin_id is not None and self.sorter.conveyor is not None:
                    self._dropped_early[drop.item] = bin_id  # the station diverts it still
                    while len(self._dropped_early) > 256:
                        del self._dropped_early[next(iter(self._dropped_early))]
                if target is not None:
                    self.bins.delivered(target.id, items)
                    self.publish_bin(target.id)
                elif record is not None and record.bin in self.bins.bins:
                    self.bins.lost(record.bin, items)
                    self.publish_bin(record.bin)
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
                ids = self.ids_of(item)
                self._emit(sev.SorterJammed(sorter_item=item, item_ids=ids))
                where = f" at item {item}" if item else ""
                self.inlet.pause(
                    sev.PauseReason.JAM, f"sorter jammed{where}: free it and press reset"
                )
                await self.inlet.apply()
            case JamChanged(jammed=False):
                self._jam_cleared.set()
                self._emit(sev.SorterJamCleared())
                self.inlet.lift(sev.PauseReason.JAM)
                await self.inlet.apply()
            case BinFullChanged(bin=number, full=full):
                target = self.bins.by_number(number)
                if target is not None:
                    self.bins.set_sensor(target.id, full)
                    self.publish_bin(target.id)
                    if not full:
                        self._space.set()
            case BinEmptied(bin=number):
                target = self.bins.by_number(number)
                if target is not None:
                    await asyncio.to_thread(self.ledger.bin_emptied, target.id)
                    self.bins.emptied(target.id)
                    log.info("bin %s emptied", target.id)
                    self.publish_bin(target.id)
                    self._space.set()
            case InletChanged(paused=paused):
                # The station opens and closes the slot on its own state changes only; a pause
                # made at the machine's panel stays until the station's next change.
                self.inlet.machine_paused = paused
            case SorterConnection(up=up, detail=detail):
                self._emit(sev.SorterState(up=up, detail=detail))
                if up:
                    self._sorter_up.set()
                    self.inlet.lift(sev.PauseReason.SORTER_UNAVAILABLE)
                    self.inlet.machine_paused = None  # unknown: apply what we want
                    await self.inlet.apply()
                else:  # nothing can be commanded now; the controller holds the item itself
                    self._sorter_up.clear()
                    self.inlet.pause(
                        sev.PauseReason.SORTER_UNAVAILABLE, f"the sorter does not answer: {detail}"
                    )

    async def _unconfirmed(self, count: int | None, detail: str) -> None:
        lost = await asyncio.to_thread(self.ledger.unconfirmed, count)
        for record in lost:
            if record.bin in self.bins.bins:
                self.bins.lost(record.bin, record.items)
                self.publish_bin(record.bin)
        if lost:
            ids = tuple(i for record in lost for i in record.item_ids)
            log.error("%s; items for staff to find: %s", detail, ",".join(ids) or "unidentified")
            self._emit(sev.DeliveryProblem(item_ids=ids, detail=detail))

    def ids_of(self, sorter_item: int | None) -> tuple[str, ...]:
        if sorter_item is None:
            return ()
        for record in self.ledger.open_records():
            if record.sorter_item == sorter_item:
                return record.item_ids
        return ()

    def publish_bin(self, bin_id: str) -> None:
        """Tell the screen and the metrics one bin's state."""
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
