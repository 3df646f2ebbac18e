"""A small Modbus TCP server (asyncio) in front of a register bank: the simulated PLC's port.

Why our own instead of pymodbus's server: pymodbus is the *client* the real driver uses, and its
server datastore API is in the middle of a rewrite (the context classes are deprecated for v4,
the new ``SimDevice`` API is marked experimental and changed signatures between 3.x releases).
The simulator needs only what a PLC offers a master -- read holding/input registers (03, 04),
write single/multiple registers (06, 16) -- and an independent implementation means the driver's
tests check the bytes between two implementations of the Modbus Application Protocol v1.1b3
(MBAP header: transaction id, protocol id 0, length, unit id; exception responses fc | 0x80).

Several masters may connect at once (the station and a staff tool), as a PLC allows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import struct
from typing import Protocol

__all__ = ["ModbusTcpServer", "RegisterBank"]

log = logging.getLogger(__name__)

ILLEGAL_FUNCTION = 0x01
ILLEGAL_ADDRESS = 0x02
ILLEGAL_VALUE = 0x03
DEVICE_FAILURE = 0x04

_MAX_READ = 125
_MAX_WRITE = 123


class RegisterBank(Protocol):
    """What the server serves; methods raise an exception for an illegal address."""

    def read_input(self, address: int, count: int) -> list[int]: ...

    def read_holding(self, address: int, count: int) -> list[int]: ...

    def write_holding(self, address: int, values: list[int]) -> None: ...


class ModbusTcpServer:
    """Serves ``bank`` to Modbus TCP masters addressing ``unit`` (0 and 255 are accepted too)."""

    def __init__(
        self,
        bank: RegisterBank,
        *,
        unit: int = 1,
        illegal: type[Exception] = LookupError,
    ) -> None:
        self.bank = bank
        self.unit = unit
        self._illegal = illegal
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self.host = ""
        self.port = 0
        self.requests = 0
        #: Fault knob: True = unplugged (connections are closed and new ones dropped at once).
        self.silent = False

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> ModbusTcpServer:
        self._server = await asyncio.start_server(self._serve, host, port)
        self.host, self.port = self._server.sockets[0].getsockname()[:2]
        return self

    async def close(self) -> None:
        """Stop listening and end every connection (handlers finish, none is cancelled)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._connections):
                writer.close()
            if self._handlers:
                await asyncio.wait(list(self._handlers), timeout=2)
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def drop_connections(self) -> None:
        """Close every open connection (a fault knob: the network blipped)."""
        for writer in list(self._connections):
            writer.close()

    async def unplug(self, unplugged: bool = True) -> None:
        """Fault knob: the cable is out (True) or back in (False)."""
        self.silent = unplugged
        if unplugged:
            await self.drop_connections()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._handlers.add(task)
            task.add_done_callback(self._handlers.discard)
        self._connections.add(writer)
        try:
            while not self.silent:
                header = await reader.readexactly(7)
                transaction, protocol, length, unit = struct.unpack(">HHHB", header)
                if length < 2 or length > 254:
                    return  # not Modbus: drop the connection as a PLC would
                pdu = await reader.readexactly(length - 1)
                if protocol != 0 or unit not in (self.unit, 0, 255):
                    continue  # not for us: no answer (a gateway would answer 0x0B)
                self.requests += 1
                reply = self.handle(pdu)
                writer.write(struct.pack(">HHHB", transaction, 0, len(reply) + 1, unit) + reply)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            self._connections.discard(writer)
            writer.close()

    def handle(self, pdu: bytes) -> bytes:
        """One request PDU -> its response PDU (public for protocol tests)."""
        function = pdu[0]
        try:
            if function in (0x03, 0x04):
                address, count = struct.unpack(">HH", pdu[1:5])
                if not 1 <= count <= _MAX_READ:
                    return bytes([function | 0x80, ILLEGAL_VALUE])
                read = self.bank.read_holding if function == 0x03 else self.bank.read_input
                values = read(address, count)
                return bytes([function, 2 * count]) + struct.pack(f">{count}H", *values)
            if function == 0x06:
                address, value = struct.unpack(">HH", pdu[1:5])
                self.bank.write_holding(address, [value])
                return pdu[:5]
            if function == 0x10:
                address, count, size = struct.unpack(">HHB", pdu[1:6])
                if not 1 <= count <= _MAX_WRITE or size != 2 * count or len(pdu) < 6 + size:
                    return bytes([function | 0x80, ILLEGAL_VALUE])
                values = list(struct.unpack(f">{count}H", pdu[6 : 6 + size]))
                self.bank.write_holding(address, values)
                return pdu[:5]
        except struct.error:
            return bytes([function | 0x80, ILLEGAL_VALUE])
        except self._illegal:
            return bytes([function | 0x80, ILLEGAL_ADDRESS])
        except Exception:
            log.exception("simulated PLC failed on function %#04x", function)
            return bytes([function | 0x80, DEVICE_FAILURE])
        return bytes([function | 0x80, ILLEGAL_FUNCTION])
