"""The end of a visit made safe: nobody leaves with an armed loan unawares, and nothing a
patron leaves on the pad is lent to the next one without asking.

Why its own part: "finish" used to end the visit whatever state the items were in. A loan whose
security write failed stands in the library system while its tag still sets off the gate: the
patron walked into the alarm with a receipt saying "Borrowed". Here the visit's end is decided:
such loans hold "finish" until they are placed on the pad again (the borrowing pipeline then
finishes them) or the patron chooses to take them to the staff, who find them on their list; a
visit that ends anyway (the patron walked away) puts them on that list too. And what lies on
the pad when a visit ends is remembered, so the next patron is asked before it is lent.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import replace

from drivers.printer.contract import Document, Line
from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import EndReason
from kiosk.core.model import ItemRef
from kiosk.core.pad import PadTag
from kiosk.core.printing import Printing
from kiosk.core.session import ItemState, TrackedItem
from kiosk.ils.journal import Attention, Journal

__all__ = ["Departure", "staff_slip"]

log = logging.getLogger(__name__)

#: The note staff read on their list for a loan whose tag is still armed.
SENT_TO_STAFF_NOTE = "lent, security tag still on: the patron was sent to the desk"
LEFT_ARMED_NOTE = "lent, security tag still on: the visit ended before it was placed again"


def staff_slip(items: Iterable[TrackedItem], library_name: str, branch_name: str) -> Document:
    """The slip a patron shows at the desk: which loans still have their security tag on."""
    lines = [
        Line(library_name, bold=True, align="center"),
        Line(branch_name, align="center"),
        Line(""),
        Line("Please show this slip at the desk", bold=True, size="large"),
        Line("Lent, but the security tag is still on:"),
        Line(""),
    ]
    for item in items:
        lines.append(Line(item.title or item.item_id, bold=True))
        lines.append(Line(f"  {item.item_id}"))
    return Document(lines=lines)


class Departure:
    """Decides when a visit may end, and what the next visit inherits from the pad."""

    def __init__(self, ctx: KioskContext, journal: Journal, printing: Printing) -> None:
        self.ctx = ctx
        self.journal = journal
        self.printing = printing

    def armed_loans(self) -> list[TrackedItem]:
        """Items lent in this visit whose security change is not verified, not yet handed to
        the staff: the patron would set off the gate with them."""
        return [
            item
            for item in self.ctx.session.borrowed.values()
            if item.state is ItemState.SECURITY and item.wants_security and not item.sent_to_staff
        ]

    def hold_finish(self) -> bool:
        """True (and the screen told why) when "finish" must wait for armed loans."""
        armed = self.armed_loans()
        if not armed:
            return False
        self.ctx.emit(ev.FinishHeld(items=_refs(armed)))
        return True

    async def send_to_staff(self) -> None:
        """The patron gives up placing the armed loans again: they go on the staff's list, the
        receipt says the tag is still on, and a slip for the desk is printed when it can be."""
        ctx = self.ctx
        armed = self.armed_loans()
        if not armed:
            return
        for item in armed:
            item.sent_to_staff = True
            await self._flag(item, SENT_TO_STAFF_NOTE)
        self._mark_receipt(armed)
        settings = ctx.settings
        printed = False
        state = await self.printing.state()
        if state is not None and state.can_print:
            document = staff_slip(armed, settings.library_name, settings.branch_name)
            printed = (await self.printing.print(document, what="slip for the desk")).printed
        ctx.emit(ev.SentToStaff(items=_refs(armed), slip_printed=printed))

    async def before_end(self, reason: EndReason, on_pad: Iterable[PadTag]) -> int:
        """The visit ends: loans still armed go on the staff's list (the patron left with them,
        or is about to), and what lies on the pad is held back from the next patron. Returns
        how many of the items lent in this visit still lie on the pad."""
        ctx = self.ctx
        for item in self.armed_loans():
            log.warning("visit ended (%s) with item %s lent but armed", reason.value, item.item_id)
            await self._flag(item, LEFT_ARMED_NOTE)
        tags = [tag for tag in on_pad if not tag.is_patron_card]
        ctx.left_on_pad = {tag.uid for tag in tags}
        lent = ctx.session.lent_on_pad
        return len({tag.item_id for tag in tags if tag.uid in lent})

    async def _flag(self, item: TrackedItem, note: str) -> None:
        entry_id = next(iter(item.entry_ids.values()), None)
        if entry_id is None:
            return
        try:
            await self.journal.call(
                self.journal.flag, entry_id, Attention.SECURITY_UNRESOLVED, note
            )
        except Exception:  # the staff's list must never stop the visit's end
            log.exception("could not put item %s on the staff's list", item.item_id)

    def _mark_receipt(self, items: list[TrackedItem]) -> None:
        """The receipt says what really happened: lent, tag still on, show it at the desk."""
        ids = {item.item_id for item in items}
        entries = self.ctx.session.receipt_entries
        entries[:] = [
            replace(entry, attention="security_not_cleared")
            if entry.item_id in ids and entry.action in ("borrowed", "renewed")
            else entry
            for entry in entries
        ]


def _refs(items: Iterable[TrackedItem]) -> tuple[ItemRef, ...]:
    return tuple(ItemRef(item_id=item.item_id, title=item.title) for item in items)
