"""A fake ESC/POS receipt printer: it interprets the bytes a real one receives.

The simulator pretends to be the *printer*, not the driver (as OctoPrint's virtual printer does),
so the real driver and encoder run in every test and in ``kiosk demo``. :class:`EscPosDevice`
parses the command subset of the Epson ESC/POS Command Reference that the driver sends (and
rejects others visibly), decodes text through the selected code table of its model, answers the
real-time ``DLE EOT n`` status requests from its paper and cover state, and collects what it
"printed" as :class:`PrintedReceipt` objects (one per cut). It can sit behind a pty
(:class:`PtyPrinter`), a TCP port (:class:`TcpPrinter`) or in-process (:class:`LoopbackTransport`).

Fault knobs: ``paper`` ("ok", "low", "out"), ``cover_open``, ``paper_lines`` (the roll runs out
after that many lines, mid-receipt if you like) and ``silent`` (answers nothing, like a printer
that is switched off or does not speak ESC/POS).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import threading
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

from .models import PrinterModel, printer_model
from .transport import PrinterOfflineError, Transport

Paper = Literal["ok", "low", "out"]
Size = Literal["normal", "large"]
Align = Literal["left", "center", "right"]
_ALIGNMENTS: dict[int, Align] = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center",
                                 50: "right"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PrintedLine:
    text: str
    bold: bool = False
    size: Size = "normal"
    align: Align = "left"


@dataclass(slots=True)
class PrintedReceipt:
    """What came out of the printer between two cuts."""

    lines: list[PrintedLine] = field(default_factory=list)
    barcodes: list[str] = field(default_factory=list)
    cut: bool = False

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


class EscPosDevice:
    """The printer's brain: feed it bytes, get back the bytes it answers."""

    def __init__(
        self,
        model: str | PrinterModel = "default",
        *,
        paper: Paper = "ok",
        cover_open: bool = False,
        paper_lines: int | None = None,
        silent: bool = False,
    ) -> None:
        self.model = printer_model(model) if isinstance(model, str) else model
        self._tables = {number: codec for codec, number in self.model.code_pages.items()}
        self.paper: Paper = paper
        self.cover_open = cover_open
        self.paper_lines = paper_lines
        self.silent = silent
        self.receipts: list[PrintedReceipt] = []
        self.unknown_commands: list[bytes] = []
        self.lines_lost = 0  # lines sent while there was no paper
        self.on_receipt: Callable[[PrintedReceipt], None] | None = None
        self._buffer = bytearray()
        self._text = bytearray()
        self._pending_text = ""  # decoded text of the line so far
        self._current = PrintedReceipt()
        self._lock = threading.Lock()
        self._reset()

    # -- state ---------------------------------------------------------------------------

    def _reset(self) -> None:
        self.table = 0
        self.bold = False
        self.size: Size = "normal"
        self.align: Align = "left"

    @property
    def current(self) -> PrintedReceipt:
        """The receipt being printed (not yet cut)."""
        return self._current

    def status_byte(self, n: int) -> int:
        """The answer to ``DLE EOT n`` (fixed bits 1 and 4 set)."""
        value = 0x12
        out = self.paper == "out"
        if n == 1 and (out or self.cover_open):
            value |= 0x08
        elif n == 2:
            value |= (0x04 if self.cover_open else 0) | (0x20 if out else 0)
        elif n == 4:
            value |= 0x60 if out else (0x0C if self.paper == "low" else 0)
        return value

    # -- the byte interpreter ------------------------------------------------------------

    def feed(self, data: bytes) -> bytes:
        with self._lock:
            self._buffer += data
            answers = bytearray()
            while self._buffer:
                used = self._step(answers)
                if used == 0:
                    break  # an incomplete command: wait for more bytes
                del self._buffer[:used]
            return bytes(answers)

    def _step(self, answers: bytearray) -> int:
        buf = self._buffer
        first = buf[0]
        if first == 0x10:  # DLE EOT n
            if len(buf) < 3:
                return 0
            if buf[1] == 0x04 and 1 <= buf[2] <= 4:
                if not self.silent:
                    answers.append(self.status_byte(buf[2]))
                return 3
            return self._unknown(3)
        if first in (0x1B, 0x1D):  # ESC and GS commands: the command byte follows
            if len(buf) < 2:
                return 0
            return self._esc(buf[1]) if first == 0x1B else self._gs(buf[1])
        if first == 0x0A:
            self._end_line()
            return 1
        if first in (0x0D, 0x00):
            return 1
        if first == 0x09:
            self._text += b" "
            return 1
        if first < 0x20:
            return self._unknown(1)
        self._text.append(first)
        return 1

    def _esc(self, command: int) -> int:
        buf = self._buffer
        if command == ord("@"):
            self._flush_text()
            self._reset()
            return 2
        if command in b"tEad!-MJ":
            if len(buf) < 3:
                return 0
            argument = buf[2]
            if command == ord("t"):
                self._flush_text()
                self.table = argument
                if argument not in self._tables:
                    self.unknown_commands.append(bytes(buf[:3]))
            elif command == ord("E"):
                self._flush_text()
                self.bold = bool(argument & 1)
            elif command == ord("a"):
                self.align = _ALIGNMENTS.get(argument, "left")
            elif command == ord("d"):
                for _ in range(argument):
                    self._end_line()
            elif command == ord("!"):
                self.bold = bool(argument & 0x08)
                self.size = "large" if argument & 0x30 else "normal"
            return 3
        return self._unknown(2)

    def _gs(self, command: int) -> int:
        buf = self._buffer
        if command == ord("V"):
            if len(buf) < 3:
                return 0
            length = 4 if buf[2] in (65, 66) else 3
            if len(buf) < length:
                return 0
            self._cut()
            return length
        if command in b"!hwHf":
            if len(buf) < 3:
                return 0
            if command == ord("!"):
                self.size = "large" if buf[2] else "normal"
            return 3
        if command == ord("k"):
            return self._barcode()
        return self._unknown(2)

    def _barcode(self) -> int:
        buf = self._buffer
        if len(buf) < 3:
            return 0
        kind = buf[2]
        if kind <= 6:  # function A: data ends with NUL
            end = buf.find(0, 3)
            if end < 0:
                return 0
            data, used = bytes(buf[3:end]), end + 1
        else:
            if len(buf) < 4 or len(buf) < 4 + buf[3]:
                return 0
            data, used = bytes(buf[4 : 4 + buf[3]]), 4 + buf[3]
        if kind == 73 and data[:1] == b"{":
            data = data[2:]  # code set selection, not part of the barcode
        if self._has_paper_for_a_line():
            self._current.barcodes.append(data.decode("ascii", errors="replace"))
        return used

    def _unknown(self, length: int) -> int:
        self.unknown_commands.append(bytes(self._buffer[:length]))
        return length

    # -- printing --------------------------------------------------------------------------

    def _decode(self, data: bytes) -> str:
        codec = self._tables.get(self.table, "cp437")
        return data.decode(codec, errors="replace")

    def _flush_text(self) -> None:
        # The code table or emphasis changes mid-line: decode what came before with the old one.
        if self._text:
            self._pending_text += self._decode(bytes(self._text))
            self._text.clear()

    def _has_paper_for_a_line(self) -> bool:
        if self.paper == "out" or self.cover_open:
            self.lines_lost += 1
            return False
        if self.paper_lines is not None:
            if self.paper_lines <= 0:
                self.paper = "out"
                self.lines_lost += 1
                return False
            self.paper_lines -= 1
        return True

    def _end_line(self) -> None:
        self._flush_text()
        text, self._pending_text = self._pending_text, ""
        if self._has_paper_for_a_line():
            self._current.lines.append(PrintedLine(text, self.bold, self.size, self.align))

    def _cut(self) -> None:
        self._flush_text()
        if self._pending_text:
            self._end_line()
        receipt, self._current = self._current, PrintedReceipt()
        receipt.cut = True
        if receipt.lines or receipt.barcodes:
            self.receipts.append(receipt)
            if self.on_receipt is not None:
                self.on_receipt(receipt)


