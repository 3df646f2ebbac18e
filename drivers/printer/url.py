"""Printers from one configuration string, so the kiosk's settings need a single field.

``tcp://HOST[:PORT]`` a network printer (raw port, default 9100);
``usb:///dev/usb/lp0`` a USB printer through the Linux usblp driver;
``serial:///dev/ttyUSB0?baudrate=19200`` a serial printer (``serial:`` followed by any pyserial
URL also works, e.g. ``serial:rfc2217://host:port``);
``sim:`` or ``sim:///var/lib/kiosk/receipts`` the simulator (saving PNG + text there).
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qs, urlsplit

from .escpos_printer import EscPosPrinter
from .simulated import SimulatedPrinter
from .transport import DeviceFileTransport, SerialTransport, TcpTransport, Transport


def transport_from_url(url: str) -> Transport:
    scheme, _, rest = url.partition(":")
    parts = urlsplit(url)
    if scheme == "tcp":
        if not parts.hostname:
            raise ValueError(f"printer URL {url!r} has no host; write tcp://192.0.2.10:9100")
        return TcpTransport(parts.hostname, parts.port or 9100)
    if scheme == "usb":
        if not parts.path:
            raise ValueError(f"printer URL {url!r} has no device; write usb:///dev/usb/lp0")
        return DeviceFileTransport(parts.path)
    if scheme == "serial":
        if rest.startswith("///"):
            options = parse_qs(parts.query)
            baudrate = int(options.get("baudrate", ["38400"])[0])
            rtscts = options.get("rtscts", ["0"])[0] in ("1", "true", "yes")
            return SerialTransport(parts.path, baudrate=baudrate, rtscts=rtscts)
        return SerialTransport(rest)
    raise ValueError(
        f"printer URL {url!r} not understood; use tcp://HOST:9100, usb:///dev/usb/lp0,"
        " serial:///dev/ttyUSB0?baudrate=38400 or sim:"
    )


def printer_from_url(
    url: str, *, model: str = "default", code_pages: Sequence[str] | None = None
) -> EscPosPrinter:
    """The printer a kiosk configuration names (see the module docstring for the forms)."""
    if url.split(":", 1)[0] == "sim":
        folder = urlsplit(url).path or None
        return SimulatedPrinter(folder, model=model, code_pages=code_pages)
    return EscPosPrinter(transport_from_url(url), model=model, code_pages=code_pages)
