"""Printers from one configuration string, so the kiosk's settings need a single field.

``tcp://HOST[:PORT]`` a network printer (raw port, default 9100);
``usb://04b8:0202`` a USB printer by vendor:product id, or ``usb:///dev/usb/lp0`` by device
file (both through the Linux usblp driver);
``serial:///dev/ttyUSB0?baudrate=19200`` a serial printer (``serial:`` followed by any pyserial
URL also works, e.g. ``serial:rfc2217://host:port``);
``file:///var/spool/receipts.bin`` appends the ESC/POS bytes to a file (no status);
``sim:`` or ``sim:///var/lib/kiosk/receipts`` the simulator (saving PNG + text there).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from .escpos_printer import EscPosPrinter
from .simulated import SimulatedPrinter
from .transport import (
    DeviceFileTransport,
    FileTransport,
    SerialTransport,
    TcpTransport,
    Transport,
    UsbPrinterTransport,
)

_USB_IDS = re.compile(r"^//(?P<vendor>[0-9a-fA-F]{4}):(?P<product>[0-9a-fA-F]{4})$")


def transport_from_url(url: str) -> Transport:
    scheme, _, rest = url.partition(":")
    parts = urlsplit(url)
    if scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r} has no host; write tcp://192.0.2.10:9100")
        return TcpTransport(parts.hostname, parts.port or 9100)
    if scheme == "usb":
        ids = _USB_IDS.match(rest)
        if ids:
            return UsbPrinterTransport(int(ids["vendor"], 16), int(ids["product"], 16))
        if not parts.path:
            raise ValueError(
                f"printer URL {url!r} has no device; write usb://04b8:0202 or usb:///dev/usb/lp0"
            )
        return DeviceFileTransport(parts.path)
    if scheme == "file":
        if not parts.path:
            raise ValueError(f"printer URL {url!r} has no path; write file:///path/to/file")
        return FileTransport(parts.path)
    if scheme == "serial":
        if rest.startswith("///"):
            options = parse_qs(parts.query)
            baudrate = int(options.get("baudrate", ["38400"])[0])
            rtscts = options.get("rtscts", ["0"])[0] in ("1", "true", "yes")
            return SerialTransport(parts.path, baudrate=baudrate, rtscts=rtscts)
        return SerialTransport(rest)
    raise ValueError(
        f"printer URL {url!r} not understood; use tcp://HOST:9100, usb://VID:PID,"
        " usb:///dev/usb/lp0, serial:///dev/ttyUSB0?baudrate=38400, file:///PATH or sim:"
    )


def printer_from_url(
    url: str,
    *,
    model: str = "default",
    code_pages: Sequence[str] | None = None,
    columns: int | None = None,
) -> EscPosPrinter:
    """The printer a kiosk configuration names (see the module docstring for the forms).

    ``model`` is a name from the ESC/POS printer database (``TM-T20II``...), ``code_pages``
    the tables to prefer (``["cp865"]``), ``columns`` overrides the model's characters per line.
    """
    if url.split(":", 1)[0] == "sim":
        folder = urlsplit(url).path or None
        return SimulatedPrinter(folder, model=model, code_pages=code_pages, columns=columns)
    return EscPosPrinter(
        transport_from_url(url), model=model, code_pages=code_pages, columns=columns
    )
