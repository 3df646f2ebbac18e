"""Byte transports to a receipt printer: serial, network (raw TCP, port 9100) and USB.

Kept apart from the ESC/POS protocol (nfcpy-style layering) so the same printer driver runs over
any of them, and over a pty or a loopback socket in tests. USB printers are used through the Linux
``usblp`` kernel driver's character device (``/dev/usb/lp0``), which is bidirectional, so status
requests work as on the other links; :class:`DeviceFileTransport` opens any such device file
(and a pty in tests). Documents: pyserial API (``serial_for_url``), Linux usblp driver, the
"raw TCP port 9100" (JetDirect / AppSocket) convention of network receipt printers.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import os
import select
import stat
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO, ParamSpec, TypeVar

import serial

from .contract import PrinterError

H = TypeVar("H")
P = ParamSpec("P")
R = TypeVar("R")


class PrinterOfflineError(PrinterError):
    """The printer cannot be reached: no device, no network, no answer."""


class Transport(abc.ABC):
    """An open byte pipe to a printer."""

    description: str
    #: False for write-only sinks (a plain file): the printer driver then skips status requests.
    bidirectional: bool = True

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    @abc.abstractmethod
    async def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    async def read(self, count: int, timeout: float) -> bytes:
        """Up to ``count`` bytes; fewer (or none) if ``timeout`` seconds pass first."""

    async def discard_input(self) -> None:
        """Drop stale bytes (a late status answer) before asking a new question."""
        while await self.read(64, 0.0):
            pass

    def _opened(self, handle: H | None) -> H:
        """``handle`` (the port, file or connection) once opened; PrinterOfflineError before."""
        if handle is None:
            raise PrinterOfflineError(f"{self.description} is not open")
        return handle

    async def _blocking(
        self, what: str, call: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs
    ) -> R:
        """Blocking I/O on a thread. An OS error (a serial one is one too) means the printer is
        gone: PrinterOfflineError, saying which ``what`` (``"write"``) failed."""
        try:
            return await asyncio.to_thread(call, *args, **kwargs)
        except OSError as error:
            raise PrinterOfflineError(f"{self.description}: {what} failed: {error}") from error


class SerialTransport(Transport):
    """A serial printer, by device path or any pyserial URL; blocking I/O runs in a thread."""

    def __init__(self, url: str, *, baudrate: int = 38400, rtscts: bool = False) -> None:
        self.url = url
        self.baudrate = baudrate
        self.rtscts = rtscts
        self.description = f"serial printer {url}"
        self._port: serial.Serial | None = None

    async def open(self) -> None:
        try:
            self._port = await asyncio.to_thread(
                serial.serial_for_url,
                self.url,
                baudrate=self.baudrate,
                rtscts=self.rtscts,
                timeout=0,
                write_timeout=10,
            )
        except (serial.SerialException, ValueError) as error:
            raise PrinterOfflineError(
                f"cannot open {self.description}: {error} (check the cable and the port setting;"
                " the kiosk user needs the 'dialout' group)"
            ) from error

    async def close(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            await asyncio.to_thread(port.close)

    async def write(self, data: bytes) -> None:
        await self._blocking("write", self._write_all, self._opened(self._port), data)

    @staticmethod
    def _write_all(port: serial.Serial, data: bytes) -> None:
        port.write(data)
        port.flush()

    async def read(self, count: int, timeout: float) -> bytes:
        return await self._blocking("read", self._read, self._opened(self._port), count, timeout)

    @staticmethod
    def _read(port: serial.Serial, count: int, timeout: float) -> bytes:
        port.timeout = timeout
        try:
            return port.read(count)
        finally:
            port.timeout = 0


class TcpTransport(Transport):
    """A network printer's raw port (9100)."""

    def __init__(self, host: str, port: int = 9100, *, connect_timeout: float = 5.0) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self.description = f"network printer {host}:{port}"
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def open(self) -> None:
        try:
            self._reader, self._writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port), self.connect_timeout
            )
        except (OSError, TimeoutError) as error:
            reason = str(error) or "no answer within the connect timeout"
            raise PrinterOfflineError(
                f"cannot reach {self.description}: {reason} (check power, network cable and the"
                " printer's IP address)"
            ) from error

    async def close(self) -> None:
        writer, self._writer, self._reader = self._writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()

    async def write(self, data: bytes) -> None:
        writer = self._opened(self._writer)
        try:
            writer.write(data)
            await writer.drain()
        except OSError as error:
            raise PrinterOfflineError(f"{self.description}: connection lost: {error}") from error

    async def read(self, count: int, timeout: float) -> bytes:
        reader = self._opened(self._reader)
        try:
            return await asyncio.wait_for(reader.read(count), max(timeout, 0.001))
        except TimeoutError:
            return b""
        except OSError as error:
            raise PrinterOfflineError(f"{self.description}: connection lost: {error}") from error


