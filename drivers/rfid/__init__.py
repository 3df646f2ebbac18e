"""RFID readers: the async contract, the FEIG ISO-host driver, and a simulated FEIG reader.

Public surface::

    from drivers.rfid import FeigReader, FeigSimulator, tag_for_item

    with FeigSimulator(timing=False) as sim:             # a reader on a pty, tags on its pad
        sim.place(tag_for_item("37001234", "SE-Hud", parts=2, part_number=1, secured=True))
        async with FeigReader(sim.port) as reader:       # the real driver, real bytes
            for info in await reader.inventory():
                memory = await reader.read_blocks(info.uid, 0, 9)
                await reader.write_afi(info.uid, 0xC2)
        sim.faults.miss_in_inventory(uid)                # fault knobs, see SimulatorFaults
        sim.remove(uid); sim.tags                        # thread-safe, from anywhere

Errors: :class:`ReaderError` (the reader: port, cable, power, settings) and its subclass
:class:`TagError` (one tag: ``.uid``, ``.status``). Another process can run the simulator
(``python -m drivers.rfid.simulator``) and steer it with :class:`SimulatorControl`.
"""

from typing import TYPE_CHECKING

from drivers._lazy import lazy_exports
from drivers.rfid.contract import ReaderError, RfidReader, SystemInfo, TagError, TagInfo
from drivers.rfid.virtual_tag import (
    ICODE_SLI,
    ICODE_SLIX,
    ICODE_SLIX2,
    TAG_TYPES,
    TAGIT_HFI_PLUS,
    TAGIT_HFI_PRO,
    TAGIT_HFI_STANDARD,
    TagType,
    VirtualTag,
    make_uid,
    tag_for_item,
    uid_for_item,
)

__all__ = [
    "ICODE_SLI",
    "ICODE_SLIX",
    "ICODE_SLIX2",
    "TAGIT_HFI_PLUS",
    "TAGIT_HFI_PRO",
    "TAGIT_HFI_STANDARD",
    "TAG_TYPES",
    "ControlError",
    "ControlServer",
    "FeigReader",
    "FeigSimulator",
    "ReaderError",
    "RfidReader",
    "SimulatorControl",
    "SimulatorFaults",
    "SystemInfo",
    "TagError",
    "TagInfo",
    "TagType",
    "VirtualTag",
    "make_uid",
    "tag_for_item",
    "uid_for_item",
]

if TYPE_CHECKING:
    from drivers.rfid.feig import FeigReader
    from drivers.rfid.sim_control import ControlError, ControlServer, SimulatorControl
    from drivers.rfid.simulator import FeigSimulator, SimulatorFaults

# The FEIG driver (pyserial) and the simulators load on first use (see drivers._lazy).
__getattr__ = lazy_exports(
    __name__,
    {
        ".feig": ("FeigReader",),
        ".simulator": ("FeigSimulator", "SimulatorFaults"),
        ".sim_control": ("ControlError", "ControlServer", "SimulatorControl"),
    },
)
