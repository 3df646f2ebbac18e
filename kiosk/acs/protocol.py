"""SIP2 requests in, SIP2 responses out: the embedded library system's message handlers.

Sans-I/O like the codec: :class:`Responder` takes a decoded request message and the connection's
:class:`Session` and returns the response message (or raises :class:`CloseConnection`). Sockets,
framing, checksums, retries and fault knobs are the server's business (:mod:`kiosk.acs.server`);
loans, returns and holds are :mod:`kiosk.acs.circulation`'s. This module only translates, using
the project's one SIP2 codec (``kiosk.sip2``) for every message class.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk import sip2
from kiosk.acs.circulation import (
    MESSAGES,
    Circulation,
    LoanResult,
    PatronStanding,
    Reason,
    Terminal,
)
from kiosk.acs.errors import RequestError
from kiosk.acs.faults import Faults
from kiosk.acs.lockout import login_guard
from kiosk.acs.model import ConsortiumModel
from kiosk.acs.records import AccountRecord, ItemRecord
from kiosk.acs.refusals import refusal
from kiosk.ils.port import LoanRequest, RenewRequest
from kiosk.sip2.codec import MAX_FIELD_LENGTH

log = logging.getLogger("kiosk.acs")

# The SIP2 language code of each patron language (ISO 639-2 in the model): the spec's table,
# the first code where it has two for one language, and the other names of its languages.
LANGUAGE_CODES = {
    **{iso: code for code, iso in reversed(sip2.LANGUAGES.items())},
    "nob": "012",
    "nno": "012",
    "isl": "025",
}
MEDIA_TYPE_CODES = {
    "book": "001",
    "magazine": "002",
    "audiobook": "006",
    "cd": "006",
    "kit": "009",
    "dvd": "000",
    "bluray": "000",
    "game": "000",
    "ebook-reader": "000",
    "other": "000",
}
FEE_TYPE_CODES = {
    "other": "01",
    "administrative": "02",
    "damage": "03",
    "overdue": "04",
    "processing": "05",
    "rental": "06",
    "replacement": "07",
    "hold": "09",
}
CIRCULATION_STATUS = {
    "available": "03",
    "on_loan": "04",
    "in_process": "06",
    "on_hold_shelf": "08",
    "in_transit": "10",
    "lost": "12",
    "missing": "13",
    "reference": "03",
}
# Requests that change something: refused while "offline", answered from the replay cache.
CIRCULATION_CODES = frozenset({"11", "09", "29", "65", "15", "37", "19", "01", "25"})
OFFLINE_MESSAGE = "Biblioteksystemet är inte tillgängligt just nu."
TOO_LONG_MESSAGE = f"Ett fält i begäran är längre än {MAX_FIELD_LENGTH} tecken."
INTERNAL_ERROR_MESSAGE = "Ett fel uppstod i biblioteksystemet. Inget har ändrats."
BAD_AMOUNT_MESSAGE = "Ogiltigt belopp."
# Larger than any fee a library charges, small enough that no arithmetic or log line overflows.
MAX_AMOUNT = Decimal(10**9)
_MAX_AMOUNT_TEXT = 32
ALL_SUPPORTED = "Y" * 16


_PatronRequest = (
    sip2.PatronStatusRequest | sip2.PatronInformation | sip2.BlockPatron | sip2.PatronEnable
)


class CloseConnection(Exception):
    """A frame the server answers by closing the connection, as real ACSs do: a request
    other than 93/99 before a successful login, or a message that is not a request."""


@dataclass
class Session:
    """One connection's state: which kiosk account logged in, and from which branch."""

    account: AccountRecord | None = None
    terminal: Terminal | None = None
    peer: str = ""


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def parse_money(text: str | None) -> int | None:
    """ "25.00", "25", "25,5" -> cents; None when unreadable, negative, not finite ("NaN",
    "Infinity") or beyond any real fee (a 5,000-digit amount, "1E+999999999")."""
    if not text or len(text) > _MAX_AMOUNT_TEXT:
        return None
    try:
        amount = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_AMOUNT:
        return None
    return int((amount * 100).to_integral_value())


