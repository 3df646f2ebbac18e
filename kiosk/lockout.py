"""Wrong secrets counted across sessions and restarts: patrons' PINs, the staff code, the
console's logins.

Why durable: a count kept in memory starts afresh whenever the kiosk restarts, and a restart is
one tap on the staff screen or one power cut away; a guesser who can cause one gets unlimited
tries. So the counts live in a small SQLite file in the kiosk's state directory (a versioned
store, kiosk.store), written before the answer is given.

The rule, per subject (the staff code is one subject; each console login name is one): after
``attempts`` wrong secrets in a row the subject is locked for ``lockout_s`` seconds. While it
is locked even the right secret is refused without being checked, so a guesser learns nothing;
the attempt that reaches the limit is already answered "locked". A right secret before that
starts the count afresh, and so does the end of a lock. Usage::

    guard = GuessGuard(state_dir / "lockouts.db", kind="staff_code", attempts=5, lockout_s=900)
    verdict = guard.check("", lambda: verify_password(code, stored_hash))
    if verdict is Verdict.LOCKED: ...

Thread-safe (the kiosk's loop checks through a worker thread, the console from its own), and
safe for several processes over one file (each check is one ``BEGIN IMMEDIATE`` transaction).
The file is opened for each check and closed after it: checks are rare (a person typing), and a
guard then holds nothing open that would have to be closed with the kiosk.

Subjects that are personal data (a patron's card number, for PIN guessing) are kept as an HMAC
under a random key kept in the same file (``hide_subjects=True``), so the file lists no cards; it
cannot stop someone who holds the file from testing a given card number, which is why the file
stays in the kiosk's state directory.
"""

from __future__ import annotations

import contextlib
import enum
import hashlib
import hmac
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kiosk.store import APPLICATION_IDS, StoreSchema, open_store

__all__ = ["LOCKOUT_STORE", "GuessGuard", "Verdict"]

_SCHEMA = """
CREATE TABLE guesses (
    kind TEXT NOT NULL,            -- 'staff_code' | 'console'
    subject TEXT NOT NULL,         -- '' for the staff code, the login name for the console
    failures INTEGER NOT NULL,     -- wrong secrets in a row
    locked_until REAL,             -- unix time the lock ends, NULL when not locked
    PRIMARY KEY (kind, subject)
)
"""

_KEY = """
CREATE TABLE subject_key (secret BLOB NOT NULL)  -- for subjects kept as HMACs (hide_subjects)
"""

LOCKOUT_STORE = StoreSchema(
    name="lockout file",
    application_id=APPLICATION_IDS["lockout file"],
    migrations=(_SCHEMA, _KEY),
)


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"


class GuessGuard:
    """Counts wrong secrets of one ``kind`` per subject, in the file at ``path``."""

    def __init__(
        self,
        path: str | Path,
        *,
        kind: str,
        attempts: int,
        lockout_s: float,
        hide_subjects: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if attempts < 1 or lockout_s <= 0:
            raise ValueError("attempts >= 1 and lockout_s > 0")
        self.path = str(path)
        self.kind = kind
        self.attempts = attempts
        self.lockout_s = lockout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._key: bytes | None = None
        # A file that is not a lockout file: StoreError now, not at a login.
        with self._lock, self._open() as db:
            if hide_subjects:
                self._key = _subject_key(db)

    def _name(self, subject: str) -> str:
        """How ``subject`` is kept in the file: itself, or its HMAC (``hide_subjects``)."""
        if self._key is None:
            return subject
        return hmac.new(self._key, subject.encode(), hashlib.sha256).hexdigest()

    @contextlib.contextmanager
    def _open(self) -> Iterator[sqlite3.Connection]:
        db = open_store(self.path, LOCKOUT_STORE, synchronous="FULL")
        try:
            yield db
        finally:
            db.close()

    def check(self, subject: str, verify: Callable[[], bool]) -> Verdict:
        """Ask ``verify`` (unless the subject is locked) and count its answer."""
        if self.locked_until(subject) is not None:
            return Verdict.LOCKED
        right = verify()  # outside the lock: a slow KDF must not hold up other subjects
        return self.record(subject, right=right)

    def record(self, subject: str, *, right: bool) -> Verdict:
        """Count one secret that was right or wrong; the verdict the asker must act on."""
        subject = self._name(subject)
        with self._lock, self._open() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                now = self._clock()
                row = db.execute(
                    "SELECT failures, locked_until FROM guesses WHERE kind = ? AND subject = ?",
                    (self.kind, subject),
                ).fetchone()
                failures = 0
                if row is not None:
                    if row[1] is not None and now < row[1]:
                        db.execute("COMMIT")
                        return Verdict.LOCKED
                    failures = 0 if row[1] is not None else int(row[0])
                if right:
                    db.execute(
                        "DELETE FROM guesses WHERE kind = ? AND subject = ?", (self.kind, subject)
                    )
                    db.execute("COMMIT")
                    return Verdict.ACCEPTED
                failures += 1
                until = now + self.lockout_s if failures >= self.attempts else None
                db.execute(
                    "INSERT OR REPLACE INTO guesses (kind, subject, failures, locked_until)"
                    " VALUES (?, ?, ?, ?)",
                    (self.kind, subject, failures, until),
                )
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    db.execute("ROLLBACK")
                raise
        return Verdict.LOCKED if until is not None else Verdict.WRONG

    def locked_until(self, subject: str) -> float | None:
        """Unix time the subject's lock ends, or None when it is not locked."""
        return self._standing(subject)[1]

    def failures(self, subject: str) -> int:
        """Wrong secrets in a row so far (for status pages; 0 after a lock ended)."""
        return self._standing(subject)[0]

    def _standing(self, subject: str) -> tuple[int, float | None]:
        """Wrong secrets in a row and when the lock ends: (0, None) once a lock has ended."""
        subject = self._name(subject)
        with self._lock, self._open() as db:
            row = db.execute(
                "SELECT failures, locked_until FROM guesses WHERE kind = ? AND subject = ?",
                (self.kind, subject),
            ).fetchone()
        if row is None or (row[1] is not None and self._clock() >= row[1]):
            return 0, None
        return int(row[0]), None if row[1] is None else float(row[1])


def _subject_key(db: sqlite3.Connection) -> bytes:
    """The file's key for hidden subjects, made the first time one is needed."""
    db.execute("BEGIN IMMEDIATE")
    try:
        row = db.execute("SELECT secret FROM subject_key").fetchone()
        if row is None:
            key = secrets.token_bytes(32)
            db.execute("INSERT INTO subject_key (secret) VALUES (?)", (key,))
        else:
            key = bytes(row[0])
        db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    return key
