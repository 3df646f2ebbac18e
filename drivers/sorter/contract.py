"""The sorter contract every return-station sorter driver implements.

A return station's mechanics, as the software sees them::

    slot --> inlet --> read position --------> diverter --> bin 1 .. bin N
              |        (RFID antenna,             |
        (shutter,      barcode scanner)      (one item per "time per item")
         paused by
         the software)

Items come through the slot one at a time. The controller (a PLC) numbers each item when it
reaches the **read position** (1..65535, then 1 again). A **stop-and-go** machine holds it there
until the software says which bin it goes to (:meth:`Sorter.divert`); the item then leaves the
read position and travels to its bin while the next one comes in, so identifying and checking in
item n+1 overlaps the mechanics moving item n. A **conveyor** (:attr:`Sorter.conveyor` says so)
does not stop for an item: items follow each other through the reader's field, several at once
in flight, and each must have its bin before it reaches the diverter, ``deadline_s`` after the
read position; one that has none by then goes on to the late output (the exceptions), and a
divert for it is refused as ``LATE``. So while item n is checked in, item n+1 is read and item
n-1 travels to its bin. The controller reports each drop into a bin (a :class:`Delivery`),
each bin's count and full sensor, and jams. A **jam** stops the conveyor: nothing moves until
staff free the item and reset (at the machine, or :meth:`Sorter.reset_jam`); an item staff took
out instead of putting it back on the belt is reported as delivered to bin 0
(:data:`TAKEN_OUT`). While the **inlet is paused** the slot is closed and no new item reaches
the read position (items already in the slot wait).

State changes reach the software as :class:`SorterEvent` values from :meth:`Sorter.events`.
Controllers have no push channel (Modbus), so drivers poll and turn changes into events; a
driver may coalesce events but never drops a delivery: when it cannot account for deliveries
(the controller's log wrapped while the connection was down) it reports :class:`DeliveriesLost`.

Errors: :class:`SorterUnavailable` (no connection, no answer: the controller or the network is
down) and :class:`DivertRefused` (the controller refused a command; ``reason`` says why). Both
are :class:`SorterError`. Messages are written for staff fixing the machine.
"""

from __future__ import annotations

import abc
import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass

from drivers.device import Device

__all__ = [
    "TAKEN_OUT",
    "BinEmptied",
    "BinFullChanged",
    "BinStatus",
    "ControllerRestarted",
    "ConveyorTiming",
    "Delivered",
    "DeliveriesLost",
    "Delivery",
    "DivertRefusal",
    "DivertRefused",
    "InletChanged",
    "ItemAtReader",
    "JamChanged",
    "Sorter",
    "SorterConnection",
    "SorterError",
    "SorterEvent",
    "SorterStatus",
    "SorterUnavailable",
]

#: The "bin" of a delivery when staff took the item out while clearing a jam.
TAKEN_OUT = 0


class SorterError(Exception):
    """The sorter could not do what was asked; the message says why, for staff."""


class SorterUnavailable(SorterError):
    """No connection to the controller, or it stopped answering (network, power, settings)."""


class DivertRefusal(enum.Enum):
    """Why the controller refused a command."""

    UNKNOWN_COMMAND = "unknown_command"
    NO_SUCH_ITEM = "no_such_item"  # the item is not (or no longer) at the read position
    NO_SUCH_BIN = "no_such_bin"
    JAMMED = "jammed"  # the conveyor is stopped by a jam; wait for it to be cleared
    BIN_FULL = "bin_full"  # the bin's full sensor is on
    STOPPED = "stopped"  # emergency stop or maintenance mode
    STILL_JAMMED = "still_jammed"  # reset asked while the jam is still physically there
    LATE = "late"  # conveyor: the item passed the diverter already (to the late output)


class DivertRefused(SorterError):
    """The controller refused a command (divert, reset...); ``reason`` says why."""

    def __init__(self, reason: DivertRefusal, message: str = "") -> None:
        super().__init__(message or f"the sorter refused: {reason.value}")
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ConveyorTiming:
    """What a conveyor that does not stop for items tells about itself."""

    deadline_s: float  # from the read position to the diverter: the bin must be known by then
    late_bin: int  # the output an item without a bin goes to


@dataclass(frozen=True, slots=True)
class BinStatus:
    """One output of the sorter as the controller counts it (``number`` from 1)."""

    number: int
    count: int  # items dropped in since staff last emptied it
    full: bool  # the full sensor
    emptied: int = 0  # how often staff emptied it (a counter; changes mean "emptied now")


