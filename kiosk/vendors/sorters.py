"""Return-station sorters: a PLC over Modbus TCP, the simulated machine, or none
(``[hardware.sorter]``). Both real kinds are driven by ``drivers.sorter.ModbusSorter``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal, Self

from pydantic import Field, model_validator

from kiosk.config import Section, SorterSettings
from kiosk.config.problems import Problem, Problems
from kiosk.config.types import Port
from kiosk.registry import SORTERS, SorterContext, no_device

if TYPE_CHECKING:
    from drivers.sorter import Sorter

__all__ = [
    "ModbusSorterSettings",
    "NoSorterSettings",
    "SimulatedSorterSettings",
    "SorterSimulatorSettings",
]


class _ModbusLink(SorterSettings):
    """How the Modbus driver talks to the machine (not a type of its own)."""

    unit: int = Field(1, ge=0, le=247)
    poll_interval_s: float = Field(0.02, gt=0, le=5, description="How often the PLC is read.")
    timeout_s: float = Field(2.0, gt=0, le=60, description="Per Modbus request.")


class ModbusSorterSettings(_ModbusLink):
    """A PLC implementing the register map of ``drivers/sorter/registers.py``."""

    type: Literal["modbus-tcp"] = "modbus-tcp"
    host: str = Field(min_length=1, description="the sorter's address for type 'modbus-tcp'")
    port: Port = 502


class SorterSimulatorSettings(Section):
    """The simulated sorter's mechanics (``type = "simulated"``: demo, tests, benchmarks)."""

    time_per_item_s: float = Field(
        1.5, ge=0, le=60, description="The diverter takes one item per this long (1.5 s: 2,400/h)."
    )
    feed_s: float = Field(0.3, ge=0, le=60, description="Slot to read position.")
    travel_s: float = Field(2.0, ge=0, le=600, description="Read position to bin.")
    bin_capacity: int = Field(200, ge=1, le=10_000, description="The full sensor trips here.")
    divert_deadline_s: float | None = Field(
        None,
        gt=0,
        le=25.5,
        description="A conveyor that does not stop for items: read position to diverter (the"
        " bin must be known by then; items then follow each other every time_per_item_s)."
        " Unset: each item waits at the read position until diverted.",
    )
    read_zone_s: float = Field(
        0.8, gt=0, le=25.5, description="A conveyor's time in the reader's field per item."
    )
    late_bin: int = Field(
        0, ge=0, le=16, description="A conveyor's output for items without a bin (0: the last)."
    )

    @model_validator(mode="after")
    def _read_zone_before_the_diverter(self) -> Self:
        deadline = self.divert_deadline_s
        if deadline is not None and self.read_zone_s > deadline:
            expected = (
                f"at most divert_deadline_s ({deadline:g}): the field ends before the diverter"
            )
            raise Problems([Problem("read_zone_s", self.read_zone_s, expected)])
        return self


class SimulatedSorterSettings(_ModbusLink):
    """A simulated PLC on loopback, spoken to by the real Modbus driver."""

    type: Literal["simulated"] = "simulated"
    simulator: SorterSimulatorSettings = SorterSimulatorSettings()


class NoSorterSettings(SorterSettings):
    """No sorter (a checkout kiosk)."""

    type: Literal["none"] = "none"


def _modbus_driver(host: str, port: int, link: _ModbusLink) -> Sorter:
    """The Modbus driver for the PLC at ``host``:``port``, a real one or the simulator."""
    from drivers.sorter import ModbusSorter  # pymodbus loads with the first sorter

    return ModbusSorter(
        host,
        port,
        unit=link.unit,
        poll_interval_s=link.poll_interval_s,
        timeout_s=link.timeout_s,
    )


def modbus_sorter(settings: ModbusSorterSettings, context: SorterContext) -> Sorter:
    return _modbus_driver(settings.host, settings.port, settings)


def simulated_sorter(settings: SimulatedSorterSettings, context: SorterContext) -> Sorter:
    from drivers.sorter import MechanicsTiming, SorterSimulator

    knobs = settings.simulator
    simulator = SorterSimulator(
        bins=context.bins,
        timing=MechanicsTiming(
            time_per_item_s=knobs.time_per_item_s,
            feed_s=knobs.feed_s,
            travel_s=knobs.travel_s,
            bin_capacity=knobs.bin_capacity,
            divert_deadline_s=knobs.divert_deadline_s,
            read_zone_s=knobs.read_zone_s,
            late_bin=knobs.late_bin,
        ),
        unit=settings.unit,
        on_at_reader=context.on_at_reader,
        on_left_reader=context.on_left_reader,
    )
    context.stack.enter_context(simulator)
    context.simulators["sorter"] = simulator
    return _modbus_driver(simulator.host, simulator.port, settings)


SORTERS.register(
    "modbus-tcp",
    ModbusSorterSettings,
    modbus_sorter,
    "a PLC over Modbus TCP (registers.py)",
    example={"host": "192.0.2.41", "port": 502, "unit": 1},
)
SORTERS.register(
    "simulated", SimulatedSorterSettings, simulated_sorter, "a simulated machine on loopback"
)
SORTERS.register("none", NoSorterSettings, no_device, "no sorter (a checkout kiosk)")
