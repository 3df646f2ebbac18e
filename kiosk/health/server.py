"""The /healthz and /metrics endpoint, served from a thread.

Why a thread and not the asyncio loop: the endpoint must still answer when the event loop is
stuck -- that is exactly when staff want /healthz to say ``failing`` ("no heartbeat") rather than
time out. The standard library's threading HTTP server is enough for a scrape every few seconds.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST

from .metrics import Metrics

__all__ = ["HealthServer"]

log = logging.getLogger(__name__)


class HealthServer:
    """Serves ``GET /healthz`` (JSON; 200 ok/degraded, 503 failing) and ``GET /metrics``.

    ``port=0`` picks a free port (tests); :attr:`port` tells which after :meth:`start`.
    Usable as a context manager.
    """

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 9464) -> None:
        self.metrics = metrics
        self.host = host
        self._requested_port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._server is None:
            return self._requested_port
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> HealthServer:
        handler = _handler_for(self.metrics)
        server_class = _IPv6Server if ":" in self.host else ThreadingHTTPServer
        self._server = server_class((self.host, self._requested_port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.2},  # how long stop() may wait
            name="kiosk-health",
            daemon=True,
        )
        self._thread.start()
        log.info("health endpoint listening", extra={"fields": {"url": self.url}})
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> HealthServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


def _handler_for(metrics: Metrics) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "kiosk-health"

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                report = metrics.health()
                status = 503 if report.status == "failing" else 200
                body = json.dumps(report.as_json(), ensure_ascii=False).encode()
                self._send(status, "application/json; charset=utf-8", body)
            elif path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, metrics.exposition())
            else:
                self._send(404, "text/plain; charset=utf-8", b"try /healthz or /metrics\n")

        def do_HEAD(self) -> None:
            self.do_GET()

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug("health request %s", format % args)

    return Handler
