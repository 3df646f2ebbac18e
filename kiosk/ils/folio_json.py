"""FOLIO's JSON records as the port's types: pure functions, no I/O.

Every FOLIO field the kiosk reads is read here, so the adapter (:mod:`kiosk.ils.folio`) only
decides which request answers which question. Records come from mod-users (users), mod-inventory
(items), mod-circulation (loans, requests, check-in answers), mod-feesfines (accounts, manual
blocks) and mod-patron-blocks (automated blocks). Unknown or missing fields are tolerated (FOLIO
versions differ); a record without the fields the answer needs is a
:class:`~kiosk.ils.port.LibrarySystemProtocolError`.

Check-in routing, the FOLIO way: the item's status after the check-in says what to do with it,
and the service points say where --

========================================  ==================================================
check-in answer                           routing (the same outcomes as SIP2's CV/CT)
========================================  ==================================================
item status "Awaiting pickup"             HOLD_HERE: a request waits for it at this desk
"In transit" + a request in the slip      HOLD_ELSEWHERE, destination = the transit service
  context (``staffSlipContext.request``)  point's code
"In transit" without a request            SEND_ELSEWHERE (goes home), destination as above
"Awaiting delivery"                       OTHER: a delivery request, staff handle it
anything else ("Available" ...)           NONE: reshelve here
========================================  ==================================================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.ils.notices import recognise
from kiosk.ils.port import (
    CheckinAlert,
    CheckinResult,
    CheckoutResult,
    Fee,
    FeeKind,
    Hold,
    HoldState,
    ItemInfo,
    ItemStatus,
    LibrarySystemProtocolError,
    Loan,
    Patron,
    PatronBlock,
    RenewResult,
)

__all__ = [
    "CONDITION_BLOCKS",
    "CodeOf",
    "blocks_from",
    "checkin_from",
    "checkout_from",
    "cql_quote",
    "fee_from",
    "hold_from",
    "item_info_from",
    "loan_from",
    "money",
    "parse_date",
    "patron_from",
    "records",
    "renew_from",
]

#: Service point id -> its code (the kiosk's branch codes), or None when unknown.
CodeOf = Callable[[str | None], str | None]

#: mod-patron-blocks condition ids (fixed in every tenant) -> the block they stand for.
CONDITION_BLOCKS: dict[str, PatronBlock] = {
    "3d7c52dc-c732-4223-8bf8-e5917801386f": PatronBlock.TOO_MANY_CHARGED,
    "72b67965-5b73-4840-bc0b-be8f3f6e047e": PatronBlock.TOO_MANY_LOST,
    "584fbd4f-6a34-4730-a6ca-73a6a6a9d845": PatronBlock.TOO_MANY_OVERDUE,
    "e5b45031-a202-4abb-917b-e1df9346fe2c": PatronBlock.RECALL_OVERDUE,
    "08530ac4-07f2-48e6-9dda-a97bc2bf7053": PatronBlock.RECALL_OVERDUE,
    "cf7a0d5f-a327-4ca1-aa9e-dc55ec006b8a": PatronBlock.EXCESSIVE_FEES,
}

_ITEM_STATUS = {
    "available": ItemStatus.AVAILABLE,
    "checked out": ItemStatus.ON_LOAN,
    "awaiting pickup": ItemStatus.ON_HOLD_SHELF,
    "in transit": ItemStatus.IN_TRANSIT,
    "missing": ItemStatus.MISSING,
    "long missing": ItemStatus.MISSING,
    "declared lost": ItemStatus.LOST,
    "aged to lost": ItemStatus.LOST,
    "lost and paid": ItemStatus.LOST,
}

_HOLD_STATE = {
    "open - awaiting pickup": HoldState.READY,
    "open - in transit": HoldState.IN_TRANSIT,
    "open - not yet filled": HoldState.WAITING,
    "open - awaiting delivery": HoldState.IN_TRANSIT,
}

_CQL_SPECIAL = set('\\"*?^')


def cql_quote(value: str) -> str:
    """A CQL string literal: quoted, with CQL's masking characters escaped."""
    return '"' + "".join("\\" + c if c in _CQL_SPECIAL else c for c in value) + '"'


def _get(record: Any, *path: str) -> Any:
    for name in path:
        if not isinstance(record, Mapping):
            return None
        record = record.get(name)
    return record


def _text(record: Any, *path: str) -> str:
    value = _get(record, *path)
    return value.strip() if isinstance(value, str) else ""


def parse_date(text: Any) -> datetime | None:
    """A FOLIO date-time (UTC, ``...Z``) as an aware local time; None when absent."""
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return moment.astimezone() if moment.tzinfo is not None else moment


def money(value: Any) -> Decimal | None:
    """FOLIO amounts are JSON numbers in the currency's units (e.g. 15.0 SEK)."""
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None