def field_text(value: str) -> str:
    """Library data for a field the codec treats as a code (CD, AV, CR, CL): no delimiters.

    Titles and descriptions come from a library's own data file and may hold ``|`` or line
    breaks, which the codec rightly refuses in those fields; one bad title must not cost a
    patron's whole account view.
    """
    return " ".join(value.replace("|", "/").split())[:255]


def _present(**values: str | list[str] | None) -> dict[str, str | list[str]]:
    """The optional fields that have a value: an empty optional field is left out, not sent."""
    return {tag: value for tag, value in values.items() if value}


def _yes(value: str | None) -> bool:
    return (value or "").strip().upper() == "Y"


class Responder:
    """Answers one request message for one session."""

    def __init__(
        self,
        model: ConsortiumModel,
        faults: Faults,
        *,
        default_timeout_seconds: float = 60.0,
        default_retries: int = 3,
    ) -> None:
        self.model = model
        self.circ = Circulation(model)
        self.logins = login_guard(model)
        self.faults = faults
        self.default_timeout = default_timeout_seconds
        self.default_retries = default_retries
        # by code: the decoder builds each request as its code's class (23 -> PatronStatusRequest)
        self._handlers: dict[str, Callable[[Any, Session], sip2.Message]] = {
            "93": self.login,
            "99": self.sc_status,
            "23": self.patron_status,
            "63": self.patron_information,
            "11": self.checkout,
            "09": self.checkin,
            "29": self.renew,
            "65": self.renew_all,
            "17": self.item_information,
            "19": self.item_status_update,
            "35": self.end_session,
            "37": self.fee_paid,
            "15": self.hold,
            "01": self.block_patron,
            "25": self.patron_enable,
        }

    def respond(self, request: sip2.Message, session: Session) -> sip2.Message:
        handler = self._handlers.get(request.code)
        if handler is None:  # a response code sent to us, or 96: nothing sensible to answer
            raise CloseConnection(f"message {request.code} is not a request this server answers")
        if request.code not in ("93", "99") and session.terminal is None:
            raise CloseConnection(f"message {request.code} before a successful login (93)")
        if _fields_over_limit(request):
            return self.refuse_too_long(request, session)
        if self.faults.offline and request.code in CIRCULATION_CODES:
            return self.offline_refusal(request, session)
        return self._all_or_nothing(handler, request, session)

    def _all_or_nothing(
        self,
        handler: Callable[[sip2.Message, Session], sip2.Message],
        request: sip2.Message,
        session: Session,
    ) -> sip2.Message:
        """Carry a request out in one transaction with its answer: when the handler raises, or
        its answer cannot be sent, the change is rolled back and the request is answered with
        its negative response (or 96 for a request that only reads), never with silence."""
        try:
            with self.model.transaction():
                response = handler(request, session)
                sip2.encode(response)  # an answer that cannot go out must not leave its change
            return response
        except RequestError as exc:
            log.warning("%s: %s request refused: %s", session.peer, request.code, exc)
            screen = exc.screen_message
        except Exception:
            log.exception("%s: internal error on a %s request", session.peer, request.code)
            screen = INTERNAL_ERROR_MESSAGE
        answer = refusal(
            request, institution=self._institution(request, session), screen_message=screen
        )
        try:
            if answer is not None:
                sip2.encode(answer)  # it echoes the request's fields, which may be unsendable
                return answer
        except sip2.SIP2EncodeError:
            pass
        return sip2.RequestSCResend()

    # -- helpers ---------------------------------------------------------------------------------

    def _institution(self, request: sip2.Message, session: Session) -> str:
        """The AO to answer with: the request's (any request: also vendors' 99s carry one), or
        the logged-in kiosk's library."""
        given = request.get("AO")
        if given:
            return given
        if session.terminal is not None:
            return self.model.isil(session.terminal.library)
        return ""

    def _now(self) -> datetime:
        return self.model.now()

    def _language(self, standing: PatronStanding) -> str:
        if standing.patron is None:
            return "000"
        return LANGUAGE_CODES.get(standing.patron.language, "000")

    @staticmethod
    def _status_string(standing: PatronStanding) -> str:
        return "".join("Y" if bit else " " for bit in standing.status)

    def _due(self, moment: datetime | None) -> str | None:
        return sip2.format_sip_date(moment) if moment else None

    # -- sessions --------------------------------------------------------------------------------

    def login(self, request: sip2.Login, session: Session) -> sip2.Message:
        account = self.model.account(request.login_user_id or "")
        ok = (
            account is not None
            and not self.faults.refuse_logins
            and self._password_ok(account, request.login_password or "", session)
        )
        if ok and account is not None:
            session.account = account
            session.terminal = self.circ.terminal(account.login, account.branch)
        else:
            _log_out(session)
        return sip2.LoginResponse(ok=ok)

    def _password_ok(self, account: AccountRecord, password: str, session: Session) -> bool:
        """The account's password, counted against guessing (locked after too many wrong)."""
        check = self.logins.check(account.login, password, account.password)
        if check.locked_until is not None:
            log.warning(
                "%s: login as %s refused: locked after too many wrong passwords until %s",
                session.peer,
                account.login,
                check.locked_until.isoformat(timespec="minutes"),
            )
        return check.ok

    def sc_status(self, request: sip2.SCStatus, session: Session) -> sip2.Message:
        account = session.account
        timeout = account.timeout_seconds if account else self.default_timeout
        retries = account.retries if account else self.default_retries
        online = not self.faults.offline
        fields: dict[str, str] = {"AO": self._institution(request, session), "BX": ALL_SUPPORTED}
        if session.terminal is not None:
            branch = self.model.branch(session.terminal.branch)
            fields["AM"] = branch.library_name if branch else self.model.name
            fields["AN"] = (account.location_code if account else "") or session.terminal.branch
        else:
            fields["AM"] = self.model.name
        if not online:
            fields["AF"] = OFFLINE_MESSAGE
        return sip2.ACSStatus(
            online_status=online,
            checkin_ok=online,
            checkout_ok=online,
            acs_renewal_policy=True,
            status_update_ok=True,
            offline_ok=True,
            timeout_period=_timeout_period(timeout),
            retries_allowed=min(retries, 999),
            date_time_sync=self._now(),
            protocol_version="2.00",
            fields=fields,
        )

    def offline_refusal(
        self, request: sip2.Message, session: Session, screen_message: str = OFFLINE_MESSAGE
    ) -> sip2.Message:
        """What a circulation request gets while the "offline" knob is on: a clear no."""
        answer = refusal(
            request, institution=self._institution(request, session), screen_message=screen_message
        )
        assert answer is not None  # every circulation code has a negative response
        return answer

    def refuse_too_long(self, request: sip2.Message, session: Session) -> sip2.Message:
        """A request with a field over SIP2's 255 characters: refused before anything is done.

        Its answer could not echo the field (the codec refuses it), and an action without an
        answer would be repeated by every resend; so the request is refused, with its echoed
        fields cut to the limit, and nothing changes.
        """
        over = _fields_over_limit(request)
        cut = request.replace(
            fields={
                tag: [value[:MAX_FIELD_LENGTH] for value in request.get_all(tag)] for tag in over
            }
        )
        code = cut.code
        if code in CIRCULATION_CODES:
            return self.offline_refusal(cut, session, TOO_LONG_MESSAGE)
        if code == "93":
            _log_out(session)
            return sip2.LoginResponse(ok=False)
        if isinstance(cut, sip2.SCStatus):
            return self.sc_status(cut, session)
        screen = {"AF": TOO_LONG_MESSAGE}
        if code == "17":
            return sip2.ItemInformationResponse(
                circulation_status="01",
                security_marker="00",
                fee_type="01",
                fields={"AB": cut.get("AB") or "", "AJ": "", **screen},
            )
        patron = {"AO": self._institution(cut, session), "AA": cut.get("AA") or ""}
        if code == "35":
            return sip2.EndSessionResponse(end_session=False, fields={**patron, **screen})
        response_class = (
            sip2.PatronInformationResponse if code == "63" else sip2.PatronStatusResponse
        )
        return response_class(
            patron_status=self._status_string(self.circ.standing("")),
            language="000",
            fields={**patron, "AE": "", "BL": "N", **screen},
        )

    def end_session(self, request: sip2.EndPatronSession, session: Session) -> sip2.Message:
        return sip2.EndSessionResponse(
            end_session=True,
            fields={
                "AO": self._institution(request, session),
                "AA": request.patron_identifier or "",
            },
        )

    # -- patrons ---------------------------------------------------------------------------------

    def _patron_fields(
        self, request: _PatronRequest, session: Session, standing: PatronStanding
    ) -> dict[str, str | list[str]]:
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.patron_identifier or "",
            "AE": standing.patron.name if standing.patron else "",
            "BL": "Y" if standing.valid else "N",
        }
        if standing.pin_ok is not None:
            fields["CQ"] = "Y" if standing.pin_ok else "N"
        if standing.patron is None:
            fields["AF"] = MESSAGES[Reason.UNKNOWN_PATRON]
        elif standing.pin_refusal is not None:
            fields["AF"] = MESSAGES[standing.pin_refusal]
        elif standing.reasons:
            fields["AF"] = MESSAGES[standing.reasons[0]]
        return fields

    def patron_status(
        self, request: sip2.PatronStatusRequest | sip2.BlockPatron, session: Session
    ) -> sip2.Message:
        pin = request.patron_password if isinstance(request, sip2.PatronStatusRequest) else None
        standing = self.circ.standing(request.patron_identifier or "", pin)
        fields = self._patron_fields(request, session, standing)
        if standing.valid:
            fields["BH"] = self.model.policy.currency
            fields["BV"] = money(standing.fees_total)
        return sip2.PatronStatusResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=fields,
        )

    def patron_information(self, request: sip2.PatronInformation, session: Session) -> sip2.Message:
        standing = self.circ.standing(request.patron_identifier or "", request.patron_password)
        fields = self._patron_fields(request, session, standing)
        counts: dict[str, Any] = dict.fromkeys(  # the response's count fields, by name
            (
                "hold_items_count",
                "overdue_items_count",
                "charged_items_count",
                "fine_items_count",
                "recall_items_count",
                "unavailable_holds_count",
            ),
            0,
        )
        patron = standing.patron
        if patron is not None:
            policy = self.model.policy
            now = self.model.now()
            loans = self.model.loans_of(patron.barcode)
            holds = self.model.holds_of(patron.barcode)
            fees = self.model.fees_of(patron.barcode)
            ready = [h.item for h in holds if h.state == "ready" and h.item]
            unavailable = []
            for h in holds:
                if h.state == "in_transit" and h.item:
                    unavailable.append(h.item)
                elif h.state == "waiting":
                    copies = self.model.copies(h.record)
                    item = self.model.item(copies[0]) if copies else None
                    unavailable.append(field_text(item.title) if item else h.record)
            overdue = [ln.item for ln in loans if ln.due < now]
            charged = [ln.item for ln in loans]
            fine_items = [
                field_text(f"{f.id} {money(f.outstanding)} {policy.currency} {f.description}")
                for f in fees
            ]
            counts.update(
                hold_items_count=len(ready),
                overdue_items_count=len(overdue),
                charged_items_count=len(charged),
                fine_items_count=len(fees),
                unavailable_holds_count=len(unavailable),
            )
            default_rule = self.model.loan_rule(patron.home_library, "*")
            fields.update(
                BZ=str(policy.hold_limit),
                CA=str(policy.overdue_limit),
                CB=str(default_rule.max_loans),
                BH=policy.currency,
                BV=money(standing.fees_total),
                CC=money(policy.fee_limit),
            )
            if standing.pin_ok is not False:  # contact details only for the card's holder
                for tag, value in (
                    ("BD", patron.address),
                    ("BE", patron.email),
                    ("BF", patron.phone),
                ):
                    if value:
                        fields[tag] = value
            summary = (request.summary or "").ljust(10)
            lists = {
                0: ("AS", ready),
                1: ("AT", overdue),
                2: ("AU", charged),
                3: ("AV", fine_items),
                5: ("CD", unavailable),
            }
            start = _int(request.start_item, 1)
            end = _int(request.end_item, 10_000)
            for position, (tag, values) in lists.items():
                if summary[position] in "Yy":
                    fields[tag] = values[max(start, 1) - 1 : end]
        return sip2.PatronInformationResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=fields,
            **counts,
        )

    def block_patron(self, request: sip2.BlockPatron, session: Session) -> sip2.Message:
        assert session.terminal is not None
        self.circ.block_patron(
            session.terminal,
            request.patron_identifier or "",
            request.blocked_card_msg or "",
            card_retained=bool(request.card_retained),
        )
        return self.patron_status(request, session)

    def patron_enable(self, request: sip2.PatronEnable, session: Session) -> sip2.Message:
        assert session.terminal is not None
        result = self.circ.enable_patron(
            session.terminal, request.patron_identifier or "", pin=request.patron_password
        )
        standing = result.standing
        return sip2.PatronEnableResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=self._patron_fields(request, session, standing),
        )

    # -- circulation -----------------------------------------------------------------------------

    def _loan_response(
        self,
        cls: type[sip2.Message],
        request: sip2.Checkout | sip2.Renew,
        session: Session,
        result: LoanResult,
    ) -> sip2.Message:
        item = result.item
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.patron_identifier or "",
            "AB": request.item_identifier or "",
            "AJ": item.title if item else "",
            "AH": self._due(result.due) or "",
        }
        if item is not None:
            fields["CK"] = MEDIA_TYPE_CODES.get(item.media_type, "000")
            if item.properties:
                fields["CH"] = item.properties
        if result.fee:
            fields.update(
                BT=FEE_TYPE_CODES.get(result.fee_type, "01"),
                BH=self.model.policy.currency,
                BV=money(result.fee),
            )
        fields.update(_present(AF=result.message))
        return cls(
            ok=result.ok,
            renewal_ok=result.ok and result.renewal,
            magnetic_media=False,
            desensitize=result.ok,
            fields=fields,
        )

    def checkout(self, request: sip2.Checkout, session: Session) -> sip2.Message:
        assert session.terminal is not None
        result = self.circ.checkout(
            session.terminal,
            LoanRequest(
                patron_id=request.patron_identifier or "",
                item_id=request.item_identifier or "",
                pin=request.patron_password,
                fee_acknowledged=_yes(request.fee_acknowledged),
                no_block=bool(request.no_block),
                transaction_date=_naive(request.transaction_date),
            ),
            nb_due_date=_naive(request.nb_due_date),
            renewal_allowed=request.sc_renewal_policy is not False,
        )
        return self._loan_response(sip2.CheckoutResponse, request, session, result)

    def renew(self, request: sip2.Renew, session: Session) -> sip2.Message:
        assert session.terminal is not None
        item_id = request.item_identifier or ""
        title = request.title_identifier
        if not item_id and title:  # renewal by title: the patron's loan of it
            standing = self.circ.standing(request.patron_identifier or "")
            if standing.patron is not None:
                for loan in self.model.loans_of(standing.patron.barcode):
                    item = self.model.item(loan.item)
                    if item is not None and item.title == title:
                        item_id = loan.item
                        break
        result = self.circ.renew(
            session.terminal,
            RenewRequest(
                patron_id=request.patron_identifier or "",
                item_id=item_id,
                pin=request.patron_password,
                fee_acknowledged=_yes(request.fee_acknowledged),
            ),
            no_block=bool(request.no_block),
        )
        return self._loan_response(sip2.RenewResponse, request, session, result)

    def renew_all(self, request: sip2.RenewAll, session: Session) -> sip2.Message:
        assert session.terminal is not None
        result = self.circ.renew_all(
            session.terminal,
            request.patron_identifier or "",
            pin=request.patron_password,
            fee_acknowledged=_yes(request.fee_acknowledged),
        )
        fields: dict[str, str | list[str]] = {"AO": self._institution(request, session)}
        fields.update(_present(BM=result.renewed, BN=result.unrenewed, AF=result.message))
        return sip2.RenewAllResponse(
            ok=result.ok,
            renewed_count=len(result.renewed),
            unrenewed_count=len(result.unrenewed),
            fields=fields,
        )

    def _terminal_for(self, request: sip2.Checkin, session: Session) -> Terminal:
        """The kiosk's branch, or the AP current location when it names a branch (Evergreen)."""
        assert session.terminal is not None and session.account is not None
        location = request.current_location
        if location and location != session.terminal.branch and self.model.branch(location):
            return self.circ.terminal(session.account.login, location)
        return session.terminal

    def checkin(self, request: sip2.Checkin, session: Session) -> sip2.Message:
        terminal = self._terminal_for(request, session)
        returned = _naive(request.return_date) if request.no_block else None
        result = self.circ.checkin(
            terminal,
            request.item_identifier or "",
            return_date=returned,
            no_block=bool(request.no_block),
        )
        item = result.item
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AB": request.item_identifier or "",
            "AQ": item.home_branch if item else "",
        }
        if item is not None:
            fields.update(
                AJ=item.title,
                CK=MEDIA_TYPE_CODES.get(item.media_type, "000"),
                CS=item.call_number,
                CR=field_text(item.collection),
            )
            if item.properties:
                fields["CH"] = item.properties
        fields.update(
            _present(
                CL=field_text(result.sort_bin or ""),
                CT=result.destination,
                CV=result.alert_type,
            )
        )
        if result.hold_patron:
            fields.update(CY=result.hold_patron, DA=result.hold_patron_short or "")
        fields.update(_present(AF=result.message))
        return sip2.CheckinResponse(
            ok=result.ok, resensitize=True, magnetic_media=False, alert=result.alert, fields=fields
        )

    # -- items -----------------------------------------------------------------------------------

    def item_information(self, request: sip2.ItemInformation, session: Session) -> sip2.Message:
        item = self.model.item(request.item_identifier or "")
        if item is None:
            return sip2.ItemInformationResponse(
                circulation_status="01",
                security_marker="00",
                fee_type="01",
                fields={
                    "AB": request.item_identifier or "",
                    "AJ": "",
                    "AF": MESSAGES[Reason.UNKNOWN_ITEM],
                },
            )
        return sip2.ItemInformationResponse(
            circulation_status=CIRCULATION_STATUS.get(item.status, "01"),
            security_marker="00",
            fee_type="01",
            fields=self._item_fields(item, request, session),
        )

    def _item_fields(
        self, item: ItemRecord, request: sip2.ItemInformation, session: Session
    ) -> dict[str, str | list[str]]:
        queue = [h for h in self.model.holds_on(item.record) if h.state == "waiting"]
        fields: dict[str, str | list[str]] = {
            "AB": item.barcode,
            "AJ": item.title,
            "CF": str(len(queue)),
            "BG": item.owner_isil,
            "CK": MEDIA_TYPE_CODES.get(item.media_type, "000"),
            "AQ": item.home_branch,
            "AP": item.location,
            "CS": item.call_number,
            "CR": field_text(item.collection),
            "AO": self._institution(request, session),
        }
        if item.loan is not None:
            fields["AH"] = sip2.format_sip_date(item.loan.due)
        if item.transit_to:
            fields["CT"] = item.transit_to
        if item.hold is not None and item.hold.expires is not None:
            fields["CM"] = sip2.format_sip_date(
                datetime.combine(item.hold.expires, datetime.min.time())
            )
        if item.properties:
            fields["CH"] = item.properties
        if session.terminal is not None:
            rule = self.model.loan_rule(session.terminal.library, item.media_type)
            if rule.loan_fee:
                fields.update(BH=self.model.policy.currency, BV=money(rule.loan_fee))
        if item.status == "reference" or item.tag_usage == 2:
            fields["AF"] = MESSAGES[Reason.NOT_LOANABLE]
        return fields

    def item_status_update(self, request: sip2.ItemStatusUpdate, session: Session) -> sip2.Message:
        assert session.terminal is not None
        barcode = request.item_identifier or ""
        ok = self.circ.set_item_properties(session.terminal, barcode, request.item_properties or "")
        item = self.model.item(barcode)
        fields: dict[str, str | list[str]] = {"AB": barcode}
        if item is not None:
            fields.update(AJ=item.title, CH=item.properties)
        else:
            fields["AF"] = MESSAGES[Reason.UNKNOWN_ITEM]
        return sip2.ItemStatusUpdateResponse(item_properties_ok=ok, fields=fields)

    # -- fees and holds --------------------------------------------------------------------------

    def fee_paid(self, request: sip2.FeePaid, session: Session) -> sip2.Message:
        assert session.terminal is not None
        amount = parse_money(request.fee_amount)
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.patron_identifier or "",
        }
        if amount is None:
            fields["AF"] = BAD_AMOUNT_MESSAGE
            return sip2.FeePaidResponse(payment_accepted=False, fields=fields)
        result = self.circ.pay(
            session.terminal,
            request.patron_identifier or "",
            amount,
            fee_id=request.fee_identifier,
            transaction_id=request.transaction_id,
        )
        fields.update(_present(BK=result.transaction_id, AF=result.message))
        return sip2.FeePaidResponse(payment_accepted=result.accepted, fields=fields)

    def hold(self, request: sip2.Hold, session: Session) -> sip2.Message:
        assert session.terminal is not None
        mode = request.hold_mode or "+"
        result = self.circ.hold(
            session.terminal,
            mode,
            request.patron_identifier or "",
            pin=request.patron_password,
            item_id=request.item_identifier,
            title_id=request.title_identifier,
            pickup=request.pickup_location,
        )
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.patron_identifier or "",
        }
        fields.update(_present(AB=request.item_identifier, AJ=result.title))
        hold = result.hold
        if hold is not None and result.ok and mode != "-":
            fields["BS"] = hold.pickup
            if hold.position:
                fields["BR"] = str(hold.position)
            if hold.expires:
                fields["BW"] = sip2.format_sip_date(
                    datetime.combine(hold.expires, datetime.min.time())
                )
        fields.update(_present(AF=result.message))
        return sip2.HoldResponse(ok=result.ok, available=result.available, fields=fields)


