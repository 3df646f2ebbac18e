"""The consortium model as FOLIO records: users, items, service points, loans, requests, fees.

FOLIO names everything by UUID and keeps barcodes as one field among others; the consortium
model names everything by barcode or code. :func:`folio_id` derives a stable version-5 UUID from
a kind and a key (``folio_id("service-point", "BOL-HB")``), so the ids are the same in every run,
in every process, and can be written into a kiosk's configuration. :class:`FolioRecords` turns
model records into the JSON shapes of FOLIO's modules (mod-users, mod-inventory, mod-circulation,
mod-feesfines, mod-patron-blocks) and finds model records again from FOLIO ids.

Dates: the model keeps naive local time; FOLIO speaks UTC (``2026-11-20T22:59:00.000Z``).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time
from typing import Any

from kiosk.acs.circulation import MESSAGES, PatronStanding, Reason
from kiosk.acs.model import ConsortiumModel
from kiosk.acs.records import (
    BranchRecord,
    FeeRecord,
    HoldRecord,
    ItemRecord,
    LoanRecord,
    PatronRecord,
)

__all__ = [
    "CONDITIONS",
    "LOST_CARD_BLOCK_CODE",
    "NAMESPACE",
    "FolioRecords",
    "folio_id",
    "from_utc",
    "utc",
]

#: The namespace of every FOLIO id of the embedded library system.
NAMESPACE = uuid.UUID("5f0e7c1a-3b7d-4a55-9d0e-6b1c2a4f8e31")

#: mod-patron-blocks' fixed patron block condition ids (the same in every FOLIO tenant).
CONDITIONS = {
    "items_charged_out": "3d7c52dc-c732-4223-8bf8-e5917801386f",
    "lost_items": "72b67965-5b73-4840-bc0b-be8f3f6e047e",
    "overdue_items": "584fbd4f-6a34-4730-a6ca-73a6a6a9d845",
    "overdue_recalls": "e5b45031-a202-4abb-917b-e1df9346fe2c",
    "recall_overdue_days": "08530ac4-07f2-48e6-9dda-a97bc2bf7053",
    "fee_fine_balance": "cf7a0d5f-a327-4ca1-aa9e-dc55ec006b8a",
}

#: The manual block template code the consortium uses for "card reported lost".
LOST_CARD_BLOCK_CODE = "LOST-CARD"

_ITEM_STATUS = {
    "available": "Available",
    "on_loan": "Checked out",
    "in_transit": "In transit",
    "on_hold_shelf": "Awaiting pickup",
    "lost": "Declared lost",
    "missing": "Missing",
    "in_process": "In process",
    "reference": "Available",  # not loanable by its loan type, as FOLIO models reference copies
}

_REQUEST_STATUS = {
    "waiting": "Open - Not yet filled",
    "in_transit": "Open - In transit",
    "ready": "Open - Awaiting pickup",
}

_FEE_TYPES = {
    "overdue": "Overdue fine",
    "rental": "Rental fee",
    "replacement": "Replacement fee",
    "damage": "Damage fee",
    "processing": "Processing fee",
}


def folio_id(kind: str, key: str) -> str:
    """The FOLIO id of a model record: a version-5 UUID, stable across runs."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def utc(moment: datetime | date | None) -> str | None:
    """A model time (naive local) as FOLIO writes it: UTC with milliseconds and ``Z``."""
    if moment is None:
        return None
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, time(23, 59))
    aware = moment if moment.tzinfo is not None else moment.astimezone()
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def from_utc(text: str) -> datetime:
    """A FOLIO date-time as the model's naive local time (ValueError if it is not one)."""
    moment = datetime.fromisoformat(text.strip())
    if moment.tzinfo is None:
        return moment
    return moment.astimezone().replace(tzinfo=None)


def _split_name(name: str) -> tuple[str, str]:
    parts = name.split()
    if len(parts) < 2:
        return "", name
    return " ".join(parts[:-1]), parts[-1]


def _money(cents: int) -> float:
    return round(cents / 100, 2)


