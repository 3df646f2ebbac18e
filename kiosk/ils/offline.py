"""Working without the library system, and catching up with it exactly once.

Three jobs, each small:

- :class:`OfflinePolicy` decides what the kiosk may do while the library system is unavailable:
  nothing (``off``), returns only (``returns``), or returns and loans with limits per patron and
  per session (``returns-and-loans``). Tags marked "not for loan while offline" are never lent
  offline. The limits count the journal's un-replayed offline loans, so they hold across
  sessions and restarts.
- :func:`settle_outcome` answers "did the library system apply this transaction?" for an entry
  whose request may or may not have arrived (the connection dropped, the kiosk was killed). It
  asks, never resends: a checkout is applied when the item is on the patron's loan list; a
  check-in when the item is no longer on loan. Recovery (``kiosk.core.recovery``) and the replayer
  share it, so an unknown outcome is settled the same way everywhere.
- :class:`Replayer` sends the journal's offline transactions, in the order they happened, with
  ``no_block`` and the original transaction date, exactly once: the entry is marked REPLAYING
  (durably) before each send, and a REPLAYING entry found later (crash, dropped connection) is
  settled before anything is resent. Within one connection the SIP2 client also retransmits with
  the same sequence number and checksum, which the server answers from its last response.
  Refused replays land on the journal's reconciliation list for staff.

While the replay queue is not empty the kiosk should keep working offline
(:func:`must_work_offline`): an online return of an item whose offline loan is still queued would
otherwise reach the library system before the loan.
"""

from __future__ import annotations

import asyncio
import enum
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.ils.journal import Attention, Entry, EntryKind, Journal, SecurityTarget
from kiosk.ils.port import (
    ItemStatus,
    LibrarySystem,
    LibrarySystemProtocolError,
    LibrarySystemUnavailable,
    LoanRequest,
    ReturnRequest,
)

__all__ = [
    "OfflineDecision",
    "OfflineMode",
    "OfflinePolicy",
    "OfflineRefusal",
    "ReplayReport",
    "Replayer",
    "must_work_offline",
    "offline_security_target",
    "settle_earlier",
    "settle_outcome",
]

log = logging.getLogger(__name__)


class OfflineMode(enum.Enum):
    """What a kiosk does while the library system is unavailable (per kiosk, in its config)."""

    OFF = "off"
    RETURNS = "returns"
    RETURNS_AND_LOANS = "returns-and-loans"


class OfflineRefusal(enum.Enum):
    """Why the offline policy said no. Values match ``kiosk.core.events.Reason`` members."""

    LIBRARY_SYSTEM_UNAVAILABLE = "library_system_unavailable"  # offline mode is off
    NOT_ALLOWED_NOW = "not_allowed_now"  # e.g. loans (or renewals) while only returns are allowed
    NOT_FOR_LOAN_OFFLINE = "not_for_loan_offline"  # the tag says so
    OFFLINE_LIMIT_REACHED = "offline_limit_reached"  # per patron or per session


@dataclass(frozen=True, slots=True)
class OfflineDecision:
    """The policy's answer; ``reason`` is set exactly when ``allowed`` is False."""

    allowed: bool
    reason: OfflineRefusal | None = None
    limit: int | None = None  # the limit that was reached, for the patron's message

    def __bool__(self) -> bool:
        return self.allowed


_ALLOWED = OfflineDecision(True)


