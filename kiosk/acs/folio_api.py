"""The embedded library system's FOLIO face: a faithful subset of FOLIO's REST API.

Why: a kiosk configured for FOLIO must be testable and demonstrable end to end, and a spec-driven
mock only returns canned examples. This server answers FOLIO's own requests over the same
consortium model the SIP2 server serves (:mod:`kiosk.acs.model`, :mod:`kiosk.acs.circulation`),
so a loan made over FOLIO is a loan the SIP2 side sees, and every behaviour test can run on
both back ends. ``prism proxy`` in front of it checks every circulation request and response
against FOLIO's published OpenAPI description.

What it answers (the paths a self-service client uses), as FOLIO does:

- ``POST /authn/login-with-expiry``, ``/authn/refresh``, ``/authn/logout`` (mod-login): the
  kiosk accounts of the data file log in by username and password; expiring access tokens in
  the ``folioAccessToken`` cookie, refresh tokens in ``folioRefreshToken``. Every other call
  needs ``x-okapi-tenant`` and a valid token (``x-okapi-token`` or the cookie): 400 without the
  tenant, 401 without a valid token.
- ``/service-points`` (inventory-storage): one per branch, code = branch code.
- ``/users``, ``/patron-pin/verify`` (mod-users), ``/automated-patron-blocks/{userId}``
  (mod-patron-blocks), ``/manualblocks`` and ``/accounts`` (mod-feesfines),
  ``/inventory/items`` (mod-inventory), ``/configurations/entries`` (the tenant's locale).
- ``/circulation/check-out-by-barcode``, ``/check-in-by-barcode``, ``/renew-by-barcode``,
  ``/circulation/loans``, ``/circulation/requests`` (mod-circulation), with FOLIO's 422
  ``{"errors": [...]}`` refusals and its rules: no loan of an item that already has an open
  loan (check-out never renews), overrides (``overrideBlocks``) for patron and item-limit
  blocks, ``loanDate`` and ``checkInDate`` taken as the transaction's time.
- Collections take CQL (:mod:`kiosk.acs.folio_cql`) with ``limit`` (default 10) and
  ``offset``.

FOLIO has no "fee to acknowledge" at check-out: loans the consortium charges for are refused
with the library's text (borrow those at the desk).

Fault knobs (:class:`kiosk.acs.Faults`, shared with the SIP2 server when both run):
``latency_ms``/``jitter_ms``, ``drop_after`` (the connection closes without an answer, before or
after the request was carried out), ``offline`` (503 from the gateway), ``refuse_logins``.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from http.cookies import SimpleCookie
from typing import Any, Generic, Self, TypeVar
from urllib.parse import parse_qs, urlsplit

from kiosk.acs.circulation import MESSAGES, Circulation, LoanResult, Reason, Terminal
from kiosk.acs.faults import Faults
from kiosk.acs.folio_cql import CqlError, parse_cql, required_value
from kiosk.acs.folio_records import FolioRecords, folio_id, from_utc, utc
from kiosk.acs.lockout import login_guard
from kiosk.acs.model import ConsortiumModel
from kiosk.acs.records import ItemRecord, PatronRecord
from kiosk.httpserve import BoundedHandler, ServedInThread
from kiosk.ils.port import LoanRequest, RenewRequest

__all__ = ["DEFAULT_TENANT", "FolioServer", "Reply"]

log = logging.getLogger("kiosk.acs.folio")

DEFAULT_TENANT = "demo"

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

#: Refusal reasons and the error code / overridable block FOLIO gives for that kind of refusal.
_REFUSALS: dict[Reason, tuple[str | None, str | None]] = {
    Reason.UNKNOWN_PATRON: ("USER_BARCODE_NOT_FOUND", None),
    Reason.NOT_LOANABLE: ("ITEM_NOT_LOANABLE", "itemNotLoanableBlock"),
    Reason.ON_LOAN_TO_OTHER: ("ITEM_HAS_OPEN_LOAN", None),
    Reason.ALREADY_BORROWED: ("ITEM_HAS_OPEN_LOAN", None),
    Reason.TOO_MANY_LOANS: ("ITEM_LIMIT_MATERIAL_TYPE", "itemLimitBlock"),
    Reason.EXCESSIVE_FEES: (None, "patronBlock"),
    Reason.TOO_MANY_OVERDUE: (None, "patronBlock"),
    Reason.PATRON_BLOCKED: (None, "patronBlock"),
    Reason.CARD_LOST: (None, "patronBlock"),
}

_OVERRIDE_PERMISSIONS = {
    "patronBlock": "circulation.override-patron-block.post",
    "itemLimitBlock": "circulation.override-item-limit-block.post",
    "itemNotLoanableBlock": "circulation.override-item-not-loanable-block.post",
}


@dataclass(frozen=True, slots=True)
class Reply:
    """One HTTP answer: status, body and content type, plus extra headers (cookies)."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: tuple[tuple[str, str], ...] = ()

    @classmethod
    def json(cls, status: int, data: Any, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return cls(status, json.dumps(data, ensure_ascii=False).encode(), headers=headers)

    @classmethod
    def text(cls, status: int, text: str) -> Reply:
        return cls(status, text.encode(), "text/plain")


class _Refused(Exception):
    """A request answered with an error reply (raised from deep inside a handler)."""

    def __init__(self, reply: Reply) -> None:
        super().__init__(reply.status)
        self.reply = reply


def _errors(message: str, *, code: str | None = None, **parameters: str) -> Reply:
    error: dict[str, Any] = {"message": message}
    if code:
        error["code"] = code
    if parameters:
        error["parameters"] = [{"key": k, "value": v} for k, v in parameters.items()]
    return Reply.json(422, {"errors": [error]})


@dataclass(slots=True)
class _Request:
    method: str
    path: str
    params: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    login: str = ""

    def json(self) -> dict[str, Any]:
        try:
            data = json.loads(self.body or b"null")
        except ValueError:
            raise _Refused(Reply.text(400, "Json content error")) from None
        if not isinstance(data, dict):
            raise _Refused(Reply.text(400, "Json content error: an object was expected"))
        return data

    def cookie(self, name: str) -> str | None:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(self.headers.get("cookie", ""))
        except Exception:  # a malformed Cookie header is as good as none
            return None
        morsel = jar.get(name)
        return morsel.value if morsel is not None else None


_Handler = Callable[[_Request], Reply]
_R = TypeVar("_R")


@dataclass(slots=True)
class _Token:
    login: str
    expires: float


@dataclass(slots=True)
class _Tokens:
    """Issued access and refresh tokens, in memory (a restart logs every kiosk out)."""

    access_ttl_s: float
    refresh_ttl_s: float
    access: dict[str, _Token] = field(default_factory=dict)
    refresh: dict[str, _Token] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self, login: str) -> tuple[str, float, str, float]:
        now = time.time()
        access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        with self.lock:
            self.access[access] = _Token(login, now + self.access_ttl_s)
            self.refresh[refresh] = _Token(login, now + self.refresh_ttl_s)
        return access, now + self.access_ttl_s, refresh, now + self.refresh_ttl_s

    def login_of(self, token: str | None) -> str | None:
        with self.lock:
            found = self.access.get(token or "")
            if found is None or found.expires < time.time():
                return None
            return found.login

    def use_refresh(self, token: str | None) -> str | None:
        """A refresh token is good once: using it revokes it."""
        with self.lock:
            found = self.refresh.pop(token or "", None)
        if found is None or found.expires < time.time():
            return None
        return found.login

    def expire_access(self) -> None:
        with self.lock:
            for token in self.access.values():
                token.expires = 0.0


