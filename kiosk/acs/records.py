"""Read-only views of the consortium model, returned by :class:`kiosk.acs.ConsortiumModel`.

Tests of every area check loan states through these (``acs.model.item("30010001")``), so they are
plain frozen dataclasses with no database handle behind them: a view is a snapshot.
Personal fields (PIN, name) are kept out of ``repr`` so that a failing assertion does not print
them into CI logs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class BranchRecord:
    code: str
    name: str
    kind: str  # main | branch | bookbus
    library: str  # library code
    library_name: str
    isil: str  # the library's ISIL, e.g. SE-BOL


@dataclass(frozen=True, slots=True)
class LoanRecord:
    item: str
    patron: str
    branch: str
    loaned: datetime
    due: datetime
    renewals: int


@dataclass(frozen=True, slots=True)
class HoldRecord:
    id: int
    patron: str
    record: str
    pickup: str
    placed: datetime
    state: str  # waiting | in_transit | ready
    item: str | None
    expires: date | None
    position: int  # 1-based place in the record's queue (trapped holds count as 0)


@dataclass(frozen=True, slots=True)
class FeeRecord:
    id: int
    patron: str
    amount: int  # cents
    paid: int  # cents
    type: str
    item: str | None
    description: str

    @property
    def outstanding(self) -> int:
        return self.amount - self.paid


@dataclass(frozen=True, slots=True)
class ItemRecord:
    barcode: str
    record: str
    title: str
    author: str
    language: str
    media_type: str
    owner: str  # library code
    owner_isil: str
    home_branch: str
    location: str  # branch where it is (or was last), i.e. current location
    collection: str
    call_number: str
    parts: int
    floating: bool
    status: str  # available on_loan in_transit on_hold_shelf lost missing in_process reference
    transit_to: str | None
    properties: str
    tag_model: str  # iso28560-3 | iso28560-2
    tag_usage: int
    offline_loan: bool
    loan: LoanRecord | None = None
    hold: HoldRecord | None = None  # the hold this item is trapped for, if any


@dataclass(frozen=True, slots=True)
class PatronRecord:
    barcode: str
    home_branch: str
    home_library: str
    language: str
    blocked: str | None
    card_lost: bool
    expires: date | None
    card_uids: tuple[str, ...]
    name: str = field(repr=False)
    pin: str = field(repr=False)
    email: str = field(repr=False, default="")
    phone: str = field(repr=False, default="")
    address: str = field(repr=False, default="")


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A kiosk's SIP2 login. ``repr`` hides the password."""

    login: str
    branch: str
    location_code: str
    charset: str
    error_detection: bool
    terminator: bytes
    timeout_seconds: float
    retries: int
    password: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class LogEntry:
    id: int
    at: datetime
    account: str
    branch: str
    action: str
    item: str | None
    patron: str | None
    ok: bool
    detail: str
