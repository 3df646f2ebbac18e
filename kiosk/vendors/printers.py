"""Receipt and slip printers: ESC/POS over USB, serial or the network, a file, the simulator, or
none (``[hardware.printer]``). Every ESC/POS kind is built by ``drivers.printer.printer_from_url``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from kiosk.config import PrinterSettings
from kiosk.config.problems import Problem, Problems
from kiosk.config.types import matching
from kiosk.registry import PRINTERS, DeviceContext, no_device

if TYPE_CHECKING:
    from drivers.printer import ReceiptPrinter

__all__ = [
    "EscPosSettings",
    "FilePrinterSettings",
    "NetworkPrinterSettings",
    "NoPrinterSettings",
    "SerialPrinterSettings",
    "SimulatedPrinterSettings",
    "UsbPrinterSettings",
]

_USB_IDS = "the USB ids as VID:PID in hex, e.g. '04b8:0202'"

CodePage = Literal["cp865", "cp850", "cp437", "cp1252", "iso-8859-1", "iso-8859-15"]


class EscPosSettings(PrinterSettings):
    """What every ESC/POS printer has (not a type of its own).

    ``model`` names the printer in the ESC/POS printer database (``escpos-models.json``): makers
    number their code tables differently (PC865 is table 5 on an Epson, 9 on a Star TSP600), so
    the model decides which ``ESC t`` selects ``code_page``.
    """

    model: str = Field(
        "default", description="the printer model in the ESC/POS database, e.g. 'TM-T20II'"
    )
    code_page: CodePage = "cp865"
    width: int = Field(42, ge=24, le=80, description="Characters per line.")

    @model_validator(mode="after")
    def _model_has_the_code_page(self) -> Self:
        from drivers.printer.models import known_models, printer_model, usable_code_pages

        if self.model not in known_models():
            expected = f"a model of the ESC/POS database ({', '.join(known_models())})"
            raise Problems([Problem("model", self.model, expected)])
        model = printer_model(self.model)
        try:
            usable_code_pages(model, [self.code_page])
        except ValueError:
            pages = ", ".join(model.code_pages)
            expected = f"a code page printer model {self.model!r} has ({pages})"
            raise Problems([Problem("code_page", self.code_page, expected)]) from None
        return self

    def url(self) -> str:
        """The ``drivers.printer.printer_from_url`` form of this printer."""
        raise NotImplementedError

    def build(self) -> ReceiptPrinter:
        from drivers.printer import printer_from_url

        return printer_from_url(
            self.url(), model=self.model, code_pages=[self.code_page], columns=self.width
        )


class UsbPrinterSettings(EscPosSettings):
    type: Literal["escpos-usb"] = "escpos-usb"
    address: Annotated[str, matching(r"[0-9a-fA-F]{4}:[0-9a-fA-F]{4}", _USB_IDS)] = Field(
        description=_USB_IDS
    )

    def url(self) -> str:
        return f"usb://{self.address}"


class SerialPrinterSettings(EscPosSettings):
    type: Literal["escpos-serial"] = "escpos-serial"
    address: str = Field(min_length=1, description="the serial device, e.g. /dev/ttyUSB1")
    baudrate: int = Field(19200, ge=1200, le=921600)

    def url(self) -> str:
        return f"serial://{self.address}?baudrate={self.baudrate}"


class NetworkPrinterSettings(EscPosSettings):
    type: Literal["escpos-network"] = "escpos-network"
    address: str = Field(min_length=1, description="host or host:port, e.g. '192.0.2.10:9100'")

    @field_validator("address")
    @classmethod
    def _host_port(cls, value: str) -> str:
        port = value.rpartition(":")[2] if ":" in value else ""
        if ":" in value and not (port.isdigit() and 1 <= int(port) <= 65535):
            raise ValueError("host or host:port, e.g. '192.0.2.10:9100'")
        return value

    def url(self) -> str:
        return f"tcp://{self.address}"


class FilePrinterSettings(EscPosSettings):
    """ESC/POS bytes appended to a file (a spool that another program prints)."""

    type: Literal["file"] = "file"
    address: str = Field(min_length=1, description="a file path to write receipts to")

    def url(self) -> str:
        return f"file://{self.address}"


class SimulatedPrinterSettings(EscPosSettings):
    """The printer simulator behind the real ESC/POS driver; receipts are kept as PNG and text
    in the folder ``address`` when it is set."""

    type: Literal["simulated"] = "simulated"
    address: str | None = None

    def url(self) -> str:
        return f"sim:{self.address}" if self.address else "sim:"


class NoPrinterSettings(PrinterSettings):
    """No printer: receipts are offered by e-mail or not at all."""

    type: Literal["none"] = "none"


def escpos_printer(settings: EscPosSettings, context: DeviceContext) -> ReceiptPrinter:
    return settings.build()


PRINTERS.register(
    "escpos-usb",
    UsbPrinterSettings,
    escpos_printer,
    "ESC/POS printers on USB",
    example={"address": "04b8:0202", "code_page": "cp865"},
)
PRINTERS.register(
    "escpos-serial",
    SerialPrinterSettings,
    escpos_printer,
    "ESC/POS printers on a serial line",
    example={"address": "/dev/ttyUSB1", "baudrate": 19200},
)
PRINTERS.register(
    "escpos-network",
    NetworkPrinterSettings,
    escpos_printer,
    "ESC/POS printers on TCP port 9100",
    example={"address": "192.0.2.40:9100"},
)
PRINTERS.register(
    "file",
    FilePrinterSettings,
    escpos_printer,
    "ESC/POS bytes into a file",
    example={"address": "/var/spool/kiosk/receipts.bin"},
)
PRINTERS.register(
    "simulated", SimulatedPrinterSettings, escpos_printer, "the printer simulator (PNG and text)"
)
PRINTERS.register("none", NoPrinterSettings, no_device, "no printer")
