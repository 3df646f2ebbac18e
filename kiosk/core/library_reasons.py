"""The library system's recognised texts as the reasons a patron reads.

Why here: the adapters (:mod:`kiosk.ils.notices`) recognise a library system's own sentences
without knowing what the kiosk tells patrons; the core decides which reason each one is. A
refusal whose text was not recognised keeps the caller's general reason and its free text.
The adapters keep the library system's texts as sent (staff tools show them); what reaches a
patron's screen is only the :func:`free_text`, the rest being said by the reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from kiosk.core.events import Reason
from kiosk.ils.notices import Notice, recognise

__all__ = ["free_text", "reason_for"]

_REASONS: dict[Notice, Reason] = {
    Notice.PATRON_UNKNOWN: Reason.PATRON_UNKNOWN,
    Notice.PIN_WRONG: Reason.PIN_WRONG,
    Notice.PIN_LOCKED: Reason.PIN_LOCKED,
    Notice.PATRON_BLOCKED: Reason.PATRON_BLOCKED,
    Notice.CARD_LOST: Reason.CARD_LOST,
    Notice.CARD_EXPIRED: Reason.CARD_EXPIRED,
    Notice.EXCESSIVE_FEES: Reason.EXCESSIVE_FEES,
    Notice.TOO_MANY_OVERDUE: Reason.TOO_MANY_OVERDUE,
    Notice.TOO_MANY_ITEMS: Reason.TOO_MANY_ITEMS,
    Notice.ITEM_UNKNOWN: Reason.ITEM_UNKNOWN,
    Notice.NOT_FOR_LOAN: Reason.NOT_FOR_LOAN,
    Notice.ON_LOAN_TO_OTHER: Reason.ON_LOAN_TO_OTHER,
    Notice.RESERVED_FOR_OTHER: Reason.RESERVED_FOR_OTHER,
    Notice.FEE_REQUIRED: Reason.FEE_REQUIRED,
    Notice.RENEWAL_LIMIT: Reason.RENEWAL_LIMIT,
    Notice.RENEWAL_RESERVED: Reason.RENEWAL_RESERVED,
    Notice.NOT_ON_LOAN: Reason.NOT_ON_LOAN,
    Notice.ALREADY_BORROWED: Reason.ALREADY_BORROWED,
    Notice.NOT_FOR_LOAN_OFFLINE: Reason.NOT_FOR_LOAN_OFFLINE,
}


def reason_for(notices: Iterable[Notice], default: Reason | None = None) -> Reason | None:
    """The reason of the first recognised text that has one, else ``default``."""
    return next((_REASONS[n] for n in notices if n in _REASONS), default)


def free_text(messages: Iterable[str]) -> tuple[str, ...]:
    """The library system's texts a patron should read as they are: those the kiosk did not
    recognise (a recognised one is said, translated, by its reason)."""
    return recognise(messages)[1]
