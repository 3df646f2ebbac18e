"""Plain data the core hands to the UI, the printer and the return station.

These are views, shaped for a screen: names looked up, states decided ("ready here" vs "ready
elsewhere"), nothing that needs the library system to interpret.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from kiosk.ils.port import CheckinResult, FeeKind

__all__ = [
    "AccountView",
    "FeeKind",
    "FeeView",
    "HoldPlace",
    "HoldSlip",
    "HoldView",
    "ItemRef",
    "LoanView",
    "PrintOutcome",
    "PrintProblem",
    "PrinterState",
    "ReconciliationLine",
    "ReturnKind",
    "ReturnOutcome",
    "StaffStatus",
    "TagKind",
    "TagReading",
    "TransferKind",
]


class ReturnKind(enum.Enum):
    """Where a returned item goes next. The four answers a patron or a sorter needs."""

    RESHELVE = "reshelve"  # back on the shelf in this branch
    HOLD_HERE = "hold_here"  # a patron waits for it here: holds shelf, with a slip
    OTHER_LIBRARY = "other_library"  # transit to another branch/library (see TransferKind)
    EXCEPTION = "exception"  # staff must look at it; a slip says why


class TransferKind(enum.Enum):
    HOLD = "hold"  # a patron there waits for it
    TRANSIT = "transit"  # it belongs there


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldSlip:
    """What goes on the slip tucked into a held or exceptional item. No patron name."""

    item_id: str
    title: str
    destination_name: str | None
    lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnOutcome:
    """One decision for one returned item, plus the facts it was made from.

    ``checkin`` is the library system's answer (None when the return was accepted offline);
    the return station's sorting rules match on it.
    """

    kind: ReturnKind
    transfer: TransferKind | None = None
    destination: str | None = None  # branch/library code
    destination_name: str | None = None
    slip: HoldSlip | None = None
    exception_reason: str | None = None  # short code, e.g. "checkin_refused", "security"
    security_ok: bool = True
    checkin: CheckinResult | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRef:
    """An item named for the screen: its barcode and (when known) its title."""

    item_id: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanView:
    item_id: str
    title: str
    due_date: datetime | None
    overdue: bool = False


class HoldPlace(enum.Enum):
    WAITING = "waiting"
    IN_TRANSIT = "in_transit"
    READY_HERE = "ready_here"
    READY_ELSEWHERE = "ready_elsewhere"


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldView:
    title: str
    place: HoldPlace
    pickup_location: str | None
    pickup_name: str | None
    pickup_by: datetime | None = None
    item_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeView:
    """One fee: what it is for (``kind``, translated by the screen; ``description`` is the
    library system's own text, shown when it says more), the item and the day, the amount."""

    amount: str | None  # decimal as text
    currency: str | None
    description: str
    item_id: str | None = None
    kind: FeeKind | None = None
    title: str = ""
    created: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountView:
    """``can_renew``: there are loans and the library system does not deny renewals."""

    loans: tuple[LoanView, ...]
    holds: tuple[HoldView, ...]
    fees: tuple[FeeView, ...]
    total_fees: str | None = None
    currency: str | None = None
    can_renew: bool = True


# --------------------------------------------------------------------------------- for staff


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterState:
    """The receipt printer as staff (and the patron's receipt choice) need to know it."""

    online: bool
    paper: str  # "ok" | "low" | "out" | "unknown"
    detail: str = ""

    @property
    def can_print(self) -> bool:
        return self.online and self.paper != "out"


class PrintProblem(enum.Enum):
    NO_PRINTER = "no_printer"  # this kiosk has none
    NOT_NOW = "not_now"  # the command was not taken (e.g. not in staff mode)
    FAILED = "failed"  # the printer failed: paper out, cover open, offline (see ``detail``)


@dataclass(frozen=True, slots=True, kw_only=True)
class PrintOutcome:
    """What came of a print job: printed, or why not (``detail`` is the driver's words)."""

    problem: PrintProblem | None = None
    detail: str = ""

    @property
    def printed(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconciliationLine:
    """One journal entry staff must look at. No patron data beyond a masked number."""

    entry_id: str
    kind: str  # "checkout" | "checkin" | "renew"
    item_id: str
    attention: str  # why it is on the list, e.g. "replay_refused"
    reason: str | None = None
    note: str | None = None
    masked_patron: str | None = None


@dataclass(frozen=True, slots=True)
class StaffStatus:
    """What the staff screen shows. No patron data."""

    library_system_online: bool
    reader_ok: bool
    printer: PrinterState | None
    offline_queue: int
    reconciliation: tuple[ReconciliationLine, ...]


class TagKind(enum.Enum):
    ITEM = "item"
    PATRON_CARD = "patron_card"  # a library card: its number is never shown
    UNREADABLE = "unreadable"  # the tag answers but its data cannot be decoded


@dataclass(frozen=True, slots=True, kw_only=True)
class TagReading:
    """One tag on the pad, decoded, for the staff's reader test."""

    uid: str  # hex
    kind: TagKind
    item_id: str | None = None  # never a patron card's number
    part: int = 1
    parts: int = 1
    afi: int | None = None
