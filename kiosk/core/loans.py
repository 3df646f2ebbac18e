"""One loan as a transaction: journal, library system (or the offline policy), journal again.

Why a service of its own: the facade (:mod:`kiosk.core.kiosk`) talks to the patron — events,
fee questions, "place it again" — while this module only makes the loan happen exactly as the
journal's rule says, and tells the facade what came of it. The tag is changed by the caller
*after* :meth:`LoanService.check_out` returns, because by then the result and the security
target are durable::

    journal.begin -> ils.checkout -> journal.record_result(UNSECURED if ok and desensitize)
    (unavailable) -> offline policy -> journal.accept_offline / begin_offline (UNSECURED)

then the caller disarms the tag(s), reads them back and calls :meth:`LoanService.security`.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.core.events import Reason
from kiosk.core.pad import PadTag
from kiosk.ils.journal import Entry, EntryKind, Journal, SecurityTarget
from kiosk.ils.offline import OfflinePolicy, must_work_offline
from kiosk.ils.port import (
    FeeDue,
    ItemStatus,
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
)

__all__ = ["LoanDone", "LoanOutcome", "LoanService"]

log = logging.getLogger(__name__)

#: The offline policy's refusals as the reasons the UI translates.
_OFFLINE_REASONS = {
    "library_system_unavailable": Reason.LIBRARY_SYSTEM_UNAVAILABLE,
    "not_allowed_now": Reason.LIBRARY_SYSTEM_UNAVAILABLE,
    "not_for_loan_offline": Reason.NOT_FOR_LOAN_OFFLINE,
    "offline_limit_reached": Reason.OFFLINE_LIMIT_REACHED,
}


class LoanOutcome(enum.Enum):
    LENT = "lent"  # online or accepted offline; disarm the tag(s) when ``disarm``
    FEE_NEEDED = "fee_needed"  # ask the patron, then check out again with the fee accepted
    REFUSED = "refused"  # by the library system or the offline policy; nothing changed


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanDone:
    item_id: str
    outcome: LoanOutcome
    reason: Reason | None = None  # why it was refused
    retry: bool = False  # refused only because the library system was unavailable
    entry_id: str | None = None
    offline: bool = False
    disarm: bool = False  # ok and desensitize=Y (or accepted offline): clear the security
    renewal: bool = False
    title: str = ""
    due_date: datetime | None = None
    media_type: str | None = None
    fee_due: FeeDue | None = None
    messages: tuple[str, ...] = ()


class LoanService:
    """Checks items out for a patron. Safe to use from several tasks at once."""

    def __init__(
        self,
        *,
        ils: LibrarySystem,
        journal: Journal,
        offline_policy: OfflinePolicy | None = None,
        ask_fees: bool = True,
        on_online: Callable[[bool], None] | None = None,
    ) -> None:
        self.ils = ils
        self.journal = journal
        self.offline_policy = offline_policy or OfflinePolicy()
        self.ask_fees = ask_fees
        self.on_online = on_online

    def _online(self, online: bool) -> None:
        if self.on_online is not None:
            self.on_online(online)

    async def _journal(self, method: Callable[..., Entry], *args: Any, **kw: Any) -> Entry:
        """Journal writes fsync; they run off the loop so other items keep moving."""
        return await asyncio.to_thread(method, *args, **kw)

    async def check_out(
        self,
        patron_id: str,
        item_id: str,
        tags: Sequence[PadTag],
        *,
        pin: str | None = None,
        session_id: str | None = None,
        fee_acknowledged: bool = False,
    ) -> LoanDone:
        """Lend one item (all its parts' tags are given); the journal knows before anyone."""
        # One entry per item: the loan happens once. A multi-part set records every part's UID.
        uids = ",".join(tag.uid_hex for tag in tags) or None
        if must_work_offline(self.ils, self.journal):
            return await self._offline(patron_id, item_id, tags, uids, session_id, None)
        entry = await self._journal(
            self.journal.begin,
            EntryKind.CHECKOUT,
            item_id,
            patron_id=patron_id,
            tag_uid=uids,
            session_id=session_id,
        )
        try:
            result = await self.ils.checkout(
                patron_id, item_id, pin=pin, fee_acknowledged=fee_acknowledged
            )
        except LibrarySystemUnavailable as error:
            self._online(False)
            unknown = isinstance(error, OutcomeUnknown)
            return await self._offline(
                patron_id, item_id, tags, uids, session_id, (entry.id, unknown)
            )
        except LibrarySystemError as error:
            # An answer that makes no sense: the outcome is unknown, the entry stays pending
            # for recovery to settle, and the patron may try again.
            log.warning("checkout of %s failed: %s", item_id, error)
            return LoanDone(
                item_id=item_id,
                outcome=LoanOutcome.REFUSED,
                reason=Reason.REFUSED_BY_LIBRARY,
                retry=True,
                entry_id=entry.id,
            )
        self._online(True)
        common: dict[str, Any] = {
            "item_id": item_id,
            "entry_id": entry.id,
            "title": result.title,
            "media_type": result.media_type,
            "messages": result.messages,
        }
        if not result.ok:
            if result.fee_due is not None and not fee_acknowledged and self.ask_fees:
                await self._journal(
                    self.journal.record_result,
                    entry.id,
                    ok=False,
                    reason="fee_required",
                    messages=result.messages,
                )
                return LoanDone(outcome=LoanOutcome.FEE_NEEDED, fee_due=result.fee_due, **common)
            await self._journal(
                self.journal.record_result,
                entry.id,
                ok=False,
                reason="refused",
                messages=result.messages,
            )
            reason = await self._refusal_reason(item_id)
            return LoanDone(outcome=LoanOutcome.REFUSED, reason=reason, **common)
        disarm = bool(result.desensitize)
        await self._journal(
            self.journal.record_result,
            entry.id,
            ok=True,
            security_target=SecurityTarget.UNSECURED if disarm else None,
            messages=result.messages,
            due_date=result.due_date,
        )
        return LoanDone(
            outcome=LoanOutcome.LENT,
            disarm=disarm,
            renewal=result.renewal,
            due_date=result.due_date,
            **common,
        )

    async def _refusal_reason(self, item_id: str) -> Reason:
        """SIP2 refusals carry only free text; an item the library system does not know at
        all gets its own reason (asked with one item-information request)."""
        try:
            info = await self.ils.item(item_id)
        except LibrarySystemError:
            return Reason.REFUSED_BY_LIBRARY
        if info.status is ItemStatus.UNKNOWN:
            return Reason.ITEM_UNKNOWN
        return Reason.REFUSED_BY_LIBRARY

    async def security(self, entry_id: str, *, done: bool) -> None:
        """Record the security change of a loan: verified (``done``) or not (yet)."""
        if done:
            await self._journal(self.journal.security_done, entry_id)
        else:
            await self._journal(
                self.journal.security_failed, entry_id, "tag not changed or not verified"
            )

    async def _offline(
        self,
        patron_id: str,
        item_id: str,
        tags: Sequence[PadTag],
        uids: str | None,
        session_id: str | None,
        attempt: tuple[str, bool] | None,
    ) -> LoanDone:
        """The library system is unavailable: the offline policy decides about this loan.

        ``attempt`` is the (entry id, outcome unknown) of an online try that failed. An entry
        whose request certainly never went out is abandoned when the policy says no; one whose
        outcome is unknown stays pending for recovery, or is accepted offline (the replay
        checks the library system before it sends anything).
        """
        decision = self.offline_policy.may_lend(
            self.journal,
            patron_id=patron_id,
            session_id=session_id,
            not_for_loan_offline=any(tag.data.not_for_loan_offline for tag in tags),
        )
        if not decision:
            if attempt is not None and not attempt[1]:
                await self._journal(
                    self.journal.abandon, attempt[0], reason="library_system_unavailable"
                )
            reason = _OFFLINE_REASONS.get(
                decision.reason.value if decision.reason else "",
                Reason.LIBRARY_SYSTEM_UNAVAILABLE,
            )
            return LoanDone(
                item_id=item_id,
                outcome=LoanOutcome.REFUSED,
                reason=reason,
                retry=reason is Reason.LIBRARY_SYSTEM_UNAVAILABLE,
            )
        if attempt is not None:
            entry = await self._journal(
                self.journal.accept_offline, attempt[0], security_target=SecurityTarget.UNSECURED
            )
        else:
            entry = await self._journal(
                self.journal.begin_offline,
                EntryKind.CHECKOUT,
                item_id,
                patron_id=patron_id,
                tag_uid=uids,
                session_id=session_id,
                security_target=SecurityTarget.UNSECURED,
            )
        return LoanDone(
            item_id=item_id,
            outcome=LoanOutcome.LENT,
            entry_id=entry.id,
            offline=True,
            disarm=True,
        )
