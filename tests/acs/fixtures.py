"""Shared pytest fixtures and helpers for tests that need the embedded library system.

Import what you need into your ``conftest.py`` or test module::

    from tests.acs.fixtures import embedded_acs, RawConnection, DEMO  # noqa: F401

``embedded_acs``: a running :class:`kiosk.acs.EmbeddedACS` with the demo consortium in memory
(fresh for every test, so tests can lend and return freely). ``DEMO``: the demo data's showcase
records by name (``DEMO["kiosk"]["login"]``, ``DEMO["return_hold_here"]["item"]`` ...), the same
as ``acs.examples``. ``RawConnection``: one SIP2 connection built on the project's codec that
sends exactly the bytes a test asks for (for checksum, replay and framing tests); normal tests
should use the kiosk's own client ``kiosk.sip2.SIP2Client``.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from kiosk import sip2
from kiosk.acs import EmbeddedACS, read_data
from kiosk.acs.model import DEMO_DATA
from kiosk.closing import close_stream

DEMO: dict[str, dict[str, str]] = read_data(DEMO_DATA).examples


def checkout_request(
    item: str, patron: str = DEMO["patron"]["barcode"], *, institution: str = "", **fixed: Any
) -> sip2.Checkout:
    """A checkout (11) of ``item`` to ``patron`` with the fields a kiosk always sends (AO, AA,
    AB, AC) and no due date asked for; ``fixed`` sets other fixed fields."""
    fields = {"AO": institution, "AA": patron, "AB": item, "AC": ""}
    return sip2.Checkout(nb_due_date=None, fields=fields, **fixed)


@pytest.fixture
async def embedded_acs() -> AsyncIterator[EmbeddedACS]:
    """The demo consortium served on 127.0.0.1 (free port), in memory, no faults."""
    async with EmbeddedACS() as acs:
        yield acs


class RawConnection:
    """A bare SIP2 connection: the project's codec and framer over one TCP socket."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        charset: str = "utf-8",
        timeout: float = 5.0,
    ) -> None:
        self.reader, self.writer = reader, writer
        self.charset = charset
        self.timeout = timeout
        self.framer = sip2.Framer()
        self.sequence = 0
        self._frames: list[bytes] = []

    @classmethod
    async def open(cls, acs: EmbeddedACS, **kwargs: Any) -> RawConnection:
        reader, writer = await asyncio.open_connection(acs.host, acs.port)
        return cls(reader, writer, **kwargs)

    def encode(
        self,
        message: sip2.Message,
        *,
        sequence: int | bool | None = True,
        terminator: bytes = b"\r",
    ) -> bytes:
        """Wire bytes; ``sequence=True`` takes the next AY number, None sends no AY/AZ."""
        if sequence is True:
            sequence, self.sequence = self.sequence, (self.sequence + 1) % 10
        elif sequence is False:
            sequence = None
        return sip2.encode(message, charset=self.charset, sequence=sequence, terminator=terminator)

    async def send_bytes(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def read_frame(self) -> bytes:
        """The next frame (without terminator); EOFError when the server closed."""
        while not self._frames:
            data = await asyncio.wait_for(self.reader.read(65536), self.timeout)
            if not data:
                raise EOFError("the server closed the connection")
            self._frames.extend(self.framer.feed(data))
        return self._frames.pop(0)

    async def exchange_bytes(self, data: bytes) -> bytes:
        await self.send_bytes(data)
        return await self.read_frame()

    async def request(self, message: sip2.Message, **kwargs: Any) -> sip2.Message:
        frame = await self.exchange_bytes(self.encode(message, **kwargs))
        return sip2.decode(frame, charset=self.charset).message

    async def login(self, login: str, password: str) -> bool:
        response = await self.request(sip2.Login(fields={"CN": login, "CO": password}))
        return bool(response.fixed["ok"])

    async def close(self) -> None:
        await close_stream(self.writer)


@contextlib.asynccontextmanager
async def logged_in(
    acs: EmbeddedACS, login: str | None = None, charset: str | None = None
) -> AsyncIterator[RawConnection]:
    """A RawConnection logged in as ``login`` (default: the demo's Bollnäs main kiosk)."""
    account = acs.account(login or DEMO["kiosk"]["login"])
    conn = await RawConnection.open(acs, charset=charset or account.charset)
    try:
        assert await conn.login(account.login, account.password)
        yield conn
    finally:
        await conn.close()


@dataclass
class AcsProcess:
    """A ``kiosk acs`` child process: where it listens, and (once stopped) what it logged."""

    process: asyncio.subprocess.Process
    port: int
    control_port: int | None
    log: str = ""


@contextlib.asynccontextmanager
async def acs_process(
    *args: str, preexec_fn: Callable[[], None] | None = None
) -> AsyncIterator[AcsProcess]:
    """``kiosk acs --port 0 *args`` in a child process, stopped with SIGTERM on leaving."""
    process = await asyncio.create_subprocess_exec(
        *(sys.executable, "-m", "kiosk", "acs", "--port", "0", *args),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        preexec_fn=preexec_fn,
    )
    served: AcsProcess | None = None
    try:
        assert process.stdout is not None
        banner = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        match = re.search(r"SIP2 on 127\.0\.0\.1:(\d+)(, control on 127\.0\.0\.1:(\d+))?", banner)
        assert match, banner
        served = AcsProcess(process, int(match[1]), int(match[3]) if match[3] else None)
        yield served
    finally:
        process.send_signal(signal.SIGTERM)
        _, err = await asyncio.wait_for(process.communicate(), 15)
        if served is not None:
            served.log = err.decode()
