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

from typing import TYPE_CHECKING

from drivers._lazy import lazy_exports
from drivers.sorter import contract
from drivers.sorter.contract import *  # noqa: F403 (the contract's names, listed in its __all__)
from drivers.sorter.mechanics import Mechanics, MechanicsTiming

__all__ = ["Mechanics", "MechanicsTiming", "ModbusSorter", "SorterSimulator"]
__all__ += contract.__all__

if TYPE_CHECKING:
    from drivers.sorter.modbus import ModbusSorter
    from drivers.sorter.simulator import SorterSimulator

# The Modbus client (pymodbus) and the simulator load on first use (see drivers._lazy).
__getattr__ = lazy_exports(
    __name__, {".modbus": ("ModbusSorter",), ".simulator": ("SorterSimulator",)}
)
