"""Receipt printers: ESC/POS over USB, serial or network, and a simulator that draws receipts.

Public surface (everything else is private):

- contract: :class:`ReceiptPrinter`, :class:`Document`, :class:`Line`, :class:`PrinterStatus`,
  :class:`PrinterError` and its typed subclasses :class:`PaperOutError`, :class:`CoverOpenError`,
  :class:`PrinterOfflineError`;
- :func:`printer_from_url` (``tcp://``, ``usb://``, ``serial://``, ``sim:``) and
  :class:`EscPosPrinter` with the transports :class:`TcpTransport`, :class:`SerialTransport`,
  :class:`UsbPrinterTransport`, :class:`DeviceFileTransport`, :class:`FileTransport`;
- :class:`SimulatedPrinter` for ``kiosk demo`` and tests; :class:`EscPosDevice` with
  :class:`PtyPrinter` / :class:`TcpPrinter`, a fake printer behind a pty or a TCP port;
- :func:`printer_model` and :data:`DEFAULT_CODE_PAGES` for configuration checks.
"""

from typing import TYPE_CHECKING

from drivers._lazy import lazy_exports

from .contract import Document, Line, PrinterError, PrinterStatus, ReceiptPrinter
from .escpos import encode_document
from .models import DEFAULT_CODE_PAGES, PrinterModel, printer_model

__all__ = [
    "DEFAULT_CODE_PAGES",
    "CoverOpenError",
    "DeviceFileTransport",
    "Document",
    "EscPosDevice",
    "EscPosPrinter",
    "FileTransport",
    "Line",
    "PaperOutError",
    "PrintedLine",
    "PrintedReceipt",
    "PrinterError",
    "PrinterModel",
    "PrinterOfflineError",
    "PrinterStatus",
    "PtyPrinter",
    "ReceiptPrinter",
    "SerialTransport",
    "SimulatedPrinter",
    "TcpPrinter",
    "TcpTransport",
    "Transport",
    "UsbPrinterTransport",
    "encode_document",
    "printer_from_url",
    "printer_model",
    "render_png",
    "render_text",
]

if TYPE_CHECKING:
    from .device import EscPosDevice, PrintedLine, PrintedReceipt, PtyPrinter, TcpPrinter
    from .escpos_printer import CoverOpenError, EscPosPrinter, PaperOutError
    from .render import render_png, render_text
    from .simulated import SimulatedPrinter
    from .transport import (
        DeviceFileTransport,
        FileTransport,
        PrinterOfflineError,
        SerialTransport,
        TcpTransport,
        Transport,
        UsbPrinterTransport,
    )
    from .url import printer_from_url

# The printers and their transports load when a printer is made (pyserial for serial ones,
# Pillow for drawing receipts); the core needs only the contract (see drivers._lazy).
__getattr__ = lazy_exports(
    __name__,
    {
        ".device": ("EscPosDevice", "PrintedLine", "PrintedReceipt", "PtyPrinter", "TcpPrinter"),
        ".escpos_printer": ("CoverOpenError", "EscPosPrinter", "PaperOutError"),
        ".render": ("render_png", "render_text"),
        ".simulated": ("SimulatedPrinter",),
        ".transport": (
            "DeviceFileTransport",
            "FileTransport",
            "PrinterOfflineError",
            "SerialTransport",
            "TcpTransport",
            "Transport",
            "UsbPrinterTransport",
        ),
        ".url": ("printer_from_url",),
    },
)