class FolioRecords:
    """FOLIO views of one consortium model; finds model keys again from FOLIO ids."""

    def __init__(self, model: ConsortiumModel) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._reverse: dict[str, dict[str, str]] = {}

    # -- ids -------------------------------------------------------------------------------------

    def _key_of(self, kind: str, folio: str, keys: Callable[[], Iterable[str]]) -> str | None:
        """The model key whose FOLIO id is ``folio`` (the index is rebuilt on a miss, so data
        loaded after start is found too)."""
        folio = folio.lower()
        with self._lock:
            index = self._reverse.get(kind)
            if index is None or folio not in index:
                index = {folio_id(kind, key): key for key in keys()}
                self._reverse[kind] = index
            return index.get(folio)

    def branch_of(self, service_point_id: str) -> str | None:
        return self._key_of(
            "service-point", service_point_id, lambda: [b.code for b in self.model.branches()]
        )

    def patron_of(self, user_id: str) -> str | None:
        return self._key_of("user", user_id, self.model.patrons)

    def item_of(self, item_id: str) -> str | None:
        return self._key_of("item", item_id, self.model.items)

    # -- service points and locations --------------------------------------------------------------

    def service_point(self, branch: BranchRecord) -> dict[str, Any]:
        return {
            "id": folio_id("service-point", branch.code),
            "name": branch.name,
            "code": branch.code,
            "discoveryDisplayName": branch.name,
            "description": f"{branch.library_name} ({branch.isil})",
            "pickupLocation": True,
            "shelvingLagTime": 0,
            "holdShelfExpiryPeriod": {
                "duration": self.model.policy.hold_shelf_days,
                "intervalId": "Days",
            },
        }

    def service_points(self) -> list[dict[str, Any]]:
        return [self.service_point(branch) for branch in self.model.branches()]

    def _location(self, code: str) -> dict[str, Any]:
        branch = self.model.branch(code)
        return {"id": folio_id("location", code), "name": branch.name if branch else code}

    def _service_point_summary(self, code: str) -> dict[str, Any]:
        branch = self.model.branch(code)
        name = branch.name if branch else code
        return {"name": name, "code": code, "discoveryDisplayName": name, "pickupLocation": True}

    # -- users -------------------------------------------------------------------------------------

    def user(self, patron: PatronRecord) -> dict[str, Any]:
        first, last = _split_name(patron.name)
        today = self.model.now().date()
        active = patron.expires is None or patron.expires >= today
        record: dict[str, Any] = {
            "id": folio_id("user", patron.barcode),
            "barcode": patron.barcode,
            "active": active,
            "type": "patron",
            "patronGroup": folio_id("patron-group", patron.home_library),
            "personal": {
                "lastName": last,
                "firstName": first,
                "preferredContactTypeId": "002",  # email
            },
        }
        if patron.email:
            record["personal"]["email"] = patron.email
        if patron.phone:
            record["personal"]["phone"] = patron.phone
        if patron.expires is not None:
            record["expirationDate"] = utc(datetime.combine(patron.expires, time(23, 59)))
        return record

    def automated_blocks(self, standing: PatronStanding) -> list[dict[str, Any]]:
        """mod-patron-blocks' view of the consortium's automatic limits."""
        blocks: list[dict[str, Any]] = []

        def block(condition: str, reason: Reason, *, renewals: bool, requests: bool) -> None:
            blocks.append(
                {
                    "patronBlockConditionId": CONDITIONS[condition],
                    "blockBorrowing": True,
                    "blockRenewals": renewals,
                    "blockRequests": requests,
                    "message": MESSAGES[reason],
                }
            )

        if Reason.EXCESSIVE_FEES in standing.reasons:
            block("fee_fine_balance", Reason.EXCESSIVE_FEES, renewals=True, requests=False)
        if Reason.TOO_MANY_OVERDUE in standing.reasons:
            block("overdue_items", Reason.TOO_MANY_OVERDUE, renewals=False, requests=False)
        if standing.status[5]:  # too many items charged out
            block("items_charged_out", Reason.TOO_MANY_LOANS, renewals=False, requests=False)
        return blocks

    def manual_blocks(self, patron: PatronRecord) -> list[dict[str, Any]]:
        """Blocks staff set by hand: a block reason, and a card reported lost."""
        user_id = folio_id("user", patron.barcode)
        blocks: list[dict[str, Any]] = []
        if patron.blocked:
            blocks.append(
                {
                    "id": folio_id("manual-block", f"{patron.barcode}:blocked"),
                    "type": "Manual",
                    "desc": patron.blocked,
                    "patronMessage": MESSAGES[Reason.PATRON_BLOCKED],
                    "borrowing": True,
                    "renewals": True,
                    "requests": True,
                    "userId": user_id,
                }
            )
        if patron.card_lost:
            blocks.append(
                {
                    "id": folio_id("manual-block", f"{patron.barcode}:card-lost"),
                    "type": "Manual",
                    "code": LOST_CARD_BLOCK_CODE,
                    "desc": "Card reported lost",
                    "patronMessage": MESSAGES[Reason.CARD_LOST],
                    "borrowing": True,
                    "renewals": True,
                    "requests": False,
                    "userId": user_id,
                }
            )
        return blocks

    # -- inventory ---------------------------------------------------------------------------------

    def _material_type(self, item: ItemRecord) -> dict[str, Any]:
        return {"id": folio_id("material-type", item.media_type), "name": item.media_type}

    def inventory_item(self, item: ItemRecord) -> dict[str, Any]:
        """An item as mod-inventory's ``/inventory/items`` shows it."""
        record: dict[str, Any] = {
            "id": folio_id("item", item.barcode),
            "hrid": f"it{item.barcode}",
            "barcode": item.barcode,
            "title": item.title,
            "callNumber": item.call_number,
            "status": {"name": _ITEM_STATUS.get(item.status, "Unknown")},
            "materialType": self._material_type(item),
            "permanentLocation": self._location(item.home_branch),
            "effectiveLocation": self._location(item.home_branch),
            "holdingsRecordId": folio_id("holdings", f"{item.record}:{item.home_branch}"),
            "numberOfPieces": str(item.parts),
        }
        if item.author:
            record["contributorNames"] = [{"name": item.author}]
        if item.transit_to and item.status == "in_transit":
            record["inTransitDestinationServicePointId"] = folio_id(
                "service-point", item.transit_to
            )
        return record

    def circulation_item(self, item: ItemRecord, *, for_loan: bool) -> dict[str, Any]:
        """The item summary mod-circulation embeds in loans (``for_loan``) and check-ins."""
        record: dict[str, Any] = {
            "id": folio_id("item", item.barcode),
            "title": item.title,
            "barcode": item.barcode,
            "callNumber": item.call_number,
            "materialType": {"name": item.media_type},
            "holdingsRecordId": folio_id("holdings", f"{item.record}:{item.home_branch}"),
            "instanceId": folio_id("instance", item.record),
            "location": {"name": self._location(item.home_branch)["name"]},
            "status": {"name": _ITEM_STATUS.get(item.status, "Unknown")},
        }
        if item.author:
            record["contributors"] = [{"name": item.author}]
            if for_loan:
                record["primaryContributor"] = item.author
        if item.transit_to and item.status == "in_transit":
            record["inTransitDestinationServicePointId"] = folio_id(
                "service-point", item.transit_to
            )
            record["inTransitDestinationServicePoint"] = {
                "name": self._service_point_summary(item.transit_to)["name"]
            }
        return record

    # -- loans -------------------------------------------------------------------------------------

    def loan(
        self,
        loan: LoanRecord,
        item: ItemRecord | None,
        *,
        returned: datetime | None = None,
        checkin_branch: str | None = None,
    ) -> dict[str, Any]:
        """A loan as mod-circulation shows it; ``returned`` makes it the closed loan of a
        check-in."""
        record: dict[str, Any] = {
            "id": folio_id("loan", f"{loan.item}:{loan.loaned.isoformat()}"),
            "userId": folio_id("user", loan.patron),
            "itemId": folio_id("item", loan.item),
            "loanDate": utc(loan.loaned),
            "dueDate": utc(loan.due),
            "status": {"name": "Open" if returned is None else "Closed"},
            "action": "renewed" if loan.renewals else "checkedout",
            "renewalCount": loan.renewals,
            "checkoutServicePointId": folio_id("service-point", loan.branch),
            "borrower": {"barcode": loan.patron},
        }
        if item is not None:
            record["item"] = self.circulation_item(item, for_loan=True)
        if returned is not None:
            record["action"] = "checkedin"
            record["returnDate"] = utc(returned)
            record["systemReturnDate"] = utc(self.model.now())
            if checkin_branch is not None:
                record["checkinServicePointId"] = folio_id("service-point", checkin_branch)
        return record

    def open_loans(self) -> list[dict[str, Any]]:
        return [self.loan(loan, self.model.item(loan.item)) for loan in self.model.all_loans()]

    # -- requests (holds) -----------------------------------------------------------------------

    def request(self, hold: HoldRecord) -> dict[str, Any]:
        copies = self.model.copies(hold.record)
        first = self.model.item(hold.item or (copies[0] if copies else ""))
        record: dict[str, Any] = {
            "id": folio_id("request", str(hold.id)),
            "requestType": "Hold",
            "requestLevel": "Title",
            "requestDate": utc(hold.placed),
            "requesterId": folio_id("user", hold.patron),
            "instanceId": folio_id("instance", hold.record),
            "status": _REQUEST_STATUS.get(hold.state, "Open - Not yet filled"),
            "fulfillmentPreference": "Hold Shelf",
            "pickupServicePointId": folio_id("service-point", hold.pickup),
            "pickupServicePoint": self._service_point_summary(hold.pickup),
            "requester": {"barcode": hold.patron},
            "instance": {"title": first.title if first else hold.record},
        }
        if hold.position:
            record["position"] = hold.position
        if hold.item:
            record["itemId"] = folio_id("item", hold.item)
            record["item"] = {"barcode": hold.item}
        if hold.state == "ready" and hold.expires is not None:
            record["holdShelfExpirationDate"] = utc(hold.expires)
        return record

    def requests(self) -> list[dict[str, Any]]:
        rows = self.model.conn.execute("SELECT id FROM hold ORDER BY id").fetchall()
        holds = [self.model.hold(int(row[0])) for row in rows]
        return [self.request(hold) for hold in holds if hold is not None]

    # -- fees/fines --------------------------------------------------------------------------------

    def account(self, fee: FeeRecord) -> dict[str, Any]:
        """A fee as mod-feesfines' ``/accounts`` shows it (amounts in the currency's units)."""
        if fee.paid == 0:
            payment = "Outstanding"
        elif fee.outstanding > 0:
            payment = "Paid partially"
        else:
            payment = "Paid fully"
        record: dict[str, Any] = {
            "id": folio_id("account", str(fee.id)),
            "userId": folio_id("user", fee.patron),
            "amount": _money(fee.amount),
            "remaining": _money(fee.outstanding),
            "status": {"name": "Open" if fee.outstanding > 0 else "Closed"},
            "paymentStatus": {"name": payment},
            "feeFineType": fee.description or _FEE_TYPES.get(fee.type, fee.type),
            "feeFineId": folio_id("fee-fine-type", fee.type),
            "ownerId": folio_id("fee-fine-owner", self.model.name),
            "feeFineOwner": self.model.name,
        }
        item = self.model.item(fee.item) if fee.item else None
        if item is not None:
            record.update(
                itemId=folio_id("item", item.barcode),
                barcode=item.barcode,
                title=item.title,
                materialType=item.media_type,
            )
        return record

    def accounts(self) -> list[dict[str, Any]]:
        return [
            self.account(fee)
            for patron in self.model.patrons()
            for fee in self.model.fees_of(patron, outstanding_only=False)
        ]