@dataclass(frozen=True, slots=True, kw_only=True)
class OfflinePolicy:
    """The per-kiosk offline rules. ``None`` for a limit means "no limit"."""

    mode: OfflineMode = OfflineMode.OFF
    max_loans_per_patron: int | None = 5
    max_loans_per_session: int | None = 10

    def __post_init__(self) -> None:
        for name in ("max_loans_per_patron", "max_loans_per_session"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"offline policy: {name} must be 0 or more, not {value}")

    @classmethod
    def from_values(
        cls,
        mode: str | OfflineMode,
        max_loans_per_patron: int | None = None,
        max_loans_per_session: int | None = None,
    ) -> OfflinePolicy:
        """Build from config values (``mode`` as in the config file: off/returns/...)."""
        try:
            parsed = mode if isinstance(mode, OfflineMode) else OfflineMode(str(mode))
        except ValueError:
            choices = ", ".join(m.value for m in OfflineMode)
            raise ValueError(f"offline mode {mode!r} is not one of: {choices}") from None
        return cls(
            mode=parsed,
            max_loans_per_patron=max_loans_per_patron,
            max_loans_per_session=max_loans_per_session,
        )

    @property
    def allows_returns(self) -> bool:
        return self.mode is not OfflineMode.OFF

    @property
    def allows_loans(self) -> bool:
        return self.mode is OfflineMode.RETURNS_AND_LOANS

    def may_return(self) -> OfflineDecision:
        """May an item be returned (checked in) while offline? Returns are never limited."""
        if not self.allows_returns:
            return OfflineDecision(False, OfflineRefusal.LIBRARY_SYSTEM_UNAVAILABLE)
        return _ALLOWED

    def may_renew(self) -> OfflineDecision:
        """Renewals need the library system's rules and holds queue: never offline."""
        if not self.allows_returns:
            return OfflineDecision(False, OfflineRefusal.LIBRARY_SYSTEM_UNAVAILABLE)
        return OfflineDecision(False, OfflineRefusal.NOT_ALLOWED_NOW)

    def may_lend(
        self,
        journal: Journal,
        *,
        patron_id: str,
        session_id: str | None,
        not_for_loan_offline: bool = False,
        already_in_this_request: int = 0,
    ) -> OfflineDecision:
        """May one more item be lent to this patron while offline?

        Counts the journal's offline loans not yet replayed (for the patron: across sessions,
        for the session: this one). ``already_in_this_request`` lets a caller that checks a
        whole stack before writing any entry count the items it already approved.
        """
        if not self.allows_returns:
            return OfflineDecision(False, OfflineRefusal.LIBRARY_SYSTEM_UNAVAILABLE)
        if not self.allows_loans:
            return OfflineDecision(False, OfflineRefusal.NOT_ALLOWED_NOW)
        if not_for_loan_offline:
            return OfflineDecision(False, OfflineRefusal.NOT_FOR_LOAN_OFFLINE)
        if self.max_loans_per_patron is not None:
            held = journal.offline_loans(patron_id=patron_id) + already_in_this_request
            if held >= self.max_loans_per_patron:
                return OfflineDecision(
                    False, OfflineRefusal.OFFLINE_LIMIT_REACHED, self.max_loans_per_patron
                )
        if self.max_loans_per_session is not None and session_id is not None:
            lent = journal.offline_loans(session_id=session_id) + already_in_this_request
            if lent >= self.max_loans_per_session:
                return OfflineDecision(
                    False, OfflineRefusal.OFFLINE_LIMIT_REACHED, self.max_loans_per_session
                )
        return _ALLOWED


def must_work_offline(port: LibrarySystem, journal: Journal) -> bool:
    """True while the library system is down *or* offline transactions still wait for replay.

    Sending new transactions before the queue is drained could reorder what happened to an
    item (an online return reaching the library system before the offline loan it ends).
    """
    return (not port.online) or journal.offline_queue_depth() > 0


# ------------------------------------------------------------------------- unknown outcomes


