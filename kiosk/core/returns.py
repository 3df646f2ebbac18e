"""One return, start to finish: the check-in pipeline the kiosk and the return station share.

Why a service of its own: a patron's return at the kiosk and an item dropping down the return
station's chute are the same transaction — journal first, check in (or accept it offline under
the policy), re-arm the tag and verify it, route it — only what happens around them differs
(events for a screen, a sorter for the station). So there is exactly one check-in path.

Order (the one journalled transaction, :mod:`kiosk.core.transaction`)::

    journal.begin -> ils.checkin -> journal.record_result(SECURED) -> arm + verify -> done/failed
    (unavailable) -> offline policy -> journal.accept_offline / begin(offline=...) -> arm + verify

Returns are never refused at the kiosk: an item the library system refuses (unknown, not ours)
gets the EXCEPTION outcome and is armed, because it stays in the building. Only when the library
system is unavailable *and* the offline policy allows no returns is an item not taken
(``ReturnDone.refused``), and then nothing was changed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from kiosk.core.events import Reason
from kiosk.core.model import ReturnOutcome
from kiosk.core.pad import PadTag
from kiosk.core.routing import decide_return, exception_outcome
from kiosk.core.settings import KioskSettings
from kiosk.core.statistics import Statistics
from kiosk.core.transaction import AcceptedOffline, Answered, Record, Request, Transactions
from kiosk.ils.journal import EntryKind, SecurityTarget
from kiosk.ils.offline import OfflineDecision, OfflinePolicy
from kiosk.ils.port import CheckinResult, ReturnRequest

__all__ = ["ReturnDone", "ReturnService"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReturnDone:
    """What one return came to.

    ``outcome`` is None exactly when ``refused`` is set (the item was not taken: library system
    unavailable and no offline returns). ``unverified`` lists tags whose re-arming could not be
    verified (lifted too early, write errors): re-arm them with :meth:`ReturnService.rearm`.
    """

    item_id: str
    title: str = ""
    outcome: ReturnOutcome | None = None
    offline: bool = False
    refused: Reason | None = None
    entry_id: str | None = None
    armed: bool = False  # the tag(s) had to be armed
    unverified: frozenset[bytes] = field(default_factory=frozenset)
    media_type: str | None = None
    checkin: CheckinResult | None = None


class ReturnService:
    """Checks items in. Safe to use from several tasks at once (one call per item)."""

    def __init__(
        self,
        transactions: Transactions,
        *,
        settings: KioskSettings,
        offline_policy: OfflinePolicy | None = None,
        statistics: Statistics | None = None,
        branch_name: Callable[[str | None], str | None] | None = None,
    ) -> None:
        self.transactions = transactions
        self.ils = transactions.ils
        self.journal = transactions.journal
        self.settings = settings
        self.offline_policy = offline_policy or OfflinePolicy()
        self.statistics = statistics
        self.branch_name = branch_name or self._branch_name

    def _branch_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        return self.settings.branch_name_of(code) or self.ils.branch_names().get(code)

    async def check_in(
        self,
        item_id: str,
        tags: Sequence[PadTag],
        *,
        session_id: str | None = None,
        language: str | None = None,
    ) -> ReturnDone:
        """Check one item in (all its tags that are present), re-arm and route it."""
        request = Request(kind=EntryKind.CHECKIN, item_id=item_id, tags=tags, session_id=session_id)

        async def may_return() -> OfflineDecision:
            return self.offline_policy.may_return()

        outcome = await self.transactions.run(
            request,
            lambda: self.ils.checkin(ReturnRequest(item_id=item_id)),
            _record,
            offline=may_return,
        )
        uids = [tag.uid for tag in tags]
        if isinstance(outcome, AcceptedOffline):
            unverified = await self.rearm(outcome.entry_id, uids)
            self._stat("offline", tags, None, None, language)
            return ReturnDone(
                item_id=item_id,
                outcome=replace(
                    exception_outcome(item_id, "returned_offline"), security_ok=not unverified
                ),
                offline=True,
                entry_id=outcome.entry_id,
                armed=True,
                unverified=unverified,
            )
        if not isinstance(outcome, Answered):
            # Not taken (no offline returns), or an answer that made no sense: the outcome is
            # unknown and recovery settles the entry. Either way nothing was changed here.
            return ReturnDone(item_id=item_id, refused=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
        result = outcome.result
        routed = decide_return(result, here=self.settings.branch_code, name_of=self.branch_name)
        arm = _arm(result)
        unverified = await self.rearm(outcome.entry_id, uids) if arm else frozenset()
        self._stat(routed.kind.value, tags, result.media_type, result.owner, language)
        return ReturnDone(
            item_id=item_id,
            title=result.title,
            outcome=replace(routed, security_ok=not unverified),
            entry_id=outcome.entry_id,
            armed=arm,
            unverified=unverified,
            media_type=result.media_type,
            checkin=result,
        )

    async def rearm(self, entry_id: str, uids: Sequence[bytes]) -> frozenset[bytes]:
        """Arm a return's tags (again: placed back on the pad) and journal it; returns those
        still unverified."""
        return await self.transactions.change_security(entry_id, uids, secured=True)

    def _stat(
        self,
        outcome: str,
        tags: Sequence[PadTag],
        media_type: str | None,
        owner: str | None,
        language: str | None,
    ) -> None:
        if self.statistics is None:
            return
        if owner is None:
            owner = next(
                (t.data.owner_library.isil for t in tags if t.data.owner_library is not None), None
            )
        try:
            self.statistics.record(
                action="return",
                outcome=outcome,
                library=owner,
                branch=self.settings.branch_code,
                media_type=media_type,
                language=language or self.settings.default_language,
            )
        except Exception:  # statistics must never stop a return
            log.exception("statistics could not be recorded")


def _arm(result: CheckinResult) -> bool:
    """Re-arm when the library system says so; an exception stays in the building, armed."""
    return result.resensitize is not False or not result.ok


def _record(result: CheckinResult) -> Record:
    return Record(
        ok=result.ok,
        security_target=SecurityTarget.SECURED if _arm(result) else None,
        reason=None if result.ok else "checkin_refused",
        messages=result.messages,
    )
