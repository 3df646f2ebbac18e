"""The /healthz and /metrics endpoint, served from a thread.

Why a thread and not the asyncio loop: the endpoint must still answer when the event loop is
stuck -- that is exactly when staff want /healthz to say ``failing`` ("no heartbeat") rather than
time out. The standard library's threading HTTP server is enough for a scrape every few seconds,
bounded (:mod:`kiosk.httpserve`) so that idle or slow clients do not pile up threads.
"""

from __future__ import annotations

import json
import logging
from typing import Any, Self

from prometheus_client import CONTENT_TYPE_LATEST

from kiosk.httpserve import BoundedHandler, ServedInThread

from .metrics import Metrics

__all__ = ["HealthServer"]

log = logging.getLogger(__name__)


class HealthServer(ServedInThread):
    """Serves ``GET /healthz`` (JSON; 200 ok/degraded, 503 failing) and ``GET /metrics``.

    ``port=0`` picks a free port (tests); :attr:`port` tells which after :meth:`start`.
    Usable as a context manager. A scraper sends its request at once: a client that sends
    nothing for ``timeout_seconds``, or has not sent a whole request by then, is closed, and at
    most ``max_connections`` are served at once.
    """

    thread_name = "kiosk-health"

    def __init__(
        self,
        metrics: Metrics,
        host: str = "127.0.0.1",
        port: int = 9464,
        *,
        timeout_seconds: float = 10.0,
        max_connections: int = 32,
    ) -> None:
        super().__init__(
            host,
            port,
            max_connections=max_connections,
            idle_seconds=timeout_seconds,
            request_seconds=timeout_seconds,
        )
        self.metrics = metrics

    def handler(self) -> type[BoundedHandler]:
        return _handler_for(self.metrics)

    def start(self) -> Self:
        super().start()
        log.info("health endpoint listening", extra={"fields": {"url": self.url}})
        return self


def _handler_for(metrics: Metrics) -> type[BoundedHandler]:
    class Handler(BoundedHandler):
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
