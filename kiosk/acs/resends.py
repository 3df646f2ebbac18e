"""The last answers per login, so that a request retransmitted on a new connection is answered,
not carried out twice, also after a restart of the library system.

SIP2's resend rule is per connection (the sans-I/O :class:`kiosk.sip2.ServerConnection` keeps
it): the same AY and AZ again is a retransmission. But a kiosk whose connection dropped before
the answer arrived reconnects, logs in and sends the cut-off request again, byte for byte
(same AY, same AZ: see :class:`kiosk.sip2.ClientConnection`). So for each login this store
keeps the last request that changed something on each of its connections, with the answer, in
the model's SQLite database (it survives ``kiosk acs --db`` restarts), for
:data:`MAX_AGE_SECONDS`.

A request matches only a connection that has ended, and only by its whole frame (body, AY and
AZ): a new request that merely repeats the body of an earlier one (a second payment of the same
amount) has another sequence number and is carried out. A newer request about the same item
forgets the older answers about it, so a genuine checkout after a check-in is never answered
from here.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Collection

from kiosk.acs.model import ConsortiumModel

MAX_AGE_SECONDS = 600.0


class LoginResends:
    """Per login: each connection's last answered change, kept in the model's database."""

    def __init__(self, model: ConsortiumModel, *, clock: Callable[[], float] = time.time) -> None:
        self._db = model.conn
        self._clock = clock
        # Connection names of this run: a restart never mistakes an old connection for an open one.
        self._run = secrets.token_hex(4)
        self._count = 0

    def connection_id(self) -> str:
        """A name for a new connection, unique over restarts."""
        self._count += 1
        return f"{self._run}-{self._count}"

    def remember(
        self, account: str, connection: str, item: str, request: bytes, response: bytes
    ) -> None:
        """``connection`` answered ``request`` (the frame without terminator) with
        ``response`` (the bytes it sent, terminator included), and changed something."""
        now = self._clock()
        self._db.execute("DELETE FROM sip2_resends WHERE at < ?", (now - MAX_AGE_SECONDS,))
        if item:
            self._db.execute("DELETE FROM sip2_resends WHERE item = ?", (item,))
        self._db.execute(
            "INSERT OR REPLACE INTO sip2_resends VALUES (?, ?, ?, ?, ?, ?)",
            (account, connection, item, request, response, now),
        )

    def answer(
        self, account: str, request: bytes, open_connections: Collection[str]
    ) -> bytes | None:
        """The answer an ended connection of ``account`` gave to exactly ``request``, if any."""
        rows = self._db.execute(
            "SELECT connection, response FROM sip2_resends"
            " WHERE account = ? AND request = ? AND at >= ? ORDER BY at DESC",
            (account, request, self._clock() - MAX_AGE_SECONDS),
        ).fetchall()
        for row in rows:
            if row["connection"] not in open_connections:
                return bytes(row["response"])
        return None
