"""Which sound cue and which spoken sentence follow each core event.

Why a table apart from the screens: a patron who cannot see the screen must hear the same
news the screen shows ("done", "refused, because ...", "place it again") whatever screen is up.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kiosk.core import events as ev
from kiosk.ui.texts import reason_text

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["cue_for", "spoken_for"]

_OK = (ev.ItemBorrowed, ev.ItemReturned, ev.ItemRenewed, ev.ReceiptDelivered)
_PROBLEM = (
    ev.ItemRefused,
    ev.SecurityNotCleared,
    ev.IncompleteSet,
    ev.IdentifyRefused,
    ev.PinRefused,
    ev.StaffModeRefused,
    ev.ReceiptFailed,
)
_ATTENTION = (ev.FeeAcknowledgementNeeded,)


def cue_for(event: ev.KioskEvent) -> str | None:
    """``"ok"``, ``"problem"``, ``"attention"`` or None for events that need no sound."""
    if isinstance(event, _OK):
        return "ok"
    if isinstance(event, _PROBLEM):
        return "problem"
    if isinstance(event, _ATTENTION):
        return "attention"
    if isinstance(event, ev.InactivityWarning):
        return "attention"
    return None


#: Events that end (or stop) an item's way: the item's sentence is read aloud.
_ITEM_OUTCOMES = (
    ev.ItemBorrowed,
    ev.ItemRenewed,
    ev.ItemRefused,
    ev.SecurityNotCleared,
    ev.IncompleteSet,
    ev.FeeAcknowledgementNeeded,
    ev.ItemReturned,
)


def spoken_for(event: ev.KioskEvent, app: KioskApp) -> str:
    """The sentence read aloud for an item or identification event (logical text)."""
    from kiosk.ui.screens import describe_item

    if isinstance(event, _ITEM_OUTCOMES):
        row = app.presenter.state.items.get(event.item_id)
        if row is not None:
            return f"{row.title or row.item_id}. {describe_item(row, app).detail}"
    if isinstance(event, ev.IdentifyRefused):
        return reason_text(event.reason, app.tr)
    return ""