def records(data: Any, key: str) -> list[Mapping[str, Any]]:
    """The records of a collection answer (``{"loans": [...], "totalRecords": n}``)."""
    found = _get(data, key)
    if not isinstance(found, list):
        raise LibrarySystemProtocolError(f"FOLIO answered without a {key!r} list")
    return [record for record in found if isinstance(record, Mapping)]


# -------------------------------------------------------------------------------------- patrons


def blocks_from(
    automated: Iterable[Mapping[str, Any]],
    manual: Iterable[Mapping[str, Any]],
    *,
    lost_card_codes: frozenset[str],
    now: datetime,
) -> tuple[frozenset[PatronBlock], tuple[str, ...]]:
    """Automated and manual patron blocks as the port's blocks, and their patron messages."""
    blocks: set[PatronBlock] = set()
    messages: list[str] = []
    for block in automated:
        condition = CONDITION_BLOCKS.get(_text(block, "patronBlockConditionId").lower())
        if block.get("blockBorrowing"):
            blocks.add(PatronBlock.CHARGE_DENIED)
            if condition is not None:
                blocks.add(condition)
        if block.get("blockRenewals"):
            blocks.add(PatronBlock.RENEWAL_DENIED)
        if block.get("blockRequests"):
            blocks.add(PatronBlock.HOLD_DENIED)
        if _text(block, "message"):
            messages.append(_text(block, "message"))
    for block in manual:
        expires = parse_date(block.get("expirationDate"))
        if expires is not None and expires.tzinfo is not None and expires < now:
            continue
        if block.get("borrowing"):
            blocks.add(PatronBlock.CHARGE_DENIED)
        if block.get("renewals"):
            blocks.add(PatronBlock.RENEWAL_DENIED)
        if block.get("requests"):
            blocks.add(PatronBlock.HOLD_DENIED)
        if _text(block, "code") and _text(block, "code") in lost_card_codes:
            blocks.add(PatronBlock.CARD_LOST)
        if _text(block, "patronMessage"):
            messages.append(_text(block, "patronMessage"))
    return frozenset(blocks), tuple(dict.fromkeys(messages))


def patron_from(
    user: Mapping[str, Any],
    *,
    patron_id: str,
    pin_valid: bool | None,
    blocks: frozenset[PatronBlock],
    messages: tuple[str, ...],
    fee_amount: Decimal | None,
    currency: str | None,
    now: datetime,
    pin_locked: bool = False,
) -> Patron:
    """A mod-users user record (``active``, ``expirationDate``, ``personal``) as a patron.
    An inactive or expired user may not borrow, renew or place requests."""
    expires = parse_date(user.get("expirationDate"))
    expired = expires is not None and expires.tzinfo is not None and expires < now
    if user.get("active") is False or expired:
        blocks = blocks | {
            PatronBlock.CHARGE_DENIED,
            PatronBlock.RENEWAL_DENIED,
            PatronBlock.HOLD_DENIED,
        }
    personal = user.get("personal") if isinstance(user.get("personal"), Mapping) else {}
    first = _text(personal, "preferredFirstName") or _text(personal, "firstName")
    name = " ".join(part for part in (first, _text(personal, "lastName")) if part)
    notices, _ = recognise(messages)
    return Patron(
        patron_id=patron_id,
        valid=True,
        pin_valid=pin_valid,
        name=name,
        blocks=blocks,
        email=_text(personal, "email") or None,
        fee_amount=fee_amount,
        currency=currency,
        messages=messages,
        pin_locked=pin_locked,
        notices=notices,
    )


# ------------------------------------------------------------------------------------- account


def loan_from(loan: Mapping[str, Any], now: datetime) -> Loan:
    barcode = _text(loan, "item", "barcode")
    if not barcode:
        raise LibrarySystemProtocolError("a FOLIO loan without the item's barcode")
    due = parse_date(loan.get("dueDate"))
    return Loan(
        item_id=barcode,
        title=_text(loan, "item", "title"),
        due_date=due,
        overdue=due is not None and due.tzinfo is not None and due < now,
    )


def hold_from(request: Mapping[str, Any], code_of: CodeOf) -> Hold:
    """A request (hold) with its pickup service point as a branch code."""
    state = _HOLD_STATE.get(_text(request, "status").lower(), HoldState.WAITING)
    pickup = _text(request, "pickupServicePoint", "code") or code_of(
        _text(request, "pickupServicePointId") or None
    )
    return Hold(
        title=_text(request, "instance", "title") or _text(request, "item", "title"),
        item_id=_text(request, "item", "barcode") or None,
        state=state,
        pickup_location=pickup or None,
        pickup_by=parse_date(request.get("holdShelfExpirationDate"))
        if state is HoldState.READY
        else None,
    )