class LoopbackTransport(Transport):
    """An in-process transport straight into an :class:`EscPosDevice`."""

    def __init__(self, device: EscPosDevice) -> None:
        self.device = device
        self.description = f"simulated printer ({device.model.name})"
        self._answers = bytearray()
        self._open = False

    async def open(self) -> None:
        self._open = True

    async def close(self) -> None:
        self._open = False

    async def write(self, data: bytes) -> None:
        if not self._open:
            raise PrinterOfflineError(f"{self.description} is not open")
        self._answers += self.device.feed(data)

    async def read(self, count: int, timeout: float) -> bytes:
        if not self._answers:
            if self.device.silent and timeout > 0:
                await asyncio.sleep(timeout)  # a dead printer makes the driver wait it out
            return b""
        data = bytes(self._answers[:count])
        del self._answers[:count]
        return data


class PtyPrinter:
    """An :class:`EscPosDevice` on the master side of a pseudo-terminal; open :attr:`path`
    with the serial or device-file transport, as you would ``/dev/ttyUSB0`` or ``/dev/usb/lp0``."""

    def __init__(self, device: EscPosDevice) -> None:
        self.device = device
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo, no LF -> CR LF: a printer port is 8-bit clean
        self.path = os.ttyname(self._slave)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="pty-printer", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.1)
            if not ready:
                continue
            try:
                data = os.read(self._master, 4096)
            except OSError:
                continue  # no reader on the slave side right now (EIO): wait for one
            answer = self.device.feed(data)
            if answer:
                os.write(self._master, answer)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2.0)
        for fd in (self._master, self._slave):
            with contextlib.suppress(OSError):
                os.close(fd)

    def __enter__(self) -> PtyPrinter:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class TcpPrinter:
    """An :class:`EscPosDevice` listening on a TCP port like a network printer's port 9100."""

    def __init__(self, device: EscPosDevice, host: str = "127.0.0.1", port: int = 0) -> None:
        self.device = device
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None
        self._clients: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._clients.add(writer)
        try:
            while data := await reader.read(4096):
                answer = self.device.feed(data)
                if answer:
                    writer.write(answer)
                    await writer.drain()
        except OSError:
            pass
        finally:
            self._clients.discard(writer)
            writer.close()

    async def stop(self) -> None:
        """Switch the printer off: the listening port and every connection close."""
        for writer in list(self._clients):
            writer.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> TcpPrinter:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()
