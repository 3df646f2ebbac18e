"""The FOLIO adapter: the library-system port spoken over FOLIO's REST API (Okapi / gateway).

Which request answers which question:

- patron: ``GET /users?query=barcode==...`` (mod-users), ``POST /patron-pin/verify``,
  ``GET /automated-patron-blocks/{id}`` (mod-patron-blocks), ``GET /manualblocks`` and
  ``GET /accounts`` (mod-feesfines) -- in parallel once the user is known;
- account: the patron, plus ``GET /circulation/loans`` (open loans), ``/circulation/requests``
  (open requests with their pickup service points) and the open fees/fines;
- checkout / check-in / renew: ``POST /circulation/check-out-by-barcode``,
  ``/check-in-by-barcode``, ``/renew-by-barcode`` at the kiosk's service point;
- item: ``GET /inventory/items?query=barcode==...`` and the item's open loan;
- branch names and check-in destinations: ``GET /service-points`` (code -> name); the kiosk's
  branch codes are the service points' codes;
- currency: the tenant's locale settings (``/configurations/entries``), unless configured.

FOLIO rules the adapter bridges so the core behaves the same on SIP2 and FOLIO:

- FOLIO refuses to check out an item the patron already has; SIP2 kiosks renew it. A refused
  check-out whose item is on loan to this patron becomes a renewal (``renewal=True``), except in
  an offline replay, where that loan *is* the replayed transaction (already applied).
- Offline replays (``no_block``) send ``overrideBlocks`` for patron and item-limit blocks and
  the original time as ``loanDate`` / ``checkInDate``.
- A check-out whose answer was lost is never simply re-sent: the adapter asks FOLIO whether the
  item is now on loan to the patron (then it is done), sends it once more only when it is not,
  and raises :class:`OutcomeUnknown` when FOLIO cannot be asked. A lost check-in answer is
  re-sent once (FOLIO's check-in of an item no longer on loan closes nothing, charges nothing
  and answers the same routing); a lost renewal is :class:`OutcomeUnknown` (renewing twice
  would extend the loan twice).
- FOLIO has no fee acknowledgement at check-out and no security instruction: a loan is the
  instruction to clear the security, a check-in to set it.

Privacy: no PIN, password, patron name or card number in any log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from kiosk.ils.folio_http import FolioConnection, FolioConnectionSettings, FolioResponse
from kiosk.ils.folio_json import (
    blocks_from,
    checkin_from,
    checkout_from,
    cql_quote,
    fee_from,
    hold_from,
    item_info_from,
    loan_from,
    money,
    patron_from,
    records,
    renew_from,
)
from kiosk.ils.notices import recognise
from kiosk.ils.port import (
    CheckinAlert,
    CheckinResult,
    CheckoutResult,
    ItemInfo,
    ItemStatus,
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemProtocolError,
    LibrarySystemUnavailable,
    LoanRequest,
    OutcomeUnknown,
    Patron,
    PatronAccount,
    RenewAllResult,
    RenewRequest,
    RenewResult,
    ReturnRequest,
)

__all__ = ["FolioLibrarySystem", "FolioOptions"]

log = logging.getLogger(__name__)

CHECK_OUT = "/circulation/check-out-by-barcode"
CHECK_IN = "/circulation/check-in-by-barcode"
RENEW = "/circulation/renew-by-barcode"
REPLAY_COMMENT = "Offline transaction of a self-service kiosk, replayed"


@dataclass(frozen=True, slots=True, kw_only=True)
class FolioOptions:
    """The kiosk's place in FOLIO and the tenant's conventions.

    ``service_point_id``: the kiosk's service point (loans and returns happen there).
    ``lost_card_block_codes``: manual block template codes that mean "card reported lost".
    ``currency``: overrides the tenant's locale settings. ``page_limit``: records per list.
    ``pin_memory_s``: how long a verified PIN is trusted for this patron's next transactions.
    """

    service_point_id: str
    lost_card_block_codes: frozenset[str] = frozenset({"LOST-CARD"})
    currency: str | None = None
    page_limit: int = 1000
    pin_memory_s: float = 900.0


def _utc(moment: datetime) -> str:
    aware = moment if moment.tzinfo is not None else moment.astimezone()
    return aware.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FolioLibrarySystem(LibrarySystem):
    """The port over one FOLIO tenant. ``branch_names``: names that override FOLIO's service
    point names (code -> name). ``transport``: an httpx transport (tests route through a
    validating proxy with it)."""

    def __init__(
        self,
        connection: FolioConnectionSettings,
        options: FolioOptions,
        *,
        branch_names: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.options = options
        self.connection = FolioConnection(connection, transport=transport)
        self._names = dict(branch_names or {})
        self._points: dict[str, tuple[str, str]] = {}  # id -> (code, name)
        self._points_loaded: float | None = None  # monotonic time of the last load
        self._points_lock = asyncio.Lock()
        self._currency: str | None = options.currency
        self._currency_asked = options.currency is not None
        self._user_ids: dict[str, str] = {}  # patron barcode -> FOLIO user id
        self._pin_key = secrets.token_bytes(32)
        self._pins: dict[str, tuple[bytes, float]] = {}

    # ------------------------------------------------------------------------------ lifecycle

    async def open(self) -> None:
        """Log in and learn the service points. FOLIO being away now is not fatal: the kiosk
        starts offline and logs in on the next request."""
        try:
            await self._load_points()
            await self._load_currency()
        except LibrarySystemUnavailable as error:
            log.warning("library system unavailable at start: %s", error)
        except LibrarySystemProtocolError as error:  # e.g. no permission to list them
            log.error("FOLIO service points unknown (names from the config only): %s", error)
        if self._points and self.options.service_point_id.lower() not in self._points:
            log.error(
                "service point %s is not one of FOLIO's service points: check the config",
                self.options.service_point_id,
            )

    async def close(self) -> None:
        await self.connection.close()
        self._pins.clear()

    @property
    def online(self) -> bool:
        return self.connection.online

    @property
    def last_latency(self) -> float | None:
        return self.connection.last_latency

    async def check_online(self) -> bool:
        """FOLIO answers for the kiosk's service point: logged in, reachable, configured."""
        try:
            answer = await self.connection.get(f"/service-points/{self.options.service_point_id}")
        except Exception:  # the port's contract: never raises
            return False
        if answer.status == 404:
            log.error("FOLIO does not know service point %s", self.options.service_point_id)
            return False
        if answer.ok:  # back after a start without FOLIO: learn the service points now
            await self._know_points([self.options.service_point_id])
        return answer.ok

    def branch_names(self) -> dict[str, str]:
        return {**{code: name for code, name in self._points.values()}, **self._names}

    @property
    def service_point_code(self) -> str | None:
        """The code of the kiosk's own service point (its branch code), once known."""
        found = self._points.get(self.options.service_point_id.lower())
        return found[0] if found else None

    # -------------------------------------------------------------------------- service points

    async def _load_points(self) -> None:
        async with self._points_lock:
            answer = await self.connection.get(
                "/service-points",
                {"query": "cql.allRecords=1", "limit": self.options.page_limit},
            )
            self._expect(answer, "service points")
            points = {}
            for point in records(answer.data, "servicepoints"):
                point_id = str(point.get("id") or "").lower()
                code = str(point.get("code") or "") or point_id
                if point_id:
                    points[point_id] = (code, str(point.get("name") or code))
            self._points = points
            self._points_loaded = time.monotonic()

    async def _know_points(self, ids: Iterable[str | None]) -> None:
        """Load the service points again when an answer names one not seen yet (at most once
        a minute: a FOLIO that names unknown ones must not cost a request per item)."""
        missing = {i.lower() for i in ids if i and i.lower() not in self._points}
        loaded = self._points_loaded
        if missing and (loaded is None or time.monotonic() - loaded > 60.0):
            try:
                await self._load_points()
            except LibrarySystemError as error:
                log.warning("service points not reloaded: %s", error)

    def _code_of(self, point_id: str | None) -> str | None:
        if not point_id:
            return None
        found = self._points.get(point_id.lower())
        return found[0] if found else None

    async def _load_currency(self) -> None:
        """The tenant's currency from its locale settings, asked once."""
        if self._currency_asked:
            return
        answer = await self.connection.get(
            "/configurations/entries",
            {"query": "(module==ORG and configName==localeSettings)", "limit": 1},
        )
        self._currency_asked = True
        if not answer.ok:
            return  # no mod-configuration, or no permission: amounts without a currency
        for entry in records(answer.data, "configs"):
            try:
                value = json.loads(str(entry.get("value") or "{}"))
            except ValueError:
                continue
            if isinstance(value, Mapping) and isinstance(value.get("currency"), str):
                self._currency = value["currency"]

    # -------------------------------------------------------------------------------- helpers

    @staticmethod
    def _expect(answer: FolioResponse, what: str) -> None:
        if not answer.ok:
            detail = "; ".join(answer.error_messages())
            raise LibrarySystemProtocolError(f"FOLIO answered {answer.status} for {what}: {detail}")

    async def _user(self, patron_id: str) -> Mapping[str, Any] | None:
        answer = await self.connection.get(
            "/users", {"query": f"barcode=={cql_quote(patron_id)}", "limit": 2}
        )
        self._expect(answer, "the user lookup")
        users = records(answer.data, "users")
        if not users:
            return None
        user = users[0]
        if not isinstance(user.get("id"), str):
            raise LibrarySystemProtocolError("a FOLIO user without an id")
        if len(self._user_ids) > 10_000:
            self._user_ids.clear()
        self._user_ids[patron_id] = user["id"]
        return user

    async def _user_id(self, patron_id: str) -> str | None:
        known = self._user_ids.get(patron_id)
        if known is not None:
            return known
        user = await self._user(patron_id)
        return str(user["id"]) if user is not None else None

    def _pin_digest(self, pin: str) -> bytes:
        return hmac.new(self._pin_key, pin.encode(), hashlib.sha256).digest()

    async def _verify_pin(self, user_id: str, patron_id: str, pin: str) -> bool:
        valid, _ = await self._pin_check(user_id, patron_id, pin)
        return valid

    async def _pin_check(self, user_id: str, patron_id: str, pin: str) -> tuple[bool, bool]:
        """(valid, locked): a 422 refuses the PIN; one that says "locked" refuses it even when
        right, after too many wrong ones."""
        answer = await self.connection.post(
            "/patron-pin/verify", {"id": user_id, "pin": pin}, changes=False
        )
        if answer.status == 422:
            locked = any("locked" in text.casefold() for text in answer.error_messages())
            return False, locked
        self._expect(answer, "the PIN check")
        self._pins[patron_id] = (self._pin_digest(pin), time.monotonic())
        return True, False

    async def _pin_accepted(self, patron_id: str, pin: str | None) -> bool:
        """For a transaction that carries the PIN: checked with FOLIO unless this patron's
        same PIN was verified a short while ago (a stack of ten loans costs one check)."""
        if pin is None:
            return True
        remembered = self._pins.get(patron_id)
        if (
            remembered is not None
            and time.monotonic() - remembered[1] < self.options.pin_memory_s
            and hmac.compare_digest(remembered[0], self._pin_digest(pin))
        ):
            return True
        user_id = await self._user_id(patron_id)
        return user_id is not None and await self._verify_pin(user_id, patron_id, pin)

    async def _list(self, path: str, query: str, key: str) -> list[Mapping[str, Any]]:
        answer = await self.connection.get(path, {"query": query, "limit": self.options.page_limit})
        self._expect(answer, key)
        return records(answer.data, key)

    async def _optional_list(self, path: str, query: str, key: str) -> list[Mapping[str, Any]]:
        """A list from a module a tenant may not run (404) or not let kiosks read (403)."""
        answer = await self.connection.get(path, {"query": query, "limit": self.options.page_limit})
        if answer.status in (403, 404):
            log.warning("FOLIO %s not available (%d): not shown", key, answer.status)
            return []
        self._expect(answer, key)
        return records(answer.data, key)

    async def _automated_blocks(self, user_id: str) -> list[Mapping[str, Any]]:
        answer = await self.connection.get(f"/automated-patron-blocks/{user_id}")
        if answer.status in (403, 404):
            return []  # mod-patron-blocks absent: FOLIO's check-out still enforces its blocks
        self._expect(answer, "automated patron blocks")
        return records(answer.data, "automatedPatronBlocks")

    async def _item_record(self, item_id: str) -> Mapping[str, Any] | None:
        answer = await self.connection.get(
            "/inventory/items", {"query": f"barcode=={cql_quote(item_id)}", "limit": 2}
        )
        self._expect(answer, "the item lookup")
        found = records(answer.data, "items")
        return found[0] if found else None

    async def _open_loan(self, item: Mapping[str, Any]) -> Mapping[str, Any] | None:
        item_uuid = item.get("id")
        if not isinstance(item_uuid, str):
            raise LibrarySystemProtocolError("a FOLIO item without an id")
        loans = await self._list(
            "/circulation/loans",
            f"(itemId=={cql_quote(item_uuid)} and status.name==Open)",
            "loans",
        )
        return loans[0] if loans else None

    async def _loan_of(self, item_id: str) -> Mapping[str, Any] | None:
        """The item's open loan (by barcode), or None when it is not on loan."""
        item = await self._item_record(item_id)
        return await self._open_loan(item) if item is not None else None

    # -------------------------------------------------------------------------------- patrons

    async def _standing(
        self, patron_id: str, pin: str | None
    ) -> tuple[Patron, str | None, list[Mapping[str, Any]]]:
        """The patron, their FOLIO id and their open fees (which the account lists too)."""
        user = await self._user(patron_id)
        if user is None:
            return (
                Patron(patron_id=patron_id, valid=False, pin_valid=None if pin is None else False),
                None,
                [],
            )
        user_id = str(user["id"])

        async def pin_check() -> tuple[bool | None, bool]:
            return (None, False) if pin is None else await self._pin_check(user_id, patron_id, pin)

        (pin_valid, pin_locked), automated, manual, fees, _ = await asyncio.gather(
            pin_check(),
            self._automated_blocks(user_id),
            self._optional_list("/manualblocks", f"userId=={cql_quote(user_id)}", "manualblocks"),
            self._optional_list(
                "/accounts", f"(userId=={cql_quote(user_id)} and status.name==Open)", "accounts"
            ),
            self._load_currency(),
        )
        now = datetime.now().astimezone()
        blocks, messages = blocks_from(
            automated, manual, lost_card_codes=self.options.lost_card_block_codes, now=now
        )
        owed = [money(fee.get("remaining")) for fee in fees]
        total = sum((amount for amount in owed if amount is not None), Decimal("0.00"))
        patron = patron_from(
            user,
            patron_id=patron_id,
            pin_valid=pin_valid,
            blocks=blocks,
            messages=messages,
            fee_amount=total,
            currency=self._currency,
            now=now,
            pin_locked=pin_locked,
        )
        return patron, user_id, fees

    async def patron(
        self, patron_id: str, pin: str | None = None, *, details: bool = False
    ) -> Patron:
        """The user by barcode, the PIN checked by FOLIO, blocks and the fees owed. The user
        record carries the e-mail address, so ``details`` costs nothing extra."""
        patron, _, _ = await self._standing(patron_id, pin)
        return patron

    async def account(self, patron_id: str, pin: str | None = None) -> PatronAccount:
        patron, user_id, fees = await self._standing(patron_id, pin)
        if user_id is None or patron.pin_valid is False:
            return PatronAccount(patron=patron)
        quoted = cql_quote(user_id)
        loans, requests = await asyncio.gather(
            self._list("/circulation/loans", f"(userId=={quoted} and status.name==Open)", "loans"),
            self._list(
                "/circulation/requests",
                f'(requesterId=={quoted} and status=="Open*")',
                "requests",
            ),
        )
        await self._know_points(str(r.get("pickupServicePointId") or "") for r in requests)
        now = datetime.now().astimezone()
        return PatronAccount(
            patron=patron,
            loans=tuple(loan_from(loan, now) for loan in loans),
            holds=tuple(hold_from(request, self._code_of) for request in requests),
            fees=tuple(
                fee_from(fee, self._currency) for fee in fees if (money(fee.get("remaining")) or 0)
            ),
        )

    async def end_patron_session(self, patron_id: str) -> None:
        """FOLIO keeps no patron session; the adapter forgets the patron's verified PIN."""
        self._pins.pop(patron_id, None)

    # ---------------------------------------------------------------------------- circulation

    async def checkout(self, request: LoanRequest) -> CheckoutResult:
        item_id = request.item_id
        if not await self._pin_accepted(request.patron_id, request.pin):
            return CheckoutResult(ok=False, item_id=item_id)
        body: dict[str, Any] = {
            "itemBarcode": item_id,
            "userBarcode": request.patron_id,
            "servicePointId": self.options.service_point_id,
        }
        if request.transaction_date is not None:
            body["loanDate"] = _utc(request.transaction_date)
        if request.no_block:
            body["overrideBlocks"] = {
                "patronBlock": {},
                "itemLimitBlock": {},
                "comment": REPLAY_COMMENT,
            }
        try:
            answer = await self.connection.post(CHECK_OUT, body)
        except OutcomeUnknown as lost:
            return await self._settle_checkout(request, body, lost)
        return await self._checkout_answer(answer, request, applied_if_on_loan=request.no_block)

    async def _checkout_answer(
        self, answer: FolioResponse, request: LoanRequest, *, applied_if_on_loan: bool
    ) -> CheckoutResult:
        item_id = request.item_id
        if answer.status in (200, 201):
            return checkout_from(answer.data, item_id)
        if answer.status != 422:
            self._expect(answer, "the check-out")
        messages = answer.error_messages()
        refusal = CheckoutResult(
            ok=False, item_id=item_id, messages=messages, notices=recognise(messages)[0]
        )
        loan = await self._loan_of(item_id)
        user_id = self._user_ids.get(request.patron_id) or await self._user_id(request.patron_id)
        if loan is None or user_id is None or loan.get("userId") != user_id:
            return refusal
        if applied_if_on_loan:
            return checkout_from(loan, item_id)  # the replayed (or re-sent) loan exists
        # The patron has it already: renew it, as a SIP2 checkout would.
        renewed = await self.renew(
            RenewRequest(patron_id=request.patron_id, item_id=item_id, pin=request.pin)
        )
        return CheckoutResult(
            ok=renewed.ok,
            item_id=item_id,
            renewal=True,
            title=renewed.title or str((loan.get("item") or {}).get("title") or ""),
            due_date=renewed.due_date,
            desensitize=True if renewed.ok else None,
            messages=renewed.messages,
        )

    async def _settle_checkout(
        self, request: LoanRequest, body: dict[str, Any], lost: OutcomeUnknown
    ) -> CheckoutResult:
        """A check-out whose answer was lost: ask before anything is sent again."""
        item_id = request.item_id
        try:
            loan = await self._loan_of(item_id)
            user_id = await self._user_id(request.patron_id)
        except LibrarySystemError:
            raise lost from None
        if loan is not None and user_id is not None and loan.get("userId") == user_id:
            log.info("check-out of %s arrived although its answer was lost", item_id)
            return checkout_from(loan, item_id)
        if loan is not None:
            return CheckoutResult(ok=False, item_id=item_id)  # someone else's loan: not ours
        log.info("check-out of %s did not arrive: sending it once more", item_id)
        try:
            answer = await self.connection.post(CHECK_OUT, body)
        except LibrarySystemUnavailable as error:  # the first may still arrive: not known
            raise OutcomeUnknown(str(error)) from None
        return await self._checkout_answer(answer, request, applied_if_on_loan=True)

    async def checkin(self, request: ReturnRequest) -> CheckinResult:
        item_id = request.item_id
        body = {
            "itemBarcode": item_id,
            "servicePointId": self.options.service_point_id,
            "checkInDate": _utc(request.transaction_date or datetime.now().astimezone()),
        }
        try:
            answer = await self.connection.post(CHECK_IN, body)
        except OutcomeUnknown:
            log.info("check-in of %s unanswered: sending it once more", item_id)
            answer = await self.connection.post(CHECK_IN, body)
        if answer.status == 422:  # refused (e.g. an unknown item): staff look at it
            return CheckinResult(
                ok=False,
                item_id=item_id,
                alert=CheckinAlert.OTHER,
                messages=answer.error_messages(),
            )
        self._expect(answer, "the check-in")
        item = answer.data.get("item") if isinstance(answer.data, Mapping) else None
        if isinstance(item, Mapping):
            await self._know_points([str(item.get("inTransitDestinationServicePointId") or "")])
        return checkin_from(answer.data, item_id, code_of=self._code_of)

    async def renew(self, request: RenewRequest) -> RenewResult:
        item_id = request.item_id
        if not await self._pin_accepted(request.patron_id, request.pin):
            return RenewResult(ok=False, item_id=item_id)
        answer = await self.connection.post(
            RENEW,
            {
                "itemBarcode": item_id,
                "userBarcode": request.patron_id,
                "servicePointId": self.options.service_point_id,
            },
        )
        if answer.status == 422:
            messages = answer.error_messages()
            return RenewResult(
                ok=False, item_id=item_id, messages=messages, notices=recognise(messages)[0]
            )
        self._expect(answer, "the renewal")
        return renew_from(answer.data, item_id)

    async def renew_all(self, patron_id: str, *, pin: str | None = None) -> RenewAllResult:
        """FOLIO has no "renew all": each open loan is renewed in turn."""
        if not await self._pin_accepted(patron_id, pin):
            return RenewAllResult(ok=False)
        user_id = await self._user_id(patron_id)
        if user_id is None:
            return RenewAllResult(ok=False)
        loans = await self._list(
            "/circulation/loans",
            f"(userId=={cql_quote(user_id)} and status.name==Open)",
            "loans",
        )
        renewed: list[str] = []
        refused: list[str] = []
        messages: list[str] = []
        for loan in loans:
            barcode = str((loan.get("item") or {}).get("barcode") or "")
            if not barcode:
                continue
            result = await self.renew(RenewRequest(patron_id=patron_id, item_id=barcode))
            (renewed if result.ok else refused).append(barcode)
            messages.extend(result.messages)
        return RenewAllResult(
            ok=True,
            renewed=tuple(renewed),
            not_renewed=tuple(refused),
            messages=tuple(dict.fromkeys(messages)),
        )

    async def item(self, item_id: str) -> ItemInfo:
        record = await self._item_record(item_id)
        if record is None:
            return ItemInfo(item_id=item_id, status=ItemStatus.UNKNOWN)
        status = str((record.get("status") or {}).get("name") or "")
        loan = await self._open_loan(record) if status.lower() == "checked out" else None
        await self._know_points([str(record.get("inTransitDestinationServicePointId") or "")])
        info = item_info_from(record, loan, self._code_of)
        return info if info.item_id else dataclasses.replace(info, item_id=item_id)
