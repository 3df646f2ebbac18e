"""The asyncio SIP2 server: sockets, framing, error detection, retries, replays and faults.

One task per connection reads frames with the project's :class:`kiosk.sip2.Framer` and hands
them to the sans-I/O :class:`kiosk.sip2.ServerConnection`, which applies SIP2's connection
rules; new requests are answered through :class:`kiosk.acs.protocol.Responder`. What the spec
and real servers do, this server does:

* error detection per account: responses carry ``AY<seq>AZ<checksum>``; a request with a bad
  checksum is answered with 96; 97 gets the last response again, byte for byte (and 96 when
  nothing was answered yet);
* a request identical to the previous one on its connection (same AY, same AZ) is answered
  with the last response instead of being carried out twice (the spec's resend rule);
* a circulation request retransmitted byte for byte on a new connection of the same login, after
  the connection that carried it out ended, gets that answer too (:mod:`kiosk.acs.resends`,
  kept in the model's database, so also after a restart with ``--db``); a request whose body
  merely equals an earlier one, with another AY, is a new request;
* the idle timeout announced in 98 closes a connection that sends no complete message for that
  long; the retry count announced in 98 bounds consecutive bad-checksum requests and
  retransmissions, after which the connection is closed;
* floods are capped (:mod:`kiosk.acs.limits`): connections in total and per address, an absolute
  login deadline, and trickled bytes extend no deadline;
* logs carry masked traces only (no PINs, passwords, names or full card numbers).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
import time
from dataclasses import dataclass, field

from kiosk import sip2
from kiosk.acs.faults import Faults
from kiosk.acs.limits import (
    ACCEPT_BACKLOG,
    Admission,
    ConnectionLimits,
    Deadlines,
    fit_to_descriptors,
)
from kiosk.acs.protocol import CIRCULATION_CODES, CloseConnection, Responder, Session
from kiosk.acs.resends import LoginResends
from kiosk.acs.tolerant import decode_request
from kiosk.closing import close_stream
from kiosk.sip2 import AskResend, Close, Handle, Replay, ServerConnection

log = logging.getLogger("kiosk.acs")


@dataclass
class ServerStats:
    connections: int = 0
    open_connections: int = 0
    requests: int = 0
    replays: int = 0
    resends_requested: int = 0  # 96 sent
    dropped: int = 0
    idle_closed: int = 0  # closed by a deadline: no login, idle, or a message that never ended
    refused: int = 0  # turned away at a connection cap
    evicted: int = 0  # not logged in yet, and made room for a newcomer at a cap


@dataclass
class _Connection:
    session: Session
    rules: ServerConnection
    name: str
    terminator: bytes = b"\r"
    error_detection: bool = True
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def charset(self) -> str:
        return self.rules.charset


class SIP2Server:
    """Serves one consortium model over SIP2 on a TCP port."""

    def __init__(
        self,
        responder: Responder,
        faults: Faults,
        *,
        charset: str = "utf-8",
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.responder = responder
        self.faults = faults
        self.charset = charset
        self.limits = fit_to_descriptors(limits or ConnectionLimits())
        self.admission = Admission(self.limits)
        self.stats = ServerStats()
        self.resends = LoginResends(responder.model)
        self._open: set[str] = set()  # names of the open connections (see LoginResends)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, tls: ssl.SSLContext | None = None
    ) -> tuple[str, int]:
        """Listen; with ``tls`` every connection is TLS (as FOLIO edge-sip2 or stunnel offer).

        A TLS handshake must finish within the login deadline too; the caps count a connection
        from the end of its handshake (asyncio hands it over only then).
        """
        self._server = await asyncio.start_server(
            self._serve,
            host,
            port,
            ssl=tls,
            backlog=ACCEPT_BACKLOG,
            ssl_handshake_timeout=self.limits.login_seconds if tls else None,
        )
        sock = self._server.sockets[0]
        bound = sock.getsockname()
        log.info("embedded ACS listening on %s:%s", bound[0], bound[1])
        return str(bound[0]), int(bound[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._writers):
            writer.close()
        if self._tasks:  # closed sockets end their readers; cancel only what hangs
            _, pending = await asyncio.wait(list(self._tasks), timeout=2.0)
            for task in pending:
                task.cancel()
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def drop_all(self) -> int:
        """Close every open connection now (the "network cable pulled" fault)."""
        writers = list(self._writers)
        for writer in writers:
            writer.close()
        return len(writers)

    # -- one connection --------------------------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        conn = _Connection(
            Session(peer=f"{peer[0]}:{peer[1]}" if peer else "?"),
            ServerConnection(
                charset=self.charset,
                retries=self.responder.default_retries,
                decoder=decode_request,
            ),
            self.resends.connection_id(),
        )
        ticket = self.admission.admit(
            str(peer[0]) if peer else "?", writer.close, lambda: conn.session.account is not None
        )
        self.stats.refused, self.stats.evicted = self.admission.refused, self.admission.evicted
        if ticket is None:
            writer.close()
            if task is not None:
                self._tasks.discard(task)
            return
        self._writers.add(writer)
        self._open.add(conn.name)
        self.stats.connections += 1
        self.stats.open_connections += 1
        framer = sip2.Framer()
        deadlines = Deadlines(self.limits)
        try:
            while True:
                timeout, reason = deadlines.timeout(
                    logged_in=conn.session.account is not None,
                    idle_seconds=self._idle_timeout(conn),
                    now=time.monotonic(),
                )
                try:
                    data = await asyncio.wait_for(reader.read(65536), timeout)
                except TimeoutError:
                    self.stats.idle_closed += 1
                    log.info("%s: %s, closing", conn.session.peer, reason)
                    return
                if not data:
                    return
                try:
                    frames = framer.feed(data)
                except sip2.SIP2DecodeError as exc:
                    log.warning("%s: %s; closing", conn.session.peer, exc)
                    return
                deadlines.received(
                    complete_messages=bool(frames),
                    pending=framer.pending > 0,
                    now=time.monotonic(),
                )
                for frame in frames:
                    if not await self._handle(frame, conn, writer):
                        return
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError):
            return
        finally:
            self._open.discard(conn.name)
            self.admission.leave(ticket)
            self.stats.open_connections -= 1
            self._writers.discard(writer)
            await close_stream(writer)
            if task is not None:
                self._tasks.discard(task)

    def _idle_timeout(self, conn: _Connection) -> float | None:
        """The logged-in account's idle timeout (announced in 98); None: no timeout."""
        account = conn.session.account
        if account is None or account.timeout_seconds <= 0:
            return None
        return account.timeout_seconds

    async def _send(self, writer: asyncio.StreamWriter, data: bytes, conn: _Connection) -> None:
        delay = self.faults.delay_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s", conn.session.peer, sip2.format_trace("<-", data, charset=conn.charset)
            )
        writer.write(data)
        await writer.drain()

    async def _handle(self, frame: bytes, conn: _Connection, writer: asyncio.StreamWriter) -> bool:
        """Answer one frame; False closes the connection."""
        self.stats.requests += 1
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s", conn.session.peer, sip2.format_trace("->", frame, charset=conn.charset)
            )
        drop = self.faults.take_drop()
        if drop and self.faults.drop_before_processing:
            return self._dropped(conn, "before processing")
        event = conn.rules.receive(frame)
        if isinstance(event, Close):
            log.warning("%s: %s; closing", conn.session.peer, event.why)
            return False
        if isinstance(event, AskResend):
            log.warning("%s: %s; asking for a resend", conn.session.peer, event.why)
            self.stats.resends_requested += 1
            await self._send(writer, self._encode(sip2.RequestSCResend(), conn, 0), conn)
            return True
        if isinstance(event, Replay):
            if event.retransmission:
                self.stats.replays += 1
                log.info("%s: %s answered with the earlier response", conn.session.peer, event.why)
            if drop:
                return self._dropped(conn, "after replay")
            await self._send(writer, event.data, conn)
            return True
        return await self._carry_out(frame, event, conn, writer, drop)

    async def _carry_out(
        self,
        frame: bytes,
        event: Handle,
        conn: _Connection,
        writer: asyncio.StreamWriter,
        drop: bool,
    ) -> bool:
        """A new request: answer from an ended connection's last answers, or carry it out."""
        decoded = event.request
        request = decoded.message
        frame = frame.rstrip(b"\r\n")
        if self.faults.take_96():
            self.stats.resends_requested += 1
            await self._send(writer, self._encode(sip2.RequestSCResend(), conn, 0), conn)
            return True
        account = conn.session.account
        resendable = (
            account is not None
            and decoded.sequence is not None
            and request.code in CIRCULATION_CODES
        )
        if resendable:
            assert account is not None
            earlier = self.resends.answer(account.login, frame, self._open)
            if earlier is not None:
                self.stats.replays += 1
                log.info(
                    "%s: a %s retransmitted on a new connection answered with the earlier response",
                    conn.session.peer,
                    request.code,
                )
                conn.rules.answered(frame, earlier)
                if drop:
                    return self._dropped(conn, "after replay")
                await self._send(writer, earlier, conn)
                return True
        try:
            response = self.responder.respond(request, conn.session)
        except CloseConnection as exc:
            log.warning("%s: %s; closing", conn.session.peer, exc)
            return False
        except Exception:  # a bug must cost one connection, not the server
            log.exception(
                "%s: internal error on a %s request; closing", conn.session.peer, request.code
            )
            return False
        if request.code == "93":
            self._logged_in(conn)
        sequence = decoded.sequence if decoded.sequence is not None else 0
        with_checksum = (
            decoded.sequence is not None if conn.session.account is None else (conn.error_detection)
        )
        data = self._encode(response, conn, sequence if with_checksum else None)
        conn.rules.answered(frame, data)  # a 97 or a retransmission gets the intact frame
        if resendable and conn.session.account is not None and _changed_something(response):
            self.resends.remember(
                conn.session.account.login, conn.name, request.get("AB") or "", frame, data
            )
        if with_checksum and self.faults.take_corrupt():
            data = _corrupt(data)
        if drop:
            return self._dropped(conn, "after processing")
        await self._send(writer, data, conn)
        return True

    def _logged_in(self, conn: _Connection) -> None:
        """After a 93: the account's character set, terminator, error detection and retry
        count, or the server's defaults again when the login failed."""
        acc = conn.session.account
        if acc is not None:
            conn.rules.charset, conn.terminator = acc.charset, acc.terminator
            conn.rules.retries = acc.retries
            conn.error_detection = acc.error_detection
            log.info("%s: kiosk %s logged in at %s", conn.session.peer, acc.login, acc.branch)
        else:
            conn.rules.charset, conn.terminator = self.charset, b"\r"
            conn.rules.retries = self.responder.default_retries
            conn.error_detection = True
            log.warning("%s: login refused", conn.session.peer)

    def _dropped(self, conn: _Connection, when: str) -> bool:
        self.stats.dropped += 1
        log.info("%s: fault knob: connection dropped %s", conn.session.peer, when)
        return False

    def _encode(self, message: sip2.Message, conn: _Connection, sequence: int | None) -> bytes:
        if message.code == "96" and not conn.error_detection:
            sequence = None
        return sip2.encode(
            message, charset=conn.charset, sequence=sequence, terminator=conn.terminator
        )


def _changed_something(response: sip2.Message) -> bool:
    """Whether carrying the request out again could double something.

    Refusals change nothing, so a repeat of a refused request is simply carried out again
    (it may succeed now, e.g. after going back on-line), and only successes are remembered.
    """
    fixed = response.fixed
    for flag in ("ok", "payment_accepted", "item_properties_ok"):
        if flag in fixed:
            return bool(fixed[flag])
    if "renewed_count" in fixed:
        return bool(fixed["renewed_count"])
    return True  # 24/26 after a block or an enable


def _corrupt(data: bytes) -> bytes:
    """Change the last checksum digit so that the frame no longer adds up."""
    end = len(data.rstrip(b"\r\n"))
    last = data[end - 1 : end]
    replacement = b"0" if last != b"0" else b"1"
    return data[: end - 1] + replacement + data[end:]
