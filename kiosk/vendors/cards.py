"""Library card readers: PC/SC readers through pcscd, a simulated reader, or none
(``[hardware.card_reader]``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Literal

from pydantic import field_validator

from kiosk.config import CardReaderSettings
from kiosk.registry import CARD_READERS, DeviceContext, no_device

if TYPE_CHECKING:
    from drivers.cards import CardReader

__all__ = ["NoCardReaderSettings", "PcscReaderSettings", "SimulatedCardReaderSettings"]


class PcscReaderSettings(CardReaderSettings):
    """A contactless (or contact) reader that pcscd serves, chosen by its name."""

    type: Literal["pcsc"] = "pcsc"
    #: Regular expression matched against PC/SC reader names; empty = the first reader.
    reader_pattern: str = ""

    @field_validator("reader_pattern")
    @classmethod
    def _regex(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"a valid regular expression ({exc})") from None
        return value


class SimulatedCardReaderSettings(CardReaderSettings):
    """An in-process card reader the demo panel and the tests put cards on."""

    type: Literal["simulated"] = "simulated"


class NoCardReaderSettings(CardReaderSettings):
    """No card reader: patrons type or scan their card number, or use an RFID library card."""

    type: Literal["none"] = "none"


def pcsc_reader(settings: PcscReaderSettings, context: DeviceContext) -> CardReader:
    from drivers.cards import PcscCardReader  # pyscard loads with the first PC/SC reader

    return PcscCardReader(settings.reader_pattern)


def simulated_reader(settings: SimulatedCardReaderSettings, context: DeviceContext) -> CardReader:
    from drivers.cards import SimulatedCardReader

    return SimulatedCardReader()


CARD_READERS.register(
    "pcsc",
    PcscReaderSettings,
    pcsc_reader,
    "PC/SC readers through pcscd",
    example={"reader_pattern": "ACR122|ACR1252"},
)
CARD_READERS.register(
    "simulated", SimulatedCardReaderSettings, simulated_reader, "an in-process simulated reader"
)
CARD_READERS.register("none", NoCardReaderSettings, no_device, "no card reader")
