"""Titles for the items a patron would otherwise see only as barcodes.

Why: a loan or a return brings its title with the library system's answer, but an item
refused at the pad (a reference copy, a blocked card), a set with parts missing or an item left
on the pad by someone else never reaches the library system, and "3000000010" means nothing to
a patron. This part listens to the kiosk's own events and, for such an item, asks the library
system once per visit for its title (item information), then tells the screen
(:class:`~kiosk.core.events.ItemDescribed`) and puts it on the receipt line too.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import Reason
from kiosk.core.session import Session
from kiosk.ils.port import ItemStatus, LibrarySystem, LibrarySystemError

__all__ = ["TitleFinder"]

log = logging.getLogger(__name__)

#: Refusals whose item id is not a barcode the library system could know.
_NOT_AN_ITEM = frozenset({Reason.TAG_UNREADABLE})


class TitleFinder:
    """Looks up the titles the kiosk's events lack (subscribed to the kiosk's events)."""

    def __init__(self, ctx: KioskContext, ils: LibrarySystem) -> None:
        self.ctx = ctx
        self.ils = ils
        self._asked: set[str] = set()
        ctx.hub.subscribe(self._on_event)

    def _on_event(self, event: ev.KioskEvent) -> None:
        match event:
            case ev.SessionEnded():
                self._asked.clear()
            case ev.ItemRefused(item_id=item_id, title="", reason=reason, action=action):
                if reason not in _NOT_AN_ITEM and action is not ev.Action.RENEW:
                    self._ask(item_id)
            case (
                ev.IncompleteSet(item_id=item_id, title="")
                | ev.ItemLeftOnPad(item_id=item_id, title="")
            ):
                self._ask(item_id)
            case _:
                pass

    def _ask(self, item_id: str) -> None:
        if item_id in self._asked or not self.ctx.ils_online:
            return
        self._asked.add(item_id)
        self.ctx.spawn(self._describe(item_id, self.ctx.session))

    async def _describe(self, item_id: str, session: Session) -> None:
        try:
            info = await self.ils.item(item_id)
        except LibrarySystemError as error:
            log.info("no title for item %s: %s", item_id, error)
            return
        if info.status is ItemStatus.UNKNOWN or not info.title or self.ctx.session is not session:
            return  # nothing to tell, or the visit it was asked for has ended
        for items in (session.borrowed, session.returned):
            item = items.get(item_id)
            if item is not None and not item.title:
                item.title = info.title
        session.receipt_entries[:] = [
            replace(entry, title=info.title)
            if entry.item_id == item_id and not entry.title
            else entry
            for entry in session.receipt_entries
        ]
        self.ctx.emit(ev.ItemDescribed(item_id=item_id, title=info.title))
