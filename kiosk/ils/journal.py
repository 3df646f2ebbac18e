"""The durable transaction journal: every circulation transaction, written before it matters.

Why it exists: a kiosk may lose power, be killed, or lose its library system in the middle of a
stack. The rule that keeps items and loans in step is *write first*: an entry is on disk before
the library system is asked, its result is on disk before the tag's security is changed, and the
security change is recorded once it has been read back. Whatever half-done state a crash leaves
can then be resolved at start-up (``kiosk.core.recovery``), and offline transactions can be
replayed exactly once (``kiosk.ils.offline``).

Storage: one SQLite file in WAL mode with ``synchronous=FULL``, so every call below that changes
state is one committed, fsync'ed transaction before it returns. The API is synchronous on
purpose: a transition must be durable *before* the caller goes on. Calls are serialised by a
lock, so the object is safe to share between threads. Asynchronous code never calls it on the
event loop: ``await journal.call(journal.begin, ...)`` runs the call on the journal's one writer
thread (an fsync on an SD card can take tens of milliseconds, and the loop draws the screen and
moves every other item meanwhile). One thread, not a pool: calls run in the order they were made.

Two independent state axes per entry (see :class:`Status` and :class:`Security`)::

    online:   PENDING --> OK | REFUSED            (ILS answered)
              PENDING --> ABANDONED               (it never reached the ILS; recovery decides)
              PENDING --> OFFLINE                 (ILS unavailable, accepted by offline policy)
    offline:  OFFLINE --> REPLAYING --> REPLAYED | REPLAY_REFUSED
                 |           ^   |
                 |           +---+  (outcome unknown: asked first, resent only if not applied)
                 +--> REPLAYED      (``maybe_sent``: the library system already had it)

    security: NONE ---> REQUIRED(target) ---> DONE
                             |       ^
                             v       |
                          FAILED ----+   (e.g. tag lifted before the read-back: retry or staff)

Core usage for one item of a stack (the pipeline owns the calls; the journal only records)::

    entry = journal.begin(EntryKind.CHECKOUT, item_id, patron_id=p, tag_uid=uid, session_id=s)
    try:
        result = await port.checkout(LoanRequest(patron_id=p, item_id=item_id))
    except LibrarySystemUnavailable:
        ...  # offline policy decides: journal.accept_offline(entry.id, ...) or journal.abandon
    journal.record_result(entry.id, ok=result.ok,
                          security_target=SecurityTarget.UNSECURED if result.ok and
                          result.desensitize else None, ...)
    ... change the tag, read it back ...
    journal.security_done(entry.id)          # or journal.security_failed(entry.id, "why")

Privacy: patron identifiers are kept only while an entry may still need them (to send, replay or
reconcile it). When an entry is finished its patron identifier is replaced by a masked form, and
``repr`` of an entry never shows it in full. PINs are never stored.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple, ParamSpec, TypeVar, overload

from kiosk.privacy import mask_card
from kiosk.store import APPLICATION_IDS, StoreError, StoreSchema, open_store

__all__ = [
    "Attention",
    "Entry",
    "EntryKind",
    "Journal",
    "JournalError",
    "JournalStateError",
    "OfflineAcceptance",
    "ReconciliationItem",
    "Security",
    "SecurityTarget",
    "Status",
    "UnknownEntry",
    "mask_identifier",
]

#: The name of the journal's writer thread (tests check that writes happen there).
WRITER_THREAD = "journal-writer"

_P = ParamSpec("_P")
_T = TypeVar("_T")


# ------------------------------------------------------------------------------------- errors


class JournalError(Exception):
    """The journal could not do what was asked (storage failure or misuse)."""


class UnknownEntry(JournalError):
    """No entry with this transaction id."""


class JournalStateError(JournalError):
    """A transition that the entry's current state does not allow (a bug in the caller)."""


# --------------------------------------------------------------------------------- the states


