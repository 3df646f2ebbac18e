"""A throwaway vendor, written the way docs/extending.md says: one module, one registration each.

"ACME" pads are FEIG readers with a name of their own (the test needs a driver that runs, and
drivers/ is no place for a test's); "acme-sip2" is a back end that reaches a SIP2 library system
at an address of its own table. Importing this module registers both; :func:`unregister` takes
them away again (the registries are process-wide).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from drivers.rfid import FeigReader, FeigSimulator
from kiosk.config import RfidReaderSettings, Section
from kiosk.config.types import Port
from kiosk.ils.port import LibrarySystem
from kiosk.registry import LIBRARY_SYSTEMS, RFID_READERS, DeviceContext, LibrarySystemContext


class AcmeReader(FeigReader):
    """The ACME driver (here: the FEIG protocol under another name)."""


class AcmeReaderSettings(RfidReaderSettings):
    type: Literal["acme"] = "acme"
    antenna: Literal["left", "right"] = Field(description="which of the pad's two antennas")


def acme_reader(settings: AcmeReaderSettings, context: DeviceContext) -> AcmeReader:
    simulator = context.stack.enter_context(FeigSimulator(timing=False))
    context.simulators["rfid"] = simulator  # the demo panel and the tests steer it
    reader = AcmeReader(simulator.port)
    reader.antenna = settings.antenna  # type: ignore[attr-defined]
    return reader


class AcmeSip2Settings(Section):
    host: str = "127.0.0.1"
    port: Port
    user: str
    password: str


def acme_library_system(settings: AcmeSip2Settings, context: LibrarySystemContext) -> LibrarySystem:
    from kiosk.ils.sip2 import SIP2LibrarySystem
    from kiosk.sip2.client import ClientSettings

    client = ClientSettings(
        host=settings.host, port=settings.port, user=settings.user, password=settings.password
    )
    return SIP2LibrarySystem(client, branch_names=context.branch_names)


RFID_READERS.register(
    "acme", AcmeReaderSettings, acme_reader, "ACME pads (a test)", example={"antenna": "left"}
)
LIBRARY_SYSTEMS.register(
    "acme-sip2",
    AcmeSip2Settings,
    acme_library_system,
    "SIP2 at an address of its own (a test)",
    example={"port": 6001, "user": "kiosk-bol-hb", "password": "pw-bol-hb"},
)


def unregister() -> None:
    RFID_READERS.unregister("acme")
    LIBRARY_SYSTEMS.unregister("acme-sip2")
