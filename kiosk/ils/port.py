"""The library-system port: one interface the kiosk core talks to, whatever the back end.

Why a port: the core must not know whether loans go over SIP2 to a Koha server, over REST to
FOLIO, or to the embedded demo system. Every adapter (``kiosk.ils.sip2``, ``kiosk.ils.folio``)
returns the typed results below and raises the typed errors below; nothing here mentions SIP2
field tags or FOLIO JSON.

Conventions:
- Identifiers (patron and item) are the library's barcodes as plain strings.
- Dates are timezone-aware :class:`datetime` when the back end gave a zone, naive local time
  otherwise; ``None`` means "not given".
- ``messages`` are texts the library system wants the patron to see (already in the patron's
  language when the back end supports it); ``print_lines`` are for the receipt.
- A refusal is a *result* (``ok=False``), not an exception. Exceptions mean the question could
  not be answered: :class:`LibrarySystemUnavailable` (down, offline, unreachable) or
  :class:`LibrarySystemProtocolError` (it answered nonsense).
"""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from kiosk.ils.notices import Notice
from kiosk.sip2.fields import MEDIA_TYPES

__all__ = [
    "BORROWING_BLOCKS",
    "CheckinAlert",
    "CheckinResult",
    "CheckoutResult",
    "Fee",
    "FeeDue",
    "FeeKind",
    "Hold",
    "HoldState",
    "ItemInfo",
    "ItemStatus",
    "LibrarySystem",
    "LibrarySystemError",
    "LibrarySystemProtocolError",
    "LibrarySystemUnavailable",
    "Loan",
    "LoanRequest",
    "Notice",
    "OutcomeUnknown",
    "Patron",
    "PatronAccount",
    "PatronBlock",
    "RenewAllResult",
    "RenewRequest",
    "RenewResult",
    "ReturnRequest",
    "media_type_name",
]


def media_type_name(value: str) -> str:
    """A media type by the name the port reports (``book``), whether given by name or by the
    SIP2 code (``001``) a library's configuration may still use."""
    return MEDIA_TYPES.get(value, value)


# --------------------------------------------------------------------------------------- errors


class LibrarySystemError(Exception):
    """The library system could not answer the question. Never carries a PIN or a name."""


class LibrarySystemUnavailable(LibrarySystemError):
    """Down, unreachable, refusing logins or declaring itself offline: try later or go offline."""


class OutcomeUnknown(LibrarySystemUnavailable):
    """The request may have reached the library system but no answer came back.

    A checkout or check-in in this state must be resolved (item information, or a replay the
    server recognises) before anyone assumes it did or did not happen.
    """


class LibrarySystemProtocolError(LibrarySystemError):
    """The library system answered something the adapter cannot interpret."""


# ------------------------------------------------------------------------------------- patrons


class PatronBlock(enum.Enum):
    """Restrictions on a patron record (the 14 classic self-check status flags, named)."""

    CHARGE_DENIED = "charge_denied"
    RENEWAL_DENIED = "renewal_denied"
    RECALL_DENIED = "recall_denied"
    HOLD_DENIED = "hold_denied"
    CARD_LOST = "card_lost"
    TOO_MANY_CHARGED = "too_many_charged"
    TOO_MANY_OVERDUE = "too_many_overdue"
    TOO_MANY_RENEWALS = "too_many_renewals"
    TOO_MANY_CLAIMS_RETURNED = "too_many_claims_returned"
    TOO_MANY_LOST = "too_many_lost"
    EXCESSIVE_FINES = "excessive_fines"
    EXCESSIVE_FEES = "excessive_fees"
    RECALL_OVERDUE = "recall_overdue"
    TOO_MANY_BILLED = "too_many_billed"


