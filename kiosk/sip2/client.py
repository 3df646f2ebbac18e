"""The asyncio SIP2 client: a pool of logged-in connections behind one ``request`` method.

Why a pool: SIP2 is strictly one request at a time per connection, but a kiosk checks several
items out at once and a return station checks in while the UI looks up a patron. Each connection
logs in (93) and asks the ACS status (99) once; then requests take the first idle connection.

What the client hides from callers (the spec's client rules, see SIP2-NOTES.md):

* a reply that does not come within ``timeout`` -> the identical bytes (same AY, same AZ) are sent
  again, up to the retry count (ours, capped by the ACS's ``retries_allowed`` from 98);
* a reply with a bad checksum, or one we cannot decode -> ``97`` (please resend);
* a ``96`` from the ACS -> our last frame again;
* a reply with a valid checksum but another AY -> discarded as stale (except right after a 97,
  since some ACSs renumber their replay);
* a dropped connection -> reconnect, log in again, send the request again (the ACS answers a
  repeated transaction idempotently: a second checkout of the same item is a renewal);
* idle connections -> ``99`` keep-alive below the ACS's timeout (servers close idle sockets).

Errors that reach callers are typed: :class:`SIP2ConnectionError` (refused, unreachable,
dropped for good), :class:`SIP2TLSError`, :class:`SIP2TimeoutError`, :class:`SIP2LoginError`,
:class:`SIP2ProtocolError`, :class:`SIP2CharsetError`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from kiosk.closing import cancel_and_wait
from kiosk.sip2.catalog import Login, SCStatus
from kiosk.sip2.codec import Decoded, check_charset
from kiosk.sip2.connection import ClientConnection, Discard, Send
from kiosk.sip2.errors import (
    SIP2ConnectionError,
    SIP2DecodeError,
    SIP2Error,
    SIP2LoginError,
    SIP2ProtocolError,
    SIP2TLSError,
)
from kiosk.sip2.framing import Framer
from kiosk.sip2.layouts import LAYOUTS
from kiosk.sip2.messages import Message, R, Request
from kiosk.sip2.trace import format_trace

log = logging.getLogger("kiosk.sip2")
M = TypeVar("M", bound=Message)

ConnectionState = Literal["connecting", "connected", "disconnected", "closed"]
#: Default idle time before a keep-alive 99 when the ACS does not state its timeout.
DEFAULT_KEEPALIVE = 30.0


@dataclass(frozen=True)
class ClientSettings:
    """How to reach and log in to one ACS.  Secrets are excluded from ``repr``."""

    host: str
    port: int = 6001
    user: str = ""  # empty: no 93 login (some ACSs authenticate by address)
    password: str = field(default="", repr=False)
    location_code: str = ""  # CP in the login; also AP (current location) of check-ins
    institution_id: str = ""  # AO of every request
    terminal_password: str = field(default="", repr=False)  # AC of every request
    charset: str = "utf-8"
    error_detection: bool = True  # AY/AZ on every request
    tls: bool = False
    ca_file: str | None = None  # trust these CAs instead of the system's
    client_cert: str | None = None  # PEM certificate (and key, unless client_key is given)
    client_key: str | None = None
    verify: bool = True  # check the ACS's certificate and host name
    server_hostname: str | None = None  # name to verify when it differs from ``host``
    timeout: float = 10.0  # seconds to wait for each reply before sending again
    connect_timeout: float = 10.0
    retries: int = 3  # resends after a timeout, bad checksum or 96
    pool_size: int = 1
    keepalive: float | None = None  # idle seconds before a 99; None: half the ACS timeout, or 30
    terminator: bytes = b"\r"
    trace: Callable[[str], None] | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_charset(self.charset)
        if self.pool_size < 1:
            raise ValueError("pool_size must be at least 1")
        if self.retries < 0:
            raise ValueError("retries must be 0 or more")
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")


class _Dropped(Exception):
    """The peer closed the connection or the socket failed (internal: triggers a reconnect)."""

    def __str__(self) -> str:
        return "the connection was closed"


def _tls_context(settings: ClientSettings) -> ssl.SSLContext:
    try:
        context = ssl.create_default_context(cafile=settings.ca_file)
        if settings.client_cert:
            context.load_cert_chain(settings.client_cert, settings.client_key)
    except (OSError, ssl.SSLError) as exc:
        raise SIP2TLSError(f"cannot load the TLS certificates: {exc}") from None
    if not settings.verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


class _Connection:
    """One TCP/TLS connection, logged in, with its own sequence numbers and keep-alive.

    The SIP2 rules (sequence numbers, resends, 96/97, stale replies) are the sans-I/O
    :class:`~kiosk.sip2.connection.ClientConnection`'s; this class does the sockets and timers.
    """

    def __init__(self, client: SIP2Client, number: int) -> None:
        self.client = client
        self.settings = client.settings
        self.number = number
        self.state: ConnectionState = "disconnected"
        self.lock = asyncio.Lock()
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._framer = Framer()
        self._frames: deque[bytes] = deque()
        self._last_used = time.monotonic()
        self._keepalive_task: asyncio.Task[None] | None = None
        s = self.settings
        self.rules = ClientConnection(
            charset=s.charset,
            error_detection=s.error_detection,
            terminator=s.terminator,
            retries=s.retries,
            peer=f"{s.host}:{s.port}",
            timeout=s.timeout,
        )

    @property
    def closed(self) -> bool:
        """True once :meth:`close` has run (a close can come while another task awaits): the
        connection never opens again."""
        return self.state == "closed"

    # --- connecting -------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the socket, log in (93) and ask the ACS status (99), in that order."""
        s = self.settings
        if self.closed:
            raise SIP2ConnectionError("the SIP2 client has been closed")
        self.state = "connecting"
        target = f"{s.host}:{s.port}"
        context = _tls_context(s) if s.tls else None
        try:
            async with asyncio.timeout(s.connect_timeout):
                self._reader, self._writer = await asyncio.open_connection(
                    s.host,
                    s.port,
                    ssl=context,
                    server_hostname=(s.server_hostname or s.host) if s.tls else None,
                )
        except TimeoutError:
            self.state = "disconnected"
            raise SIP2ConnectionError(
                f"no answer from {target} within {s.connect_timeout:g} s"
            ) from None
        except ssl.SSLError as exc:
            self.state = "disconnected"
            reason = getattr(exc, "verify_message", None) or exc.reason or str(exc)
            raise SIP2TLSError(f"TLS with {target} failed: {reason}") from None
        except ConnectionRefusedError:
            self.state = "disconnected"
            raise SIP2ConnectionError(
                f"connection refused by {target} (is the ACS running?)"
            ) from None
        except OSError as exc:
            self.state = "disconnected"
            raise SIP2ConnectionError(
                f"cannot connect to {target}: {exc.strerror or exc}"
            ) from None
        self._framer.clear()
        self._frames.clear()
        self.rules.reset()  # a request cut off by a drop is kept to be sent again after login
        step = "login"
        try:
            if s.user:
                reply = await self._exchange_new(
                    Login(login_user_id=s.user, login_password=s.password,
                          location_code=s.location_code or None)
                )  # fmt: skip
                if reply.message.code != "94" or not reply.message.fixed["ok"]:
                    raise SIP2LoginError(
                        f"the ACS at {target} refused the login of user {s.user!r} "
                        "(check user, password and location code)"
                    )
            step = "status"
            status = await self._exchange_new(SCStatus())
            self.client._note_status(status)
        except _Dropped:
            self._close_socket()
            if step == "login":
                raise SIP2ConnectionError(
                    f"{target} closed the connection during login (wrong user/password, or a "
                    "TLS port spoken to in plain TCP?)"
                ) from None
            raise SIP2ConnectionError(
                f"{target} closed the connection before answering the SC status (99)"
                + ("" if s.user else " (no login was sent: does this ACS need --user?)")
            ) from None
        except SIP2Error:
            self._close_socket()
            raise
        self.state = "connected"
        self._last_used = time.monotonic()
        if self._keepalive_task is None:
            self._keepalive_task = asyncio.create_task(self._keepalive())

    def _close_socket(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        if not self.closed:
            self.state = "disconnected"

    async def close(self) -> None:
        self.state = "closed"
        await cancel_and_wait(self._keepalive_task)
        self._keepalive_task = None
        writer = self._writer
        self._close_socket()
        if writer is not None:
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    # --- one transaction --------------------------------------------------------------------
    async def transact(self, message: Message) -> Decoded:
        """Send ``message`` and return the reply, reconnecting transparently after a drop.

        After a drop the request goes out again byte for byte (same AY, same AZ) on the new
        connection: a server that keeps its last answers per login recognises the
        retransmission and answers it instead of carrying it out twice.
        """
        async with self.lock:
            drops = 0
            first = True
            while True:
                try:
                    if self.state != "connected":
                        await self.connect()
                    if first:
                        first = False
                        return await self._exchange_new(message)
                    return await self._exchange(self.rules.resend_pending(), message.code)
                except (SIP2Error, asyncio.CancelledError) as error:
                    # a reply may still be under way: it must not be read as the answer to
                    # the next request, so this connection starts afresh
                    self.rules.give_up()
                    self._close_socket()
                    if isinstance(error, (SIP2ConnectionError, SIP2LoginError)) and not first:
                        error.request_sent = True  # reconnecting failed after it had gone out
                    raise
                except _Dropped:
                    self._close_socket()
                    drops += 1
                    log.info("SIP2 connection %d dropped; reconnecting", self.number)
                    if drops > self.client.retries:
                        self.rules.give_up()
                        dropped = SIP2ConnectionError(
                            f"the connection to {self.settings.host}:{self.settings.port} "
                            f"dropped {drops} times during one request"
                        )
                        dropped.request_sent = True
                        raise dropped from None

    def _send(self, wire: bytes) -> None:
        writer = self._writer
        if writer is None or writer.is_closing() or (self._reader and self._reader.at_eof()):
            raise _Dropped()
        if self.settings.trace is not None:
            self.settings.trace(format_trace("->", wire, charset=self.settings.charset))
        writer.write(wire)

    async def _read_frame(self) -> bytes:
        reader = self._reader
        if reader is None:
            raise _Dropped()
        while not self._frames:
            try:
                data = await reader.read(65536)
            except (ConnectionError, OSError):
                raise _Dropped() from None
            if not data:
                raise _Dropped()
            try:
                self._frames.extend(self._framer.feed(data))
            except SIP2DecodeError:
                raise _Dropped() from None  # endless garbage: start afresh
        frame = self._frames.popleft()
        if self.settings.trace is not None:
            self.settings.trace(format_trace("<-", frame, charset=self.settings.charset))
        return frame

    async def _exchange_new(self, message: Message) -> Decoded:
        """A new request and its reply (the caller holds the lock)."""
        return await self._exchange(self.rules.send(message), message.code)

    async def _exchange(self, wire: bytes, code: str) -> Decoded:
        """Send ``wire`` (the pending request) and wait for its reply under the spec's rules;
        the caller holds the lock."""
        rules = self.rules
        rules.retries = self.client.retries
        self._frames.clear()
        started = time.perf_counter()
        self._send(wire)
        loop = asyncio.get_running_loop()
        timeout = self.settings.timeout
        deadline = loop.time() + timeout
        while True:
            try:
                async with asyncio.timeout_at(deadline):
                    frame = await self._read_frame()
            except TimeoutError:
                again = rules.timed_out()  # raises SIP2TimeoutError when the retries are spent
                log.info("SIP2 timeout on %s; resending", code)
                self._send(again)
                deadline = loop.time() + timeout
                continue
            event = rules.receive(frame)
            if rules.charset_suspect:
                self.client.charset_suspect = True
            if isinstance(event, Send):
                log.info("SIP2 %s on %s; resending", event.why, code)
                if event.data is not None:
                    self._send(event.data)
                deadline = loop.time() + timeout
            elif isinstance(event, Discard):
                log.info("discarding stale SIP2 reply: %s", event.why)
            else:
                self._last_used = time.monotonic()
                self.client._note_latency(time.perf_counter() - started)
                return event.reply

    # --- keep-alive -------------------------------------------------------------------------
    async def _keepalive(self, first_delay: float = 0.0) -> None:
        """Send 99 when idle longer than the keep-alive interval; reconnect when down."""
        backoff = 1.0
        await asyncio.sleep(first_delay)
        while not self.closed:
            interval = self.client.keepalive_interval
            idle = time.monotonic() - self._last_used
            if self.state == "connected" and idle < interval:
                await asyncio.sleep(interval - idle)
                continue
            if self.lock.locked():
                await asyncio.sleep(min(interval, 1.0))
                continue
            try:
                async with self.lock:
                    if self.closed:
                        return
                    if self.state != "connected":
                        await self.connect()
                        self.client._joined(self)
                    elif time.monotonic() - self._last_used >= interval:
                        self.client._note_status(await self._exchange_new(SCStatus()))
                backoff = 1.0
            except (_Dropped, SIP2Error) as exc:
                self.rules.give_up()
                self._close_socket()
                log.warning("SIP2 keep-alive on connection %d failed: %s", self.number, exc)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 60.0)


