"""The consortium data file: its documented shape, validated before anything is loaded.

A library that wants to try a kiosk against its own collection writes one JSON file in this shape
(documented for libraries in ``docs/data-format.md``). Validation happens here, in one
place, so that a wrong value is reported with the file, the path of the key and what was expected
instead of surfacing later as an SQLite constraint error in the middle of a loan.

Money is written as decimal strings ("25.00") and kept as integer cents; dates are ISO 8601
("2026-11-20" or "2026-11-20T14:30:00"), local time of the consortium.
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Iterable
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import partial
from pathlib import Path
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from kiosk.acs.errors import DataFileError

FORMAT_NAME = "nordic-kiosk-consortium/1"

MediaType = Literal[
    "book", "audiobook", "ebook-reader", "dvd", "bluray", "cd", "magazine", "game", "kit", "other"
]
RoutingOutcome = Literal[
    "reshelve", "floating_stays", "hold_here", "hold_transit", "transit_home", "exception"
]
Language = Annotated[str, Field(pattern=r"^[a-z]{3}$")]  # ISO 639-2/3, e.g. swe, nob, sme, som
# Card and item barcodes: some consortia number their staff or test cards from 3 characters.
Barcode = Annotated[str, Field(pattern=r"^[A-Za-z0-9]{3,20}$")]
# A branch code, in either case: "BOL-HB" and "bol-hb" name the same branch (see ConsortiumData).
BranchCode = Annotated[str, Field(pattern=r"^[A-Za-z0-9-]{2,20}$")]
# SIP2's institution id (AO) is free text: an ISIL ("SE-BOL"), or a short code ("bol", "HELMET").
InstitutionId = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[^|\x00-\x1f\x7f]+$")]


def cents(value: str | int | float) -> int:
    """Turn "25.00" (or 25) into 2500; reject anything that is not a non-negative amount."""
    try:
        amount = Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if amount < 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount must be >= 0 with at most 2 decimals, got {value!r}")
    return int(amount * 100)


#: Money as the file writes it ("25.00") read into integer cents (2500).
Cents = Annotated[int, BeforeValidator(cents)]

_RELATIVE = re.compile(r"^today(?:([+-])(\d{1,4}))?(?:T(\d{2}):(\d{2}))?$")


def relative_date(value: object, *, default_time: time | None) -> object:
    """Resolve "today", "today-3" or "today+14T23:59" against the local date of loading.

    Demo data that says "due in two weeks" stays sensible on whatever day the demo is run;
    absolute ISO dates pass through unchanged. ``default_time`` None means a plain date.
    """
    if not isinstance(value, str):
        return value
    match = _RELATIVE.match(value.strip())
    if match is None:
        return value
    sign, days, hour, minute = match.groups()
    day = date.today() + timedelta(days=(-1 if sign == "-" else 1) * int(days or 0))
    if default_time is None:
        return day
    at = time(int(hour), int(minute)) if hour is not None else default_time
    return datetime.combine(day, at)


def _relative(default_time: time | None) -> BeforeValidator:
    return BeforeValidator(partial(relative_date, default_time=default_time))


#: A moment, ISO 8601 or relative to the day of loading ("today-3T10:00"); at noon without a time.
Moment = Annotated[datetime, _relative(time(12, 0))]
#: When a loan is due: as :data:`Moment`, but at the end of the day without a time.
DueMoment = Annotated[datetime, _relative(time(23, 59))]
#: A day, ISO 8601 or relative to the day of loading ("today+14").
Day = Annotated[date, _relative(None)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SortRule(_Strict):
    """One line of a branch's sort-bin mapping; the first rule whose conditions all match wins."""

    bin: str = Field(min_length=1, max_length=20)
    outcome: RoutingOutcome | None = None
    media_type: MediaType | None = None
    destination_library: str | None = None
    collection: str | None = None


class Branch(_Strict):
    code: BranchCode
    name: str
    kind: Literal["main", "branch", "bookbus"] = "branch"
    sort_bins: list[SortRule] = []


class Library(_Strict):
    """A member library (a municipality) of the consortium."""

    code: str = Field(pattern=r"^[A-Z0-9]{2,10}$")
    isil: InstitutionId  # sent as AO and as an item's owner (BG); an ISIL where there is one
    name: str
    branches: list[Branch] = Field(min_length=1)


class LoanRule(_Strict):
    """Loan rule for a library ("*" = every library) and media type ("*" = every type)."""

    library: str = "*"
    media_type: MediaType | Literal["*"] = "*"
    loan_days: int = Field(ge=1, le=365)
    renewals: int = Field(ge=0, le=99)
    max_loans: int = Field(ge=1, le=999)
    loan_fee: Cents = 0  # > 0 makes the loan chargeable (asked for with BO=Y)
    overdue_fee_per_day: Cents = 0
    loanable: bool = True


