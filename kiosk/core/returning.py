"""Returning at the pad: each item put down is checked in, re-armed and its way shown.

Why separate from the check-in itself: :class:`~kiosk.core.returns.ReturnService` is the one
check-in path the kiosk and the return station share (journal, offline policy, re-arming,
routing); this module is the kiosk's side of it: which tags on the pad are returns, the
patron's receipt lines, the screen's events, and re-arming a tag placed back on the pad.
"""

from __future__ import annotations

from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import Action, Reason
from kiosk.core.pad import PadTag
from kiosk.core.receipts import ReceiptEntry
from kiosk.core.returns import ReturnService
from kiosk.core.session import ItemState, Session, TrackedItem

__all__ = ["Returning"]


class Returning:
    """Takes back what arrives on the pad while the kiosk is in RETURN mode."""

    def __init__(self, ctx: KioskContext, returns: ReturnService) -> None:
        self.ctx = ctx
        self.returns = returns

    def arrived(self, tag: PadTag) -> None:
        ctx = self.ctx
        tracked = ctx.track(tag, Action.RETURN)
        if tracked is None:
            return
        item, first = tracked
        if first:
            self._start(ctx.session, item)
            return
        if (
            item.state in (ItemState.SECURITY, ItemState.DONE)
            and item.wants_security
            and tag.uid not in item.secured_uids
        ):
            ctx.spawn(self._rearm(item))

    def retry(self) -> None:
        """Try again the returns the library system did not answer (no offline returns)."""
        session = self.ctx.session
        for item in list(session.returned.values()):
            if item.state is ItemState.RETRY and item.tags:
                self._start(session, item)

    def _start(self, session: Session, item: TrackedItem) -> None:
        item.state = ItemState.CHECKING
        self.ctx.spawn(self._checkin(session, item), item, Action.RETURN)

    async def _checkin(self, session: Session, item: TrackedItem) -> None:
        ctx = self.ctx
        ctx.emit(ev.ItemChecking(item_id=item.item_id, action=Action.RETURN))
        tags = list(item.tags.values())
        done = await self.returns.check_in(
            item.item_id, tags, session_id=session.id, language=ctx.language
        )
        if done.refused is not None or done.outcome is None:
            reason = done.refused or Reason.LIBRARY_SYSTEM_UNAVAILABLE
            ctx.refuse(item, Action.RETURN, reason, retry=True)
            return
        session.returned_on_pad.update(tag.uid for tag in tags)
        item.title = done.title or item.title
        item.media_type = done.media_type
        item.offline = done.offline
        item.wants_security = done.armed
        if done.entry_id is not None:
            item.entry_ids = {tag.uid: done.entry_id for tag in tags}
        if done.armed:
            item.secured_uids = {tag.uid for tag in tags if tag.uid not in done.unverified}
        item.state = ItemState.DONE
        outcome = done.outcome
        # An item the library system would not take back (unknown, not the consortium's) is
        # left for the staff, not returned: the patron's receipt must not say otherwise.
        taken = done.offline or (done.checkin is not None and done.checkin.ok)
        session.receipt_entries.append(
            ReceiptEntry(
                action="returned" if taken else "left_for_staff",
                item_id=item.item_id,
                title=item.title,
                note=outcome.destination_name or "",
            )
        )
        ctx.emit(
            ev.ItemReturned(
                item_id=item.item_id, title=item.title, outcome=outcome, offline=done.offline
            )
        )
        if not outcome.security_ok:
            ctx.emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.RETURN, title=item.title)
            )
        checked = {tag.uid for tag in tags}
        if item.wants_security and any(uid not in checked for uid in item.pending_uids):
            ctx.spawn(self._rearm(item))  # parts placed while it was checked in

    async def _rearm(self, item: TrackedItem) -> None:
        """Arm the tags of a returned item that are not verified yet (placed again, late parts)."""
        entry_id = next(iter(item.entry_ids.values()), None)
        pending = item.pending_uids
        if entry_id is None or not pending:
            return
        unverified = await self.returns.rearm(entry_id, pending)
        item.secured_uids |= set(pending) - unverified
        if unverified:
            self.ctx.emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.RETURN, title=item.title)
            )
