"""Connection floods: how many connections the SIP2 server takes, and how long each may dawdle.

A kiosk must still be served while something else opens connections and trickles bytes into
them (a slow-loris): before these rules, 1,050 such connections used up the process's 1,024
file descriptors and kept every kiosk out, because the login and idle timers restarted with
every byte. The rules:

* **caps**: at most ``max_connections`` open connections in total and ``max_per_address`` from
  one address. A newcomer beyond a cap takes the place of the oldest connection that has not
  logged in yet (from the same address when that address is full); only when every connection in
  the way has logged in is the newcomer refused. A kiosk logs in within milliseconds of
  connecting, so a flood of connections that never log in cannot keep it out, even from the same
  address (a NAT, or the same machine), and a logged-in kiosk is never pushed out;
* **login deadline**: a connection must log in (93) within ``login_seconds`` of being accepted,
  however many bytes it sends meanwhile (over TLS, the handshake has ``login_seconds`` of its
  own before that: asyncio hands a TLS connection over when its handshake is done);
* **idle rule**: after login, the account's timeout (announced in 98) runs from the last complete
  message, not the last byte; and a message, once begun, must be complete within
  ``message_seconds`` even for an account without a timeout. Trickled bytes extend nothing.

The total cap also stays below the process's file-descriptor limit (``RLIMIT_NOFILE``): the
server raises its soft limit as far as the hard one allows and otherwise lowers the cap, keeping
``FD_RESERVE`` descriptors spare. They are for the database, logs and the other ports, and for
the connections asyncio accepts in one go (up to its listen backlog) before any of them can be
counted, plus those pushed out a moment ago whose sockets close on the next turn of the loop:
without that room a flood runs the process out of descriptors, accept() fails with EMFILE and
asyncio stops accepting for a second at a time. The systemd unit sets ``LimitNOFILE`` for the
default cap.
"""

from __future__ import annotations

import itertools
import logging
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger("kiosk.acs")

#: The listen backlog: also how many connections asyncio accepts in one turn of its loop.
ACCEPT_BACKLOG = 100
#: Descriptors kept spare (see the module's docstring): SQLite (database, WAL, shared memory),
#: logs, the control and FOLIO ports, one backlog of fresh connections and one of closing ones.
FD_RESERVE = 64 + 2 * ACCEPT_BACKLOG


@dataclass(frozen=True, slots=True)
class ConnectionLimits:
    """The flood rules of the module's docstring (``kiosk acs --max-connections`` ...)."""

    max_connections: int = 1000
    max_per_address: int = 64
    login_seconds: float = 20.0
    message_seconds: float = 30.0

    def __post_init__(self) -> None:
        if self.max_connections < 1 or self.max_per_address < 1:
            raise ValueError("connection caps must be at least 1")
        if self.login_seconds <= 0 or self.message_seconds <= 0:
            raise ValueError("the login and message deadlines must be more than 0 seconds")


def fit_to_descriptors(limits: ConnectionLimits) -> ConnectionLimits:
    """``limits`` with a total cap this process has descriptors for (raising the soft limit
    towards the hard one first, as a server that needs them should)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = limits.max_connections + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        wanted = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
            soft = wanted
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY or soft >= needed:
        return limits
    fitted = max(1, soft - FD_RESERVE)
    log.warning(
        "only %d file descriptors (RLIMIT_NOFILE): at most %d SIP2 connections instead of %d",
        soft,
        fitted,
        limits.max_connections,
    )
    return ConnectionLimits(
        max_connections=fitted,
        max_per_address=min(limits.max_per_address, fitted),
        login_seconds=limits.login_seconds,
        message_seconds=limits.message_seconds,
    )


_order = itertools.count()


@dataclass(eq=False)
class Ticket:
    """One admitted connection: where from, whether it has logged in, how to push it out."""

    address: str
    evict: Callable[[], None]
    logged_in: Callable[[], bool]  # asked at the moment room is needed
    order: int = field(default_factory=lambda: next(_order))  # admission order: oldest first


class Admission:
    """The caps of the module's docstring, over the connections open now."""

    def __init__(self, limits: ConnectionLimits) -> None:
        self.limits = limits
        self._open: dict[str, list[Ticket]] = {}
        self._count = 0
        self.refused = 0
        self.evicted = 0
        self._last_report = 0.0

    @property
    def open_connections(self) -> int:
        return self._count

    def admit(
        self, address: str, evict: Callable[[], None], logged_in: Callable[[], bool]
    ) -> Ticket | None:
        """A ticket for a new connection from ``address``, or None: refuse it (close at once)."""
        mine = self._open.get(address, [])
        if len(mine) >= self.limits.max_per_address and not self._make_room(mine):
            self._refuse(address, "from one address")
            return None
        if self._count >= self.limits.max_connections and not self._make_room(
            [t for tickets in self._open.values() for t in tickets]
        ):
            self._refuse(address, "in total")
            return None
        ticket = Ticket(address, evict, logged_in)
        self._open.setdefault(address, []).append(ticket)
        self._count += 1
        return ticket

    def leave(self, ticket: Ticket) -> None:
        """The connection has closed (idempotent: an evicted one has left already)."""
        tickets = self._open.get(ticket.address)
        if tickets is None or ticket not in tickets:
            return
        tickets.remove(ticket)
        self._count -= 1
        if not tickets:
            del self._open[ticket.address]

    def _make_room(self, candidates: list[Ticket]) -> bool:
        waiting = [t for t in candidates if not t.logged_in()]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda t: t.order)
        self.leave(oldest)
        self.evicted += 1
        oldest.evict()
        return True

    def _refuse(self, address: str, where: str) -> None:
        self.refused += 1
        now = time.monotonic()
        if now - self._last_report >= 10.0:  # a flood must not flood the log too
            self._last_report = now
            total = where == "in total"
            cap = self.limits.max_connections if total else self.limits.max_per_address
            log.warning(
                "%s: connection refused: %d logged-in connections %s already (%d refused so far)",
                address,
                cap,
                where,
                self.refused,
            )


@dataclass
class Deadlines:
    """When one connection is closed for dawdling (see the module's docstring)."""

    limits: ConnectionLimits
    accepted: float = field(default_factory=time.monotonic)
    last_message: float | None = None  # the last complete message after login
    message_started: float | None = None  # the first byte of an incomplete message

    def received(self, *, complete_messages: bool, pending: bool, now: float) -> None:
        """Bytes arrived: they completed messages or not, and left a partial one or not."""
        if complete_messages:
            self.last_message = now
            self.message_started = now if pending else None
        elif pending and self.message_started is None:
            self.message_started = now

    def timeout(
        self, *, logged_in: bool, idle_seconds: float | None, now: float
    ) -> tuple[float | None, str]:
        """Seconds the next read may wait (None: no limit), and what ends it."""
        candidates: list[tuple[float, str]] = []
        if not logged_in:
            candidates.append((self.accepted + self.limits.login_seconds, "no login in time"))
        elif idle_seconds:
            since = self.last_message if self.last_message is not None else self.accepted
            candidates.append((since + idle_seconds, "idle"))
        if self.message_started is not None:
            candidates.append(
                (self.message_started + self.limits.message_seconds, "a message never ended")
            )
        if not candidates:
            return None, ""
        deadline, reason = min(candidates)
        return max(0.0, deadline - now), reason
