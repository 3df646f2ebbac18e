"""Return-station sorters: the async contract, the Modbus TCP driver and a simulated machine.

Public surface::

    from drivers.sorter import ModbusSorter, SorterSimulator, MechanicsTiming

    with SorterSimulator(bins=7, timing=MechanicsTiming(time_per_item_s=1.5)) as sim:
        async with ModbusSorter(sim.host, sim.port) as sorter:      # the real driver
            sim.mechanics.insert(payload)                            # an item in the slot
            async for event in sorter.events():                      # ItemAtReader(item=1) ...
                await sorter.divert(event.item, 3)
        sim.mechanics.jam_next(); sim.mechanics.set_full(3)          # fault knobs

The contract (:mod:`drivers.sorter.contract`) documents the machine model and the events; the
register map a PLC programmer implements is :mod:`drivers.sorter.registers`. Errors:
:class:`SorterError`, :class:`SorterUnavailable` (controller or network down) and
:class:`DivertRefused` (``.reason``: a :class:`DivertRefusal`).
"""

from typing import TYPE_CHECKING, Any

from drivers.sorter.contract import (
    TAKEN_OUT,
    BinEmptied,
    BinFullChanged,
    BinStatus,
    ControllerRestarted,
    Delivered,
    DeliveriesLost,
    Delivery,
    DivertRefusal,
    DivertRefused,
    InletChanged,
    ItemAtReader,
    JamChanged,
    Sorter,
    SorterConnection,
    SorterError,
    SorterEvent,
    SorterStatus,
    SorterUnavailable,
)
from drivers.sorter.mechanics import Mechanics, MechanicsTiming
from drivers.sorter.modbus import ModbusSorter

__all__ = [
    "TAKEN_OUT",
    "BinEmptied",
    "BinFullChanged",
    "BinStatus",
    "ControllerRestarted",
    "Delivered",
    "DeliveriesLost",
    "Delivery",
    "DivertRefusal",
    "DivertRefused",
    "InletChanged",
    "ItemAtReader",
    "JamChanged",
    "Mechanics",
    "MechanicsTiming",
    "ModbusSorter",
    "Sorter",
    "SorterConnection",
    "SorterError",
    "SorterEvent",
    "SorterSimulator",
    "SorterStatus",
    "SorterUnavailable",
]

if TYPE_CHECKING:
    from drivers.sorter.simulator import SorterSimulator

# The simulator loads on first use, so ``python -m drivers.sorter.simulator`` does not find its
# own module already imported by this package (runpy warns about that).


def __getattr__(name: str) -> Any:
    if name != "SorterSimulator":
        raise AttributeError(f"module 'drivers.sorter' has no attribute {name!r}")
    from drivers.sorter.simulator import SorterSimulator

    return SorterSimulator
