"""Who may use the staff console: logins with two levels, sessions, CSRF tokens, guessing limits.

- **Logins** are ``[console.users.NAME]`` with a level and a salted hash (kiosk.passwords), set
  with ``kiosk config set-console-password``. Level ``staff``: status, reconciliation,
  statistics, device tests, restart. Level ``admin``: all that and the configuration.
- **Guessing**: wrong passwords are counted per login name in the kiosk's lockout file
  (kiosk.lockout, the same rule as the staff code: locked for a while after a few in a row,
  across restarts), and per client address in memory (a burst of wrong logins from one address
  is refused for a minute whatever names it tries). An unknown name costs the same KDF time
  as a known one, so the answer's timing does not tell which names exist.
- **Sessions** live in memory only (a restart logs everyone out, which is what a restart of a
  kiosk should do): a random token in an HttpOnly, SameSite=Strict cookie, ended after
  ``session_minutes`` without a request or by logging out.
- **CSRF**: each session has a random token that every form carries; a post without the right
  one is refused. The login form has its own (a cookie and a field that must match), so a
  page elsewhere cannot log a browser in as someone else.
"""

from __future__ import annotations

import enum
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.lockout import GuessGuard, Verdict
from kiosk.passwords import PasswordHashError, hash_password, verify_password

__all__ = ["Level", "LoginOutcome", "Logins", "Session", "Sessions", "User"]

#: Wrong logins from one address within ``_BURST_WINDOW_S`` that refuse it for that long.
_BURST_LIMIT = 10
_BURST_WINDOW_S = 60.0


class Level(enum.IntEnum):
    """What a login may do; a higher level may do everything a lower one may."""

    STAFF = 1
    ADMIN = 2

    @classmethod
    def named(cls, name: str) -> Level:
        return cls[name.upper()]


@dataclass(frozen=True, slots=True)
class User:
    name: str
    level: Level
    password_hash: str


class LoginOutcome(enum.Enum):
    ACCEPTED = "accepted"
    WRONG = "wrong"  # unknown name or wrong password: one answer for both
    LOCKED = "locked"  # this login is locked after wrong passwords
    THROTTLED = "throttled"  # too many wrong logins from this address just now


class Logins:
    """Checks name and password against the configured users, counting wrong ones."""

    def __init__(
        self,
        users: Mapping[str, User],
        guard: GuessGuard | None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._users = dict(users)
        self._guard = guard
        self._clock = clock
        self._lock = threading.Lock()
        self._failures_by_address: dict[str, deque[float]] = {}
        self._decoy: str | None = None  # made at the first unknown name (KDF time at start-up)

    @property
    def any_users(self) -> bool:
        return bool(self._users)

    def check(self, name: str, password: str, address: str) -> tuple[LoginOutcome, User | None]:
        """Blocking (a KDF): call it from a worker thread."""
        if self._throttled(address):
            return LoginOutcome.THROTTLED, None
        user = self._users.get(name)

        def verify() -> bool:
            if user is None:  # the same KDF work as a real check: timing tells no names
                if self._decoy is None:
                    self._decoy = hash_password(secrets.token_urlsafe(16))
                verify_password(password, self._decoy)
                return False
            try:
                return verify_password(password, user.password_hash)
            except PasswordHashError:  # refused by the config check; never let it in
                return False

        if self._guard is None or len(name) > 64:
            verdict = Verdict.ACCEPTED if verify() else Verdict.WRONG
        else:
            verdict = self._guard.check(name, verify)
        if verdict is Verdict.ACCEPTED and user is not None:
            return LoginOutcome.ACCEPTED, user
        self._count_failure(address)
        if verdict is Verdict.LOCKED:
            return LoginOutcome.LOCKED, None
        return LoginOutcome.WRONG, None

    def _throttled(self, address: str) -> bool:
        with self._lock:
            recent = self._recent(address)
            return len(recent) >= _BURST_LIMIT

    def _count_failure(self, address: str) -> None:
        with self._lock:
            self._recent(address).append(self._clock())

    def _recent(self, address: str) -> deque[float]:
        now = self._clock()
        recent = self._failures_by_address.setdefault(address, deque())
        while recent and now - recent[0] > _BURST_WINDOW_S:
            recent.popleft()
        if not recent:
            # forget quiet addresses, so that a scan of many cannot grow the table for ever
            stale = [a for a, q in self._failures_by_address.items() if not q and a != address]
            for other in stale:
                del self._failures_by_address[other]
        return recent


@dataclass(slots=True)
class Session:
    token: str
    user: str
    level: Level
    csrf: str
    expires: float
    notice: str = ""  # one message for the next page (e.g. "saved"), shown once
    seen: float = field(default=0.0)


class Sessions:
    """Logged-in browsers, by the random token in their cookie."""

    def __init__(self, ttl_s: float, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def start(self, user: User) -> Session:
        now = self._clock()
        session = Session(
            token=secrets.token_urlsafe(32),
            user=user.name,
            level=user.level,
            csrf=secrets.token_urlsafe(32),
            expires=now + self.ttl_s,
            seen=now,
        )
        with self._lock:
            self._forget_expired(now)
            self._by_token[session.token] = session
        return session

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token`` (its idle time starts again), or None."""
        if not token:
            return None
        now = self._clock()
        with self._lock:
            session = self._by_token.get(token)
            if session is None:
                return None
            if now >= session.expires:
                del self._by_token[token]
                return None
            session.expires = now + self.ttl_s
            session.seen = now
            return session

    def end(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._by_token.pop(token, None)

    def _forget_expired(self, now: float) -> None:
        for token in [t for t, s in self._by_token.items() if now >= s.expires]:
            del self._by_token[token]


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two tokens; a missing one never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