def _http_date(moment: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(moment))


@dataclass(frozen=True)
class _Kind(Generic[_R]):
    """Records served by barcode (users, items): how to find, read and show one."""

    key_of: Callable[[str], str | None]  # a FOLIO id -> the barcode, if it is one of ours
    keys: Callable[[], list[str]]
    read: Callable[[str], _R | None]
    as_json: Callable[[_R], dict[str, Any]]


class FolioApi:
    """The REST resources, without sockets: a request in, a :class:`Reply` out."""

    def __init__(
        self,
        model: ConsortiumModel,
        *,
        tenant: str = DEFAULT_TENANT,
        faults: Faults | None = None,
        access_ttl_s: float = 600.0,
        refresh_ttl_s: float = 7 * 86400.0,
    ) -> None:
        self.model = model
        self.tenant = tenant
        self.faults = faults or Faults()
        self.records = FolioRecords(model)
        self.circulation = Circulation(model)
        self.logins = login_guard(model)
        self.tokens = _Tokens(access_ttl_s, refresh_ttl_s)
        self._users = _Kind(self.records.patron_of, model.patrons, model.patron, self.records.user)
        self._items = _Kind(
            self.records.item_of, model.items, model.item, self.records.inventory_item
        )
        self._routes: list[tuple[str, re.Pattern[str], _Handler, bool]] = []
        for method, pattern, function, authenticated in (
            ("POST", r"/authn/login-with-expiry", self.login, False),
            ("POST", r"/authn/refresh", self.refresh, False),
            ("POST", r"/authn/logout", self.logout, False),
            ("GET", r"/service-points", self.service_points, True),
            ("GET", r"/service-points/(?P<id>[^/]+)", self.service_point, True),
            ("GET", r"/users", self.users, True),
            ("GET", r"/users/(?P<id>[^/]+)", self.user, True),
            ("POST", r"/patron-pin/verify", self.verify_pin, True),
            ("GET", r"/automated-patron-blocks/(?P<id>[^/]+)", self.automated_blocks, True),
            ("GET", r"/manualblocks", self.manual_blocks, True),
            ("GET", r"/accounts", self.accounts, True),
            ("GET", r"/inventory/items", self.items, True),
            ("GET", r"/inventory/items/(?P<id>[^/]+)", self.item, True),
            ("GET", r"/configurations/entries", self.configurations, True),
            ("POST", r"/circulation/check-out-by-barcode", self.check_out, True),
            ("POST", r"/circulation/check-in-by-barcode", self.check_in, True),
            ("POST", r"/circulation/renew-by-barcode", self.renew, True),
            ("GET", r"/circulation/loans", self.loans, True),
            ("GET", r"/circulation/loans/(?P<id>[^/]+)", self.loan, True),
            ("GET", r"/circulation/requests", self.requests, True),
            ("GET", r"/circulation/requests/(?P<id>[^/]+)", self.request, True),
        ):
            self._routes.append((method, re.compile(pattern + "$"), function, authenticated))

    # -- dispatch ----------------------------------------------------------------------------------

    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes = b"") -> Reply:
        parts = urlsplit(target)
        params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        request = _Request(method, parts.path.rstrip("/") or "/", params, headers, body)
        known_path = False
        for route_method, pattern, function, authenticated in self._routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            known_path = True
            if route_method != method:
                continue
            try:
                self._check_tenant(request)
                if self.faults.offline and not request.path.startswith("/authn/"):
                    return Reply.text(503, "Service Unavailable: the library system is offline")
                if authenticated:
                    self._authenticate(request)
                request.params.update(match.groupdict())
                return function(request)
            except _Refused as refused:
                return refused.reply
        if known_path:
            return Reply.text(405, f"Method {method} not allowed on {request.path}")
        return Reply.text(404, f"No suitable module found for path {request.path}")

    def _check_tenant(self, request: _Request) -> None:
        tenant = request.headers.get("x-okapi-tenant")
        if not tenant:
            raise _Refused(Reply.text(400, "Missing Tenant"))
        if tenant != self.tenant:
            raise _Refused(Reply.text(400, f"No such Tenant {tenant}"))

    def _authenticate(self, request: _Request) -> None:
        token = request.headers.get("x-okapi-token") or request.cookie("folioAccessToken")
        if not token:
            raise _Refused(Reply.text(401, "Token missing, access requires permission"))
        login = self.tokens.login_of(token)
        if login is None:
            raise _Refused(Reply.text(401, "Invalid token: expired or unknown"))
        request.login = login

    # -- helpers -----------------------------------------------------------------------------------

    def _paged(self, request: _Request, key: str, records: list[dict[str, Any]]) -> Reply:
        try:
            predicate = parse_cql(request.params.get("query"))
        except CqlError as error:
            raise _Refused(Reply.text(400, f"CQL: {error}")) from None
        try:
            limit = int(request.params.get("limit", "10"))
            offset = int(request.params.get("offset", "0"))
        except ValueError:
            raise _Refused(Reply.text(400, "limit and offset must be integers")) from None
        if limit < 0 or offset < 0:
            raise _Refused(Reply.text(400, "limit and offset must be 0 or more"))
        matching = [record for record in records if predicate(record)]
        return Reply.json(
            200, {key: matching[offset : offset + limit], "totalRecords": len(matching)}
        )

    def _narrowed(self, request: _Request, index: str) -> str | None:
        return required_value(request.params.get("query"), index)

    def _found(self, request: _Request, key: str, kind: _Kind[Any]) -> Reply:
        """A search of users or items: one by barcode or id when the query names it, else all."""
        barcode = self._narrowed(request, "barcode")
        uuid = self._narrowed(request, "id")
        if barcode is None and uuid is not None:
            barcode = kind.key_of(uuid) or ""
        keys = [barcode] if barcode is not None else kind.keys()
        found = (kind.read(k) for k in keys)
        return self._paged(request, key, [kind.as_json(r) for r in found if r is not None])

    def _by_id(self, request: _Request, missing: str, kind: _Kind[Any]) -> Reply:
        key = kind.key_of(request.params["id"])
        found = kind.read(key) if key else None
        if found is None:
            return Reply.text(404, missing)
        return Reply.json(200, kind.as_json(found))

    @staticmethod
    def _uuid(value: Any, name: str) -> str:
        if not isinstance(value, str) or not _UUID.match(value):
            raise _Refused(_errors(f"{name} must be a UUID", code=None, **{name: str(value)}))
        return value.lower()

    def _fields(
        self,
        request: _Request,
        *,
        required: tuple[str, ...],
        allowed: tuple[str, ...] | None,
    ) -> dict[str, Any]:
        """The JSON body with the schema's required fields present and, where the schema says
        ``additionalProperties: false``, nothing else (FOLIO answers 422 either way)."""
        body = request.json()
        for name in required:
            if body.get(name) in (None, ""):
                raise _Refused(
                    Reply.json(
                        422,
                        {
                            "errors": [
                                {
                                    "message": "may not be null",
                                    "type": "1",
                                    "code": "-1",
                                    "parameters": [{"key": name, "value": "null"}],
                                }
                            ]
                        },
                    )
                )
        if allowed is not None:
            for name in body:
                if name not in allowed:
                    raise _Refused(_errors(f'Unrecognized field "{name}"', field=name))
        for name in required:
            if not isinstance(body[name], str):
                raise _Refused(_errors(f"{name} must be a string", **{name: str(body[name])}))
        return body

    def _terminal(self, request: _Request, service_point_id: Any) -> Terminal:
        value = self._uuid(service_point_id, "servicePointId")
        branch = self.records.branch_of(value)
        if branch is None:
            raise _Refused(
                _errors(
                    "Check in and check out must be performed at a valid service point",
                    servicePointId=value,
                )
            )
        return self.circulation.terminal(request.login, branch)

    def _patron(self, barcode: str) -> PatronRecord:
        patron = self.model.patron(barcode)
        if patron is None:
            raise _Refused(
                _errors(
                    "Could not find user with matching barcode",
                    code="USER_BARCODE_NOT_FOUND",
                    userBarcode=barcode,
                )
            )
        return patron

    def _item(self, barcode: str) -> ItemRecord:
        item = self.model.item(barcode)
        if item is None:
            raise _Refused(_errors(f"No item with barcode {barcode} exists", itemBarcode=barcode))
        return item

    @staticmethod
    def _date(body: dict[str, Any], name: str) -> datetime | None:
        if body.get(name) is None:
            return None
        try:
            return from_utc(str(body[name]))
        except ValueError:
            raise _Refused(
                _errors(f"{name} is not a date-time", **{name: str(body[name])})
            ) from None

    @staticmethod
    def _refusal(result: LoanResult, item_barcode: str, user_barcode: str) -> Reply:
        reason = result.reason or Reason.NOT_LOANABLE
        code, block = _REFUSALS.get(reason, (None, None))
        error: dict[str, Any] = {
            "message": result.message or MESSAGES.get(reason, reason.value),
            "parameters": [
                {"key": "itemBarcode", "value": item_barcode},
                {"key": "userBarcode", "value": user_barcode},
            ],
        }
        if code:
            error["code"] = code
        if block:
            error["overridableBlock"] = {
                "name": block,
                "missingPermissions": [_OVERRIDE_PERMISSIONS[block]],
            }
        return Reply.json(422, {"errors": [error]})

    # -- authentication (mod-login) ----------------------------------------------------------------

    def _session_reply(self, login: str) -> Reply:
        access, access_expires, refresh, refresh_expires = self.tokens.issue(login)
        cookies = (
            (
                "Set-Cookie",
                f"folioAccessToken={access}; Max-Age={round(self.tokens.access_ttl_s)}; "
                f"Expires={_http_date(access_expires)}; Path=/; Secure; HttpOnly; "
                "SameSite=Lax",
            ),
            (
                "Set-Cookie",
                f"folioRefreshToken={refresh}; Max-Age={round(self.tokens.refresh_ttl_s)}; "
                f"Expires={_http_date(refresh_expires)}; Path=/authn; Secure; HttpOnly; "
                "SameSite=Lax",
            ),
        )
        body = {
            "accessTokenExpiration": utc(datetime.fromtimestamp(access_expires)),
            "refreshTokenExpiration": utc(datetime.fromtimestamp(refresh_expires)),
        }
        return Reply.json(201, body, headers=cookies)

    def login(self, request: _Request) -> Reply:
        body = request.json()
        username, password = body.get("username"), body.get("password")
        if not isinstance(username, str) or not isinstance(password, str):
            return _errors("username and password are required")
        account = self.model.account(username)
        if account is None or self.faults.refuse_logins:
            return _errors("Error verifying user existence", code="username.incorrect")
        check = self.logins.check(account.login, password, account.password)  # as SIP2's 93
        if check.locked_until is not None:
            log.warning(
                "FOLIO login of %s refused: locked after too many wrong passwords", username
            )
            return _errors("User is locked after too many wrong passwords", code="user.blocked")
        if not check.ok:
            return _errors("Password does not match", code="password.incorrect")
        log.info("FOLIO login of %s", username)
        return self._session_reply(account.login)

    def refresh(self, request: _Request) -> Reply:
        login = self.tokens.use_refresh(request.cookie("folioRefreshToken"))
        if login is None:
            return _errors("Invalid token: the refresh token is missing, expired or used")
        return self._session_reply(login)

    def logout(self, request: _Request) -> Reply:
        self.tokens.use_refresh(request.cookie("folioRefreshToken"))
        return Reply(204)

    # -- service points (inventory-storage) --------------------------------------------------------

    def service_points(self, request: _Request) -> Reply:
        return self._paged(request, "servicepoints", self.records.service_points())

    def service_point(self, request: _Request) -> Reply:
        branch = self.records.branch_of(request.params["id"])
        record = self.model.branch(branch) if branch else None
        if record is None:
            return Reply.text(404, f"Service point {request.params['id']} not found")
        return Reply.json(200, self.records.service_point(record))

    # -- users, PINs, blocks -----------------------------------------------------------------------

    def users(self, request: _Request) -> Reply:
        return self._found(request, "users", self._users)

    def user(self, request: _Request) -> Reply:
        return self._by_id(request, "User not found", self._users)

    def verify_pin(self, request: _Request) -> Reply:
        body = self._fields(request, required=("id", "pin"), allowed=("id", "pin"))
        key = self.records.patron_of(str(body["id"]))
        patron = self.model.patron(key) if key else None
        if patron is None:
            return _errors("PIN does not match")
        # The same count against guessing as SIP2's messages (kiosk/acs/lockout.py).
        check = self.circulation.check_pin(patron, str(body["pin"]))
        if check is None or check.locked_until is not None:
            return _errors(
                "PIN locked after too many wrong attempts" if check else "PIN does not match"
            )
        if not check.ok:
            return _errors("PIN does not match")
        return Reply(200, b"", "text/plain")

    def automated_blocks(self, request: _Request) -> Reply:
        user_id = request.params["id"]
        if not _UUID.match(user_id):
            return Reply.text(400, "Invalid user UUID")
        key = self.records.patron_of(user_id)
        blocks = self.records.automated_blocks(self.circulation.standing(key)) if key else []
        return Reply.json(200, {"automatedPatronBlocks": blocks})

    def manual_blocks(self, request: _Request) -> Reply:
        user_id = self._narrowed(request, "userId")
        keys = [self.records.patron_of(user_id)] if user_id else self.model.patrons()
        blocks = [
            block
            for key in keys
            if key is not None and (patron := self.model.patron(key)) is not None
            for block in self.records.manual_blocks(patron)
        ]
        return self._paged(request, "manualblocks", blocks)

    def accounts(self, request: _Request) -> Reply:
        user_id = self._narrowed(request, "userId")
        if user_id is not None:
            key = self.records.patron_of(user_id)
            fees = self.model.fees_of(key, outstanding_only=False) if key else []
            records = [self.records.account(fee) for fee in fees]
        else:
            records = self.records.accounts()
        return self._paged(request, "accounts", records)

    # -- inventory ---------------------------------------------------------------------------------

    def items(self, request: _Request) -> Reply:
        return self._found(request, "items", self._items)

    def item(self, request: _Request) -> Reply:
        return self._by_id(request, "Item not found", self._items)

    def configurations(self, request: _Request) -> Reply:
        locale = {
            "locale": "sv-SE",
            "timezone": os.environ.get("TZ") or "UTC",
            "currency": self.model.policy.currency,
        }
        entry = {
            "id": folio_id("configuration", "ORG:localeSettings"),
            "module": "ORG",
            "configName": "localeSettings",
            "enabled": True,
            "value": json.dumps(locale),
        }
        return self._paged(request, "configs", [entry])

    # -- circulation (mod-circulation) -------------------------------------------------------------

    def check_out(self, request: _Request) -> Reply:
        body = self._fields(
            request, required=("itemBarcode", "userBarcode", "servicePointId"), allowed=None
        )
        terminal = self._terminal(request, body["servicePointId"])
        patron = self._patron(body["userBarcode"])
        if patron.expires is not None and patron.expires < self.model.now().date():
            return _errors("Cannot check out to inactive user", userBarcode=patron.barcode)
        item = self._item(body["itemBarcode"])
        if item.loan is not None:
            reason = (
                Reason.ALREADY_BORROWED
                if item.loan.patron == patron.barcode
                else Reason.ON_LOAN_TO_OTHER
            )
            return self._refusal(
                LoanResult(ok=False, reason=reason, message=MESSAGES[reason]),
                item.barcode,
                patron.barcode,
            )
        overrides = body.get("overrideBlocks") or {}
        if not isinstance(overrides, dict):
            return _errors("overrideBlocks must be an object")
        no_block = "patronBlock" in overrides or "itemLimitBlock" in overrides
        result = self.circulation.checkout(
            terminal,
            LoanRequest(
                patron_id=patron.barcode,
                item_id=item.barcode,
                no_block=no_block,
                transaction_date=self._date(body, "loanDate"),
            ),
            renewal_allowed=False,
        )
        if not result.ok:
            return self._refusal(result, item.barcode, patron.barcode)
        loan = self.model.loan(item.barcode)
        if loan is None:  # cannot happen: the loan was made in the same transaction
            return Reply.text(500, "the loan vanished")
        return Reply.json(201, self.records.loan(loan, self.model.item(item.barcode)))

    def check_in(self, request: _Request) -> Reply:
        body = self._fields(
            request,
            required=("itemBarcode", "servicePointId", "checkInDate"),
            allowed=(
                "itemBarcode",
                "servicePointId",
                "checkInDate",
                "claimedReturnedResolution",
                "sessionId",
            ),
        )
        terminal = self._terminal(request, body["servicePointId"])
        item = self._item(body["itemBarcode"])
        returned = self._date(body, "checkInDate")
        loan = item.loan
        result = self.circulation.checkin(terminal, item.barcode, return_date=returned)
        after = self.model.item(item.barcode) or item
        reply: dict[str, Any] = {"item": self.records.circulation_item(after, for_loan=False)}
        if loan is not None:
            reply["loan"] = self.records.loan(
                loan, after, returned=returned or self.model.now(), checkin_branch=terminal.branch
            )
        slip: dict[str, Any] = {}
        if result.hold_patron and after.hold is not None:
            pickup = self.model.branch(after.hold.pickup)
            request_slip: dict[str, Any] = {
                "requestID": folio_id("request", str(after.hold.id)),
                "servicePointPickup": pickup.name if pickup else after.hold.pickup,
            }
            if after.hold.expires is not None:
                request_slip["holdShelfExpirationDate"] = utc(after.hold.expires)
            slip["request"] = request_slip
            slip["requester"] = {"barcode": result.hold_patron}
        if after.status == "in_transit" and after.transit_to:
            here, there = self.model.branch(terminal.branch), self.model.branch(after.transit_to)
            slip["item"] = {
                "title": after.title,
                "barcode": after.barcode,
                "fromServicePoint": here.name if here else terminal.branch,
                "toServicePoint": there.name if there else after.transit_to,
            }
        if slip:
            reply["staffSlipContext"] = slip
        return Reply.json(200, reply)

    def renew(self, request: _Request) -> Reply:
        body = self._fields(
            request,
            required=("itemBarcode", "userBarcode"),
            allowed=("itemBarcode", "userBarcode", "servicePointId", "overrideBlocks"),
        )
        patron = self._patron(body["userBarcode"])
        item = self._item(body["itemBarcode"])
        if body.get("servicePointId") is not None:
            terminal = self._terminal(request, body["servicePointId"])
        else:
            terminal = self.circulation.terminal(request.login, patron.home_branch)
        result = self.circulation.renew(
            terminal, RenewRequest(patron_id=patron.barcode, item_id=item.barcode)
        )
        if not result.ok:
            return self._refusal(result, item.barcode, patron.barcode)
        loan = self.model.loan(item.barcode)
        if loan is None:
            return Reply.text(500, "the loan vanished")
        return Reply.json(200, self.records.loan(loan, self.model.item(item.barcode)))

    def loans(self, request: _Request) -> Reply:
        user_id = self._narrowed(request, "userId")
        item_id = self._narrowed(request, "itemId")
        if item_id is not None:
            key = self.records.item_of(item_id)
            found = self.model.loan(key) if key else None
            loans = [found] if found else []
        elif user_id is not None:
            key = self.records.patron_of(user_id)
            loans = self.model.loans_of(key) if key else []
        else:
            loans = self.model.all_loans()
        records = [self.records.loan(loan, self.model.item(loan.item)) for loan in loans]
        return self._paged(request, "loans", records)

    def loan(self, request: _Request) -> Reply:
        return _listed(request, self.records.open_loans(), "Loan not found")

    def requests(self, request: _Request) -> Reply:
        requester = self._narrowed(request, "requesterId")
        if requester is not None:
            key = self.records.patron_of(requester)
            holds = self.model.holds_of(key) if key else []
            records = [self.records.request(hold) for hold in holds]
        else:
            records = self.records.requests()
        return self._paged(request, "requests", records)

    def request(self, request: _Request) -> Reply:
        return _listed(request, self.records.requests(), "Request not found")


