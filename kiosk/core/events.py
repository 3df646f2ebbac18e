"""What the kiosk tells its screen: typed events and the enums that give them meaning.

Why typed events instead of strings: the UI translates every reason into ten languages, speaks
it, and picks an icon for it. So each refusal carries a :class:`Reason` (an enum the UI maps to
its catalog) plus, separately, the library system's own texts (``messages``, shown as they are).

Every event is an immutable dataclass deriving from :class:`KioskEvent`. Items are keyed by
their barcode (``item_id``); a tag that could not be decoded is keyed by its UID in hex.
Events never carry a PIN; patron names appear only in :class:`SessionStarted` for the screen.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from kiosk.core.model import AccountView, ItemRef, PrinterState, ReturnOutcome
from kiosk.core.modes import Command, Mode
from kiosk.core.receipts import Receipt

__all__ = [
    "AccountShown",
    "Action",
    "ActionRefused",
    "CommandRefused",
    "EndReason",
    "FeeAcknowledgementNeeded",
    "FinishHeld",
    "IdentifyRefused",
    "InactivityWarning",
    "IncompleteSet",
    "ItemBorrowed",
    "ItemChecking",
    "ItemDescribed",
    "ItemLeftOnPad",
    "ItemRefused",
    "ItemRenewed",
    "ItemReturned",
    "ItemSeen",
    "KioskEvent",
    "LibrarySystemStatus",
    "Mode",
    "ModeChanged",
    "PinRefused",
    "PinRequired",
    "Reason",
    "ReceiptDelivered",
    "ReceiptFailed",
    "ReceiptReady",
    "ScreenMessages",
    "SecurityNotCleared",
    "SentToStaff",
    "ServiceChanged",
    "SessionEnded",
    "SessionStarted",
    "StaffModeEntered",
    "StaffModeRefused",
]


class Action(enum.Enum):
    BORROW = "borrow"
    RETURN = "return"
    RENEW = "renew"
    IDENTIFY = "identify"
    ACCOUNT = "account"


class Reason(enum.Enum):
    """Why something was refused or needs attention. The UI translates each member."""

    # identification
    PATRON_UNKNOWN = "patron_unknown"
    PIN_WRONG = "pin_wrong"
    PIN_ATTEMPTS_EXCEEDED = "pin_attempts_exceeded"
    PIN_LOCKED = "pin_locked"  # the library system refuses the PIN for a while (too many wrong)
    CARD_LOST = "card_lost"
    CARD_EXPIRED = "card_expired"
    PATRON_BLOCKED = "patron_blocked"
    TOO_MANY_ITEMS = "too_many_items"
    TOO_MANY_OVERDUE = "too_many_overdue"
    TOO_MANY_LOST = "too_many_lost"
    EXCESSIVE_FEES = "excessive_fees"
    RECALL_OVERDUE = "recall_overdue"
    # items
    REFUSED_BY_LIBRARY = "refused_by_library"  # see the event's messages for the library's text
    ITEM_UNKNOWN = "item_unknown"
    INCOMPLETE_SET = "incomplete_set"
    TAG_UNREADABLE = "tag_unreadable"
    NOT_FOR_LOAN = "not_for_loan"  # the tag says: not for circulation (reference copy)
    NOT_A_LIBRARY_ITEM = "not_a_library_item"  # the tag says: discarded, or library equipment
    ON_LOAN_TO_OTHER = "on_loan_to_other"
    RESERVED_FOR_OTHER = "reserved_for_other"  # someone else waits for this copy
    ALREADY_BORROWED = "already_borrowed"  # the patron has this title already
    FEE_REQUIRED = "fee_required"  # the loan costs money and this kiosk does not ask
    NOT_ON_LOAN = "not_on_loan"  # a renewal of something the patron does not have
    NOT_FOR_LOAN_OFFLINE = "not_for_loan_offline"
    OFFLINE_LIMIT_REACHED = "offline_limit_reached"
    FEE_DECLINED = "fee_declined"
    RENEWAL_REFUSED = "renewal_refused"
    RENEWAL_RESERVED = "renewal_reserved"  # someone is waiting for it
    RENEWAL_LIMIT = "renewal_limit"  # renewed as many times as allowed
    SECURITY_NOT_CHANGED = "security_not_changed"  # place the item on the pad again
    LEFT_ON_PAD = "left_on_pad"  # was on the pad before the visit; the patron said not theirs
    LIBRARY_SYSTEM_UNAVAILABLE = "library_system_unavailable"
    NOT_ALLOWED_NOW = "not_allowed_now"  # e.g. borrowing with nobody identified; also when
    # the kiosk itself fails (journal disk): nothing was changed, staff see the log


class EndReason(enum.Enum):
    PATRON = "patron"  # the patron pressed "finish"
    TIMEOUT = "timeout"
    REFUSED = "refused"  # identification failed
    STAFF = "staff"
    SHUTDOWN = "shutdown"


@dataclass(frozen=True, slots=True, kw_only=True)
class KioskEvent:
    at: datetime = field(default_factory=datetime.now)


# ------------------------------------------------------------------------------------ session


@dataclass(frozen=True, slots=True, kw_only=True)
class ModeChanged(KioskEvent):
    mode: Mode
    previous: Mode


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted(KioskEvent):
    """A patron is identified (and, where needed, the PIN was accepted).

    ``display_name`` is for the screen only; ``masked_card`` like ``••••••1234``.
    """

    display_name: str
    masked_card: str
    language: str | None  # the patron's preferred UI language, when the library knows it
    messages: tuple[str, ...] = ()
    can_borrow: bool = True
    borrow_refusal: Reason | None = None  # why borrowing is blocked (returns still work)


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEnded(KioskEvent):
    """Everything about the patron has been dropped; the screen must clear too.

    ``items_on_pad``: items lent in the visit that still lie on the pad (the goodbye reminds
    the patron to take them; the next patron is asked before they are lent again)."""

    reason: EndReason
    items_on_pad: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class FinishHeld(KioskEvent):
    """The patron pressed "finish" while items lent in the visit still have their security on
    (they would set off the gate alarm): the visit goes on. Placing them on the pad again
    finishes them; :meth:`~kiosk.core.port.PatronCommands.seek_staff` sends the patron to the
    staff with them instead."""

    items: tuple[ItemRef, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class SentToStaff(KioskEvent):
    """The patron takes ``items`` (lent, security still on) to the staff: they are on the staff's
    list and the receipt says so; ``slip_printed`` when a slip for the desk came out."""

    items: tuple[ItemRef, ...]
    slip_printed: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PinRequired(KioskEvent):
    masked_card: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PinRefused(KioskEvent):
    attempts_left: int


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentifyRefused(KioskEvent):
    reason: Reason
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionRefused(KioskEvent):
    """A command could not be carried out (not an item, not the identification): e.g. the
    account while the library system is unavailable, or borrowing with nobody identified.
    The session goes on."""

    action: Action
    reason: Reason
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandRefused(KioskEvent):
    """The kiosk does not take ``command`` in ``mode`` (see :mod:`kiosk.core.modes`): nothing
    was changed. E.g. a card read while someone else's session is open."""

    command: Command
    mode: Mode


