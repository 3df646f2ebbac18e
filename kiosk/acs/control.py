"""The control channel: change fault knobs of a running ``kiosk acs`` from outside the process.

A line protocol on a loopback TCP port (``kiosk acs --control-port 6002``), small enough to use
with ``nc``: one command per line, one JSON object per answer line.

    get                          -> {"ok": true, "faults": {...}}
    set latency_ms=150 offline=yes
                                 -> {"ok": true, "faults": {...}}
    reset                        -> all knobs back to normal
    drop                         -> close every open SIP2 connection now
    stats                        -> connection and request counters

A wrong command or knob answers ``{"ok": false, "error": "..."}``. The channel has no password,
so it listens on loopback only, whatever address the SIP2 port listens on (``kiosk acs --host
0.0.0.0`` opens SIP2 to the network, never the knobs): only processes on the same machine can
reach it. A non-loopback address is refused when the server starts.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
import shlex
from dataclasses import asdict
from typing import Any

from kiosk.acs.errors import AcsError, FaultSettingError
from kiosk.acs.faults import Faults
from kiosk.acs.server import SIP2Server
from kiosk.closing import close_stream

log = logging.getLogger("kiosk.acs")

LOOPBACK = "127.0.0.1"
_LINE_LIMIT = 64 * 1024  # asyncio's default: no command comes near it
_TOO_LONG = f"command line longer than {_LINE_LIMIT // 1024} KiB"


class ControlServer:
    def __init__(self, faults: Faults, sip_server: SIP2Server) -> None:
        self.faults = faults
        self.sip_server = sip_server
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self, host: str = LOOPBACK, port: int = 0) -> int:
        """Listen on ``host`` (a loopback address: see the module's docstring); the port."""
        if not _is_loopback(host):
            raise AcsError(
                f"the control channel has no password and listens on loopback only, not {host!r}"
            )
        self._server = await asyncio.start_server(self._serve, host, port, limit=_LINE_LIMIT)
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            await self._server.wait_closed()
            self._server = None

    async def execute(self, line: str) -> dict[str, Any]:
        try:
            words = shlex.split(line)
        except ValueError as exc:
            return {"ok": False, "error": f"cannot parse the command: {exc}"}
        if not words:
            return {"ok": False, "error": "empty command (try: get, set k=v, reset, drop, stats)"}
        command, args = words[0].lower(), words[1:]
        try:
            if command == "get":
                return {"ok": True, "faults": self.faults.snapshot()}
            if command == "set":
                settings = {}
                for arg in args:
                    name, sep, value = arg.partition("=")
                    if not sep:
                        raise FaultSettingError(f"expected name=value, got {arg!r}")
                    settings[name.strip()] = value.strip()
                self.faults.update(**settings)
                return {"ok": True, "faults": self.faults.snapshot()}
            if command == "reset":
                self.faults.reset()
                return {"ok": True, "faults": self.faults.snapshot()}
            if command == "drop":
                return {"ok": True, "dropped": await self.sip_server.drop_all()}
            if command == "stats":
                return {"ok": True, "stats": asdict(self.sip_server.stats)}
        except FaultSettingError as exc:
            return {"ok": False, "error": str(exc)}
        return {"ok": False, "error": f"unknown command {command!r}"}

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            while True:
                try:
                    line = await reader.readline()
                except ValueError:  # longer than the reader's limit: say so, then hang up
                    await self._answer(writer, {"ok": False, "error": _TOO_LONG})
                    return
                if not line:
                    return
                try:
                    answer = await self.execute(line.decode("utf-8", "replace").strip())
                except Exception:  # a bug costs one answer, never the channel or the server
                    log.exception("control command failed")
                    answer = {"ok": False, "error": "internal error (see the server's log)"}
                await self._answer(writer, answer)
        except ConnectionError:
            pass
        finally:
            self._writers.discard(writer)
            await close_stream(writer)

    @staticmethod
    async def _answer(writer: asyncio.StreamWriter, answer: dict[str, Any]) -> None:
        writer.write(json.dumps(answer, ensure_ascii=False).encode() + b"\n")
        await writer.drain()


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: only "localhost" is known to stay on the machine
        return host == "localhost"


async def send_command(host: str, port: int, line: str, timeout: float = 5.0) -> dict[str, Any]:
    """Send one control command to a running ``kiosk acs`` and return its JSON answer."""
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    try:
        writer.write(line.encode("utf-8") + b"\n")
        await writer.drain()
        answer = await asyncio.wait_for(reader.readline(), timeout)
        return dict(json.loads(answer))
    finally:
        await close_stream(writer)