@dataclass(frozen=True, slots=True)
class SorterStatus:
    """A snapshot of the controller."""

    running: bool
    jammed: bool
    inlet_paused: bool
    item_at_reader: int | None  # the item number at the read position
    ready: bool  # the diverter can take the next item now
    bins: tuple[BinStatus, ...]
    jam_item: int | None = None
    items_seen: int = 0  # counter of items that reached the read position (16 bits)
    deliveries: int = 0  # counter of drops into bins (16 bits)
    conveyor: ConveyorTiming | None = None  # None: a stop-and-go machine

    def bin(self, number: int) -> BinStatus:
        return self.bins[number - 1]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One item dropped into a bin (``bin`` 0: staff took it out while clearing a jam)."""

    seq: int  # the controller's delivery counter after this drop (16 bits)
    item: int
    bin: int


# ------------------------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True)
class ItemAtReader:
    """An item reached the read position and waits for :meth:`Sorter.divert`."""

    item: int


@dataclass(frozen=True, slots=True)
class Delivered:
    delivery: Delivery


@dataclass(frozen=True, slots=True)
class DeliveriesLost:
    """Drops happened that the driver cannot name (the controller's log wrapped meanwhile)."""

    count: int


@dataclass(frozen=True, slots=True)
class ControllerRestarted:
    """The controller started afresh (power cycle, new program): its counters begin at 0 and
    items that were on their way to a bin are no longer tracked by it."""

    run: int


@dataclass(frozen=True, slots=True)
class JamChanged:
    jammed: bool
    item: int | None = None  # the item stuck in the jam (when jammed)


@dataclass(frozen=True, slots=True)
class BinFullChanged:
    bin: int
    full: bool


@dataclass(frozen=True, slots=True)
class BinEmptied:
    """Staff emptied the bin (its count is 0 again)."""

    bin: int


@dataclass(frozen=True, slots=True)
class InletChanged:
    paused: bool


@dataclass(frozen=True, slots=True)
class SorterConnection:
    """The connection to the controller went down (``up`` False) or came back."""

    up: bool
    detail: str = ""


SorterEvent = (
    ItemAtReader
    | Delivered
    | DeliveriesLost
    | ControllerRestarted
    | JamChanged
    | BinFullChanged
    | BinEmptied
    | InletChanged
    | SorterConnection
)


# ---------------------------------------------------------------------------------- contract


class Sorter(Device):
    """An async sorter. Use ``async with sorter:`` or call open() and close().

    ``events()`` may be iterated by one consumer at a time; the first events after opening
    describe the current state (an item already at the read position, bins already full, a
    jam), so a restarted station learns where the machine is. Set :attr:`deliveries_after` to
    the (controller run, delivery counter) the caller last processed (from its own records)
    before opening, and the first events also include the drops that happened while it was
    away -- or :class:`ControllerRestarted` when the controller itself started afresh.
    """

    deliveries_after: tuple[int, int] | None = None

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect; raises :class:`SorterUnavailable` when the controller cannot be reached."""

    @property
    @abc.abstractmethod
    def bin_count(self) -> int:
        """How many bins the machine has (known once open)."""

    @property
    @abc.abstractmethod
    def controller_run(self) -> int:
        """Which start of the controller the counters belong to (known once open)."""

    @property
    def conveyor(self) -> ConveyorTiming | None:
        """A conveyor's divert deadline and late output (known once open); None for a machine
        that holds each item at the read position until it is diverted (the default)."""
        return None

    @abc.abstractmethod
    async def status(self) -> SorterStatus: ...

    @abc.abstractmethod
    def events(self) -> AsyncIterator[SorterEvent]:
        """Every state change from now on (see the class docs)."""

    @abc.abstractmethod
    async def divert(self, item: int, bin: int) -> None:
        """Send the item at the read position to ``bin``; returns once it left the read
        position (the diverter may wait for its time per item first), on a conveyor once the
        bin is set for it. Raises :class:`DivertRefused` (jammed, bin full, item gone, on a
        conveyor too late) or :class:`SorterUnavailable`."""

    @abc.abstractmethod
    async def pause_inlet(self) -> None:
        """Close the slot: no new item reaches the read position until :meth:`resume_inlet`."""

    @abc.abstractmethod
    async def resume_inlet(self) -> None: ...

    @abc.abstractmethod
    async def reset_jam(self) -> None:
        """Staff freed the jammed item: restart the conveyor (as the reset button at the machine
        does). An item they took out instead of putting back is reported as delivered to bin 0
        (the controller's sensor at the jam point tells). Raises :class:`DivertRefused`
        (``STILL_JAMMED``) when the jam is physically still there."""

    @abc.abstractmethod
    async def bin_emptied(self, bin: int) -> None:
        """Staff emptied ``bin``: its count starts again from 0."""
