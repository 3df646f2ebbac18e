"""What the return station announces, beside the core's item events.

The station emits the core's own :class:`~kiosk.core.events.ItemSeen`,
:class:`~kiosk.core.events.ItemChecking`, :class:`~kiosk.core.events.ItemReturned` and
:class:`~kiosk.core.events.LibrarySystemStatus` for each item (so the UI's return-station screen
and the metrics read it like a kiosk), and these for the machine. All are frozen dataclasses
deriving from :class:`~kiosk.core.events.KioskEvent`; none carries a patron's data.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from kiosk.core.events import KioskEvent

__all__ = [
    "BinState",
    "DeliveryProblem",
    "InletPaused",
    "InletResumed",
    "ItemArrived",
    "ItemDelivered",
    "ItemRouted",
    "ItemSorted",
    "PauseReason",
    "SorterJamCleared",
    "SorterJammed",
    "SorterState",
]


class PauseReason(enum.Enum):
    """Why the station closed its inlet."""

    BIN_FULL = "bin_full"  # no bin down the overflow chain has room (or when_full = "pause")
    JAM = "jam"  # the conveyor is jammed
    LIBRARY_SYSTEM_UNAVAILABLE = "library_system_unavailable"  # and no offline returns
    SORTER_UNAVAILABLE = "sorter_unavailable"  # the controller does not answer
    READER_UNAVAILABLE = "reader_unavailable"  # the chute's RFID reader does not answer
    STATION_ERROR = "station_error"  # the station itself failed on an item: see the log
    SHUTDOWN = "shutdown"  # the station is stopping


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemArrived(KioskEvent):
    """An item reached the read position (the sorter numbered it); identification starts."""

    sorter_item: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRouted(KioskEvent):
    """Checked in (or not) and its bin decided; the item still lies at the read position."""

    sorter_item: int
    item_ids: tuple[str, ...]
    bin_id: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSorted(KioskEvent):
    """The item (or batch: several items at once) is on its way to ``bin_id``.

    ``reason`` is "rule" or the exception reason; ``routed_bin`` differs from ``bin_id`` when
    a full bin sent it on to its overflow. ``late``: on a conveyor, its bin was not known before
    it reached the diverter, so it went to the exceptions (its check-in finishes regardless).
    """

    sorter_item: int
    item_ids: tuple[str, ...]
    bin_id: str
    bin_label: str
    reason: str
    rule: str | None = None
    routed_bin: str | None = None
    late: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDelivered(KioskEvent):
    """The sorter saw the item drop into the bin (``bin_id`` None: taken out at a jam)."""

    sorter_item: int
    item_ids: tuple[str, ...]
    bin_id: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryProblem(KioskEvent):
    """Drops the sorter could not account for; the items named need a look from staff."""

    item_ids: tuple[str, ...]
    detail: str


@dataclass(frozen=True, slots=True, kw_only=True)
class BinState(KioskEvent):
    """A bin's count or fullness changed (also sent for every bin at start-up)."""

    bin_id: str
    label: str
    count: int
    capacity: int
    full: bool
    en_route: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class InletPaused(KioskEvent):
    """The slot is closed; ``message`` says why, for staff and the display."""

    reason: PauseReason
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class InletResumed(KioskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SorterJammed(KioskEvent):
    sorter_item: int | None
    item_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SorterJamCleared(KioskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class SorterState(KioskEvent):
    """The connection to the sorter's controller is up or down."""

    up: bool
    detail: str = ""