@dataclass(frozen=True, slots=True, kw_only=True)
class InactivityWarning(KioskEvent):
    """The session ends in ``seconds_left`` unless the patron touches the screen."""

    seconds_left: int


@dataclass(frozen=True, slots=True, kw_only=True)
class LibrarySystemStatus(KioskEvent):
    online: bool
    offline_mode: bool = False  # the kiosk keeps working under the offline policy


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceChanged(KioskEvent):
    """The kiosk opened, or closed: outside its opening hours (``opens_at`` is when it opens
    again, None when no hours say) or taken out of service by staff."""

    open: bool
    out_of_service: bool = False
    opens_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ScreenMessages(KioskEvent):
    """Texts from the library system for the patron (not tied to one item)."""

    messages: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffModeEntered(KioskEvent):
    pass


@dataclass(frozen=True, slots=True, kw_only=True)
class StaffModeRefused(KioskEvent):
    pass


# -------------------------------------------------------------------------------------- items


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemSeen(KioskEvent):
    """A tag arrived on the pad and was decoded."""

    item_id: str
    action: Action
    title: str = ""
    part: int = 1
    parts: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemLeftOnPad(KioskEvent):
    """The item lay on the pad before this visit began (left by the last patron, or there when
    the kiosk started): it is not lent until the patron says it is theirs
    (:meth:`~kiosk.core.port.PatronCommands.confirm_left_items`)."""

    item_id: str
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemDescribed(KioskEvent):
    """The title of an item shown so far by its barcode (refused at the pad, a set with parts
    missing, an item left on the pad), asked of the library system afterwards."""

    item_id: str
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemChecking(KioskEvent):
    """The library system is being asked about the item."""

    item_id: str
    action: Action


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemBorrowed(KioskEvent):
    """Lent and its security cleared (verified). ``renewed``: the patron already had it."""

    item_id: str
    title: str
    due_date: datetime | None
    renewed: bool = False
    offline: bool = False  # accepted under the offline policy; the library hears of it later
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRenewed(KioskEvent):
    item_id: str
    title: str
    due_date: datetime | None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemRefused(KioskEvent):
    item_id: str
    action: Action
    reason: Reason
    title: str = ""
    messages: tuple[str, ...] = ()
    retry_possible: bool = False  # on the retry list (e.g. library system unavailable)


@dataclass(frozen=True, slots=True, kw_only=True)
class SecurityNotCleared(KioskEvent):
    """The loan (or return) stands but the tag's security could not be changed and verified.

    The patron should place the item on the pad again; the kiosk retries by itself when it does.
    """

    item_id: str
    action: Action
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class IncompleteSet(KioskEvent):
    """Some parts of a multi-part item are missing from the pad; nothing of it was lent yet."""

    item_id: str
    parts: int
    present: tuple[int, ...]
    missing: tuple[int, ...]
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeAcknowledgementNeeded(KioskEvent):
    """The loan costs money; answer with ``Kiosk.acknowledge_fee(item_id, accept)``."""

    item_id: str
    title: str
    amount: str | None  # decimal as text, e.g. "25.00"
    currency: str | None
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemReturned(KioskEvent):
    item_id: str
    title: str
    outcome: ReturnOutcome
    offline: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountShown(KioskEvent):
    account: AccountView


# ----------------------------------------------------------------------------------- receipts


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptReady(KioskEvent):
    """The session's receipt as data; the UI shows the choice print / e-mail / none."""

    receipt: Receipt
    email_available: bool
    print_available: bool
    printer: PrinterState | None = None  # why "print" is not offered (out of paper, offline)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptDelivered(KioskEvent):
    how: str  # "print" | "email"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptFailed(KioskEvent):
    how: str
    detail: str
