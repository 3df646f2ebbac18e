"""One journalled transaction: journal, library system, journal again, then the tag.

Why one module: a loan at the kiosk, a return at the kiosk or down the return station's chute
and a renewal are the same transaction in the journal's order; only the request, the way its
answer is recorded and the tag's target state differ. Written once, the order that keeps items
and loans in step cannot drift apart between them::

    (the item's earlier requests whose answer was lost are settled first, by asking)
    journal.begin -> library system -> journal.record_result(security target)
        -> change the tag(s), read them back -> journal.security_done / security_failed
    (unavailable) -> offline route -> journal.accept_offline / begin(offline=...) (security target)
                  -> no route, or the policy says no: abandoned, nothing changed

Every journal call runs on the journal's writer thread (``Journal.call``), never on the event
loop. The caller decides what the answer means to the patron or the sorter; this module only
makes the transaction happen as the journal's rule says and tells what came of it.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, overload

from kiosk.core.pad import PadTag
from kiosk.core.security import SecurityWriter
from kiosk.ils.journal import Entry, EntryKind, Journal, OfflineAcceptance, SecurityTarget
from kiosk.ils.offline import (
    OfflineDecision,
    OfflineRefusal,
    must_work_offline,
    offline_security_target,
    settle_earlier,
)
from kiosk.ils.port import (
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
)

__all__ = [
    "AcceptedOffline",
    "Answered",
    "NotDone",
    "Outcome",
    "Record",
    "Request",
    "Transactions",
]

log = logging.getLogger(__name__)

R = TypeVar("R")

#: Decides whether the transaction may be accepted while the library system is unavailable.
OfflineRoute = Callable[[], Awaitable[OfflineDecision]]


@dataclass(frozen=True, slots=True, kw_only=True)
class Request:
    """What is about to be sent, as the journal records it before it goes out."""

    kind: EntryKind
    item_id: str
    patron_id: str | None = None
    tags: Sequence[PadTag] = ()  # every part's tag (recovery finds them on the pad by UID)
    session_id: str | None = None

    @property
    def tag_uids(self) -> str | None:
        return ",".join(tag.uid_hex for tag in self.tags) or None


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    """How the library system's answer goes into the journal."""

    ok: bool
    reason: str | None = None
    security_target: SecurityTarget | None = None
    messages: tuple[str, ...] = ()
    due_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Answered(Generic[R]):
    """The library system answered; its answer is journalled (change the tags next)."""

    entry_id: str
    result: R


@dataclass(frozen=True, slots=True)
class AcceptedOffline:
    """Accepted under the offline policy; journalled with its security target, replayed later."""

    entry_id: str


@dataclass(frozen=True, slots=True)
class NotDone:
    """Not carried out as far as the kiosk knows.

    ``refusal``: the library system is unavailable and the offline policy said no (None when
    there was no offline route). ``unclear``: the library system's answer made no sense; the
    outcome is unknown and the entry ``entry_id`` stays pending for recovery to settle.
    """

    refusal: OfflineRefusal | None = None
    unclear: bool = False
    entry_id: str | None = None


Outcome = Answered[R] | AcceptedOffline | NotDone


