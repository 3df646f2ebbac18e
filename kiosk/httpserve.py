"""Small threaded HTTP servers that idle or slow clients cannot pile up: a thread per request,
within bounds.

The standard library's threading HTTP server, as the kiosk's ``/healthz`` endpoint and the
embedded library system's FOLIO face use it, starts a thread per connection and lets it wait for
a request forever: 100 idle clients held 106 threads. Here:

* every connection has a read timeout (``idle_seconds``): a client that sends nothing for that
  long is closed, and its thread ends;
* reading one request (the wait for it on a kept-alive connection included) has an absolute
  deadline (``request_seconds``): a client that trickles a byte now and then is closed when it
  runs out, which a read timeout alone would allow to go on forever. Once the request has been
  read (its head, and a body when it has one: :meth:`BoundedHandler.request_read`) the deadline
  stops: a request being carried out is never cut off half-way;
* at most ``max_connections`` connections are served at once; more are closed at once, without
  a thread.

One watchdog thread per server enforces the deadlines by shutting down overdue sockets.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = [
    "BoundedHTTPServer",
    "BoundedHandler",
    "ServedInThread",
    "serve_in_thread",
    "stop_serving",
]

log = logging.getLogger(__name__)


class BoundedHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server with the bounds of the module's docstring (IPv4 or IPv6)."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128  # socketserver's 5 keeps a burst of clients in SYN retries

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[BoundedHandler],
        *,
        max_connections: int,
        idle_seconds: float,
        request_seconds: float,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self.request_seconds = request_seconds
        self.refused = 0
        self._active = 0
        self._deadlines: dict[socket.socket, float] = {}
        self._lock = threading.Lock()
        self._stopped = threading.Event()
        super().__init__(address, handler)
        self._watchdog = threading.Thread(
            target=self._watch, name=f"{handler.__name__}-deadlines", daemon=True
        )
        self._watchdog.start()

    @property
    def active_connections(self) -> int:
        return self._active

    # -- the connection cap --------------------------------------------------------------------

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._lock:
            full = self._active >= self.max_connections
            if not full:
                self._active += 1
        if full:
            self.refused += 1
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:  # no thread started: the slot is free again
            self._release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.forget(request)
            self._release()

    def _release(self) -> None:
        with self._lock:
            self._active -= 1

    # -- the request deadline ------------------------------------------------------------------

    def expect_request(self, connection: socket.socket) -> None:
        """A request must be read from ``connection`` within ``request_seconds`` from now."""
        with self._lock:
            self._deadlines[connection] = time.monotonic() + self.request_seconds

    def forget(self, connection: socket.socket) -> None:
        with self._lock:
            self._deadlines.pop(connection, None)

    def _watch(self) -> None:
        while not self._stopped.wait(min(0.25, self.request_seconds / 4)):
            now = time.monotonic()
            with self._lock:
                overdue = [sock for sock, deadline in self._deadlines.items() if deadline <= now]
                for sock in overdue:
                    del self._deadlines[sock]
            for sock in overdue:
                log.debug("HTTP client too slow to send its request: closing")
                with contextlib.suppress(OSError):  # closed meanwhile: nothing to do
                    sock.shutdown(socket.SHUT_RDWR)  # the handler's blocked read returns

    def server_close(self) -> None:
        self._stopped.set()
        super().server_close()


class BoundedHandler(BaseHTTPRequestHandler):
    """The request handler for :class:`BoundedHTTPServer`. A request with a body is read when
    the subclass says so (:meth:`request_read`, after reading the body); one without a body as
    soon as its head is."""

    server: BoundedHTTPServer

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.idle_seconds)

    def handle_one_request(self) -> None:
        self.server.expect_request(self.connection)
        try:
            super().handle_one_request()
        finally:
            self.server.forget(self.connection)

    def parse_request(self) -> bool:
        ok = super().parse_request()
        if (
            ok
            and not self.headers.get("Content-Length")
            and not self.headers.get("Transfer-Encoding")
        ):
            self.request_read()
        return ok

    def request_read(self) -> None:
        """The request has been read: carrying it out takes as long as it takes."""
        self.server.forget(self.connection)


def serve_in_thread(server: BoundedHTTPServer, name: str, poll_interval: float) -> threading.Thread:
    """Run ``server`` on a daemon thread; ``poll_interval`` is how long :func:`stop_serving`
    may wait."""
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": poll_interval},
        name=name,
        daemon=True,
    )
    thread.start()
    return thread


def stop_serving(server: BoundedHTTPServer | None, thread: threading.Thread | None) -> None:
    """Stop a server started with :func:`serve_in_thread` and close its socket."""
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(timeout=5)


class ServedInThread:
    """A :class:`BoundedHTTPServer` on a thread of its own: :meth:`start` and :meth:`stop`, or
    ``with``. ``port=0`` picks a free port; :attr:`port` tells which once started.

    Why a base class: every endpoint served this way (``/healthz``, the embedded FOLIO API)
    starts, stops and says where it listens the same way; a subclass says what it serves
    (:meth:`handler`) and within which bounds.
    """

    thread_name = "http"
    poll_interval = 0.2  # how long stop() may wait for the serving loop

    def __init__(
        self,
        host: str,
        port: int,
        *,
        max_connections: int,
        idle_seconds: float,
        request_seconds: float,
    ) -> None:
        self.host = host
        self._requested_port = port
        self.max_connections = max_connections
        self.idle_seconds = idle_seconds
        self.request_seconds = request_seconds
        self._server: BoundedHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def handler(self) -> type[BoundedHandler]:
        raise NotImplementedError

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> Self:
        self._server = BoundedHTTPServer(
            (self.host, self._requested_port),
            self.handler(),
            max_connections=self.max_connections,
            idle_seconds=self.idle_seconds,
            request_seconds=self.request_seconds,
        )
        self._thread = serve_in_thread(self._server, self.thread_name, self.poll_interval)
        return self

    def stop(self) -> None:
        stop_serving(self._server, self._thread)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