class EntryKind(enum.Enum):
    """Which circulation transaction an entry records."""

    CHECKOUT = "checkout"
    CHECKIN = "checkin"
    RENEW = "renew"


class Status(enum.Enum):
    """Where the transaction stands with the library system."""

    PENDING = "pending"  # on disk, being sent: if we crash now the outcome is unknown
    OK = "ok"  # the library system accepted it
    REFUSED = "refused"  # the library system refused it (a result, not an error)
    ABANDONED = "abandoned"  # it never took effect in the library system and never will
    OFFLINE = "offline"  # accepted while the library system was unavailable; awaits replay
    REPLAYING = "replaying"  # replay sent: if we crash now the outcome is unknown
    REPLAYED = "replayed"  # the library system accepted the replay
    REPLAY_REFUSED = "replay_refused"  # refused on replay: on the reconciliation list

    @property
    def outcome_unknown(self) -> bool:
        """True when a request may or may not have reached the library system."""
        return self in (Status.PENDING, Status.REPLAYING)

    @property
    def applied(self) -> bool:
        """True when the library system is known to have applied the transaction."""
        return self in (Status.OK, Status.REPLAYED)


class SecurityTarget(enum.Enum):
    """The security state the tag must end in (AFI and/or EAS as configured)."""

    SECURED = "secured"  # in stock: the gates alarm
    UNSECURED = "unsecured"  # on loan: the gates stay quiet


class Security(enum.Enum):
    """Progress of the tag's security change."""

    NONE = "none"  # no change needed (or not decided yet)
    REQUIRED = "required"  # the target is recorded; the change may be half done
    DONE = "done"  # changed and verified by reading back
    FAILED = "failed"  # could not change or verify (tag gone, write error): retry or staff


class Attention(enum.Enum):
    """Why an entry is on the staff's reconciliation list."""

    REPLAY_REFUSED = "replay_refused"  # an offline transaction the library system refused
    SECURITY_UNRESOLVED = "security_unresolved"  # tag not on the pad; security may be wrong
    OUTCOME_UNRESOLVED = "outcome_unresolved"  # staff must check the library system by hand


_TERMINAL_STATUS = frozenset(
    {Status.OK, Status.REFUSED, Status.ABANDONED, Status.REPLAYED, Status.REPLAY_REFUSED}
)

_ALLOWED: dict[Status, frozenset[Status]] = {
    Status.PENDING: frozenset({Status.OK, Status.REFUSED, Status.ABANDONED, Status.OFFLINE}),
    Status.OFFLINE: frozenset(
        {Status.REPLAYING, Status.REPLAYED, Status.REPLAY_REFUSED, Status.ABANDONED}
    ),
    Status.REPLAYING: frozenset({Status.REPLAYED, Status.REPLAY_REFUSED, Status.REPLAYING}),
    Status.OK: frozenset(),
    Status.REFUSED: frozenset(),
    Status.ABANDONED: frozenset(),
    Status.REPLAYED: frozenset(),
    Status.REPLAY_REFUSED: frozenset(),
}


def mask_identifier(identifier: str | None) -> str | None:
    """A card or patron number as a finished entry keeps it (:func:`kiosk.privacy.mask_card`:
    ``"••••••••••5678"``); masking a masked one changes nothing."""
    return None if identifier is None else mask_card(identifier)


# -------------------------------------------------------------------------------- the records