async def settle_outcome(port: LibrarySystem, entry: Entry) -> bool:
    """Did the library system apply ``entry``? Asks; never resends.

    - checkout / renew: the item is on the patron's loan list. (A renewal leaves no trace we can
      tell apart from the loan it renews, so a renewal of a loan that is still there counts as
      applied: it changes no security state, and the patron's account shows the due date.)
    - checkin: the item is no longer on loan. A return of an item that was not on loan at all
      therefore counts as applied; resending it could only repeat hold trapping.

    Raises :class:`LibrarySystemUnavailable` when the library system cannot be asked, and
    :class:`LibrarySystemProtocolError` when its answer makes no sense.
    """
    info = await port.item(entry.item_id)
    if entry.kind is EntryKind.CHECKIN:
        return info.status is not ItemStatus.ON_LOAN
    if info.status is not ItemStatus.ON_LOAN:
        return False  # on nobody's loan list: no need to fetch the patron's account
    if entry.patron_id is None or entry.patron_id.startswith("•"):
        raise LibrarySystemProtocolError(
            f"entry {entry.id}: no patron identifier left to check the {entry.kind.value} with"
        )
    account = await port.account(entry.patron_id)
    return any(loan.item_id == entry.item_id for loan in account.loans)


async def settle_earlier(
    port: LibrarySystem, journal: Journal, item_id: str, *, before: int | None = None
) -> None:
    """Settle the item's requests whose outcome is unknown before anything newer goes out for it.

    Why: a request cut off after it was sent (a checkout whose answer was lost, and the offline
    policy would not take it) stays PENDING while the kiosk runs on. If the item's next
    transaction reached the library system first, asking later "is it on loan?" could no longer
    tell whether the old one was applied, and the journal would miss a loan and its return that
    the library system carried out. So the old one is settled now, by asking (never by sending
    it again): applied, or abandoned. The tag is the newer transaction's business.

    Raises :class:`LibrarySystemUnavailable` when the library system cannot be asked (then
    nothing newer can be sent either).
    """
    for entry in await journal.call(journal.unsettled, item_id, before=before):
        if await settle_outcome(port, entry):
            await journal.call(journal.record_result, entry.id, ok=True, reason="settled")
        else:
            await journal.call(journal.abandon, entry.id, reason="never reached the library system")


# ---------------------------------------------------------------------------------- replay


@dataclass(slots=True)
class ReplayReport:
    """What one replay pass did. Entry ids per outcome; ``stopped`` says why it ended early."""

    replayed: list[str] = field(default_factory=list)
    already_applied: list[str] = field(default_factory=list)  # settled without resending
    refused: list[str] = field(default_factory=list)
    stopped: str | None = None  # e.g. "library system unavailable"

    @property
    def done(self) -> int:
        return len(self.replayed) + len(self.already_applied) + len(self.refused)