def _listed(request: _Request, records: list[dict[str, Any]], missing: str) -> Reply:
    """The record of the path's id among ``records`` (ids are lower-case UUIDs), else 404."""
    wanted = request.params["id"].lower()
    for record in records:
        if record["id"] == wanted:
            return Reply.json(200, record)
    return Reply.text(404, missing)


class FolioServer(ServedInThread):
    """:class:`FolioApi` over HTTP/1.1 (keep-alive) from a thread, like FOLIO behind Okapi.

    ``with FolioServer(model) as folio: folio.url`` -- port 0 picks a free port.
    :meth:`service_point_id` gives the id a kiosk at a branch configures.
    """

    thread_name = "embedded-folio"
    poll_interval = 0.1

    def __init__(
        self,
        model: ConsortiumModel,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        tenant: str = DEFAULT_TENANT,
        faults: Faults | None = None,
        access_ttl_s: float = 600.0,
        refresh_ttl_s: float = 7 * 86400.0,
    ) -> None:
        super().__init__(
            host,
            port,
            max_connections=MAX_CONNECTIONS,
            idle_seconds=KEEP_ALIVE_SECONDS,
            request_seconds=KEEP_ALIVE_SECONDS,
        )
        self.api = FolioApi(
            model,
            tenant=tenant,
            faults=faults,
            access_ttl_s=access_ttl_s,
            refresh_ttl_s=refresh_ttl_s,
        )
        self.requests = 0
        self.dropped = 0
        self._count_lock = threading.Lock()

    @property
    def tenant(self) -> str:
        return self.api.tenant

    @property
    def faults(self) -> Faults:
        return self.api.faults

    @staticmethod
    def service_point_id(branch: str) -> str:
        return folio_id("service-point", branch)

    def serve(self, model: ConsortiumModel, *, faults: Faults | None = None) -> None:
        """Answer for another consortium model from now on, with new tokens (every client
        logs in again). The tests switch models this way without restarting the server, or
        the validating proxy in front of it."""
        api = self.api
        self.api = FolioApi(
            model,
            tenant=api.tenant,
            faults=faults,
            access_ttl_s=api.tokens.access_ttl_s,
            refresh_ttl_s=api.tokens.refresh_ttl_s,
        )

    def expire_access_tokens(self) -> None:
        """Make every issued access token expire now (clients must refresh)."""
        self.api.tokens.expire_access()

    def handler(self) -> type[BoundedHandler]:
        return _handler_for(self)

    def start(self) -> Self:
        super().start()
        log.info("FOLIO API on %s (tenant %s)", self.url, self.tenant)
        return self

    def _counted(self, *, dropped: bool = False) -> None:
        with self._count_lock:
            self.requests += 1
            self.dropped += int(dropped)


