"""Every sentence a patron reads about an item, a refusal or a return, as catalog entries.

Why one module: the core speaks in enums (:class:`~kiosk.core.events.Reason`,
:class:`~kiosk.core.model.ReturnKind` ...) and the screen must turn each into a plain sentence
in ten languages, a symbol and a tone. Keeping the table here lets a test check that every enum
member has a sentence and that every sentence has a translation in every catalog.

States are never told by colour alone: each :class:`ItemLine` has a symbol *and* words.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core import HoldPlace, Reason, ReturnKind, ReturnOutcome, TransferKind
from kiosk.ui.i18n import N_, Translator

__all__ = [
    "HOLD_PLACE_TEXTS",
    "REASON_TEXTS",
    "SYMBOLS",
    "ItemLine",
    "hold_text",
    "reason_text",
    "return_instruction",
]

#: Symbols drawn beside each state (all present in the bundled font).
SYMBOLS = {"ok": "✓", "problem": "✗", "warn": "⚠", "busy": "…", "info": "→"}

REASON_TEXTS: dict[Reason, str] = {
    Reason.PATRON_UNKNOWN: N_("We do not recognise this card. Please ask the staff."),
    Reason.PIN_WRONG: N_("The PIN is not right. Please try again."),
    Reason.PIN_ATTEMPTS_EXCEEDED: N_("Too many wrong PINs. Please ask the staff."),
    Reason.CARD_LOST: N_("This card is reported lost. Please ask the staff."),
    Reason.PATRON_BLOCKED: N_("Your card is blocked for loans. Please ask the staff."),
    Reason.TOO_MANY_ITEMS: N_("You have borrowed as many items as you may."),
    Reason.TOO_MANY_OVERDUE: N_("You have too many overdue items. Please return them first."),
    Reason.TOO_MANY_LOST: N_("You have too many lost items. Please ask the staff."),
    Reason.EXCESSIVE_FEES: N_("Your unpaid fees are too high to borrow. Please ask the staff."),
    Reason.RECALL_OVERDUE: N_("A recalled item is overdue. Please return it first."),
    Reason.REFUSED_BY_LIBRARY: N_("The library cannot lend this item."),
    Reason.NOT_FOR_LOAN: N_("This item is for use in the library only."),
    Reason.ITEM_UNKNOWN: N_("This item is not known to the library. Please ask the staff."),
    Reason.INCOMPLETE_SET: N_("Parts are missing. Place all parts on the pad."),
    Reason.TAG_UNREADABLE: N_("The tag could not be read. Please ask the staff."),
    Reason.NOT_A_LIBRARY_ITEM: N_("This item cannot be borrowed here."),
    Reason.NOT_FOR_LOAN_OFFLINE: N_(
        "This item cannot be borrowed while the library system is offline."
    ),
    Reason.OFFLINE_LIMIT_REACHED: N_("No more loans while the library system is offline."),
    Reason.FEE_DECLINED: N_("Not borrowed: you declined the fee."),
    Reason.RENEWAL_REFUSED: N_("This loan cannot be renewed."),
    Reason.SECURITY_NOT_CHANGED: N_("Please place the item on the pad again."),
    Reason.LIBRARY_SYSTEM_UNAVAILABLE: N_("The library system does not answer. We will try again."),
    Reason.NOT_ALLOWED_NOW: N_("That is not possible right now."),
}

HOLD_PLACE_TEXTS: dict[HoldPlace, str] = {
    HoldPlace.WAITING: N_("Waiting in the queue"),
    HoldPlace.IN_TRANSIT: N_("On its way to {place}"),
    HoldPlace.READY_HERE: N_("Ready for you here"),
    HoldPlace.READY_ELSEWHERE: N_("Ready for you at {place}"),
}


@dataclass(frozen=True, slots=True)
class ItemLine:
    """How one item row looks: a symbol, a tone (colour role) and a sentence."""

    symbol: str
    tone: str  # "ok" | "warn" | "problem" | "text"
    detail: str


def reason_text(reason: Reason | None, tr: Translator) -> str:
    if reason is None:
        return ""
    # A reason added to the core after this table still gets a truthful, translated sentence.
    return tr(REASON_TEXTS.get(reason, REASON_TEXTS[Reason.REFUSED_BY_LIBRARY]))


def return_instruction(outcome: ReturnOutcome, tr: Translator) -> ItemLine:
    """One clear instruction per returned item: where to put it, and why."""
    place = outcome.destination_name or outcome.destination or tr(N_("another library"))
    if outcome.kind is ReturnKind.RESHELVE:
        line = ItemLine(SYMBOLS["ok"], "ok", tr(N_("Returned — put it on the returns trolley")))
    elif outcome.kind is ReturnKind.HOLD_HERE:
        line = ItemLine(
            SYMBOLS["info"], "ok", tr(N_("Someone is waiting for this — put it on the holds shelf"))
        )
    elif outcome.kind is ReturnKind.OTHER_LIBRARY and outcome.transfer is TransferKind.HOLD:
        line = ItemLine(
            SYMBOLS["info"],
            "ok",
            tr(
                N_("Someone in {place} is waiting for this — put it in the transit bin"),
                place=place,
            ),
        )
    elif outcome.kind is ReturnKind.OTHER_LIBRARY:
        line = ItemLine(
            SYMBOLS["info"],
            "ok",
            tr(N_("Goes to {place} — put it in the transit bin"), place=place),
        )
    else:
        line = ItemLine(
            SYMBOLS["warn"],
            "warn",
            tr(N_("Staff need to look at this — put it in the staff bin with the slip")),
        )
    if not outcome.security_ok:
        line = ItemLine(
            SYMBOLS["warn"],
            "warn",
            line.detail + "\n" + tr(N_("Please place it on the pad again.")),
        )
    return line


def hold_text(place: HoldPlace, pickup_name: str | None, tr: Translator) -> str:
    return tr(HOLD_PLACE_TEXTS[place], place=pickup_name or tr(N_("another library")))