class Policy(_Strict):
    """Consortium-wide patron limits (SIP2 64 fields CC, CA, BZ) and offline replay rules."""

    fee_limit: Cents = 10000  # fees above it deny loans (patron status position 11)
    overdue_limit: int = 10  # overdue loans above it deny loans (position 6)
    hold_limit: int = 20
    hold_shelf_days: int = 7
    offline_replay_max_age_days: int = 14
    currency: str = Field(default="SEK", pattern=r"^[A-Z]{3}$")
    # Guessing (kiosk/acs/lockout.py): wrong PINs per patron and wrong passwords per SIP2 account
    # in a row that lock it, and for how long. A kiosk's pool logs in on several connections at
    # once, so one wrong password costs a few attempts: logins get more.
    pin_attempts: int = Field(default=5, ge=1, le=100)
    pin_lockout_minutes: float = Field(default=15.0, gt=0, le=7 * 24 * 60)
    login_attempts: int = Field(default=10, ge=1, le=1000)
    login_lockout_minutes: float = Field(default=15.0, gt=0, le=7 * 24 * 60)


class Fee(_Strict):
    amount: Cents
    type: Literal[
        "other",
        "administrative",
        "damage",
        "overdue",
        "processing",
        "rental",
        "replacement",
        "hold",
    ] = "overdue"
    item: str | None = None
    description: str = ""


class Patron(_Strict):
    barcode: Barcode
    card_uids: list[str] = []
    pin: str = Field(pattern=r"^[0-9]{4,8}$")
    name: str
    home_branch: str
    language: Language = "swe"
    email: str = ""
    phone: str = ""
    address: str = ""  # home address, one line ("Storgatan 1, 821 30 Bollnäs"), sent as BD
    blocked: str | None = None  # reason, for staff; a blocked patron cannot borrow or renew
    card_lost: bool = False
    expires: Day | None = None
    fees: list[Fee] = []

    @field_validator("card_uids")
    @classmethod
    def _uids(cls, values: list[str]) -> list[str]:
        for uid in values:
            if len(uid) not in (8, 14, 16, 20) or any(c not in "0123456789ABCDEF" for c in uid):
                raise ValueError(f"card UID must be 4, 7, 8 or 10 bytes of upper-case hex: {uid!r}")
        return values


class Tag(_Strict):
    """What the item's RFID tag(s) carry besides the barcode (ISO 28560)."""

    model: Literal["iso28560-3", "iso28560-2"] = "iso28560-3"
    usage: int = Field(default=1, ge=0, le=15)  # 1 circulating, 2 not for circulation, ...
    offline_loan: bool = True  # False: "not for loan while offline"


class Item(_Strict):
    barcode: Barcode
    record: str  # bibliographic record: copies share it and one holds queue
    title: str
    author: str = ""
    language: Language
    media_type: MediaType
    owner: str  # library code
    home_branch: str
    location: str | None = None  # current branch if not its home (e.g. floated)
    collection: str = ""
    call_number: str = ""
    parts: int = Field(default=1, ge=1, le=255)
    floating: bool = False
    status: Literal["available", "lost", "missing", "in_process", "reference"] = "available"
    tag: Tag = Tag()


class Loan(_Strict):
    item: str
    patron: str
    branch: str
    loaned: Moment
    due: DueMoment
    renewals: int = 0


class Hold(_Strict):
    """A hold on a record. waiting: in the queue; in_transit/ready: an item has been trapped."""

    patron: str
    record: str
    pickup: str
    placed: Moment
    state: Literal["waiting", "in_transit", "ready"] = "waiting"
    item: str | None = None
    expires: Day | None = None

    @model_validator(mode="after")
    def _item_when_trapped(self) -> Hold:
        if self.state != "waiting" and self.item is None:
            raise ValueError(f"a hold in state {self.state!r} needs the trapped 'item'")
        return self


class Account(_Strict):
    """A kiosk's SIP2 login, tied to one branch; protocol options are per account."""

    login: str = Field(min_length=1, max_length=64)
    password: str
    branch: str
    location_code: str = ""
    charset: Literal["utf-8", "cp850", "iso-8859-1", "ascii"] = "utf-8"
    error_detection: bool = True
    terminator: Literal["CR", "CRLF"] = "CR"
    timeout_seconds: float = Field(default=60.0, ge=0, le=99.9)  # 0 = no idle timeout
    retries: int = Field(default=3, ge=0, le=999)


