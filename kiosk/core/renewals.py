"""One renewal as a transaction: journal, library system, journal again (no tag to change).

Why journalled at all: a renewal changes the patron's loan, staff see it on the journal, and
recovery settles one whose answer was lost. It has no offline route: a renewal needs the
library system's loan rules, so while it is unavailable the renewal is simply not made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kiosk.core.events import Reason
from kiosk.core.library_reasons import free_text, reason_for
from kiosk.core.transaction import Answered, Record, Request, Transactions
from kiosk.ils.journal import EntryKind
from kiosk.ils.port import RenewRequest, RenewResult

__all__ = ["RenewalDone", "RenewalService"]


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewalDone:
    """What one renewal came to: ``reason`` is None exactly when it was renewed."""

    item_id: str
    reason: Reason | None = None
    retry: bool = False  # refused only because the library system was unavailable
    title: str = ""
    due_date: datetime | None = None
    messages: tuple[str, ...] = ()

    @property
    def renewed(self) -> bool:
        return self.reason is None


class RenewalService:
    """Renews loans for a patron. Safe to use from several tasks at once."""

    def __init__(self, transactions: Transactions) -> None:
        self.transactions = transactions
        self.ils = transactions.ils

    async def renew(
        self,
        patron_id: str,
        item_id: str,
        *,
        pin: str | None = None,
        session_id: str | None = None,
    ) -> RenewalDone:
        request = Request(
            kind=EntryKind.RENEW, item_id=item_id, patron_id=patron_id, session_id=session_id
        )
        outcome = await self.transactions.run(
            request,
            lambda: self.ils.renew(RenewRequest(patron_id=patron_id, item_id=item_id, pin=pin)),
            _record,
        )
        if not isinstance(outcome, Answered):
            if outcome.unclear:
                return RenewalDone(item_id=item_id, reason=Reason.REFUSED_BY_LIBRARY)
            return RenewalDone(
                item_id=item_id, reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE, retry=True
            )
        result = outcome.result
        return RenewalDone(
            item_id=item_id,
            reason=None if result.ok else reason_for(result.notices, Reason.RENEWAL_REFUSED),
            title=result.title,
            due_date=result.due_date if result.ok else None,
            messages=free_text(result.messages),
        )


def _record(result: RenewResult) -> Record:
    return Record(
        ok=result.ok,
        reason=None if result.ok else "renewal_refused",
        messages=result.messages,
        due_date=result.due_date,
    )
