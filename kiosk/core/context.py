"""What the parts of one kiosk share: the patron's session, the mode, the events going out, and
the work in flight.

Why a context object: identification, borrowing, returning, the account and the receipt are
separate modules, but they act on one visit. Each gets this context instead of a reference to
the whole kiosk, so what they can touch is written down here, and the one place that replaces
the session (dropping everything about the patron) is :meth:`KioskContext.reset_session`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from kiosk.core import events as ev
from kiosk.core.bus import EventHub
from kiosk.core.events import Action, EndReason, Mode, Reason
from kiosk.core.pad import PadTag
from kiosk.core.receipts import ReceiptEntry
from kiosk.core.routing import exception_outcome
from kiosk.core.session import ItemState, Session, TrackedItem
from kiosk.core.settings import KioskSettings
from kiosk.core.statistics import Statistics
from kiosk.ils.offline import OfflinePolicy

__all__ = ["KioskContext"]

log = logging.getLogger(__name__)


class KioskContext:
    """The shared state of one kiosk. Everything runs on one asyncio loop."""

    def __init__(
        self,
        *,
        settings: KioskSettings,
        offline_policy: OfflinePolicy,
        statistics: Statistics | None,
        hub: EventHub,
    ) -> None:
        self.settings = settings
        self.offline_policy = offline_policy
        self.statistics = statistics
        self.hub = hub
        self.session = Session()
        self.mode = Mode.IDLE
        self.language = settings.default_language
        self.ils_online = True
        self.warned_at: int | None = None  # the last inactivity warning's seconds
        self.clock: Callable[[], datetime] = datetime.now  # local time, for opening hours
        #: Tags that lay on the pad when the last visit ended (or when the kiosk started) and
        #: have not left it since: never lent to the next patron without their word.
        self.left_on_pad: set[bytes] = set()
        #: Whether patrons are served now, as last told (a screen starting late reads it).
        self.service = ev.ServiceChanged(open=True)
        self._last_activity = 0.0
        self._work: set[asyncio.Task[None]] = set()

    # ------------------------------------------------------------------------------ events

    def emit(self, event: ev.KioskEvent) -> None:
        self.hub.emit(event)

    def set_mode(self, mode: Mode) -> None:
        if mode is not self.mode:
            previous, self.mode = self.mode, mode
            self.emit(ev.ModeChanged(mode=mode, previous=previous))

    def ils_state(self, online: bool) -> None:
        """What the last answer (or its absence) says about the library system."""
        if online != self.ils_online:
            self.ils_online = online
            self.emit(
                ev.LibrarySystemStatus(
                    online=online,
                    offline_mode=not online and self.offline_policy.allows_returns,
                )
            )

    # ---------------------------------------------------------------------------- the visit

    def touch(self) -> None:
        """The patron did something: restart the inactivity timer."""
        with contextlib.suppress(RuntimeError):
            self._last_activity = asyncio.get_running_loop().time()
        self.warned_at = None

    def idle_for(self) -> float:
        """Seconds since the patron last did something."""
        return asyncio.get_running_loop().time() - self._last_activity

    def reset_session(self, reason: EndReason, items_on_pad: int = 0) -> None:
        """Drop everything about the patron, back to the welcome screen (or the closed one)."""
        self.session.wipe()
        self.session = Session()
        self.warned_at = None
        self.set_mode(Mode.IDLE)
        self.emit(ev.SessionEnded(reason=reason, items_on_pad=items_on_pad))
        self.follow_opening_hours()

    def follow_opening_hours(self) -> None:
        """Close between visits when the opening hours (or staff) say so, open again when they
        do: only from IDLE to CLOSED and back, so the clock never cuts a visit short."""
        settings = self.settings
        now = self.clock()
        hours = settings.opening_hours
        closed = settings.out_of_service or (hours is not None and not hours.is_open(now))
        if closed and self.mode is Mode.IDLE:
            self.set_mode(Mode.CLOSED)
            opens_at = None
            if hours is not None and not settings.out_of_service:
                opens_at = hours.next_opening(now)
            self._tell_service(
                ev.ServiceChanged(
                    open=False, out_of_service=settings.out_of_service, opens_at=opens_at
                )
            )
        elif not closed and self.mode is Mode.CLOSED:
            self.set_mode(Mode.IDLE)
            self._tell_service(ev.ServiceChanged(open=True))

    def _tell_service(self, service: ev.ServiceChanged) -> None:
        self.service = service
        self.emit(service)

    # ---------------------------------------------------------------------- work in flight

    @property
    def busy(self) -> bool:
        """True while transactions are in flight."""
        return any(not task.done() for task in self._work)

    def spawn(
        self,
        coroutine: Coroutine[Any, Any, None],
        item: TrackedItem | None = None,
        action: Action | None = None,
    ) -> None:
        """Run one item's work as a task of its own (items of a stack move in parallel)."""
        task = asyncio.get_running_loop().create_task(self._guarded(coroutine, item, action))
        self._work.add(task)
        task.add_done_callback(self._work_done)

    async def drain(self) -> None:
        """Wait for every task started so far (and those they start)."""
        while self._work:
            await asyncio.gather(*list(self._work), return_exceptions=True)

    async def _guarded(
        self,
        coroutine: Coroutine[Any, Any, None],
        item: TrackedItem | None,
        action: Action | None,
    ) -> None:
        """Run one item's work; if the kiosk itself fails (journal disk, a bug), the item is
        refused (NOT_ALLOWED_NOW) instead of hanging in "checking". What reached the journal
        stays there for recovery."""
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("work on item %s failed", item.item_id if item else "?")
            if item is None or action is None:
                return
            if item.state is ItemState.SECURITY:  # the transaction stands; the tag is unsure
                self.emit(
                    ev.SecurityNotCleared(item_id=item.item_id, action=action, title=item.title)
                )
            elif item.state in (ItemState.CHECKING, ItemState.INCOMPLETE, ItemState.FEE):
                self.refuse(item, action, Reason.NOT_ALLOWED_NOW, retry=True)

    def _work_done(self, task: asyncio.Task[None]) -> None:
        self._work.discard(task)
        self.touch()
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk task failed", exc_info=task.exception())

    # -------------------------------------------------------------------------------- items

    def refuse(
        self,
        item: TrackedItem,
        action: Action,
        reason: Reason,
        messages: tuple[str, ...] = (),
        *,
        retry: bool = False,
    ) -> None:
        """Tell the screen an item was not lent (or taken back), and count it."""
        item.state = ItemState.RETRY if retry else ItemState.REFUSED
        item.refused_reason = reason
        session = self.session
        if action is Action.BORROW and not retry and session.borrowed.get(item.item_id) is item:
            session.receipt_entries.append(
                ReceiptEntry(action="refused", item_id=item.item_id, title=item.title)
            )
        self.stat(action.value, "refused", item, item.media_type)
        self.emit(
            ev.ItemRefused(
                item_id=item.item_id,
                action=action,
                reason=reason,
                title=item.title,
                messages=messages,
                retry_possible=retry,
            )
        )

    def track(self, tag: PadTag, action: Action) -> tuple[TrackedItem, bool] | None:
        """The session's item of a tag that arrived for ``action`` (borrow or return), and
        whether it is new to the session (the screen hears of it then). None for a tag that is
        not such an item: a patron card, an unreadable tag, or an item just handled the other
        way in this session and still on the pad (one just lent is not a return)."""
        if tag.is_patron_card or self.unreadable(tag):
            return None
        session = self.session
        if action is Action.BORROW:
            items, other_way = session.borrowed, session.returned_on_pad
        else:
            items, other_way = session.returned, session.lent_on_pad
        if tag.uid in other_way:
            return None
        item = items.get(tag.item_id)
        first = item is None
        if item is None:
            item = items[tag.item_id] = TrackedItem(item_id=tag.item_id, parts=tag.parts)
        item.tags[tag.part_number] = tag
        if first:
            self.emit(
                ev.ItemSeen(
                    item_id=item.item_id, action=action, part=tag.part_number, parts=item.parts
                )
            )
        return item, first

    def unreadable(self, tag: PadTag) -> bool:
        """Report a tag the kiosk cannot use, once per session; True when it was one."""
        if tag.data.ok:
            return False
        session = self.session
        if tag.uid not in session.unreadable_reported:
            session.unreadable_reported.add(tag.uid)
            if self.mode is Mode.RETURN:
                outcome = exception_outcome(tag.uid_hex, "tag_unreadable")
                self.emit(ev.ItemReturned(item_id=tag.uid_hex, title="", outcome=outcome))
                self.stat("return", "exception", None, None)
            else:
                self.emit(
                    ev.ItemRefused(
                        item_id=tag.uid_hex, action=Action.BORROW, reason=Reason.TAG_UNREADABLE
                    )
                )
        return True

    def stat(self, action: str, outcome: str, item: TrackedItem | None, media: str | None) -> None:
        """Count one transaction for the consortium's statistics (never a person)."""
        if self.statistics is None:
            return
        owner = None
        if item is not None:
            owner = item.owner
            if owner is None:
                for tag in item.tags.values():
                    if tag.data.owner_library is not None:
                        owner = tag.data.owner_library.isil
                        break
        try:
            self.statistics.record(
                action=action,
                outcome=outcome,
                library=owner,
                branch=self.settings.branch_code,
                media_type=media,
                language=self.language,
            )
        except Exception:  # statistics must never stop a loan
            log.exception("statistics could not be recorded")