#: No request a self-service client sends comes near this; a larger body is refused unread.
MAX_BODY = 1024 * 1024


def _request_body(headers: Any, rfile: Any) -> bytes | Reply:
    """The request's body, or the 4xx reply when its framing cannot be trusted.

    ``Content-Length`` must be one decimal number (a negative one would make the read wait for
    the end of the connection, a huge one would allocate it); chunked bodies are not spoken
    here, as the clients of this server never send them.
    """
    if headers.get("Transfer-Encoding"):
        return Reply.text(411, "Length Required: send the body with a Content-Length")
    values = headers.get_all("Content-Length") or []
    if not values:
        return b""
    text = values[0].strip()
    if len(set(values)) != 1 or not text.isascii() or not text.isdigit():
        return Reply.text(400, "Bad Request: invalid Content-Length")
    length = int(text) if len(text) <= len(str(MAX_BODY)) else MAX_BODY + 1
    if length > MAX_BODY:
        return Reply.text(413, f"Payload Too Large: at most {MAX_BODY} bytes")
    body = rfile.read(length) if length else b""
    if len(body) != length:
        return Reply.text(400, "Bad Request: the body ended before its Content-Length")
    return bytes(body)


#: Connections served at once; a kept-alive connection idle this long, or one that has not sent
#: its whole request within it, is closed (kiosk/httpserve.py).
MAX_CONNECTIONS = 256
KEEP_ALIVE_SECONDS = 60.0


