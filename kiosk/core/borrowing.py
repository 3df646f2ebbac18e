"""Borrowing at the pad: each item the patron puts down is lent, disarmed and reported.

Why a pipeline per item: a patron puts a whole stack down and adds to it; every item moves on
its own (the pool of library-system connections serves several at once), and what needs the
patron (a fee to accept, a set with parts missing, a tag to place again) is told per item. The
loan itself is :class:`~kiosk.core.loans.LoanService` (the one journalled transaction); this
module decides *when* (sets complete, the patron's answers) and tells the screen what happened.
"""

from __future__ import annotations

from drivers.tags import Usage
from kiosk.core import events as ev
from kiosk.core.account import money
from kiosk.core.context import KioskContext
from kiosk.core.events import Action, Reason
from kiosk.core.loans import LoanOutcome, LoanService
from kiosk.core.pad import PadTag
from kiosk.core.receipts import ReceiptEntry
from kiosk.core.session import ItemState, Session, TrackedItem

__all__ = ["Borrowing"]

#: Tag usages the kiosk never lends (the library decides about the rest).
_NEVER_LENT = frozenset({Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED, Usage.LIBRARY_EQUIPMENT})


class Borrowing:
    """Lends what arrives on the pad while the kiosk is in BORROW mode."""

    def __init__(self, ctx: KioskContext, loans: LoanService) -> None:
        self.ctx = ctx
        self.loans = loans

    def arrived(self, tag: PadTag) -> None:
        ctx = self.ctx
        if not tag.is_patron_card and tag.data.ok and self._left_over(tag):
            return  # it lay on the pad before this visit: the patron is asked first
        tracked = ctx.track(tag, Action.BORROW)
        if tracked is None:
            return
        item, _ = tracked
        session = ctx.session
        if item.state in (ItemState.SECURITY, ItemState.DONE):
            if item.wants_security and tag.uid not in item.secured_uids:
                ctx.spawn(self._finish_security(item), item, Action.BORROW)
            return
        if item.state is not ItemState.INCOMPLETE:
            return  # being checked, waiting for a fee answer, refused, or on the retry list
        if tag.data.usage in _NEVER_LENT:
            reason = (
                Reason.NOT_FOR_LOAN
                if tag.data.usage is Usage.NOT_FOR_CIRCULATION
                else Reason.NOT_A_LIBRARY_ITEM
            )
            ctx.refuse(item, Action.BORROW, reason)
            return
        if not session.can_borrow:
            ctx.refuse(item, Action.BORROW, session.borrow_refusal or Reason.PATRON_BLOCKED)
            return
        if not item.complete:
            ctx.emit(
                ev.IncompleteSet(
                    item_id=item.item_id,
                    parts=item.parts,
                    present=tuple(sorted(item.tags)),
                    missing=item.missing_parts,
                )
            )
            return
        self._start(session, item)

    # ------------------------------------------------------------ items left on the pad

    def _left_over(self, tag: PadTag) -> bool:
        """Hold back a tag that lay on the pad before this visit began (the last patron's
        books, a return left behind): it is lent only when this patron says it is theirs."""
        ctx = self.ctx
        session = ctx.session
        if tag.uid in session.left_declined:
            return True
        if tag.uid not in ctx.left_on_pad:
            return False
        waiting = session.left_waiting.get(tag.item_id)
        if waiting is None:
            session.left_waiting[tag.item_id] = [tag]
            ctx.emit(ev.ItemLeftOnPad(item_id=tag.item_id, title=tag.data.title or ""))
        elif tag not in waiting:
            waiting.append(tag)
        return True

    def confirm_left_items(self, borrow: bool) -> None:
        """The patron's word on the items left on the pad before: lend them, or leave them
        alone for the rest of the visit."""
        ctx = self.ctx
        session = ctx.session
        waiting, session.left_waiting = session.left_waiting, {}
        for item_id, tags in waiting.items():
            ctx.left_on_pad.difference_update(tag.uid for tag in tags)
            if borrow:
                for tag in tags:
                    self.arrived(tag)
                continue
            session.left_declined.update(tag.uid for tag in tags)
            title = next((tag.data.title for tag in tags if tag.data.title), "") or ""
            ctx.emit(
                ev.ItemRefused(
                    item_id=item_id, action=Action.BORROW, reason=Reason.LEFT_ON_PAD, title=title
                )
            )

    def left_tag_gone(self, tag: PadTag) -> None:
        """A tag left on the pad before the visit was taken away before the patron answered:
        it is not theirs to borrow now (placed again, it is an ordinary item)."""
        session = self.ctx.session
        session.left_declined.discard(tag.uid)
        waiting = session.left_waiting.get(tag.item_id)
        if waiting is None or tag not in waiting:
            return
        waiting.remove(tag)
        if not waiting:
            del session.left_waiting[tag.item_id]
            self.ctx.emit(
                ev.ItemRefused(
                    item_id=tag.item_id,
                    action=Action.BORROW,
                    reason=Reason.LEFT_ON_PAD,
                    title=tag.data.title or "",
                )
            )

    # -------------------------------------------------------------------------- fees

    def acknowledge_fee(self, item_id: str, accept: bool) -> None:
        """The patron's answer to :class:`~kiosk.core.events.FeeAcknowledgementNeeded`."""
        session = self.ctx.session
        item = session.borrowed.get(item_id)
        if item is None or item.state is not ItemState.FEE:
            return
        if not accept:
            self.ctx.refuse(item, Action.BORROW, Reason.FEE_DECLINED, item.messages)
            return
        self._start(session, item, fee_acknowledged=True)

    def retry(self) -> None:
        """Try again the items refused only because the library system did not answer."""
        session = self.ctx.session
        for item in list(session.borrowed.values()):
            if item.state is ItemState.RETRY and item.complete:
                self._start(session, item)

    def _start(
        self, session: Session, item: TrackedItem, *, fee_acknowledged: bool = False
    ) -> None:
        item.state = ItemState.CHECKING
        self.ctx.spawn(
            self._checkout(session, item, fee_acknowledged=fee_acknowledged), item, Action.BORROW
        )

    async def _checkout(
        self, session: Session, item: TrackedItem, *, fee_acknowledged: bool = False
    ) -> None:
        ctx = self.ctx
        patron_id = session.patron_id
        assert patron_id is not None
        ctx.emit(ev.ItemChecking(item_id=item.item_id, action=Action.BORROW))
        tags = list(item.tags.values())
        done = await self.loans.check_out(
            patron_id,
            item.item_id,
            tags,
            pin=session.pin,
            session_id=session.id,
            fee_acknowledged=fee_acknowledged,
        )
        item.title = done.title or item.title
        item.messages = done.messages
        item.media_type = done.media_type or item.media_type
        if done.entry_id is not None:
            item.entry_ids = {tag.uid: done.entry_id for tag in tags}
        if done.outcome is LoanOutcome.FEE_NEEDED:
            assert done.fee_due is not None
            item.state = ItemState.FEE
            item.fee = done.fee_due
            ctx.emit(
                ev.FeeAcknowledgementNeeded(
                    item_id=item.item_id,
                    title=item.title,
                    amount=money(done.fee_due.amount),
                    currency=done.fee_due.currency,
                    messages=done.messages,
                )
            )
            return
        if done.outcome is LoanOutcome.REFUSED:
            reason = done.reason or Reason.REFUSED_BY_LIBRARY
            ctx.refuse(item, Action.BORROW, reason, done.messages, retry=done.retry)
            return
        session.lent_on_pad.update(tag.uid for tag in tags)
        item.due_date = done.due_date
        item.renewed = done.renewal
        item.offline = done.offline
        item.wants_security = done.disarm
        session.receipt_entries[:] = [  # a refusal earlier in the visit is outdated now
            e for e in session.receipt_entries if (e.action, e.item_id) != ("refused", item.item_id)
        ]
        session.receipt_entries.append(
            ReceiptEntry(
                action="renewed" if item.renewed else "borrowed",
                item_id=item.item_id,
                title=item.title,
                due_date=item.due_date,
            )
        )
        ctx.stat(
            "renew" if item.renewed else "borrow",
            "offline" if item.offline else "ok",
            item,
            item.media_type,
        )
        item.state = ItemState.SECURITY
        await self._finish_security(item)

    async def _finish_security(self, item: TrackedItem) -> None:
        """Disarm every tag of a lent item still pending; tell the screen the item's end."""
        pending = item.pending_uids
        entry_id = next(iter(item.entry_ids.values()), None)  # one entry for all the parts
        if item.wants_security and pending and entry_id is not None:
            unverified = await self.loans.disarm(entry_id, pending)
            item.secured_uids |= set(pending) - unverified
        done = not item.wants_security or (
            not item.pending_uids and len(item.secured_uids) >= item.parts
        )
        if not done:
            item.state = ItemState.SECURITY
            self.ctx.emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.BORROW, title=item.title)
            )
            return
        if item.state is ItemState.DONE:
            return
        item.state = ItemState.DONE
        self.ctx.emit(
            ev.ItemBorrowed(
                item_id=item.item_id,
                title=item.title,
                due_date=item.due_date,
                renewed=item.renewed,
                offline=item.offline,
                messages=item.messages,
            )
        )