class Transactions:
    """Runs journalled transactions against one library system. Safe for concurrent items."""

    def __init__(
        self,
        *,
        ils: LibrarySystem,
        journal: Journal,
        security: SecurityWriter | None = None,
        on_online: Callable[[bool], None] | None = None,
    ) -> None:
        self.ils = ils
        self.journal = journal
        self.security = security
        self.on_online = on_online

    def _online(self, online: bool) -> None:
        if self.on_online is not None:
            self.on_online(online)

    @overload
    async def run(
        self,
        request: Request,
        send: Callable[[], Awaitable[R]],
        record: Callable[[R], Record],
        *,
        offline: None = None,
    ) -> Answered[R] | NotDone: ...

    @overload
    async def run(
        self,
        request: Request,
        send: Callable[[], Awaitable[R]],
        record: Callable[[R], Record],
        *,
        offline: OfflineRoute,
    ) -> Outcome[R]: ...

    async def run(
        self,
        request: Request,
        send: Callable[[], Awaitable[R]],
        record: Callable[[R], Record],
        *,
        offline: OfflineRoute | None = None,
    ) -> Outcome[R]:
        """Journal ``request``, ``send`` it, journal the answer as ``record`` says.

        With an ``offline`` route the transaction goes offline while the library system is down
        *or* offline transactions still wait for replay (an online return must not overtake the
        offline loan it ends); without one it is only ever sent online.
        """
        journal = self.journal
        if offline is not None and await journal.call(must_work_offline, self.ils, journal):
            return await self._offline(request, offline, attempt=None)
        try:  # an earlier request of this item whose answer was lost goes first
            await settle_earlier(self.ils, journal, request.item_id)
        except LibrarySystemError as error:
            if isinstance(error, LibrarySystemUnavailable):
                self._online(False)
                if offline is not None:
                    return await self._offline(request, offline, attempt=None)
            else:
                log.warning("%s of %s not sent: %s", request.kind.value, request.item_id, error)
            return NotDone()
        entry = await self._journal_entry(request)
        try:
            result = await send()
        except LibrarySystemUnavailable as error:
            self._online(False)
            attempt = _Attempt(entry.id, sent=isinstance(error, OutcomeUnknown))
            if offline is not None:
                return await self._offline(request, offline, attempt=attempt)
            await self._abandon(attempt)
            return NotDone()
        except LibrarySystemError as error:
            log.warning("%s of %s failed: %s", request.kind.value, request.item_id, error)
            return NotDone(unclear=True, entry_id=entry.id)
        self._online(True)
        answer = record(result)
        await journal.call(
            journal.record_result,
            entry.id,
            ok=answer.ok,
            security_target=answer.security_target,
            reason=answer.reason,
            messages=answer.messages,
            due_date=answer.due_date,
        )
        return Answered(entry.id, result)

    async def change_security(
        self, entry_id: str, uids: Sequence[bytes], *, secured: bool
    ) -> frozenset[bytes]:
        """Arm (``secured``) or disarm the tags, verify them (together where the reader can),
        and journal the result: done when every one is verified, failed otherwise. Returns the
        UIDs not verified."""
        if self.security is None:
            failed = frozenset(uids)
        else:
            failed = await self.security.change(uids, secured=secured)
        if failed:
            what = "armed" if secured else "disarmed"
            await self.journal.call(
                self.journal.security_failed, entry_id, f"tag not {what} or not verified"
            )
        else:
            await self.journal.call(self.journal.security_done, entry_id)
        return failed

    async def _offline(
        self, request: Request, route: OfflineRoute, *, attempt: _Attempt | None
    ) -> Outcome[R]:
        """The library system is unavailable: the offline route decides about this request.

        ``attempt`` is the entry of an online try that failed. One whose request certainly never
        went out is abandoned when the route says no; one that may have arrived stays pending
        for recovery, or is accepted offline (the replay asks the library system first).
        """
        decision = await route()
        if not decision:
            if attempt is not None:
                await self._abandon(attempt)
            return NotDone(refusal=decision.reason)
        acceptance = OfflineAcceptance(security_target=offline_security_target(request.kind))
        if attempt is not None:
            entry = await self.journal.call(
                self.journal.accept_offline, attempt.entry_id, acceptance
            )
        else:
            entry = await self._journal_entry(request, offline=acceptance)
        return AcceptedOffline(entry.id)

    async def _journal_entry(
        self, request: Request, *, offline: OfflineAcceptance | None = None
    ) -> Entry:
        """A new journal entry for ``request`` (``offline``: accepted while the library system
        is down), with what the journal keeps of every request."""
        return await self.journal.call(
            self.journal.begin,
            request.kind,
            request.item_id,
            patron_id=request.patron_id,
            tag_uid=request.tag_uids,
            session_id=request.session_id,
            offline=offline,
        )

    async def _abandon(self, attempt: _Attempt) -> None:
        """Give up an entry whose request certainly never reached the library system."""
        if not attempt.sent:
            await self.journal.call(
                self.journal.abandon, attempt.entry_id, reason="library_system_unavailable"
            )


@dataclass(frozen=True, slots=True)
class _Attempt:
    entry_id: str
    sent: bool  # the request may have reached the library system (outcome unknown)
