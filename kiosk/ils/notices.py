"""Library-system texts the kiosk recognises, so a patron reads them in their own language.

Why: SIP2 refusals carry no reason code, only a screen message (AF) in the library system's
language, and FOLIO's refusals are English sentences. Shown as sent, a Swedish "Lånet kan inte
förnyas fler gånger." reaches a Ukrainian or Arabic patron unchanged. The texts below are the
ones the kiosk knows (the embedded library system's, and the usual FOLIO wording); each maps to
a :class:`Notice` that the core turns into a translated reason. A text not recognised stays
free text and the screen shows it as the library's own message.

Matching is on the text with case, spacing and the closing full stop ignored, so a library
that adds a trailing space or drops the full stop is still recognised. Patterns are only used
where the text is a known sentence with a varying part (FOLIO names the limit).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable

__all__ = ["Notice", "recognise"]


class Notice(enum.Enum):
    """What a recognised library-system text says (the core maps each to a patron reason)."""

    PATRON_UNKNOWN = "patron_unknown"
    PIN_WRONG = "pin_wrong"
    PIN_LOCKED = "pin_locked"
    PATRON_BLOCKED = "patron_blocked"
    CARD_LOST = "card_lost"
    CARD_EXPIRED = "card_expired"
    EXCESSIVE_FEES = "excessive_fees"
    TOO_MANY_OVERDUE = "too_many_overdue"
    TOO_MANY_ITEMS = "too_many_items"
    ITEM_UNKNOWN = "item_unknown"
    NOT_FOR_LOAN = "not_for_loan"
    ON_LOAN_TO_OTHER = "on_loan_to_other"
    RESERVED_FOR_OTHER = "reserved_for_other"
    FEE_REQUIRED = "fee_required"
    RENEWAL_LIMIT = "renewal_limit"
    RENEWAL_RESERVED = "renewal_reserved"
    NOT_ON_LOAN = "not_on_loan"
    ALREADY_BORROWED = "already_borrowed"
    NOT_FOR_LOAN_OFFLINE = "not_for_loan_offline"


def _key(text: str) -> str:
    """``text`` as compared: lower case, single spaces, no closing full stop."""
    return " ".join(text.split()).casefold().rstrip(".!")


#: Exact sentences: the embedded library system's screen messages (kiosk/acs, in Swedish, also
#: behind its FOLIO API) and FOLIO's own fixed wording.
_EXACT: dict[str, Notice] = {
    _key(text): notice
    for text, notice in (
        ("Okänt lånekort.", Notice.PATRON_UNKNOWN),
        ("Fel PIN-kod.", Notice.PIN_WRONG),
        (
            "PIN-koden är spärrad efter för många felaktiga försök. "
            "Försök igen senare eller kontakta personalen.",
            Notice.PIN_LOCKED,
        ),
        ("Ditt lånekort är spärrat. Kontakta personalen.", Notice.PATRON_BLOCKED),
        ("Lånekortet är anmält förlorat. Kontakta personalen.", Notice.CARD_LOST),
        ("Lånekortet har gått ut. Kontakta personalen.", Notice.CARD_EXPIRED),
        ("Du har för höga avgifter för att låna.", Notice.EXCESSIVE_FEES),
        ("Du har för många försenade lån.", Notice.TOO_MANY_OVERDUE),
        ("Du har nått max antal lån.", Notice.TOO_MANY_ITEMS),
        ("Okänt exemplar.", Notice.ITEM_UNKNOWN),
        ("Exemplaret får inte lånas hem.", Notice.NOT_FOR_LOAN),
        ("Exemplaret är utlånat till någon annan.", Notice.ON_LOAN_TO_OTHER),
        ("Exemplaret är reserverat för någon annan.", Notice.RESERVED_FOR_OTHER),
        ("Lånet kostar en avgift.", Notice.FEE_REQUIRED),
        ("Lånet kan inte förnyas fler gånger.", Notice.RENEWAL_LIMIT),
        ("Lånet kan inte förnyas: någon annan väntar på det.", Notice.RENEWAL_RESERVED),
        ("Exemplaret är inte utlånat till dig.", Notice.NOT_ON_LOAN),
        ("Exemplaret får inte lånas ut offline.", Notice.NOT_FOR_LOAN_OFFLINE),
        ("Du har redan lånat titeln.", Notice.ALREADY_BORROWED),
        ("PIN does not match", Notice.PIN_WRONG),
        ("PIN locked after too many wrong attempts", Notice.PIN_LOCKED),
        ("Cannot check out to inactive user", Notice.PATRON_BLOCKED),
        ("Item is not loanable", Notice.NOT_FOR_LOAN),
        ("Item is already checked out", Notice.ON_LOAN_TO_OTHER),
        ("loan has reached its maximum number of renewals", Notice.RENEWAL_LIMIT),
        ("Patron has been blocked from borrowing", Notice.PATRON_BLOCKED),
    )
}

_RESERVED = Notice.RENEWAL_RESERVED

#: Sentences with a varying part (FOLIO names the limit, the item, the type).
_PATTERNS: tuple[tuple[re.Pattern[str], Notice], ...] = tuple(
    (re.compile(pattern), notice)
    for pattern, notice in (
        (r"^no item with barcode .+ exists$", Notice.ITEM_UNKNOWN),
        (r"^patron has reached maximum limit of \d+ items?\b", Notice.TOO_MANY_ITEMS),
        (r"^items? with this loan policy cannot be renewed when there is an active", _RESERVED),
    )
)


def _notice(text: str) -> Notice | None:
    key = _key(text)
    found = _EXACT.get(key)
    if found is not None:
        return found
    return next((notice for pattern, notice in _PATTERNS if pattern.search(key)), None)


def recognise(texts: Iterable[str]) -> tuple[tuple[Notice, ...], tuple[str, ...]]:
    """Split library-system texts into what the kiosk recognises (in order, each once) and
    the free text it does not (to be shown as the library's own message)."""
    notices: list[Notice] = []
    free: list[str] = []
    for text in texts:
        notice = _notice(text)
        if notice is None:
            free.append(text)
        elif notice not in notices:
            notices.append(notice)
    return tuple(notices), tuple(free)