#: FOLIO's built-in fee/fine types (a library's own types are OTHER).
_FEE_KINDS = {
    "overdue fine": FeeKind.OVERDUE,
    "lost item fee": FeeKind.REPLACEMENT,
    "lost item processing fee": FeeKind.PROCESSING,
    "replacement processing fee": FeeKind.PROCESSING,
    "damaged item fee": FeeKind.DAMAGE,
}


def fee_from(account: Mapping[str, Any], currency: str | None) -> Fee:
    """An open fee/fine (``remaining`` is what is still owed), with its type, the item's title
    and the day it was charged."""
    kind_text = _text(account, "feeFineType")
    metadata = account.get("metadata")
    created = parse_date(metadata.get("createdDate")) if isinstance(metadata, Mapping) else None
    return Fee(
        amount=money(account.get("remaining")),
        currency=currency,
        description=kind_text,
        item_id=_text(account, "barcode") or None,
        kind=_FEE_KINDS.get(kind_text.casefold(), FeeKind.OTHER if kind_text else None),
        title=_text(account, "title"),
        created=created,
    )


# --------------------------------------------------------------------------------- circulation


def checkout_from(loan: Any, item_id: str, *, renewal: bool = False) -> CheckoutResult:
    """The loan FOLIO created (201) as a successful checkout: the kiosk may clear the
    security (FOLIO has no desensitize flag; a loan is the instruction)."""
    if not isinstance(loan, Mapping) or not isinstance(loan.get("item"), Mapping):
        raise LibrarySystemProtocolError("FOLIO answered a check-out without the loan")
    return CheckoutResult(
        ok=True,
        item_id=_text(loan, "item", "barcode") or item_id,
        renewal=renewal,
        title=_text(loan, "item", "title"),
        due_date=parse_date(loan.get("dueDate")),
        desensitize=True,
        media_type=_text(loan, "item", "materialType", "name") or None,
    )


def renew_from(loan: Any, item_id: str) -> RenewResult:
    if not isinstance(loan, Mapping):
        raise LibrarySystemProtocolError("FOLIO answered a renewal without the loan")
    return RenewResult(
        ok=True,
        item_id=_text(loan, "item", "barcode") or item_id,
        title=_text(loan, "item", "title"),
        due_date=parse_date(loan.get("dueDate")),
    )


def checkin_from(answer: Any, item_id: str, *, code_of: CodeOf) -> CheckinResult:
    """A check-in answer (``item``, ``loan``, ``staffSlipContext``) with its routing. Like
    SIP2's CT, ``destination`` is only set when the item leaves this branch."""
    item = _get(answer, "item")
    if not isinstance(item, Mapping):
        item = _get(answer, "loan", "item")  # older mod-circulation: the item only in the loan
    if not isinstance(item, Mapping):
        raise LibrarySystemProtocolError("FOLIO answered a check-in without the item")
    status = _text(item, "status", "name").lower()
    transit_to = _text(item, "inTransitDestinationServicePointId") or None
    has_request = isinstance(_get(answer, "staffSlipContext", "request"), Mapping)
    alert, destination = CheckinAlert.NONE, None
    if status == "awaiting pickup":
        alert = CheckinAlert.HOLD_HERE
    elif status == "in transit":
        alert = CheckinAlert.HOLD_ELSEWHERE if has_request else CheckinAlert.SEND_ELSEWHERE
        destination = code_of(transit_to)
    elif status == "awaiting delivery":
        alert = CheckinAlert.OTHER
    return CheckinResult(
        ok=True,
        item_id=_text(item, "barcode") or item_id,
        title=_text(item, "title"),
        resensitize=True,
        alert=alert,
        permanent_location=_text(item, "location", "name") or None,
        destination=destination,
        call_number=_text(item, "callNumber") or None,
        media_type=_text(item, "materialType", "name") or None,
        hold_for_patron=has_request,
    )


def item_info_from(
    item: Mapping[str, Any], loan: Mapping[str, Any] | None, code_of: CodeOf
) -> ItemInfo:
    """An inventory item (and its open loan, if any) as item information."""
    status_name = _text(item, "status", "name")
    status = _ITEM_STATUS.get(status_name.lower(), ItemStatus.OTHER)
    transit_to = code_of(_text(item, "inTransitDestinationServicePointId") or None)
    return ItemInfo(
        item_id=_text(item, "barcode"),
        status=status,
        title=_text(item, "title"),
        due_date=parse_date(loan.get("dueDate")) if loan else None,
        permanent_location=_text(item, "permanentLocation", "name") or None,
        current_location=_text(item, "effectiveLocation", "name") or None,
        destination=transit_to,
        media_type=_text(item, "materialType", "name") or None,
        messages=(status_name,) if status is ItemStatus.OTHER and status_name else (),
    )