@dataclass(frozen=True, slots=True, kw_only=True)
class OfflineAcceptance:
    """The offline policy accepted a transaction while the library system is known to be down.

    Given to :meth:`Journal.begin`, the entry starts OFFLINE (not PENDING) with what the
    transaction promised recorded first: ``security_target``, the state the tag must reach (so
    the tag may be changed right after ``begin`` returns), and ``due_date`` when one was given.
    """

    security_target: SecurityTarget | None = None
    due_date: datetime | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One journal entry as stored. Immutable: every transition returns a fresh copy.

    ``id`` is the stable transaction id (a UUID hex); ``seq`` orders entries as they were begun
    (replays follow it). ``created_at`` is aware UTC and is the transaction date a replay sends.
    """

    id: str
    seq: int
    kind: EntryKind
    status: Status
    security: Security
    security_target: SecurityTarget | None
    item_id: str
    patron_id: str | None = field(repr=False)
    tag_uid: str | None
    session_id: str | None
    created_at: datetime
    updated_at: datetime
    offline: bool = False  # accepted under the offline policy at some point
    attempts: int = 0  # how many times a replay was sent
    reason: str | None = None  # refusal reason code (the core's/offline policy's enum value)
    messages: tuple[str, ...] = ()  # the library system's screen messages, for staff
    due_date: datetime | None = None
    attention: Attention | None = None
    resolved_at: datetime | None = None
    note: str | None = None
    maybe_sent: bool = False  # a request for it may have reached the library system

    @property
    def tag_uids(self) -> tuple[bytes, ...]:
        """Every tag of the item (a multi-part set records its parts' UIDs comma-separated)."""
        if not self.tag_uid:
            return ()
        return tuple(bytes.fromhex(part) for part in self.tag_uid.split(",") if part.strip())

    @property
    def masked_patron(self) -> str | None:
        return mask_identifier(self.patron_id)

    @property
    def finished(self) -> bool:
        """Nothing left to do: final with the library system and the tag, no staff task open."""
        return (
            self.status in _TERMINAL_STATUS
            and self.security in (Security.NONE, Security.DONE)
            and (self.attention is None or self.resolved_at is not None)
        )

    @property
    def half_done(self) -> bool:
        """Left unfinished by a crash or a failure: recovery must look at it."""
        return self.attention is None and (
            self.status is Status.PENDING or self.security in (Security.REQUIRED, Security.FAILED)
        )

    def __repr__(self) -> str:
        return (
            f"Entry(id={self.id!r}, seq={self.seq}, kind={self.kind.value}, "
            f"status={self.status.value}, security={self.security.value}, "
            f"target={self.security_target.value if self.security_target else None}, "
            f"item_id={self.item_id!r}, patron={self.masked_patron!r}, tag_uid={self.tag_uid!r})"
        )


@dataclass(frozen=True, slots=True)
class ReconciliationItem:
    """One line of the staff's reconciliation list. The patron number is masked."""

    entry_id: str
    kind: EntryKind
    item_id: str
    masked_patron: str | None
    attention: Attention
    reason: str | None
    messages: tuple[str, ...]
    created_at: datetime
    tag_uid: str | None
    security_target: SecurityTarget | None
    note: str | None


# --------------------------------------------------------------------------------- the journal

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    security TEXT NOT NULL,
    security_target TEXT,
    item_id TEXT NOT NULL,
    patron_id TEXT,
    tag_uid TEXT,
    session_id TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    offline INTEGER NOT NULL DEFAULT 0,
    attempts INTEGER NOT NULL DEFAULT 0,
    reason TEXT,
    messages TEXT NOT NULL DEFAULT '',
    due_date TEXT,
    attention TEXT,
    resolved_at TEXT,
    note TEXT,
    maybe_sent INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS entries_open ON entries (status, security);
CREATE INDEX IF NOT EXISTS entries_patron ON entries (patron_id, status);
CREATE INDEX IF NOT EXISTS entries_session ON entries (session_id);
CREATE TABLE IF NOT EXISTS transitions (
    entry_id TEXT NOT NULL,
    at TEXT NOT NULL,
    axis TEXT NOT NULL,
    before TEXT,
    after TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS transitions_entry ON transitions (entry_id);
"""

#: The journal's file: ``migrations[n]`` takes schema version n to n + 1 (see kiosk.store).
#: Journals from before the store helper are at version 1 with application id 0: adopted.
JOURNAL_STORE = StoreSchema(
    name="transaction journal",
    application_id=APPLICATION_IDS["transaction journal"],
    migrations=(_SCHEMA,),
    legacy_tables=frozenset({"entries", "transitions"}),
)
SCHEMA_VERSION = JOURNAL_STORE.version


class _Row(NamedTuple):
    """One row of ``entries`` as SQLite gives it back (the schema's columns and types)."""

    seq: int
    id: str
    kind: str
    status: str
    security: str
    security_target: str | None
    item_id: str
    patron_id: str | None
    tag_uid: str | None
    session_id: str | None
    created_at: str
    updated_at: str
    offline: int
    attempts: int
    reason: str | None
    messages: str
    due_date: str | None
    attention: str | None
    resolved_at: str | None
    note: str | None
    maybe_sent: int


_COLUMNS = ", ".join(_Row._fields)

# Messages are stored one per line; it keeps the table readable with the sqlite3 shell.
_MESSAGE_SEPARATOR = "\n"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@overload
def _to_text(moment: datetime) -> str: ...
@overload
def _to_text(moment: datetime | None) -> str | None: ...
def _to_text(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


def _from_text(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)


def _security_required(target: SecurityTarget | None) -> dict[str, object]:
    """The columns that record a tag change still to be made (nothing when no target)."""
    if target is None:
        return {}
    return {"security_target": target.value, "security": Security.REQUIRED.value}


class Journal:
    """The durable journal. Open with ``Journal(path)`` (``":memory:"`` for throw-away use).

    Use as a context manager or call :meth:`close`. Every state-changing method commits one
    durable transaction and returns the updated :class:`Entry`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.RLock()
        self._writer: ThreadPoolExecutor | None = None  # started by the first ``call``
        try:
            self._db = open_store(self.path, JOURNAL_STORE, synchronous="FULL", timeout=30.0)
        except StoreError as exc:
            raise JournalError(f"cannot open journal {exc.path}: {exc.reason}") from exc

    # ------------------------------------------------------------------------- lifecycle

    def close(self) -> None:
        if self._writer is not None:
            self._writer.shutdown(wait=True)  # what was asked of it is written first
        with self._lock:
            self._db.close()

    async def call(self, method: Callable[_P, _T], /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        """Run ``method`` (this journal's, or a function that reads it) on the writer thread.

        The journal's order is the order of the calls: one thread runs them one after the
        other. A caller cancelled while it waits does not cancel the write.
        """
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WRITER_THREAD)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._writer, functools.partial(method, *args, **kwargs))

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def durability(self) -> tuple[str, int]:
        """(journal_mode, synchronous) as SQLite reports them: ``("wal", 2)`` means FULL."""
        with self._lock:
            mode = self._db.execute("PRAGMA journal_mode").fetchone()[0]
            sync = self._db.execute("PRAGMA synchronous").fetchone()[0]
        return str(mode), int(sync)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as exc:
                raise JournalError(f"journal {self.path}: {exc}") from exc
            try:
                yield self._db
            except sqlite3.DatabaseError as exc:  # disk full, I/O error, corrupted page ...
                with suppress(sqlite3.DatabaseError):
                    self._db.execute("ROLLBACK")
                raise JournalError(f"journal {self.path}: {exc}") from exc
            except BaseException:
                with suppress(sqlite3.DatabaseError):
                    self._db.execute("ROLLBACK")
                raise
            try:
                self._db.execute("COMMIT")
            except sqlite3.DatabaseError as exc:
                raise JournalError(f"journal {self.path}: commit failed: {exc}") from exc

    # --------------------------------------------------------------------- writing entries

    def begin(
        self,
        kind: EntryKind,
        item_id: str,
        *,
        patron_id: str | None = None,
        tag_uid: bytes | str | None = None,
        session_id: str | None = None,
        entry_id: str | None = None,
        offline: OfflineAcceptance | None = None,
    ) -> Entry:
        """Record a transaction about to be sent to the library system (status PENDING).

        Call it *before* the request goes out: a crash after this point leaves an entry whose
        outcome recovery resolves by asking the library system. ``tag_uid`` (bytes, or hex; a
        multi-part set gives every part's UID as comma-separated hex) lets recovery find the
        item's tags on the pad.

        ``offline``: the kiosk already knows the library system is down and the offline policy
        (:class:`kiosk.ils.offline.OfflinePolicy`) allowed the transaction; the entry starts
        OFFLINE instead, with the acceptance's security target and due date.
        """
        if not item_id:
            raise JournalError("an entry needs an item identifier")
        if kind in (EntryKind.CHECKOUT, EntryKind.RENEW) and not patron_id:
            raise JournalError(f"a {kind.value} entry needs a patron identifier")
        status = Status.PENDING if offline is None else Status.OFFLINE
        security_target = offline.security_target if offline is not None else None
        due_date = offline.due_date if offline is not None else None
        uid = tag_uid.hex().upper() if isinstance(tag_uid, bytes) else tag_uid
        now = _to_text(self._clock())
        new_id = entry_id or uuid.uuid4().hex
        security = Security.REQUIRED if security_target is not None else Security.NONE
        with self._transaction() as db:
            try:
                db.execute(
                    "INSERT INTO entries (id, kind, status, security, security_target, item_id,"
                    " patron_id, tag_uid, session_id, created_at, updated_at, offline, due_date)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        new_id,
                        kind.value,
                        status.value,
                        security.value,
                        security_target.value if security_target else None,
                        item_id,
                        patron_id,
                        uid,
                        session_id,
                        now,
                        now,
                        int(status is Status.OFFLINE),
                        _to_text(due_date),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise JournalError(f"transaction id {new_id} is already in the journal") from exc
            self._log(db, new_id, "status", None, status.value, now)
            return self._get(db, new_id)

    def record_result(
        self,
        entry_id: str,
        *,
        ok: bool,
        security_target: SecurityTarget | None = None,
        reason: str | None = None,
        messages: Iterable[str] = (),
        due_date: datetime | None = None,
    ) -> Entry:
        """Record the library system's answer to a PENDING, REPLAYING (or settled OFFLINE) entry.

        ``security_target`` is the state the tag must now reach (None: leave the tag alone);
        it is durable before this returns, so the pipeline may change the tag right after.
        Pending -> OK/REFUSED; replaying -> REPLAYED/REPLAY_REFUSED (the latter puts the entry
        on the reconciliation list).
        """
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if entry.status is Status.PENDING:
                after = Status.OK if ok else Status.REFUSED
            elif entry.status in (Status.REPLAYING, Status.OFFLINE):
                # OFFLINE: settled by asking the library system, without a send.
                after = Status.REPLAYED if ok else Status.REPLAY_REFUSED
            else:
                raise JournalStateError(
                    f"entry {entry_id} is {entry.status.value}: no result is expected"
                )
            updates: dict[str, object] = {
                "status": after.value,
                "reason": reason,
                "messages": _MESSAGE_SEPARATOR.join(messages),
            }
            if due_date is not None:
                updates["due_date"] = _to_text(due_date)
            if after is Status.REPLAY_REFUSED:
                updates["attention"] = Attention.REPLAY_REFUSED.value
            updates.update(_security_required(security_target))
            return self._update(db, entry, updates)

    def accept_offline(
        self, entry_id: str, offline: OfflineAcceptance, *, reason: str | None = None
    ) -> Entry:
        """A PENDING entry whose send failed as unavailable, accepted under the offline policy
        (with the acceptance's security target and due date, as :meth:`begin` records them).

        Use this (not ``abandon`` + a new offline ``begin``) when the port raised
        ``OutcomeUnknown``: the request may have reached the library system, so the entry is
        marked ``maybe_sent`` and the replayer asks the library system before it sends it again.
        (For a plain ``LibrarySystemUnavailable`` raised before sending, either way is correct.)
        """
        return self._move(
            entry_id,
            Status.OFFLINE,
            lambda _: {
                "offline": 1,
                "maybe_sent": 1,
                "due_date": _to_text(offline.due_date),
                "reason": reason,
                **_security_required(offline.security_target),
            },
        )

    def abandon(
        self,
        entry_id: str,
        *,
        reason: str | None = None,
        security_target: SecurityTarget | None = None,
    ) -> Entry:
        """The transaction never took effect and never will (refused offline, or recovery saw
        that the library system never got it).

        Any security target recorded earlier is dropped; pass ``security_target`` when the tag
        must be put back (e.g. recovery re-securing a tag an offline loan had half cleared).
        """
        return self._move(
            entry_id,
            Status.ABANDONED,
            lambda _: {
                "reason": reason,
                "security_target": security_target.value if security_target else None,
                "security": (Security.REQUIRED if security_target else Security.NONE).value,
            },
        )

    def start_replay(self, entry_id: str) -> Entry:
        """Mark an OFFLINE (or again a REPLAYING) entry as being sent now; counts attempts."""
        return self._move(
            entry_id,
            Status.REPLAYING,
            lambda entry: {"attempts": entry.attempts + 1, "maybe_sent": 1},
        )

    def security_done(self, entry_id: str) -> Entry:
        """The tag now has its target security state, verified by reading it back."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if entry.security_target is None:
                raise JournalStateError(f"entry {entry_id} has no security target")
            if entry.security is Security.DONE:
                return entry
            return self._update(db, entry, {"security": Security.DONE.value})

    def security_failed(self, entry_id: str, note: str | None = None) -> Entry:
        """The security change could not be made or verified (tag lifted, write error)."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if entry.security_target is None:
                raise JournalStateError(f"entry {entry_id} has no security target")
            if entry.security is Security.DONE:
                raise JournalStateError(f"entry {entry_id}: security already done")
            return self._update(db, entry, {"security": Security.FAILED.value, "note": note})

    def set_security_target(self, entry_id: str, target: SecurityTarget) -> Entry:
        """Give a settled entry the security target recovery decided on (state REQUIRED)."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if entry.status.outcome_unknown:
                raise JournalStateError(f"entry {entry_id}: settle the outcome first")
            return self._update(
                db,
                entry,
                {"security_target": target.value, "security": Security.REQUIRED.value},
            )

    def flag(self, entry_id: str, attention: Attention, note: str | None = None) -> Entry:
        """Put an entry on the staff's reconciliation list."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            return self._update(
                db, entry, {"attention": attention.value, "note": note, "resolved_at": None}
            )

    def resolve(self, entry_id: str, note: str | None = None) -> Entry:
        """Staff dealt with a reconciliation item; it leaves the list (history stays)."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if entry.attention is None:
                raise JournalStateError(f"entry {entry_id} is not on the reconciliation list")
            updates: dict[str, object] = {"resolved_at": _to_text(self._clock())}
            if note is not None:
                updates["note"] = note
            if entry.security in (Security.REQUIRED, Security.FAILED):
                # Staff took the tag in hand; the kiosk stops trying to fix it.
                updates["security"] = Security.NONE.value
            return self._update(db, entry, updates)

    # ------------------------------------------------------------------------------ queries

    def get(self, entry_id: str) -> Entry:
        with self._lock:
            return self._get(self._db, entry_id)

    def entries(self, *, session_id: str | None = None) -> list[Entry]:
        """Every entry in journal order (or those of one session)."""
        if session_id is None:
            return self._select("1=1", ())
        return self._select("session_id = ?", (session_id,))

    def half_done(self) -> list[Entry]:
        """Entries a crash or a failure left unfinished, in journal order (for recovery).

        That is: online requests whose outcome is unknown (PENDING) and tags whose security
        change is not verified (REQUIRED, FAILED). Offline entries waiting for replay are the
        replayer's (:meth:`replay_queue`); entries on the staff's list are the staff's.
        """
        return self._select(
            "(status = 'pending' OR security IN ('required', 'failed')) AND attention IS NULL",
            (),
        )

    def unsettled(self, item_id: str, *, before: int | None = None) -> list[Entry]:
        """The item's online requests whose outcome is unknown (PENDING), in journal order;
        with ``before``, only those begun before the entry of that ``seq``."""
        if before is None:
            return self._select("item_id = ? AND status = 'pending'", (item_id,))
        return self._select("item_id = ? AND status = 'pending' AND seq < ?", (item_id, before))

    def later_security_target(self, entry: Entry) -> SecurityTarget | None:
        """The tag state the item's newest transaction after ``entry`` asks for, if any.

        Recovery settles an entry a crash left open after the kiosk had run on: a later
        transaction of the same item (a return after a loan whose answer was lost) decides
        what the tag must be now, not the older one.
        """
        with self._lock:
            row = self._db.execute(
                "SELECT security_target FROM entries WHERE item_id = ? AND seq > ?"
                " AND security_target IS NOT NULL ORDER BY seq DESC LIMIT 1",
                (entry.item_id, entry.seq),
            ).fetchone()
        return None if row is None else SecurityTarget(row[0])

    def replay_queue(self) -> list[Entry]:
        """Offline entries still to be replayed, in the order they happened."""
        return self._select("status IN ('offline', 'replaying')", ())

    def offline_queue_depth(self) -> int:
        """How many offline transactions wait for the library system (health/staff screens)."""
        with self._lock:
            row = self._db.execute(
                "SELECT COUNT(*) FROM entries WHERE status IN ('offline', 'replaying')"
            ).fetchone()
        return int(row[0])

    def offline_loans(self, *, patron_id: str | None = None, session_id: str | None = None) -> int:
        """Offline loans not yet replayed, for one patron and/or one session (policy limits)."""
        clauses = ["kind = 'checkout'", "offline = 1", "status IN ('offline', 'replaying')"]
        params: list[str] = []
        if patron_id is not None:
            clauses.append("patron_id = ?")
            params.append(patron_id)
        if session_id is not None:
            clauses.append("session_id = ?")
            params.append(session_id)
        with self._lock:
            row = self._db.execute(
                f"SELECT COUNT(*) FROM entries WHERE {' AND '.join(clauses)}", params
            ).fetchone()
        return int(row[0])

    def reconciliation(self, *, include_resolved: bool = False) -> list[ReconciliationItem]:
        """The staff's list: what went wrong, why, and what the tag should be. Masked."""
        where = "attention IS NOT NULL"
        if not include_resolved:
            where += " AND resolved_at IS NULL"
        return [
            ReconciliationItem(
                entry_id=e.id,
                kind=e.kind,
                item_id=e.item_id,
                masked_patron=e.masked_patron,
                attention=e.attention,
                reason=e.reason,
                messages=e.messages,
                created_at=e.created_at,
                tag_uid=e.tag_uid,
                security_target=e.security_target,
                note=e.note,
            )
            for e in self._select(where, ())
            if e.attention is not None  # always, by the query: for the type checker
        ]

    def history(self, entry_id: str) -> list[tuple[datetime, str, str | None, str]]:
        """Every transition of one entry: (when, axis, before, after). For staff and tests."""
        with self._lock:
            rows = self._db.execute(
                "SELECT at, axis, before, after FROM transitions WHERE entry_id = ? ORDER BY rowid",
                (entry_id,),
            ).fetchall()
        return [(datetime.fromisoformat(r[0]), r[1], r[2], r[3]) for r in rows]

    # ---------------------------------------------------------------------------- internals

    def _select(self, where: str, params: tuple[object, ...]) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM entries WHERE {where} ORDER BY seq", params
            ).fetchall()
        return [self._row_to_entry(_Row._make(row)) for row in rows]

    def _get(self, db: sqlite3.Connection, entry_id: str) -> Entry:
        row = db.execute(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise UnknownEntry(f"no journal entry with transaction id {entry_id!r}")
        return self._row_to_entry(_Row._make(row))

    def _move(
        self, entry_id: str, to: Status, columns: Callable[[Entry], dict[str, object]]
    ) -> Entry:
        """One status transition in one transaction: refused (:class:`JournalStateError`) unless
        the entry's status allows ``to``; ``columns(entry)`` are the other columns it changes."""
        with self._transaction() as db:
            entry = self._get(db, entry_id)
            if to not in _ALLOWED[entry.status]:
                raise JournalStateError(
                    f"entry {entry.id}: cannot go from {entry.status.value} to {to.value}"
                )
            return self._update(db, entry, {"status": to.value, **columns(entry)})

    def _update(self, db: sqlite3.Connection, entry: Entry, updates: dict[str, object]) -> Entry:
        now = _to_text(self._clock())
        updates = dict(updates, updated_at=now)
        status_after = updates.get("status", entry.status.value)
        security_after = updates.get("security", entry.security.value)
        provisional = self._row_to_entry(
            self._merge_row(entry, updates)  # to decide whether the entry is finished now
        )
        if provisional.finished and provisional.patron_id is not None:
            # Privacy: a finished entry keeps only a masked patron number.
            updates["patron_id"] = mask_identifier(provisional.patron_id)
        assignments = ", ".join(f"{column} = ?" for column in updates)
        db.execute(f"UPDATE entries SET {assignments} WHERE id = ?", (*updates.values(), entry.id))
        if status_after != entry.status.value or updates.get("status") == "replaying":
            self._log(db, entry.id, "status", entry.status.value, str(status_after), now)
        if security_after != entry.security.value:
            self._log(db, entry.id, "security", entry.security.value, str(security_after), now)
        return self._get(db, entry.id)

    @staticmethod
    def _merge_row(entry: Entry, updates: dict[str, object]) -> _Row:
        current = _Row(
            seq=entry.seq,
            id=entry.id,
            kind=entry.kind.value,
            status=entry.status.value,
            security=entry.security.value,
            security_target=entry.security_target.value if entry.security_target else None,
            item_id=entry.item_id,
            patron_id=entry.patron_id,
            tag_uid=entry.tag_uid,
            session_id=entry.session_id,
            created_at=entry.created_at.isoformat(),
            updated_at=entry.updated_at.isoformat(),
            offline=int(entry.offline),
            attempts=entry.attempts,
            reason=entry.reason,
            messages=_MESSAGE_SEPARATOR.join(entry.messages),
            due_date=_to_text(entry.due_date),
            attention=entry.attention.value if entry.attention else None,
            resolved_at=_to_text(entry.resolved_at),
            note=entry.note,
            maybe_sent=int(entry.maybe_sent),
        )
        return _Row._make({**current._asdict(), **updates}.values())

    @staticmethod
    def _log(
        db: sqlite3.Connection, entry_id: str, axis: str, before: str | None, after: str, at: str
    ) -> None:
        db.execute(
            "INSERT INTO transitions (entry_id, at, axis, before, after) VALUES (?, ?, ?, ?, ?)",
            (entry_id, at, axis, before, after),
        )

    @staticmethod
    def _row_to_entry(row: _Row) -> Entry:
        return Entry(
            id=row.id,
            seq=row.seq,
            kind=EntryKind(row.kind),
            status=Status(row.status),
            security=Security(row.security),
            security_target=SecurityTarget(row.security_target) if row.security_target else None,
            item_id=row.item_id,
            patron_id=row.patron_id,
            tag_uid=row.tag_uid,
            session_id=row.session_id,
            created_at=datetime.fromisoformat(row.created_at),
            updated_at=datetime.fromisoformat(row.updated_at),
            offline=bool(row.offline),
            attempts=row.attempts,
            reason=row.reason,
            messages=tuple(row.messages.split(_MESSAGE_SEPARATOR)) if row.messages else (),
            due_date=_from_text(row.due_date),
            attention=Attention(row.attention) if row.attention else None,
            resolved_at=_from_text(row.resolved_at),
            note=row.note,
            maybe_sent=bool(row.maybe_sent),
        )