def _fields_over_limit(request: sip2.Message) -> list[str]:
    """The tags of ``request`` with a value longer than SIP2 allows (255 characters)."""
    return [
        tag
        for tag, values in request.fields.items()
        if any(len(value) > MAX_FIELD_LENGTH for value in values)
    ]


def _timeout_period(seconds: float) -> int:
    """The 98's timeout period in tenths of a second; no timeout (0) is 999, "unknown": in
    SIP2, 000 says the ACS is not on-line."""
    if seconds <= 0:
        return 999
    return min(max(round(seconds * 10), 1), 998)


def _log_out(session: Session) -> None:
    """A failed login ends the connection's earlier login, as a real ACS's does: the
    connection must not go on as the old account after someone tried another one."""
    session.account = None
    session.terminal = None


def _int(text: str | None, default: int) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        return default


def _naive(moment: datetime | None) -> datetime | None:
    """SIP2 dates in UTC (zone Z) become local time, like the model's.

    9999-12-31 23:59:59 Z is past the calendar's end in a zone east of UTC (and 0001-01-01 Z
    before its start west of it): such a request is refused, not guessed at.
    """
    if moment is None or moment.tzinfo is None:
        return moment
    try:
        return moment.astimezone().replace(tzinfo=None)
    except (OverflowError, ValueError):
        raise RequestError(
            "a date beyond the calendar's range in local time", "Ogiltigt datum i begäran."
        ) from None