class ConsortiumData(_Strict):
    format: Literal["nordic-kiosk-consortium/1"]
    name: str
    policy: Policy = Policy()
    libraries: list[Library] = Field(min_length=1)
    loan_rules: list[LoanRule] = Field(min_length=1)
    patrons: list[Patron] = []
    items: list[Item] = []
    loans: list[Loan] = []
    holds: list[Hold] = []
    accounts: list[Account] = []
    examples: dict[str, dict[str, str]] = {}  # named showcase records, documented in the README

    def branch_spellings(self) -> dict[str, str]:
        """Every branch code in upper case -> its spelling where the branch is defined.

        References may write a branch code in any case; the model stores the defined spelling,
        so that one branch is never two.
        """
        return {b.code.upper(): b.code for lib in self.libraries for b in lib.branches}

    @model_validator(mode="after")
    def _references(self) -> ConsortiumData:
        """Every code a record names must exist; problems are listed together."""
        libraries = {lib.code for lib in self.libraries}
        branches = _CaseInsensitive(b.code for lib in self.libraries for b in lib.branches)
        patrons = {p.barcode for p in self.patrons}
        items = {i.barcode for i in self.items}
        records = {i.record for i in self.items}
        problems: list[str] = []

        def need(ok: bool, where: str, what: str) -> None:
            if not ok:
                problems.append(f"{where}: {what}")

        def known(value: str | None, among: Container[str], where: str, kind: str) -> None:
            """A reference (None: none) to something the file defines. A patron's card number
            is not repeated in the message: the file's problems are printed and logged."""
            shown = "" if kind == "patron" else f" {value!r}"
            need(value is None or value in among, where, f"unknown {kind}{shown}")

        for n, rule in enumerate(self.loan_rules):
            known(rule.library, libraries | {"*"}, f"loan_rules[{n}].library", "library")
        need(
            any(r.library == "*" and r.media_type == "*" for r in self.loan_rules),
            "loan_rules",
            "needs a default rule with library '*' and media_type '*'",
        )
        for n, p in enumerate(self.patrons):
            known(p.home_branch, branches, f"patrons[{n}].home_branch", "branch")
        for n, i in enumerate(self.items):
            known(i.owner, libraries, f"items[{n}].owner", "library")
            known(i.home_branch, branches, f"items[{n}].home_branch", "branch")
            known(i.location, branches, f"items[{n}].location", "branch")
        for n, loan in enumerate(self.loans):
            known(loan.item, items, f"loans[{n}].item", "item")
            known(loan.patron, patrons, f"loans[{n}].patron", "patron")
            known(loan.branch, branches, f"loans[{n}].branch", "branch")
        for n, hold in enumerate(self.holds):
            known(hold.patron, patrons, f"holds[{n}].patron", "patron")
            known(hold.record, records, f"holds[{n}].record", "record")
            known(hold.pickup, branches, f"holds[{n}].pickup", "branch")
            known(hold.item, items, f"holds[{n}].item", "item")
        for n, acc in enumerate(self.accounts):
            known(acc.branch, branches, f"accounts[{n}].branch", "branch")
        for kind, seen in (
            ("item", [i.barcode for i in self.items]),
            ("patron", [p.barcode for p in self.patrons]),
            ("account", [a.login for a in self.accounts]),
            ("loan", [loan.item for loan in self.loans]),
            ("branch", [b.code.upper() for lib in self.libraries for b in lib.branches]),
        ):
            dupes = (
                sorted({x for x in seen if seen.count(x) > 1})
                if len(seen) != len(set(seen))
                else []
            )
            need(not dupes, f"{kind}s", f"duplicate {kind} keys {dupes[:5]}")
        uids = [u for p in self.patrons for u in p.card_uids]
        need(len(uids) == len(set(uids)), "patrons.card_uids", "a card UID belongs to two patrons")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class _CaseInsensitive(set[str]):
    """Branch codes for membership tests in any case ("bol-hb" in {"BOL-HB"})."""

    def __init__(self, codes: Iterable[str] = ()) -> None:
        super().__init__(code.upper() for code in codes)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and super().__contains__(code.upper())


def parse_data(raw: bytes | str, *, source: str = "<data>") -> ConsortiumData:
    """Validate consortium data from JSON text; raise :class:`DataFileError` naming the key."""
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataFileError(source, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from exc
    try:
        return ConsortiumData.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more problems)" if exc.error_count() > 1 else ""
        raise DataFileError(source, where, first["msg"] + more) from exc


def read_data(path: str | Path) -> ConsortiumData:
    """Read and validate a consortium data file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DataFileError(str(path), "(file)", f"cannot read: {exc.strerror}") from exc
    return parse_data(raw, source=str(path))
