"""Guessing stopped: wrong secrets are counted per subject, and too many lock it for a while.

Two kinds, as library systems have them: wrong passwords of a SIP2 account at login (93), and
wrong PINs of a patron in any message that checks one (23, 63, 11, 29, 65, 15, 25, and FOLIO's
``/patron-pin/verify``). After ``attempts`` wrong ones in a row the subject is locked for
``minutes``: until then even the right secret is refused, so a guesser learns nothing from
trying it. The attempt that reaches the limit is already answered "locked". A right secret
before that starts the count afresh, and so does the end of a lock.

The same wrong secret sent again (a client's resend, or one screen's requests that all carry
the PIN) is one guess, not several: the last wrong secret is remembered as a digest keyed with
a random key that lives only in this process (so the database holds nothing a PIN can be read
back from).

The counts live in the model's SQLite file (table ``lockout``): a restart of ``kiosk acs
--db`` does not reset them, and kiosks on several processes over one file share them. A data
file loaded with ``--reset`` starts with none.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.acs.model import ConsortiumModel, iso

PIN = "pin"
LOGIN = "login"


class Verdict(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"
    LOCKED = "locked"


@dataclass(frozen=True, slots=True)
class Check:
    """The outcome of one secret: accepted, wrong, or locked (and until when)."""

    verdict: Verdict
    locked_until: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.verdict is Verdict.ACCEPTED


@dataclass(frozen=True, slots=True)
class Rule:
    attempts: int  # wrong secrets in a row that lock the subject
    minutes: float  # how long the lock lasts


# One key per process: the digests of wrong secrets mean nothing once it has exited.
_PROCESS_KEY = secrets.token_bytes(32)


class Guard:
    """Counts wrong secrets of one ``kind`` per subject (a patron's barcode, an account login)."""

    def __init__(self, model: ConsortiumModel, kind: str, rule: Callable[[], Rule]) -> None:
        self.model = model
        self.kind = kind
        self._rule = rule

    def check(self, subject: str, secret: str, expected: str) -> Check:
        """Compare ``secret`` with ``expected`` (in constant time) and count the outcome."""
        right = hmac.compare_digest(secret.encode(), expected.encode())
        digest = self._digest(subject, secret)
        now = self.model.now()
        rule = self._rule()
        with self.model.transaction() as db:
            row = db.execute(
                "SELECT failures, locked_until, last_wrong FROM lockout"
                " WHERE kind = ? AND subject = ?",
                (self.kind, subject),
            ).fetchone()
            failures, last_wrong = 0, None
            if row is not None:
                if row["locked_until"] is not None:
                    lock_ends = datetime.fromisoformat(row["locked_until"])
                    if now < lock_ends:
                        return Check(Verdict.LOCKED, lock_ends)
                else:  # a lock that has ended counts from zero again
                    failures, last_wrong = int(row["failures"]), row["last_wrong"]
            if right:
                db.execute(
                    "DELETE FROM lockout WHERE kind = ? AND subject = ?", (self.kind, subject)
                )
                return Check(Verdict.ACCEPTED)
            if last_wrong is not None and hmac.compare_digest(last_wrong, digest):
                return Check(Verdict.WRONG)  # the same guess again
            failures += 1
            until = None
            if failures >= rule.attempts:
                until = now + timedelta(minutes=rule.minutes)
            db.execute(
                "INSERT OR REPLACE INTO lockout (kind, subject, failures, locked_until, last_wrong)"
                " VALUES (?, ?, ?, ?, ?)",
                (self.kind, subject, 0 if until else failures, iso(until), digest),
            )
        return Check(Verdict.LOCKED, until) if until else Check(Verdict.WRONG)

    def locked_until(self, subject: str) -> datetime | None:
        """When the subject's lock ends, or None when it is not locked."""
        row = self.model.conn.execute(
            "SELECT locked_until FROM lockout WHERE kind = ? AND subject = ?",
            (self.kind, subject),
        ).fetchone()
        if row is None or row["locked_until"] is None:
            return None
        until = datetime.fromisoformat(row["locked_until"])
        return until if self.model.now() < until else None

    def _digest(self, subject: str, secret: str) -> bytes:
        message = f"{self.kind}\0{subject}\0{secret}".encode()
        return hmac.new(_PROCESS_KEY, message, hashlib.sha256).digest()


def pin_guard(model: ConsortiumModel) -> Guard:
    """Wrong PINs per patron, with the consortium's ``pin_attempts`` and lockout time."""

    def rule() -> Rule:
        policy = model.policy
        return Rule(policy.pin_attempts, policy.pin_lockout_minutes)

    return Guard(model, PIN, rule)


def login_guard(model: ConsortiumModel) -> Guard:
    """Wrong passwords per SIP2 account, with ``login_attempts`` and its lockout time."""

    def rule() -> Rule:
        policy = model.policy
        return Rule(policy.login_attempts, policy.login_lockout_minutes)

    return Guard(model, LOGIN, rule)
