"""The state of one patron's visit, and of each item the pad saw during it.

Why a separate, dumb module: the facade (:mod:`kiosk.core.kiosk`) holds exactly one
:class:`Session` at a time and replaces it with a fresh one when the visit ends, which is how
"everything about the patron is dropped" is guaranteed: nothing else keeps patron data.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.events import Reason
from kiosk.core.pad import PadTag
from kiosk.core.receipts import ReceiptEntry
from kiosk.ils.port import FeeDue, Patron

__all__ = ["ItemState", "Session", "TrackedItem"]


class ItemState(enum.Enum):
    INCOMPLETE = "incomplete"  # a multi-part set with parts missing from the pad
    CHECKING = "checking"  # the library system is being asked
    FEE = "fee"  # waiting for the patron to accept a fee
    SECURITY = "security"  # transaction done, security change not verified yet
    DONE = "done"
    REFUSED = "refused"
    RETRY = "retry"  # library system unavailable: on the retry list


@dataclass(slots=True)
class TrackedItem:
    """One item (all its parts) handled in this session by one pipeline."""

    item_id: str
    parts: int
    tags: dict[int, PadTag] = field(default_factory=dict)  # part number -> tag on the pad
    state: ItemState = ItemState.INCOMPLETE
    title: str = ""
    due_date: datetime | None = None
    renewed: bool = False
    offline: bool = False
    messages: tuple[str, ...] = ()
    fee: FeeDue | None = None
    media_type: str | None = None
    owner: str | None = None
    secured_uids: set[bytes] = field(default_factory=set)  # tags whose security change is verified
    entry_ids: dict[bytes, str] = field(default_factory=dict)  # journal entry per tag uid
    wants_security: bool = False  # the transaction asked for a security change
    refused_reason: Reason | None = None
    sent_to_staff: bool = False  # security still on: the patron takes it to the desk

    @property
    def missing_parts(self) -> tuple[int, ...]:
        return tuple(n for n in range(1, self.parts + 1) if n not in self.tags)

    @property
    def complete(self) -> bool:
        return not self.missing_parts

    @property
    def pending_uids(self) -> list[bytes]:
        """Tags on the pad still waiting for their security change."""
        return [tag.uid for tag in self.tags.values() if tag.uid not in self.secured_uids]


@dataclass(slots=True)
class Session:
    """One patron's visit (or an anonymous return visit when ``patron_id`` is None)."""

    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    patron_id: str | None = None
    pin: str | None = None
    patron: Patron | None = None
    verified: bool = False  # identity (and PIN where needed) accepted
    offline: bool = False  # identified while the library system was unavailable
    pin_attempts_left: int = 3
    can_borrow: bool = False
    borrow_refusal: Reason | None = None
    borrowed: dict[str, TrackedItem] = field(default_factory=dict)
    returned: dict[str, TrackedItem] = field(default_factory=dict)
    receipt_entries: list[ReceiptEntry] = field(default_factory=list)
    unreadable_reported: set[bytes] = field(default_factory=set)
    # Tags lent (or returned) in this session that have not left the pad since: switching
    # from borrowing to returning (or back) must not undo what just happened.
    lent_on_pad: set[bytes] = field(default_factory=set)
    returned_on_pad: set[bytes] = field(default_factory=set)
    # Tags that lay on the pad before the visit began, by item: waiting for the patron to say
    # whether they are theirs; and those the patron said are not.
    left_waiting: dict[str, list[PadTag]] = field(default_factory=dict)
    left_declined: set[bytes] = field(default_factory=set)
    receipt_failed: set[str] = field(default_factory=set)  # "print" / "email" failed this visit

    def wipe(self) -> None:
        """Forget the patron (the object may still be referenced by a finishing task)."""
        self.patron_id = None
        self.pin = None
        self.patron = None
        self.borrowed.clear()
        self.returned.clear()
        self.receipt_entries.clear()
        self.lent_on_pad.clear()
        self.returned_on_pad.clear()
        self.left_waiting.clear()
        self.left_declined.clear()
