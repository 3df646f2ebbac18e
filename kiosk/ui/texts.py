"""Every sentence a patron reads about an item, a refusal or a return, as catalog entries.

Why one module: the core speaks in enums (:class:`~kiosk.core.events.Reason`,
:class:`~kiosk.core.model.ReturnKind` ...) and the screen must turn each into a plain sentence
in ten languages, a symbol and a tone. Keeping the table here lets a test check that every enum
member has a sentence and that every sentence has a translation in every catalog.

A refusal's sentence says what the patron can do about it (try again, return something first,
ask the staff), because the patron is alone at the kiosk. A return's instruction matches this
kiosk: a kiosk prints no slips, so none is mentioned; the return station's display says where
the sorter put the item instead.

States are never told by colour alone: each :class:`ItemLine` has a symbol *and* words.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.core import FeeKind, HoldPlace, Reason, ReturnKind, ReturnOutcome, TransferKind
from kiosk.ui.i18n import N_, Translator

__all__ = [
    "FEE_KIND_TEXTS",
    "HOLD_PLACE_TEXTS",
    "NOT_TAKEN_BACK",
    "REASON_TEXTS",
    "SYMBOLS",
    "ItemLine",
    "fee_text",
    "hold_text",
    "reason_text",
    "return_instruction",
]

#: Symbols drawn beside each state (all present in the bundled font).
SYMBOLS = {"ok": "✓", "problem": "✗", "warn": "⚠", "busy": "…", "info": "→", "question": "?"}

REASON_TEXTS: dict[Reason, str] = {
    Reason.PATRON_UNKNOWN: N_(
        "We do not recognise this card number. Check it and try again, or ask the staff."
    ),
    Reason.PIN_WRONG: N_("The PIN is not right. Please try again."),
    Reason.PIN_ATTEMPTS_EXCEEDED: N_("Too many wrong PINs. Please ask the staff for help."),
    Reason.PIN_LOCKED: N_(
        "Your PIN is locked after too many wrong tries. Try again later, or ask the staff."
    ),
    Reason.CARD_LOST: N_("This card is reported lost. Please ask the staff."),
    Reason.CARD_EXPIRED: N_("Your library card has expired. The staff can renew it."),
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
    Reason.ON_LOAN_TO_OTHER: N_("This item is on loan to someone else. Please ask the staff."),
    Reason.RESERVED_FOR_OTHER: N_(
        "Someone else has reserved this item. Please hand it in at the staff desk."
    ),
    Reason.ALREADY_BORROWED: N_("You have already borrowed this title."),
    Reason.FEE_REQUIRED: N_("This loan costs a fee. Please borrow it at the staff desk."),
    Reason.NOT_ON_LOAN: N_("This item is not on loan to you."),
    Reason.NOT_FOR_LOAN_OFFLINE: N_(
        "This item cannot be borrowed while the library system is offline."
    ),
    Reason.OFFLINE_LIMIT_REACHED: N_("No more loans while the library system is offline."),
    Reason.FEE_DECLINED: N_("Not borrowed: you declined the fee."),
    Reason.RENEWAL_REFUSED: N_("This loan cannot be renewed."),
    Reason.RENEWAL_RESERVED: N_("Not renewed: someone is waiting for it."),
    Reason.RENEWAL_LIMIT: N_("Not renewed: it has been renewed as many times as it may be."),
    Reason.SECURITY_NOT_CHANGED: N_("Please place the item on the pad again."),
    Reason.LEFT_ON_PAD: N_("Not borrowed: it was on the pad before you came."),
    Reason.LIBRARY_SYSTEM_UNAVAILABLE: N_("The library system does not answer. We will try again."),
    Reason.NOT_ALLOWED_NOW: N_("That is not possible right now."),
}

#: What each kind of fee is for, as a patron reads it.
FEE_KIND_TEXTS: dict[FeeKind, str] = {
    FeeKind.OVERDUE: N_("Overdue fine"),
    FeeKind.REPLACEMENT: N_("Replacement of a lost item"),
    FeeKind.DAMAGE: N_("Damaged item"),
    FeeKind.RENTAL: N_("Loan fee"),
    FeeKind.PROCESSING: N_("Processing fee"),
    FeeKind.ADMINISTRATIVE: N_("Administrative fee"),
    FeeKind.HOLD: N_("Hold fee"),
    FeeKind.OTHER: N_("Fee"),
}

HOLD_PLACE_TEXTS: dict[HoldPlace, str] = {
    HoldPlace.WAITING: N_("Waiting in the queue"),
    HoldPlace.IN_TRANSIT: N_("On its way to {place}"),
    HoldPlace.READY_HERE: N_("Ready for you here"),
    HoldPlace.READY_ELSEWHERE: N_("Ready for you at {place}"),
}

#: Exception reasons of an item the library system did not take back (see ReturnOutcome).
NOT_TAKEN_BACK = frozenset({"checkin_refused", "tag_unreadable"})


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


def fee_text(kind: FeeKind | None, tr: Translator) -> str:
    """What a fee is for, or an empty text when the library system did not say."""
    return tr(FEE_KIND_TEXTS[kind]) if kind is not None else ""


def return_instruction(
    outcome: ReturnOutcome, tr: Translator, *, station: bool = False
) -> ItemLine:
    """One clear instruction per returned item: where to put it, and why.

    At a kiosk the patron carries the item on (a kiosk prints no slips, so none is mentioned);
    at the return station the sorter has done it, so the display says where the item went.
    An item the library system did not take back is "not returned", never "returned".
    """
    place = outcome.destination_name or outcome.destination or tr(N_("another library"))
    not_taken = outcome.kind is ReturnKind.EXCEPTION and outcome.exception_reason in NOT_TAKEN_BACK
    if station:
        line = _station_line(outcome, place, not_taken, tr)
    elif not_taken:
        line = ItemLine(
            SYMBOLS["warn"],
            "warn",
            tr(N_("Not returned: the staff need to see it. Please hand it in at the staff desk.")),
        )
    elif outcome.kind is ReturnKind.RESHELVE or outcome.exception_reason == "returned_offline":
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
            tr(N_("Goes back to {place} — put it in the transit bin"), place=place),
        )
    else:
        line = ItemLine(
            SYMBOLS["warn"],
            "warn",
            tr(N_("Returned, but the staff need to see it. Please hand it in at the staff desk.")),
        )
    if not outcome.security_ok:
        line = ItemLine(
            SYMBOLS["warn"],
            "warn",
            line.detail + "\n" + tr(N_("Please place it on the pad again.")),
        )
    return line


def _station_line(outcome: ReturnOutcome, place: str, not_taken: bool, tr: Translator) -> ItemLine:
    """What the return station's display says about an item the sorter has put away."""
    if not_taken:
        return ItemLine(SYMBOLS["warn"], "warn", tr(N_("Not returned: left for the staff")))
    if outcome.kind is ReturnKind.HOLD_HERE:
        return ItemLine(SYMBOLS["ok"], "ok", tr(N_("Returned — someone here is waiting for it")))
    if outcome.kind is ReturnKind.OTHER_LIBRARY:
        return ItemLine(
            SYMBOLS["ok"], "ok", tr(N_("Returned — it goes on to {place}"), place=place)
        )
    if outcome.kind is ReturnKind.EXCEPTION and outcome.exception_reason != "returned_offline":
        return ItemLine(SYMBOLS["ok"], "warn", tr(N_("Returned — the staff will look at it")))
    return ItemLine(SYMBOLS["ok"], "ok", tr(N_("Returned")))


def hold_text(place: HoldPlace, pickup_name: str | None, tr: Translator) -> str:
    return tr(HOLD_PLACE_TEXTS[place], place=pickup_name or tr(N_("another library")))
