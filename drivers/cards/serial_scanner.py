"""Serial barcode scanners (RS-232, or USB in "virtual COM port" / CDC-ACM mode) via pyserial.

Protocol: a scanner in serial mode sends each decoded barcode as bytes followed by a configurable
terminator (the "suffix" setting in the scanner's programming guide: CR, LF, CR LF or TAB).
The port is given as a pyserial URL (``serial_for_url``: ``/dev/ttyACM0``, ``socket://host:port``,
``rfc2217://...``, ``loop://``), read on a worker thread with a short timeout so close() is prompt.
Document: pyserial's URL handlers documentation; the scanner vendor's serial interface guide.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from typing import Literal

import serial

from ._channel import DeviceChannel, ReadingThread
from .contract import BarcodeScanner, DeviceError

log = logging.getLogger(__name__)

Terminator = Literal["CR", "LF", "CRLF", "TAB"]
TERMINATORS: dict[str, bytes] = {"CR": b"\r", "LF": b"\n", "CRLF": b"\r\n", "TAB": b"\t"}
MAX_BARCODE_BYTES = 256  # longer than any 1D barcode: a missing terminator, not a barcode
_CONTROL = bytes(range(0x20)) + b"\x7f"


class BarcodeSplitter:
    """Sans-I/O framing: feed bytes as they arrive, get whole barcodes back.

    Leading/trailing control characters are stripped from each barcode, so a scanner set to
    CR LF still works when the kiosk expects CR (barcodes never contain control characters).
    """

    def __init__(self, terminator: Terminator = "CR", encoding: str = "ascii") -> None:
        if terminator not in TERMINATORS:
            choices = ", ".join(TERMINATORS)
            raise ValueError(f"barcode terminator {terminator!r} unknown; use one of {choices}")
        self.terminator = terminator
        self._separator = TERMINATORS[terminator]
        self._encoding = encoding
        self._buffer = bytearray()
        self._rejections: list[str] = []

    def feed(self, data: bytes) -> list[str]:
        """Barcodes completed by ``data``. Garbage (undecodable bytes, no terminator within
        :data:`MAX_BARCODE_BYTES`) is dropped and explained in :meth:`take_rejections`."""
        self._buffer += data
        barcodes: list[str] = []
        while (end := self._buffer.find(self._separator)) >= 0:
            raw = bytes(self._buffer[:end]).strip(_CONTROL)
            del self._buffer[: end + len(self._separator)]
            if not raw:
                continue
            try:
                barcodes.append(raw.decode(self._encoding))
            except UnicodeDecodeError:
                self._rejections.append(
                    f"dropped a barcode of {len(raw)} bytes that is not {self._encoding} text"
                    " (wrong baud rate, parity or scanner character set?)"
                )
        if len(self._buffer) > MAX_BARCODE_BYTES:
            self._rejections.append(
                f"no {self.terminator} terminator in {len(self._buffer)} bytes from the scanner:"
                f" set the scanner's suffix to {self.terminator} or change the kiosk's terminator"
                " setting"
            )
            self._buffer.clear()
        return barcodes

    def take_rejections(self) -> list[str]:
        """Why input was dropped since the last call (no barcode contents: they may be card
        numbers)."""
        rejections, self._rejections = self._rejections, []
        return rejections


class SerialBarcodeScanner(BarcodeScanner):
    """A barcode scanner on a serial port (or any pyserial URL)."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = 9600,
        terminator: Terminator = "CR",
        encoding: str = "ascii",
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self._splitter = BarcodeSplitter(terminator, encoding)  # validates the terminator now
        self._port: serial.Serial | None = None
        self._events = DeviceChannel[str](f"barcode scanner on {url!r}")
        self._reading = ReadingThread(self._events)
        self._stopping = self._reading.stopping

    async def open(self) -> None:
        if self._port is not None:
            return
        try:
            port = serial.serial_for_url(self.url, baudrate=self.baudrate, timeout=0.2)
        except (serial.SerialException, ValueError) as error:
            raise DeviceError(
                f"cannot open barcode scanner port {self.url!r}: {error}"
                " (check the cable and the port setting; the kiosk user needs the 'dialout' group)"
            ) from error
        self._port = port
        self._reading.start(self._read, name=f"scanner:{self.url}")

    async def close(self) -> None:
        port = self._port
        if port is None:
            return
        await self._reading.stop()
        port.close()
        self._port = None

    def barcodes(self) -> AsyncIterator[str]:
        return self._events.stream()

    def _read(self) -> None:
        try:
            self._read_until_stopped()
        except Exception as error:  # never leave the consumer waiting on a dead thread
            log.exception("barcode scanner on %r failed", self.url)
            self._events.require().fail(
                DeviceError(f"barcode scanner on {self.url!r} failed: {error}")
            )

    def _read_until_stopped(self) -> None:
        assert self._port is not None
        port, channel = self._port, self._events.require()
        while not self._stopping.is_set():
            try:
                data = port.read(max(1, port.in_waiting))
            except (serial.SerialException, OSError) as error:
                if self._stopping.is_set():
                    return
                channel.fail(DeviceError(f"barcode scanner on {self.url!r} disconnected: {error}"))
                return
            if not data:
                continue
            barcodes = self._splitter.feed(data)
            for reason in self._splitter.take_rejections():
                # A garbled scan is dropped (the patron scans again) but staff see why.
                log.warning("barcode scanner on %r: %s", self.url, reason)
            for barcode in barcodes:
                channel.put(barcode)