#: The blocks that stop a patron from borrowing at a self-service kiosk.
BORROWING_BLOCKS: frozenset[PatronBlock] = frozenset(
    {
        PatronBlock.CHARGE_DENIED,
        PatronBlock.CARD_LOST,
        PatronBlock.TOO_MANY_CHARGED,
        PatronBlock.TOO_MANY_OVERDUE,
        PatronBlock.TOO_MANY_LOST,
        PatronBlock.EXCESSIVE_FINES,
        PatronBlock.EXCESSIVE_FEES,
        PatronBlock.RECALL_OVERDUE,
        PatronBlock.TOO_MANY_BILLED,
    }
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Patron:
    """Who the patron is and whether they may use the kiosk.

    ``valid`` says the library knows this card; ``pin_valid`` is None when no PIN was checked.
    ``pin_locked``: the PIN is refused even when right, after too many wrong ones (the patron
    must wait or ask staff). ``notices``: what the adapter recognised among ``messages`` (see
    :mod:`kiosk.ils.notices`); ``messages`` stay as sent (staff tools show them).
    ``name`` is for the screen only: never log it.
    """

    patron_id: str
    valid: bool
    pin_valid: bool | None
    name: str = ""
    language: str | None = None  # ISO 639-1, e.g. "sv"
    blocks: frozenset[PatronBlock] = frozenset()
    home_library: str | None = None
    email: str | None = None
    fee_amount: Decimal | None = None
    currency: str | None = None
    messages: tuple[str, ...] = ()
    pin_locked: bool = False
    notices: tuple[Notice, ...] = ()

    @property
    def borrowing_blocks(self) -> frozenset[PatronBlock]:
        return self.blocks & BORROWING_BLOCKS


# --------------------------------------------------------------------------------- the account


@dataclass(frozen=True, slots=True, kw_only=True)
class Loan:
    item_id: str
    title: str = ""
    due_date: datetime | None = None
    overdue: bool = False


class HoldState(enum.Enum):
    WAITING = "waiting"  # in the queue, no copy assigned yet
    IN_TRANSIT = "in_transit"  # a copy is on its way to the pickup branch
    READY = "ready"  # on the hold shelf at the pickup branch


@dataclass(frozen=True, slots=True, kw_only=True)
class Hold:
    title: str = ""
    item_id: str | None = None
    state: HoldState = HoldState.WAITING
    pickup_location: str | None = None  # branch code; the core looks the name up
    pickup_by: datetime | None = None


class FeeKind(enum.Enum):
    """What a fee is for (SIP2's fee types, FOLIO's usual fee/fine types)."""

    OVERDUE = "overdue"
    REPLACEMENT = "replacement"  # a lost item
    DAMAGE = "damage"
    RENTAL = "rental"
    PROCESSING = "processing"
    ADMINISTRATIVE = "administrative"
    HOLD = "hold"
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fee:
    """One fee owed. ``description`` is the library system's text, ``kind`` what it is for
    when the adapter can tell, ``title`` and ``created`` the item and the day, when given."""

    amount: Decimal | None
    currency: str | None = None
    description: str = ""
    item_id: str | None = None
    kind: FeeKind | None = None
    title: str = ""
    created: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PatronAccount:
    patron: Patron
    loans: tuple[Loan, ...] = ()
    holds: tuple[Hold, ...] = ()
    fees: tuple[Fee, ...] = ()


# ------------------------------------------------------------------------------- circulation


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewRequest:
    """A patron asks to keep an item they have on loan for another loan period.

    ``pin``: the patron's PIN when the kiosk asked for it (left out of the request's repr, so a
    logged request never shows it). ``fee_acknowledged``: the patron accepted a fee the library
    system announced for this item (see :class:`FeeDue`).
    """

    patron_id: str
    item_id: str
    pin: str | None = field(default=None, repr=False)
    fee_acknowledged: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class LoanRequest(RenewRequest):
    """A patron asks to borrow an item.

    It carries a renewal's facts because borrowing an item the patron already has renews it
    (what self-service kiosks expect). On top, the two an offline replay needs: ``no_block``
    (the kiosk already lent the item, so the library system must not refuse it for the patron's
    blocks or limits) and ``transaction_date`` (when the loan really happened; None: now).
    """

    no_block: bool = False
    transaction_date: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReturnRequest:
    """An item comes back (no patron is involved in a return).

    ``no_block`` and ``transaction_date`` as in :class:`LoanRequest`: an offline return replayed
    later is accepted as it happened at ``transaction_date`` (None: now).
    """

    item_id: str
    no_block: bool = False
    transaction_date: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FeeDue:
    """A charge the patron must accept before the loan goes through (e.g. a rental DVD)."""

    amount: Decimal | None
    currency: str | None = None
    kind: str = ""  # free text from the back end, e.g. "rental"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckoutResult:
    """Answer to a checkout. ``renewal`` is True when the patron already had the item.

    ``desensitize`` is the library system's word on the security tag: only ``True`` allows the
    kiosk to clear the security; ``None`` means the back end did not say.
    """

    ok: bool
    item_id: str
    renewal: bool = False
    title: str = ""
    due_date: datetime | None = None
    desensitize: bool | None = None
    fee_due: FeeDue | None = None
    media_type: str | None = None
    messages: tuple[str, ...] = ()
    print_lines: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()  # recognised refusal texts (see kiosk.ils.notices)


class CheckinAlert(enum.Enum):
    """What the library system asks to be done with a returned item (back-end neutral)."""

    NONE = "none"  # no alert: reshelve
    HOLD_HERE = "hold_here"  # a patron waits for it at this branch
    HOLD_ELSEWHERE = "hold_elsewhere"  # a patron waits for it at another branch: transit
    INTERLIBRARY_LOAN = "interlibrary_loan"  # an interlibrary-loan hold
    SEND_ELSEWHERE = "send_elsewhere"  # belongs elsewhere (no hold): transit
    OTHER = "other"  # special handling: exception


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckinResult:
    """Answer to a check-in, with every routing fact the back end gave.

    ``ok=False`` is not an error: the item is routed to exceptions and the kiosk prints a slip.
    """

    ok: bool
    item_id: str
    title: str = ""
    resensitize: bool | None = None
    alert: CheckinAlert = CheckinAlert.NONE
    permanent_location: str | None = None
    destination: str | None = None  # branch/library code the item must go to
    sort_bin: str | None = None
    collection: str | None = None
    call_number: str | None = None
    media_type: str | None = None
    owner: str | None = None
    hold_for_patron: bool = False  # a hold is attached (the patron's identity is not kept)
    messages: tuple[str, ...] = ()
    print_lines: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewResult:
    ok: bool
    item_id: str
    title: str = ""
    due_date: datetime | None = None
    fee_due: FeeDue | None = None
    messages: tuple[str, ...] = ()
    notices: tuple[Notice, ...] = ()  # recognised refusal texts (see kiosk.ils.notices)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenewAllResult:
    ok: bool
    renewed: tuple[str, ...] = ()
    not_renewed: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


class ItemStatus(enum.Enum):
    AVAILABLE = "available"
    ON_LOAN = "on_loan"
    ON_HOLD_SHELF = "on_hold_shelf"
    IN_TRANSIT = "in_transit"
    MISSING = "missing"
    LOST = "lost"
    UNKNOWN = "unknown"  # the library system does not know the item
    OTHER = "other"


@dataclass(frozen=True, slots=True, kw_only=True)
class ItemInfo:
    item_id: str
    status: ItemStatus
    title: str = ""
    due_date: datetime | None = None
    owner: str | None = None
    permanent_location: str | None = None
    current_location: str | None = None
    destination: str | None = None
    media_type: str | None = None
    hold_queue_length: int | None = None
    hold_pickup_by: datetime | None = None  # on the hold shelf: the last day to pick it up
    messages: tuple[str, ...] = ()


# ----------------------------------------------------------------------------------- the port


class LibrarySystem(abc.ABC):
    """What the kiosk needs from a library system. Adapters implement every method.

    Methods are safe to call concurrently; an adapter with a connection pool runs them in
    parallel. Each change takes one request object (:class:`LoanRequest`,
    :class:`ReturnRequest`, :class:`RenewRequest`); their ``no_block`` and ``transaction_date``
    exist for offline replays: the library system must accept the transaction as it happened at
    ``transaction_date``.
    """

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> LibrarySystem:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    @property
    @abc.abstractmethod
    def online(self) -> bool:
        """The last known state: False after an :class:`LibrarySystemUnavailable`."""

    @abc.abstractmethod
    async def check_online(self) -> bool:
        """Ask the library system now whether it accepts circulation (never raises)."""

    @abc.abstractmethod
    async def patron(
        self, patron_id: str, pin: str | None = None, *, details: bool = False
    ) -> Patron:
        """Validate a patron (and their PIN, when given) and return their blocks.

        ``details``: also fetch contact details (``email``), which may cost a fuller request.
        """

    @abc.abstractmethod
    async def account(self, patron_id: str, pin: str | None = None) -> PatronAccount:
        """Loans with due dates, holds with their state and pickup location, fees."""

    @abc.abstractmethod
    async def checkout(self, request: LoanRequest) -> CheckoutResult: ...

    @abc.abstractmethod
    async def checkin(self, request: ReturnRequest) -> CheckinResult: ...

    @abc.abstractmethod
    async def renew(self, request: RenewRequest) -> RenewResult: ...

    @abc.abstractmethod
    async def renew_all(self, patron_id: str, *, pin: str | None = None) -> RenewAllResult: ...

    @abc.abstractmethod
    async def item(self, item_id: str) -> ItemInfo: ...

    async def end_patron_session(self, patron_id: str) -> None:  # noqa: B027 - optional hook
        """Tell the library system the patron left (optional; default does nothing)."""

    def branch_names(self) -> dict[str, str]:
        """Branch/library code -> display name, when the back end knows them (else empty)."""
        return {}
