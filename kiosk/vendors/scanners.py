"""Barcode scanners: serial, USB HID keyboard-mode (evdev), simulated, or none
(``[hardware.scanner]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from kiosk.config import ScannerSettings
from kiosk.registry import SCANNERS, DeviceContext

if TYPE_CHECKING:
    from drivers.cards import BarcodeScanner

__all__ = [
    "HidScannerSettings",
    "NoScannerSettings",
    "SerialScannerSettings",
    "SimulatedScannerSettings",
]


class SerialScannerSettings(ScannerSettings):
    """A scanner on a serial line (RS-232 or USB CDC-ACM) that ends each code with a suffix."""

    type: Literal["serial"] = "serial"
    port: str = Field(
        min_length=1, description="the scanner's serial port for type 'serial', e.g. /dev/ttyACM0"
    )
    baudrate: int = Field(9600, ge=1200, le=921600)
    terminator: Literal["cr", "lf", "crlf", "tab"] = "cr"


class HidScannerSettings(ScannerSettings):
    """A USB scanner in keyboard mode, read (and grabbed) through its input event device."""

    type: Literal["hid"] = "hid"
    device: str = Field(
        min_length=1,
        description="the input event device for type 'hid', e.g. /dev/input/by-id/...-event-kbd",
    )
    keyboard_layout: Literal["us", "nordic"] = "us"
    #: Accepted for the same table shape as a serial scanner; HID scanners end with Enter.
    terminator: Literal["cr", "lf", "crlf", "tab"] = "cr"


class SimulatedScannerSettings(ScannerSettings):
    """An in-process scanner the demo panel and the tests scan codes with."""

    type: Literal["simulated"] = "simulated"


class NoScannerSettings(ScannerSettings):
    """No barcode scanner."""

    type: Literal["none"] = "none"


def serial_scanner(settings: SerialScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import SerialBarcodeScanner  # pyserial loads with the first one

    terminator = settings.terminator.upper()
    return SerialBarcodeScanner(
        settings.port,
        baudrate=settings.baudrate,
        terminator=terminator,  # type: ignore[arg-type]  # the same four names, upper case
    )


def hid_scanner(settings: HidScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import HidBarcodeScanner  # evdev loads with the first one

    return HidBarcodeScanner(settings.device, layout=settings.keyboard_layout)


def simulated_scanner(settings: SimulatedScannerSettings, context: DeviceContext) -> BarcodeScanner:
    from drivers.cards import SimulatedBarcodeScanner

    return SimulatedBarcodeScanner()


def no_scanner(settings: NoScannerSettings, context: DeviceContext) -> None:
    return None


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
SCANNERS.register("none", NoScannerSettings, no_scanner, "no barcode scanner")
