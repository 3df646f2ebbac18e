"""One item at the return station once it is identified: check in, bin, divert, slips.

Why its own module: this is the part of an item's way that runs alongside the next items. The
station identifies items one after the other, in the order they reach the read position, and
hands each to :meth:`Dispatch.run`, which checks it in (journal, library system, re-arm and
verify, through the one check-in path), decides its bin and diverts it -- while the next item is
being read and the one before travels to its bin.

On a conveyor (:attr:`drivers.sorter.Sorter.conveyor`) the bin must be known before the item
reaches the diverter. An item whose check-in has not answered by then, less a margin for the
divert command, goes to the exception bin as ``late``: counted (``ItemSorted.late``), never lost.
Its check-in goes on to the end, so the journal, the library system and the slip agree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from kiosk.core import events as ev
from kiosk.core import station_events as sev
from kiosk.core.slips import SlipQueue, slip_for
from kiosk.core.sorting import SortDecision, SortFacts
from kiosk.core.station_bins import StationBin
from kiosk.core.station_inlet import Inlet
from kiosk.core.station_items import SortedItem, batch_decision
from kiosk.core.station_ledger import LedgerRecord, StationLedger
from kiosk.core.station_sorter import Conveyor
from kiosk.ils.offline import OfflinePolicy

if TYPE_CHECKING:
    from kiosk.core.returns import ReturnService
    from kiosk.core.station import StationSettings

__all__ = ["DIVERT_MARGIN_S", "LATE", "Dispatch"]

log = logging.getLogger(__name__)

#: On a conveyor, the bin is sent this long before the deadline at the latest (the divert
#: command's round trip to the controller, with room to spare).
DIVERT_MARGIN_S = 0.15
#: The exception reason of an item whose bin was not known in time.
LATE = "late"


class Dispatch:
    """Checks in, routes and diverts identified items (see module docs)."""

    def __init__(
        self,
        *,
        returns: ReturnService,
        ledger: StationLedger,
        conveyor: Conveyor,
        slips: SlipQueue,
        inlet: Inlet,
        settings: StationSettings,
        offline_policy: OfflinePolicy,
        emit: Callable[[ev.KioskEvent], None],
        deadline_s: Callable[[], float | None],
    ) -> None:
        self.returns = returns
        self.ledger = ledger
        self.conveyor = conveyor
        self.slips = slips
        self.inlet = inlet
        self.settings = settings
        self.offline_policy = offline_policy
        self._emit = emit
        self._deadline_s = deadline_s
        self.late = 0  # items sent to the exceptions because their bin came too late

    async def run(
        self, number: int, record: LedgerRecord, items: list[SortedItem], arrived: float
    ) -> None:
        """Check the items at the read position in, and send them on (``arrived``: loop time)."""
        for item in items:
            self._emit(
                ev.ItemSeen(
                    item_id=item.item_id,
                    action=ev.Action.RETURN,
                    part=len(item.tags) or 1,
                    parts=item.parts,
                )
            )
        checkins = asyncio.ensure_future(asyncio.gather(*(self._check_in(item) for item in items)))
        late = not await self._in_time(checkins, arrived)
        exception_bin = self.settings.exception_bin
        if late:
            self.late += 1
            decision = SortDecision(exception_bin, LATE)
            log.warning("sorter item %d: no bin before the diverter; to the exceptions", number)
        else:
            decision = batch_decision(items, exception_bin)
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
        announced = not late
        if announced:
            self._returned(items)
        target = await self.conveyor.divert(number, decision.bin, record)
        if target is not None and self.conveyor.went_late(number) and not late:
            late = True  # the divert itself came too late: the conveyor chose the bin
            self.late += 1
        if target is not None and self.conveyor.dropped_early(number):
            record = await asyncio.to_thread(self.ledger.delivered_earlier, record.id, target.id)
        elif target is not None:
            record = await asyncio.to_thread(self.ledger.diverted, record.id, target.id)
            self.conveyor.bins.diverted(target.id, record.items)
            self.conveyor.publish_bin(target.id)
        if target is not None:
            self._emit(
                sev.ItemSorted(
                    sorter_item=number,
                    item_ids=ids,
                    bin_id=target.id,
                    bin_label=target.name,
                    reason=decision.reason,
                    rule=decision.rule_name,
                    routed_bin=decision.bin if decision.bin != target.id else None,
                    late=late,
                )
            )
        if not announced:  # its check-in went on meanwhile; what it found goes with it
            await checkins
            for item in items:
                if item.done is not None:
                    item.facts = None
                    item.sort(self.settings.rules, exception_bin, exception=LATE)
            self._returned(items)
        if target is not None:
            self._slips(items, decision, target)

    async def _in_time(self, checkins: asyncio.Future[list[None]], arrived: float) -> bool:
        """Wait for the check-ins; on a conveyor only until the bin must be sent. False: late."""
        deadline_s = self._deadline_s()
        if deadline_s is None:
            await checkins
            return True
        loop = asyncio.get_running_loop()
        budget = arrived + deadline_s - DIVERT_MARGIN_S - loop.time()
        try:
            await asyncio.wait_for(asyncio.shield(checkins), timeout=max(0.0, budget))
        except TimeoutError:
            return False
        return True

    def _returned(self, items: Sequence[SortedItem]) -> None:
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

    def _slips(
        self, items: Sequence[SortedItem], decision: SortDecision, target: StationBin
    ) -> None:
        bins = self.conveyor.bins
        for item in items:
            if item.outcome is not None:
                slip = slip_for(
                    item.item_id,
                    item.title,
                    item.outcome,
                    decision,
                    target=target,
                    routed=bins.bin(decision.bin),
                    holds=self.settings.slip_for_holds,
                    transits=self.settings.slip_for_transits,
                    station=self.settings.station_name,
                )
                if slip is not None:
                    self.slips.add(slip)

    async def _check_in(self, item: SortedItem) -> None:
        """Check one item in through the one check-in path, and decide its bin."""
        settings = self.settings
        if item.facts is not None:  # not checkable (no id, unreadable tag, patron card)
            item.sort(settings.rules, settings.exception_bin)
            return
        self._emit(ev.ItemChecking(item_id=item.item_id, action=ev.Action.RETURN))
        try:
            done = await self.returns.check_in(item.item_id, item.tags)
        except Exception:
            log.exception("check-in of %s failed inside the station", item.item_id)
            item.facts = SortFacts.not_checked_in("station_error")
            item.sort(settings.rules, settings.exception_bin)
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
        item.sort(settings.rules, settings.exception_bin, exception=exception)