class DeviceFileTransport(Transport):
    """A printer device file: ``/dev/usb/lp0`` (USB through usblp), a pty, or a tty."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"printer device {path}"
        self._fd: int | None = None

    def _device_path(self) -> str:
        return self.path

    async def open(self) -> None:
        try:
            path = self._device_path()
            self._fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
        except OSError as error:
            hint = "is the printer on and plugged in?"
            if error.errno == 13:
                hint = "the kiosk user needs the 'lp' group"
            raise PrinterOfflineError(
                f"cannot open {self.description}: {error.strerror} ({hint})"
            ) from error
        if stat.S_ISREG(os.fstat(self._fd).st_mode):
            self.bidirectional = False  # a plain file answers no status requests

    async def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    async def write(self, data: bytes) -> None:
        await self._blocking("write", self._write_all, self._opened(self._fd), data)

    def _write_all(self, fd: int, data: bytes, stall_timeout: float = 10.0) -> None:
        view = memoryview(data)
        while view:
            _, writable, _ = select.select([], [fd], [], stall_timeout)
            if not writable:
                raise PrinterOfflineError(
                    f"{self.description} took no data for {stall_timeout:.0f} s (offline, or its"
                    " buffer is full because the paper ran out)"
                )
            try:
                written = os.write(fd, view)
            except BlockingIOError:
                continue
            view = view[written:]

    async def read(self, count: int, timeout: float) -> bytes:
        return await self._blocking("read", self._read, self._opened(self._fd), count, timeout)

    @staticmethod
    def _read(fd: int, count: int, timeout: float) -> bytes:
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return b""
        try:
            return os.read(fd, count)
        except BlockingIOError:
            return b""


class UsbPrinterTransport(DeviceFileTransport):
    """A USB printer named by its vendor and product id (``04b8:0202``), found through sysfs.

    The id is looked up at each open among the usblp devices
    (``/sys/class/usbmisc/lp*/device/../idVendor``), so the printer may be replugged into
    another port and still be found.
    """

    def __init__(
        self,
        vendor_id: int,
        product_id: int,
        *,
        sysfs: Path = Path("/sys"),
        dev: Path = Path("/dev/usb"),
    ) -> None:
        self.ids = f"{vendor_id:04x}:{product_id:04x}"
        super().__init__(f"usb:{self.ids}")
        self.description = f"USB printer {self.ids}"
        self.vendor_id, self.product_id = vendor_id, product_id
        self._sysfs, self._dev = sysfs, dev

    def _device_path(self) -> str:
        for entry in sorted((self._sysfs / "class" / "usbmisc").glob("lp*")):
            usb_device = (entry / "device").resolve().parent
            try:
                vendor = int((usb_device / "idVendor").read_text().strip(), 16)
                product = int((usb_device / "idProduct").read_text().strip(), 16)
            except (OSError, ValueError):
                continue
            if (vendor, product) == (self.vendor_id, self.product_id):
                return str(self._dev / entry.name)
        raise FileNotFoundError(
            2,
            "not found among the usblp printers (check 'lsusb' and that the usblp kernel"
            " module is loaded)",
        )


class FileTransport(Transport):
    """Appends the printer bytes to a file (a spool file, or a device that only takes data)."""

    bidirectional = False

    def __init__(self, path: str) -> None:
        self.path = path
        self.description = f"printer file {path}"
        self._file: BinaryIO | None = None

    async def open(self) -> None:
        try:
            self._file = open(self.path, "ab")  # noqa: SIM115 - kept open until close()
        except OSError as error:
            raise PrinterOfflineError(
                f"cannot open {self.description}: {error.strerror}"
            ) from error

    async def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()

    async def write(self, data: bytes) -> None:
        file = self._opened(self._file)
        try:
            file.write(data)
            file.flush()
        except OSError as error:
            raise PrinterOfflineError(f"{self.description}: write failed: {error}") from error

    async def read(self, count: int, timeout: float) -> bytes:
        return b""
