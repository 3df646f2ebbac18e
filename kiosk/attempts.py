"""Wrong guesses, counted where a restart cannot forget them: a card's PIN locked after too many.

Why durable and per subject: a PIN of four digits falls to guessing unless the guesses are
counted across visits. A counter that lives in a patron's session resets every time the card is
read again (the attack that found a PIN in 371 sessions), and one in memory resets with every
restart of the kiosk. So each wrong try is counted in a small SQLite store (versioned like the
kiosk's other files, :mod:`kiosk.store`), per subject: a card number for patron PINs. After
``limit`` wrong tries in a row the subject is locked for ``lock_seconds``; a right answer clears
the count (but never a lock: a lock runs out).

Privacy: the store never holds a card number. A subject is kept as an HMAC of it under a random
key kept in the same file, so the file lists no cards; it cannot stop someone who holds the file
from testing a given card number, which is why the file stays in the kiosk's state directory.
Every call is blocking (one small write); the kiosk calls it from a worker thread.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.store import APPLICATION_IDS, StoreSchema, open_store

__all__ = ["AttemptPolicy", "Attempts", "Verdict"]

_SCHEMA = StoreSchema(
    name="attempt counters",
    application_id=APPLICATION_IDS["attempt counters"],
    migrations=(
        """
        CREATE TABLE IF NOT EXISTS key (secret BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS attempts (
            subject TEXT PRIMARY KEY,     -- HMAC of kind and subject, never the subject itself
            failures INTEGER NOT NULL,
            locked_until TEXT              -- ISO 8601, UTC
        );
        """,
    ),
)


@dataclass(frozen=True, slots=True)
class AttemptPolicy:
    """``limit`` wrong tries in a row lock for ``lock_seconds``; a limit of 0 never locks."""

    limit: int
    lock_seconds: float


@dataclass(frozen=True, slots=True)
class Verdict:
    """Where a subject stands after a wrong try (or when asked)."""

    failures: int
    locked_until: datetime | None = None

    @property
    def locked(self) -> bool:
        return self.locked_until is not None


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Attempts:
    """Durable counters of wrong tries, one store file (``":memory:"`` for tests)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] = _utc_now) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._db = open_store(path, _SCHEMA, synchronous="NORMAL")
        row = self._db.execute("SELECT secret FROM key").fetchone()
        if row is None:
            secret = secrets.token_bytes(32)
            self._db.execute("INSERT INTO key (secret) VALUES (?)", (secret,))
        else:
            secret = bytes(row[0])
        self._secret = secret

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _name(self, kind: str, subject: str) -> str:
        return hmac.new(self._secret, f"{kind}\0{subject}".encode(), hashlib.sha256).hexdigest()

    def verdict(self, kind: str, subject: str) -> Verdict:
        """How many wrong tries in a row, and whether (until when) the subject is locked."""
        with self._lock:
            return self._read(self._name(kind, subject))

    def failed(self, kind: str, subject: str, policy: AttemptPolicy) -> Verdict:
        """Count one wrong try; lock the subject when it reaches the policy's limit."""
        name = self._name(kind, subject)
        with self._lock:
            current = self._read(name)
            if current.locked:
                return current
            failures = current.failures + 1
            until: datetime | None = None
            if policy.limit and failures >= policy.limit:
                until = self._clock() + timedelta(seconds=policy.lock_seconds)
            self._db.execute(
                "INSERT INTO attempts (subject, failures, locked_until) VALUES (?, ?, ?) "
                "ON CONFLICT (subject) DO UPDATE SET failures = excluded.failures, "
                "locked_until = excluded.locked_until",
                (name, failures, until.isoformat() if until else None),
            )
            return Verdict(failures, until)

    def succeeded(self, kind: str, subject: str) -> None:
        """A right answer: the count starts again (a lock still running is kept)."""
        name = self._name(kind, subject)
        with self._lock:
            if not self._read(name).locked:
                self._db.execute("DELETE FROM attempts WHERE subject = ?", (name,))

    def _read(self, name: str) -> Verdict:
        row = self._db.execute(
            "SELECT failures, locked_until FROM attempts WHERE subject = ?", (name,)
        ).fetchone()
        if row is None:
            return Verdict(0)
        failures, until_text = int(row[0]), row[1]
        until = datetime.fromisoformat(until_text) if until_text else None
        if until is not None and until <= self._clock():  # the lock ran out: start again
            self._db.execute("DELETE FROM attempts WHERE subject = ?", (name,))
            return Verdict(0)
        return Verdict(failures, until)