def _handler_for(owner: FolioServer) -> type[BoundedHandler]:
    class Handler(BoundedHandler):
        server_version = "kiosk-folio"
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Headers and body leave in two writes: without this, Nagle's algorithm holds the
            # body back until the client's delayed ACK arrives (tens of ms per request).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _serve(self) -> None:
            api = owner.api
            body = _request_body(self.headers, self.rfile)
            self.request_read()
            if isinstance(body, Reply):  # the body cannot be read: answer, then hang up
                self.close_connection = True
                self._reply(body)
                return
            delay = api.faults.delay_seconds()
            if delay:
                time.sleep(delay)
            drop = api.faults.take_drop()
            if drop and api.faults.drop_before_processing:
                self._drop("before processing")
                return
            headers = {name.lower(): value for name, value in self.headers.items()}
            try:
                reply = api.handle(self.command, self.path, headers, body)
            except Exception:  # a bug answers 500, as a FOLIO module would
                log.exception("FOLIO request %s %s failed", self.command, self.path.split("?")[0])
                reply = Reply.text(500, "Internal server error")
            if drop:
                self._drop("after processing")
                return
            owner._counted()
            self._reply(reply)

        def _reply(self, reply: Reply) -> None:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            if self.close_connection:
                self.send_header("Connection", "close")
            for name, value in reply.headers:
                self.send_header(name, value)
            self.end_headers()
            if reply.body:
                self.wfile.write(reply.body)

        def _drop(self, when: str) -> None:
            owner._counted(dropped=True)
            log.info("fault knob: FOLIO connection dropped %s", when)
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_DELETE = _serve  # http.server's names

        def log_message(self, format: str, *args: Any) -> None:
            # The request line carries barcodes in queries: log the path only.
            log.debug("FOLIO %s %s", self.command, self.path.split("?", 1)[0])

    return Handler