class Replayer:
    """Replays the journal's offline transactions; one pass at a time.

    ``on_progress`` (optional) is called with each entry after it changed state, e.g. to update
    the staff screen's queue depth or the health metrics.
    """

    #: A protocol error on the same entry this many times puts it on the staff's list.
    MAX_ATTEMPTS = 5

    def __init__(
        self,
        journal: Journal,
        port: LibrarySystem,
        *,
        on_progress: Callable[[Entry], None] | None = None,
    ) -> None:
        self.journal = journal
        self.port = port
        self.on_progress = on_progress
        self._lock = asyncio.Lock()

    async def watch(
        self,
        interval_s: float,
        *,
        in_doubt: Callable[[], bool],
        on_state: Callable[[bool], Awaitable[None]],
    ) -> None:
        """Forever: every ``interval_s``, while ``in_doubt()`` (the owner thinks the library
        system is down) or transactions wait in the queue, ask the library system whether it
        takes circulation, replay the queue once it does, and tell ``on_state(online)``.

        The background loop of the kiosk and of the return station; cancel the task to stop.
        """
        while True:
            await asyncio.sleep(interval_s)
            queued = await self.journal.call(self.journal.offline_queue_depth)
            if not in_doubt() and not queued:
                continue
            try:
                online = await self.port.check_online()
            except Exception:  # check_online must not raise, but never let the loop die
                online = False
            queued = await self.journal.call(self.journal.offline_queue_depth)
            if online and queued:
                report = await self.replay()
                log.info("offline replay: %s", report)
            await on_state(online)

    async def replay(self) -> ReplayReport:
        """Send every queued offline transaction in order; stop at the first unavailability."""
        async with self._lock:
            report = ReplayReport()
            for entry in await self.journal.call(self.journal.replay_queue):
                if entry.attention is Attention.OUTCOME_UNRESOLVED and entry.resolved_at is None:
                    continue  # staff check this one by hand
                try:
                    await self._replay_one(entry, report)
                except LibrarySystemUnavailable as exc:
                    report.stopped = f"library system unavailable: {exc}"
                    break
                except LibrarySystemProtocolError as exc:
                    await self._protocol_trouble(entry, exc)
                    report.stopped = f"library system answered nonsense: {exc}"
                    break
            return report

    async def _replay_one(self, entry: Entry, report: ReplayReport) -> None:
        await settle_earlier(self.port, self.journal, entry.item_id, before=entry.seq)
        if entry.maybe_sent and await settle_outcome(self.port, entry):
            # An earlier send arrived; its answer was lost. Sending again could double it.
            done = await self.journal.call(
                self.journal.record_result, entry.id, ok=True, reason="settled"
            )
            report.already_applied.append(entry.id)
            self._progress(done)
            return
        entry = await self.journal.call(self.journal.start_replay, entry.id)
        when = entry.created_at
        if entry.kind is EntryKind.CHECKOUT:
            assert entry.patron_id is not None  # begin() requires it for a checkout
            result = await self.port.checkout(
                LoanRequest(
                    patron_id=entry.patron_id,
                    item_id=entry.item_id,
                    fee_acknowledged=True,  # the patron took the item; fees are the library's now
                    no_block=True,
                    transaction_date=when,
                )
            )
            ok, messages = result.ok, result.messages
            due: datetime | None = result.due_date
        elif entry.kind is EntryKind.CHECKIN:
            checkin = await self.port.checkin(
                ReturnRequest(item_id=entry.item_id, no_block=True, transaction_date=when)
            )
            ok, messages, due = checkin.ok, checkin.messages, None
        else:
            raise LibrarySystemProtocolError(f"entry {entry.id}: renewals are never replayed")
        done = await self.journal.call(
            self.journal.record_result,
            entry.id,
            ok=ok,
            reason=None if ok else "refused_on_replay",
            messages=messages,
            due_date=due,
        )
        (report.replayed if ok else report.refused).append(entry.id)
        if not ok:
            log.warning(
                "offline %s of item %s refused on replay: on the reconciliation list",
                entry.kind.value,
                entry.item_id,
            )
        self._progress(done)

    async def _protocol_trouble(self, entry: Entry, exc: Exception) -> None:
        current = await self.journal.call(self.journal.get, entry.id)
        if current.attempts >= self.MAX_ATTEMPTS:
            flagged = await self.journal.call(
                self.journal.flag,
                entry.id,
                Attention.OUTCOME_UNRESOLVED,
                note=f"replay failed {current.attempts} times: {exc}",
            )
            self._progress(flagged)

    def _progress(self, entry: Entry) -> None:
        if self.on_progress is not None:
            try:
                self.on_progress(entry)
            except Exception:  # a display hook must never stop a replay
                log.exception("replay progress hook failed")

    async def run(self, *, interval_s: float = 5.0) -> None:
        """Until cancelled: whenever offline transactions wait and the library system answers
        that it is back, replay them. Meant to run as a background task of the kiosk."""
        while True:
            queued = await self.journal.call(self.journal.offline_queue_depth)
            if queued and await self.port.check_online():
                report = await self.replay()
                if report.done:
                    log.info(
                        "replayed %d offline transactions (%d refused), %d still queued",
                        report.done,
                        len(report.refused),
                        await self.journal.call(self.journal.offline_queue_depth),
                    )
            await asyncio.sleep(interval_s)


def offline_security_target(kind: EntryKind) -> SecurityTarget | None:
    """The tag's state after an offline transaction: loans disarm, returns re-arm."""
    if kind is EntryKind.CHECKOUT:
        return SecurityTarget.UNSECURED
    if kind is EntryKind.CHECKIN:
        return SecurityTarget.SECURED
    return None
