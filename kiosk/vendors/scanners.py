"""Barcode scanners: serial, USB HID keyboard-mode (evdev), simulated, or none
(``[hardware.scanner]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from kiosk.config import ScannerSettings
from kiosk.registry import SCANNERS, DeviceContext, no_device

if TYPE_CHECKING:
    from drivers.cards import BarcodeScanner
    from drivers.cards.serial_scanner import Terminator

__all__ = [
    "HidScannerSettings",
    "NoScannerSettings",
    "SerialScannerSettings",
    "SimulatedScannerSettings",
]

#: The suffix a scanner ends each code with, as the config names it (lower case).
Suffix = Literal["cr", "lf", "crlf", "tab"]
#: ... and as the serial scanner driver names it.
_TERMINATORS: dict[Suffix, Terminator] = {"cr": "CR", "lf": "LF", "crlf": "CRLF", "tab": "TAB"}


class SerialScannerSettings(ScannerSettings):
    """A scanner on a serial line (RS-232 or USB CDC-ACM) that ends each code with a suffix."""

    type: Literal["serial"] = "serial"
    port: str = Field(
        min_length=1, description="the scanner's serial port for type 'serial', e.g. /dev/ttyACM0"
    )
    baudrate: int = Field(9600, ge=1200, le=921600)
    terminator: Suffix = "cr"


class HidScannerSettings(ScannerSettings):
    """A USB scanner in keyboard mode, read (and grabbed) through its input event device."""

    type: Literal["hid"] = "hid"
    device: str = Field(
        min_length=1,
        description="the input event device for type 'hid', e.g. /dev/input/by-id/...-event-kbd",
    )
    keyboard_layout: Literal["us", "nordic"] = "us"
    #: Accepted for the same table shape as a serial scanner; HID scanners end with Enter.
    terminator: Suffix = "cr"


class SimulatedScannerSettings(ScannerSettings):
    """An in-process scanner the demo panel and the tests scan codes with."""

    type: Literal["simulated"] = "simulated"


class NoScannerSettings(ScannerSettings):
    """No barcode scanner."""

    type: Literal["none"] = "none"


def serial_scanner(settings: SerialScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import SerialBarcodeScanner  # pyserial loads with the first one

    return SerialBarcodeScanner(
        settings.port, baudrate=settings.baudrate, terminator=_TERMINATORS[settings.terminator]
    )


def hid_scanner(settings: HidScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import HidBarcodeScanner  # evdev loads with the first one

    return HidBarcodeScanner(settings.device, layout=settings.keyboard_layout)


def simulated_scanner(settings: SimulatedScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import SimulatedBarcodeScanner

    return SimulatedBarcodeScanner()


SCANNERS.register(
    "serial",
    SerialScannerSettings,
    serial_scanner,
    "serial barcode scanners",
    example={"port": "/dev/ttyACM0", "terminator": "cr"},
)
SCANNERS.register(
    "hid",
    HidScannerSettings,
    hid_scanner,
    "USB HID keyboard-mode scanners",
    example={
        "device": "/dev/input/by-id/usb-Honeywell_Scanner-event-kbd",
        "keyboard_layout": "nordic",
    },
)
SCANNERS.register(
    "simulated", SimulatedScannerSettings, simulated_scanner, "an in-process simulated scanner"
)
SCANNERS.register("none", NoScannerSettings, no_device, "no barcode scanner")
