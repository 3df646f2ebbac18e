"""One loan as a transaction: journal, library system (or the offline policy), journal again.

Why a service of its own: the borrowing pipeline (:mod:`kiosk.core.borrowing`) talks to the
patron — events, fee questions, "place it again" — while this module only makes the loan happen
through the one journalled transaction (:mod:`kiosk.core.transaction`) and tells what came of
it. The tag is changed *after* :meth:`LoanService.check_out` returns, because by then the result
and the security target are durable::

    journal.begin -> ils.checkout -> journal.record_result(UNSECURED if ok and desensitize)
    (unavailable) -> offline policy -> journal.accept_offline / begin(offline=...) (UNSECURED)

then the caller disarms the tag(s) with :meth:`LoanService.disarm`.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from kiosk.core.events import Reason
from kiosk.core.library_reasons import free_text, reason_for
from kiosk.core.pad import PadTag
from kiosk.core.transaction import AcceptedOffline, Answered, Record, Request, Transactions
from kiosk.ils.journal import EntryKind, SecurityTarget
from kiosk.ils.offline import OfflineDecision, OfflinePolicy, OfflineRefusal
from kiosk.ils.port import (
    CheckoutResult,
    FeeDue,
    ItemStatus,
    LibrarySystemError,
    LoanRequest,
)

__all__ = ["LoanDone", "LoanOutcome", "LoanService", "offline_reason"]

log = logging.getLogger(__name__)

#: The offline policy's refusals as the reasons the UI translates.
_OFFLINE_REASONS = {
    OfflineRefusal.NOT_FOR_LOAN_OFFLINE: Reason.NOT_FOR_LOAN_OFFLINE,
    OfflineRefusal.OFFLINE_LIMIT_REACHED: Reason.OFFLINE_LIMIT_REACHED,
}


def offline_reason(refusal: OfflineRefusal | None) -> Reason:
    """The reason a patron sees for a transaction the offline policy did not take."""
    if refusal is None:
        return Reason.LIBRARY_SYSTEM_UNAVAILABLE
    return _OFFLINE_REASONS.get(refusal, Reason.LIBRARY_SYSTEM_UNAVAILABLE)


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
    """Checks items out for a patron. Safe to use from several tasks at once.

    ``transactions`` is the kiosk's one :class:`Transactions` (library system, journal, tags),
    shared with its returns and renewals."""

    def __init__(
        self,
        transactions: Transactions,
        *,
        offline_policy: OfflinePolicy | None = None,
        ask_fees: bool = True,
    ) -> None:
        self.transactions = transactions
        self.ils = transactions.ils
        self.journal = transactions.journal
        self.offline_policy = offline_policy or OfflinePolicy()
        self.ask_fees = ask_fees

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
        request = Request(
            kind=EntryKind.CHECKOUT,
            item_id=item_id,
            patron_id=patron_id,
            tags=tags,
            session_id=session_id,
        )
        ask_fee = self.ask_fees and not fee_acknowledged

        def record(result: CheckoutResult) -> Record:
            if result.ok:
                target = SecurityTarget.UNSECURED if result.desensitize else None
                return Record(
                    ok=True,
                    security_target=target,
                    messages=result.messages,
                    due_date=result.due_date,
                )
            reason = "fee_required" if ask_fee and result.fee_due is not None else "refused"
            return Record(ok=False, reason=reason, messages=result.messages)

        async def may_lend() -> OfflineDecision:
            return await self.journal.call(
                self.offline_policy.may_lend,
                self.journal,
                patron_id=patron_id,
                session_id=session_id,
                not_for_loan_offline=any(tag.data.not_for_loan_offline for tag in tags),
            )

        outcome = await self.transactions.run(
            request,
            lambda: self.ils.checkout(
                LoanRequest(
                    patron_id=patron_id, item_id=item_id, pin=pin, fee_acknowledged=fee_acknowledged
                )
            ),
            record,
            offline=may_lend,
        )
        if isinstance(outcome, AcceptedOffline):
            return LoanDone(
                item_id=item_id,
                outcome=LoanOutcome.LENT,
                entry_id=outcome.entry_id,
                offline=True,
                disarm=True,
            )
        if not isinstance(outcome, Answered):
            if outcome.unclear:  # the outcome is unknown; the patron may try again
                return LoanDone(
                    item_id=item_id,
                    outcome=LoanOutcome.REFUSED,
                    reason=Reason.REFUSED_BY_LIBRARY,
                    retry=True,
                    entry_id=outcome.entry_id,
                )
            reason = offline_reason(outcome.refusal)
            return LoanDone(
                item_id=item_id,
                outcome=LoanOutcome.REFUSED,
                reason=reason,
                retry=reason is Reason.LIBRARY_SYSTEM_UNAVAILABLE,
            )
        result = outcome.result
        done = LoanDone(
            item_id=item_id,
            outcome=LoanOutcome.LENT,
            entry_id=outcome.entry_id,
            title=result.title,
            media_type=result.media_type,
            messages=free_text(result.messages),
        )
        if result.ok:
            return replace(
                done,
                disarm=bool(result.desensitize),
                renewal=result.renewal,
                due_date=result.due_date,
            )
        if ask_fee and result.fee_due is not None:
            return replace(done, outcome=LoanOutcome.FEE_NEEDED, fee_due=result.fee_due)
        known = reason_for(result.notices)
        title = result.title
        if known is None or not title:
            found, title = await self._refusal_reason(item_id)
            known = known or found
        return replace(done, outcome=LoanOutcome.REFUSED, reason=known, title=title)

    async def disarm(self, entry_id: str, uids: Sequence[bytes]) -> frozenset[bytes]:
        """Disarm a loan's tags, read them back, journal it; returns the UIDs not verified."""
        return await self.transactions.change_security(entry_id, uids, secured=False)

    async def _refusal_reason(self, item_id: str) -> tuple[Reason, str]:
        """SIP2 refusals carry only free text (and seldom the title): an item the library
        system does not know at all gets its own reason, and a known one its title, asked
        with one item-information request."""
        try:
            info = await self.ils.item(item_id)
        except LibrarySystemError:
            return Reason.REFUSED_BY_LIBRARY, ""
        if info.status is ItemStatus.UNKNOWN:
            return Reason.ITEM_UNKNOWN, ""
        return Reason.REFUSED_BY_LIBRARY, info.title
