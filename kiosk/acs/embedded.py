"""``EmbeddedACS``: the whole embedded library system in one object, for tests, demo and CLI."""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from types import TracebackType
from typing import Any

from drivers.loop_thread import LoopThread
from kiosk import sip2
from kiosk.acs.circulation import Circulation
from kiosk.acs.control import LOOPBACK, ControlServer
from kiosk.acs.dataformat import ConsortiumData
from kiosk.acs.faults import Faults
from kiosk.acs.limits import ConnectionLimits
from kiosk.acs.model import Clock, ConsortiumModel
from kiosk.acs.protocol import Responder
from kiosk.acs.records import AccountRecord
from kiosk.acs.server import ServerStats, SIP2Server


class EmbeddedACS:
    """A running SIP2 library system over a consortium model.

    ``async with EmbeddedACS() as acs:`` loads the demo consortium into memory and listens on
    127.0.0.1 with a free port (``acs.host``, ``acs.port``); with ``tls`` (a server
    :class:`ssl.SSLContext`) it speaks SIP2 over TLS. Keyword arguments named like fault
    knobs (``latency_ms=150``, ``offline=True`` ...) set them at start; ``acs.faults`` changes
    them at run time.
    """

    def __init__(
        self,
        data: ConsortiumData | str | Path | None = None,
        db_path: str | Path = ":memory:",
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int | None = None,
        control_host: str = LOOPBACK,
        reset: bool = False,
        charset: str = "utf-8",
        limits: ConnectionLimits | None = None,
        clock: Clock | None = None,
        faults: Faults | None = None,
        tls: ssl.SSLContext | None = None,
        **fault_settings: Any,
    ) -> None:
        self._data = data
        self._db_path = db_path
        self._reset = reset
        self._clock = clock
        self._bind = (host, port)
        self._control_bind = control_port
        self._charset = charset
        self._limits = limits
        self._tls = tls
        self.faults = faults or Faults()
        if fault_settings:
            self.faults.update(**fault_settings)
        self.host = host
        self.port = port
        self.control_host = control_host  # loopback, whatever ``host`` is (see control.py)
        self.control_port: int | None = None
        self._model: ConsortiumModel | None = None
        self._server: SIP2Server | None = None
        self._control: ControlServer | None = None

    # -- lifecycle -------------------------------------------------------------------------------

    async def start(self) -> EmbeddedACS:
        self._model = ConsortiumModel.open(
            self._db_path, self._data, reset=self._reset, clock=self._clock
        )
        responder = Responder(self._model, self.faults)
        self._server = SIP2Server(
            responder, self.faults, charset=self._charset, limits=self._limits
        )
        try:
            self.host, self.port = await self._server.start(*self._bind, tls=self._tls)
            if self._control_bind is not None:
                self._control = ControlServer(self.faults, self._server)
                self.control_port = await self._control.start(self.control_host, self._control_bind)
        except BaseException:  # e.g. the port is taken: leave nothing half-open behind
            await self.close()
            raise
        return self

    async def close(self) -> None:
        if self._control is not None:
            await self._control.close()
            self._control = None
        if self._server is not None:
            await self._server.close()
            self._server = None
        if self._model is not None:
            self._model.close()
            self._model = None

    async def __aenter__(self) -> EmbeddedACS:
        return await self.start()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def serve_forever(self) -> None:
        while self._server is not None:
            await asyncio.sleep(3600)

    # -- access ----------------------------------------------------------------------------------

    @property
    def model(self) -> ConsortiumModel:
        if self._model is None:
            raise RuntimeError("the embedded ACS is not running (use 'async with')")
        return self._model

    @property
    def circulation(self) -> Circulation:
        return Circulation(self.model)

    @property
    def accounts(self) -> list[AccountRecord]:
        return self.model.accounts()

    def account(self, login: str) -> AccountRecord:
        account = self.model.account(login)
        if account is None:
            raise KeyError(f"no SIP2 account {login!r}")
        return account

    def client_settings(self, login: str, **options: Any) -> sip2.ClientSettings:
        """How a kiosk logs in here as the SIP2 account ``login`` (its password and location
        code); ``options`` are the client's other settings (``pool_size``, ``timeout``...)."""
        account = self.account(login)
        return sip2.ClientSettings(
            host=self.host,
            port=self.port,
            user=account.login,
            password=account.password,
            location_code=account.location_code,
            **options,
        )

    @property
    def examples(self) -> dict[str, dict[str, str]]:
        return self.model.examples

    @property
    def stats(self) -> ServerStats:
        if self._server is None:
            raise RuntimeError("the embedded ACS is not running")
        return self._server.stats

    def set_faults(self, **settings: Any) -> dict[str, Any]:
        """Change fault knobs at run time; returns all knobs."""
        return self.faults.update(**settings).snapshot()

    async def drop_connections(self) -> int:
        """Close every open SIP2 connection now."""
        return await self._server.drop_all() if self._server else 0


class ThreadedACS(LoopThread):
    """An :class:`EmbeddedACS` on its own event loop in a daemon thread.

    For callers that are not asyncio code or run another loop (Kivy's, a synchronous test):
    ``with ThreadedACS(latency_ms=50) as acs: ... acs.port``. The model may be read from the
    calling thread (its SQLite connection is shared under a lock).
    """

    thread_name = "embedded-acs"
    description = "the embedded ACS"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self.acs = EmbeddedACS(*args, **kwargs)

    def start(self, timeout: float = 10.0) -> EmbeddedACS:
        self.start_loop(timeout)
        return self.acs

    def stop(self, timeout: float = 10.0) -> None:
        self.stop_loop(timeout)

    async def open_on_loop(self) -> None:
        await self.acs.start()

    async def close_on_loop(self) -> None:
        await self.acs.close()

    def __enter__(self) -> EmbeddedACS:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def server_tls_context(
    cert_file: str, key_file: str | None = None, client_ca_file: str | None = None
) -> ssl.SSLContext:
    """A TLS server context from PEM files; ``client_ca_file`` makes client certificates
    mandatory (kiosks must present one signed by that CA)."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    if client_ca_file:
        context.load_verify_locations(client_ca_file)
        context.verify_mode = ssl.CERT_REQUIRED
    return context