class SIP2Client:
    """A pool of logged-in SIP2 connections; ``await client.request(message)`` -> reply.

    Use as ``async with SIP2Client(settings) as client:``. Opening connects, logs in and asks
    the ACS status on every connection of the pool, raising the precise error if that fails.
    """

    def __init__(self, settings: ClientSettings) -> None:
        self.settings = settings
        self.acs_status: Message | None = None  # the last 98 seen
        self.last_status: Decoded | None = None  # ... with its sequence and checksum verdict
        self.last_latency: float | None = None  # seconds, last successful request
        self.charset_suspect = False  # set when replies look like another charset
        self._connections = [_Connection(self, n) for n in range(settings.pool_size)]
        self._idle: asyncio.Queue[_Connection] | None = None
        self._pooled: set[_Connection] = set()  # connections that have joined the idle queue
        self._joining: set[asyncio.Task[None]] = set()
        self._closed = False
        self._defaults: dict[type[Message], dict[str, str]] = {}  # make()'s, per message class

    # --- lifecycle ---------------------------------------------------------------------------
    async def open(self) -> None:
        """Connect and log in every connection of the pool; run on those that logged in.

        Some ACSs serve one session per account, or one at a time: a second login may never be
        answered. So ``open`` waits for the logins until the first one succeeded plus one reply
        timeout; requests then run on the connections that logged in, and the others keep
        trying in the background and join the pool when their login succeeds
        (:attr:`connected` says how many are in). Only when no connection at all can log in
        does ``open`` fail, with the first connection's error.
        """
        self._idle = asyncio.Queue()
        tasks = {asyncio.create_task(c.connect()): c for c in self._connections}
        first_error: BaseException | None = None
        waiting = set(tasks)
        loop = asyncio.get_running_loop()
        grace_until: float | None = None
        try:
            while waiting:
                timeout = None if grace_until is None else max(grace_until - loop.time(), 0)
                done, waiting = await asyncio.wait(
                    waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
                )
                if not done:
                    break  # the grace after the first login is over
                for task in sorted(done, key=lambda t: tasks[t].number):
                    connection = tasks[task]
                    if task.exception() is None:
                        self._join(connection)
                    else:
                        first_error = first_error or task.exception()
                        self._retry_later(connection, task.exception())
                if self._pooled and grace_until is None:
                    grace_until = loop.time() + self.settings.timeout
        except BaseException:
            for task in waiting:
                task.cancel()
            await self.close()
            raise
        if not self._pooled:
            await self.close()
            assert first_error is not None
            raise first_error
        for task in waiting:  # still logging in: they join (or retry) when they are done
            self._watch(task, tasks[task])

    def _watch(self, task: asyncio.Task[None], connection: _Connection) -> None:
        def finished(done: asyncio.Task[None]) -> None:
            self._joining.discard(done)
            if done.cancelled() or self._closed:
                return
            if done.exception() is None:
                self._join(connection)
            else:
                self._retry_later(connection, done.exception())

        self._joining.add(task)
        task.add_done_callback(finished)

    def _retry_later(self, connection: _Connection, error: BaseException | None) -> None:
        """A connection whose login failed: its keep-alive loop retries with a back-off."""
        if self._pooled:
            log.warning(
                "SIP2 connection %d of %d could not log in (%s); retrying in the background",
                connection.number + 1,
                len(self._connections),
                error,
            )
        if not self._closed and connection._keepalive_task is None:
            connection._keepalive_task = asyncio.create_task(connection._keepalive(1.0))

    def _join(self, connection: _Connection) -> None:
        if connection not in self._pooled and self._idle is not None and not self._closed:
            self._pooled.add(connection)
            self._idle.put_nowait(connection)

    def _joined(self, connection: _Connection) -> None:
        """Called by a connection that logged in from its background loop."""
        self._join(connection)

    async def close(self) -> None:
        """Close every connection (sending nothing: SIP2 has no logout)."""
        self._closed = True
        for task in list(self._joining):
            task.cancel()
        await asyncio.gather(
            *self._joining, *(c.close() for c in self._connections), return_exceptions=True
        )
        self._joining.clear()

    async def __aenter__(self) -> SIP2Client:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    # --- requests ----------------------------------------------------------------------------
    async def request(self, message: Request[R]) -> R:
        """Send one request on an idle connection and return the ACS's reply message.

        The reply is of the request's response class (a ``Checkout`` gets a
        ``CheckoutResponse``): replies of any other code are discarded as stale on the way.
        """
        return cast(R, (await self.exchange(message)).message)

    async def exchange(self, message: Message) -> Decoded:
        """Like :meth:`request`, but the whole decoded reply (sequence, checksum verdict)."""
        if self._closed or self._idle is None:
            raise SIP2ConnectionError("the SIP2 client is not open")
        if message.layout.direction != "sc":
            raise ValueError(f"message {message.code} is sent by the ACS, not by a kiosk")
        connection = await self._idle.get()
        try:
            return await connection.transact(message)
        finally:
            self._idle.put_nowait(connection)

    def make(self, cls: type[M], **values: Any) -> M:
        """Build a request of ``cls`` with AO, AC (and AP for check-ins) from the settings."""
        defaults = self._defaults.get(cls)
        if defaults is None:
            s = self.settings
            layout = cls.layout
            candidates = (("institution_id", "AO", s.institution_id),
                          ("terminal_password", "AC", s.terminal_password),
                          ("current_location", "AP", s.location_code))  # fmt: skip
            defaults = self._defaults[cls] = {
                name: value
                for name, tag, value in candidates
                if tag in layout.tags and (value or tag in layout.required)
            }
        return cls(**{**defaults, **values})

    # --- health ------------------------------------------------------------------------------
    @property
    def state(self) -> ConnectionState:
        """``connected`` when any connection is up, else the first connection's state."""
        if self._closed:
            return "closed"
        states = [c.state for c in self._connections]
        return "connected" if "connected" in states else states[0]

    @property
    def connected(self) -> int:
        """How many connections of the pool are logged in right now."""
        return sum(c.state == "connected" for c in self._connections)

    @property
    def pool_size(self) -> int:
        """How many connections the pool is configured for (see :attr:`connected`)."""
        return len(self._connections)

    @property
    def retries(self) -> int:
        """Resends allowed: ours, capped by the ACS's ``retries_allowed`` (999 = unknown)."""
        allowed = self.acs_status.fixed.get("retries_allowed") if self.acs_status else None
        if isinstance(allowed, int) and allowed != 999:
            return min(self.settings.retries, allowed)
        return self.settings.retries

    @property
    def keepalive_interval(self) -> float:
        """Idle seconds before a keep-alive 99: set, or half the ACS timeout, or 30 s."""
        if self.settings.keepalive is not None:
            return self.settings.keepalive
        period = self.acs_status.fixed.get("timeout_period") if self.acs_status else None
        if isinstance(period, int) and 0 < period < 999:
            return max(period / 10 / 2, 0.1)  # timeout_period is in tenths of seconds
        return DEFAULT_KEEPALIVE

    def supports(self, code: str) -> bool:
        """Whether the ACS's 98 lists request ``code`` as supported (True when unknown)."""
        if self.acs_status is None or not self.acs_status.get("BX"):
            return True
        return self.acs_status.supports(code)

    def _note_status(self, status: Decoded) -> None:
        if status.message.code == "98":
            self.acs_status = status.message
            self.last_status = status
        else:
            raise SIP2ProtocolError(
                f"the ACS answered an SC status with message {status.message.code}"
            )

    def _note_latency(self, seconds: float) -> None:
        self.last_latency = seconds


assert LAYOUTS["99"].response == "98"
