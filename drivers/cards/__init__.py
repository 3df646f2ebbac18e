"""Patron identification hardware: PC/SC card readers and barcode scanners.

Public surface (everything else is private):

- contract: :class:`CardReader`, :class:`BarcodeScanner`, :class:`CardEvent`, :class:`DeviceError`
  and its typed subclasses :class:`PcscUnavailableError`, :class:`ReaderNotFoundError`,
  :class:`CardCommandError`;
- drivers: :class:`PcscCardReader` (pyscard), :class:`SerialBarcodeScanner` (pyserial),
  :class:`HidBarcodeScanner` (evdev, or injected events);
- simulators for ``kiosk demo`` and tests: :class:`SimulatedCardReader`,
  :class:`SimulatedBarcodeScanner`; and, for the real pcscd path, :class:`PcscDaemon` (a private
  pcscd with vpcd readers) and :class:`VirtualCard` (a card speaking the vpcd protocol).
"""

from typing import TYPE_CHECKING

from drivers._lazy import lazy_exports

from .contract import BarcodeScanner, CardEvent, CardReader, DeviceError
from .errors import CardCommandError, PcscUnavailableError, ReaderNotFoundError, mask_uid
from .keymap import KEYBOARD_LAYOUTS
from .simulated import SimulatedBarcodeScanner, SimulatedCardReader

__all__ = [
    "KEYBOARD_LAYOUTS",
    "TERMINATORS",
    "BarcodeScanner",
    "CardCommandError",
    "CardEvent",
    "CardReader",
    "DeviceError",
    "HidBarcodeScanner",
    "PcscCardReader",
    "PcscDaemon",
    "PcscUnavailableError",
    "PcscdUnavailable",
    "ReaderNotFoundError",
    "SerialBarcodeScanner",
    "SimulatedBarcodeScanner",
    "SimulatedCardReader",
    "VirtualCard",
    "list_reader_names",
    "mask_uid",
]

if TYPE_CHECKING:
    from .hid_scanner import HidBarcodeScanner
    from .pcsc import PcscCardReader, list_reader_names
    from .pcscd import PcscDaemon, PcscdUnavailable
    from .serial_scanner import TERMINATORS, SerialBarcodeScanner
    from .vpcd import VirtualCard

# The drivers load with the device they drive: pyscard for PC/SC, pyserial for serial scanners
# (see drivers._lazy for why).
__getattr__ = lazy_exports(
    __name__,
    {
        ".hid_scanner": ("HidBarcodeScanner",),
        ".pcsc": ("PcscCardReader", "list_reader_names"),
        ".pcscd": ("PcscDaemon", "PcscdUnavailable"),
        ".serial_scanner": ("TERMINATORS", "SerialBarcodeScanner"),
        ".vpcd": ("VirtualCard",),
    },
)
