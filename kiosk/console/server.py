"""The console's HTTP server: uvicorn on a thread of its own, with its own event loop.

Why a thread and not the kiosk's loop: the touch screen must never wait for a browser (a slow
client, a big CSV, a password hash); why not a process: the console needs the running kiosk's
own state, and a thread reaches it through the kiosk's loop (kiosk.console.bridge) at a few
megabytes instead of a second Python. uvicorn gets no logging config of its own (the kiosk's
redacting log handler stays in charge), no access log (addresses and paths of staff are not
worth a line each), and bounds on what it serves at once.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import uvicorn

__all__ = ["ConsoleServer"]


class ConsoleServer:
    """``start()`` binds and serves on a thread (raising OSError when it cannot bind),
    ``stop()`` ends it."""

    def __init__(
        self,
        app: Any,
        host: str,
        port: int,
        *,
        cert_file: Path | None = None,
        key_file: Path | None = None,
    ) -> None:
        self.host = host
        self.tls = cert_file is not None
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            loop="asyncio",
            http="h11",
            ws="none",
            lifespan="off",
            log_config=None,
            log_level="warning",
            access_log=False,
            server_header=False,
            date_header=False,
            timeout_keep_alive=5,
            limit_concurrency=32,
            ssl_certfile=str(cert_file) if cert_file else None,
            ssl_keyfile=str(key_file) if key_file else None,
        )
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.port = port

    def start(self, timeout_s: float = 10.0) -> ConsoleServer:
        thread = threading.Thread(target=self._server.run, name="staff-console", daemon=True)
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + timeout_s
        while not self._server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._server.should_exit = True
                raise OSError(f"the staff console could not listen on {self.host}:{self.port}")
            time.sleep(0.02)
        sockets = [s for server in self._server.servers for s in server.sockets]
        if sockets:
            self.port = int(sockets[0].getsockname()[1])
        return self

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
