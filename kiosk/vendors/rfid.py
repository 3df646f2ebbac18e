"""RFID readers: FEIG ISO-host readers, and the FEIG simulator on a pty (``[hardware.rfid]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field

from kiosk.config import RfidReaderSettings
from kiosk.registry import RFID_READERS, DeviceContext

if TYPE_CHECKING:
    from drivers.rfid import RfidReader

__all__ = ["FeigReaderSettings", "SimulatedReaderSettings"]

#: pyserial's parity codes (``serial.PARITY_NONE`` ...), without importing pyserial here.
_PARITY = {"none": "N", "even": "E", "odd": "O"}


class FeigReaderSettings(RfidReaderSettings):
    """A FEIG ID ISC reader speaking the ISO-host protocol over a serial line."""

    type: Literal["feig"] = "feig"
    port: str = Field(
        min_length=1, description="the reader's serial port, e.g. /dev/ttyUSB0 (or a pyserial URL)"
    )
    baudrate: int = Field(38400, ge=1200, le=921600)
    parity: Literal["none", "even", "odd"] = "even"
    bus_address: int = Field(255, ge=0, le=255)
    timeout_s: float = Field(1.0, gt=0, le=30, description="How long to wait for a reply.")

    @property
    def parity_code(self) -> str:
        """pyserial's one-letter parity code."""
        return _PARITY[self.parity]


class SimulatedReaderSettings(RfidReaderSettings):
    """The FEIG simulator on a pty: the real driver against simulated tags (demo, tests)."""

    type: Literal["simulated"] = "simulated"
    baudrate: int = Field(
        38400,
        ge=1200,
        le=921600,
        description="The simulated reader's line speed, which its timing follows (FEIG readers"
        " run at 38400 unless set to e.g. 115200).",
    )


def feig_reader(settings: FeigReaderSettings, context: DeviceContext) -> RfidReader:
    from drivers.rfid import FeigReader  # pyserial loads with the first FEIG reader

    return FeigReader(
        settings.port,
        baudrate=settings.baudrate,
        parity=settings.parity_code,
        com_adr=settings.bus_address,
        timeout=settings.timeout_s,
    )


def simulated_reader(settings: SimulatedReaderSettings, context: DeviceContext) -> RfidReader:
    from drivers.rfid import FeigReader, FeigSimulator

    simulator = context.stack.enter_context(
        FeigSimulator(timing=context.simulator_timing, baudrate=settings.baudrate)
    )
    context.simulators["rfid"] = simulator
    return FeigReader(simulator.port, baudrate=settings.baudrate)


RFID_READERS.register(
    "feig",
    FeigReaderSettings,
    feig_reader,
    "FEIG ID ISC readers (ISO-host protocol, serial)",
    example={"port": "/dev/serial/by-id/usb-FEIG_ELECTRONIC_ID_ISC_MR101-if00-port0"},
)
RFID_READERS.register(
    "simulated",
    SimulatedReaderSettings,
    simulated_reader,
    "a simulated FEIG reader on a pty, with virtual tags (demo, tests)",
)
