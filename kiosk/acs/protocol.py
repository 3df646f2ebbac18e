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
INTERNAL_ERROR_MESSAGE = "Ett fel uppstod i biblioteksystemet. Inget har ändrats."
BAD_AMOUNT_MESSAGE = "Ogiltigt belopp."
# Larger than any fee a library charges, small enough that no arithmetic or log line overflows.
MAX_AMOUNT = Decimal(10**9)
_MAX_AMOUNT_TEXT = 32
ALL_SUPPORTED = "Y" * 16


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
        self._handlers: dict[str, Callable[[sip2.Message, Session], sip2.Message]] = {
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

    def login(self, request: sip2.Message, session: Session) -> sip2.Message:
        account = self.model.account(request.get("CN") or "")
        ok = (
            account is not None
            and not self.faults.refuse_logins
            and self._password_ok(account, request.get("CO") or "", session)
        )
        if ok and account is not None:
            session.account = account
            session.terminal = self.circ.terminal(account.login, account.branch)
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

    def sc_status(self, request: sip2.Message, session: Session) -> sip2.Message:
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
            timeout_period=min(round(timeout * 10), 999),
            retries_allowed=min(retries, 999),
            date_time_sync=self._now(),
            protocol_version="2.00",
            fields=fields,
        )

    def offline_refusal(self, request: sip2.Message, session: Session) -> sip2.Message:
        """What a circulation request gets while the "offline" knob is on: a clear no."""
        answer = refusal(
            request, institution=self._institution(request, session), screen_message=OFFLINE_MESSAGE
        )
        assert answer is not None  # every circulation code has a negative response
        return answer

    def end_session(self, request: sip2.Message, session: Session) -> sip2.Message:
        return sip2.EndSessionResponse(
            end_session=True,
            fields={"AO": self._institution(request, session), "AA": request.get("AA") or ""},
        )

    # -- patrons ---------------------------------------------------------------------------------

    def _patron_fields(
        self, request: sip2.Message, session: Session, standing: PatronStanding
    ) -> dict[str, str | list[str]]:
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.get("AA") or "",
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

    def patron_status(self, request: sip2.Message, session: Session) -> sip2.Message:
        standing = self.circ.standing(request.get("AA") or "", request.get("AD"))
        fields = self._patron_fields(request, session, standing)
        if standing.valid:
            fields["BH"] = self.model.policy.currency
            fields["BV"] = money(standing.fees_total)
        return sip2.PatronStatusResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=fields,
        )

    def patron_information(self, request: sip2.Message, session: Session) -> sip2.Message:
        standing = self.circ.standing(request.get("AA") or "", request.get("AD"))
        fields = self._patron_fields(request, session, standing)
        counts = dict.fromkeys(
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
            summary = (request.fixed.get("summary") or "").ljust(10)
            lists = {
                0: ("AS", ready),
                1: ("AT", overdue),
                2: ("AU", charged),
                3: ("AV", fine_items),
                5: ("CD", unavailable),
            }
            start = _int(request.get("BP"), 1)
            end = _int(request.get("BQ"), 10_000)
            for position, (tag, values) in lists.items():
                if summary[position] in "Yy":
                    fields[tag] = values[max(start, 1) - 1 : end]
        return sip2.PatronInformationResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=fields,
            **counts,
        )

    def block_patron(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        self.circ.block_patron(
            session.terminal,
            request.get("AA") or "",
            request.get("AL") or "",
            card_retained=bool(request.fixed.get("card_retained")),
        )
        return self.patron_status(request, session)

    def patron_enable(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        result = self.circ.enable_patron(
            session.terminal, request.get("AA") or "", pin=request.get("AD")
        )
        standing = result.standing
        return sip2.PatronEnableResponse(
            patron_status=self._status_string(standing),
            language=self._language(standing),
            fields=self._patron_fields(request, session, standing),
        )

    # -- circulation -----------------------------------------------------------------------------

    def _loan_response(
        self, cls: type[sip2.Message], request: sip2.Message, session: Session, result: LoanResult
    ) -> sip2.Message:
        item = result.item
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.get("AA") or "",
            "AB": request.get("AB") or "",
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
        if result.message:
            fields["AF"] = result.message
        return cls(
            ok=result.ok,
            renewal_ok=result.ok and result.renewal,
            magnetic_media=False,
            desensitize=result.ok,
            fields=fields,
        )

    def checkout(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        fixed = request.fixed
        result = self.circ.checkout(
            session.terminal,
            request.get("AA") or "",
            request.get("AB") or "",
            pin=request.get("AD"),
            fee_acknowledged=_yes(request.get("BO")),
            no_block=bool(fixed.get("no_block")),
            transaction_date=_naive(fixed.get("transaction_date")),
            nb_due_date=_naive(fixed.get("nb_due_date")),
            renewal_allowed=fixed.get("sc_renewal_policy") is not False,
        )
        return self._loan_response(sip2.CheckoutResponse, request, session, result)

    def renew(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        item_id = request.get("AB") or ""
        if not item_id and request.get("AJ"):  # renewal by title: the patron's loan of it
            standing = self.circ.standing(request.get("AA") or "")
            if standing.patron is not None:
                for loan in self.model.loans_of(standing.patron.barcode):
                    item = self.model.item(loan.item)
                    if item is not None and item.title == request.get("AJ"):
                        item_id = loan.item
                        break
        result = self.circ.renew(
            session.terminal,
            request.get("AA") or "",
            item_id,
            pin=request.get("AD"),
            fee_acknowledged=_yes(request.get("BO")),
            no_block=bool(request.fixed.get("no_block")),
        )
        return self._loan_response(sip2.RenewResponse, request, session, result)

    def renew_all(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        result = self.circ.renew_all(
            session.terminal,
            request.get("AA") or "",
            pin=request.get("AD"),
            fee_acknowledged=_yes(request.get("BO")),
        )
        fields: dict[str, str | list[str]] = {"AO": self._institution(request, session)}
        if result.renewed:
            fields["BM"] = result.renewed
        if result.unrenewed:
            fields["BN"] = result.unrenewed
        if result.message:
            fields["AF"] = result.message
        return sip2.RenewAllResponse(
            ok=result.ok,
            renewed_count=len(result.renewed),
            unrenewed_count=len(result.unrenewed),
            fields=fields,
        )

    def _terminal_for(self, request: sip2.Message, session: Session) -> Terminal:
        """The kiosk's branch, or the AP current location when it names a branch (Evergreen)."""
        assert session.terminal is not None and session.account is not None
        location = request.get("AP")
        if location and location != session.terminal.branch and self.model.branch(location):
            return self.circ.terminal(session.account.login, location)
        return session.terminal

    def checkin(self, request: sip2.Message, session: Session) -> sip2.Message:
        terminal = self._terminal_for(request, session)
        fixed = request.fixed
        returned = _naive(fixed.get("return_date")) if fixed.get("no_block") else None
        result = self.circ.checkin(
            terminal,
            request.get("AB") or "",
            return_date=returned,
            no_block=bool(fixed.get("no_block")),
        )
        item = result.item
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AB": request.get("AB") or "",
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
        if result.sort_bin:
            fields["CL"] = field_text(result.sort_bin)
        if result.destination:
            fields["CT"] = result.destination
        if result.alert_type:
            fields["CV"] = result.alert_type
        if result.hold_patron:
            fields["CY"] = result.hold_patron
            fields["DA"] = result.hold_patron_short or ""
        if result.message:
            fields["AF"] = result.message
        return sip2.CheckinResponse(
            ok=result.ok, resensitize=True, magnetic_media=False, alert=result.alert, fields=fields
        )

    # -- items -----------------------------------------------------------------------------------

    def item_information(self, request: sip2.Message, session: Session) -> sip2.Message:
        item = self.model.item(request.get("AB") or "")
        if item is None:
            return sip2.ItemInformationResponse(
                circulation_status="01",
                security_marker="00",
                fee_type="01",
                fields={
                    "AB": request.get("AB") or "",
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
        self, item: ItemRecord, request: sip2.Message, session: Session
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

    def item_status_update(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        barcode = request.get("AB") or ""
        ok = self.circ.set_item_properties(session.terminal, barcode, request.get("CH") or "")
        item = self.model.item(barcode)
        fields: dict[str, str | list[str]] = {"AB": barcode}
        if item is not None:
            fields.update(AJ=item.title, CH=item.properties)
        else:
            fields["AF"] = MESSAGES[Reason.UNKNOWN_ITEM]
        return sip2.ItemStatusUpdateResponse(item_properties_ok=ok, fields=fields)

    # -- fees and holds --------------------------------------------------------------------------

    def fee_paid(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        amount = parse_money(request.get("BV"))
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.get("AA") or "",
        }
        if amount is None:
            fields["AF"] = BAD_AMOUNT_MESSAGE
            return sip2.FeePaidResponse(payment_accepted=False, fields=fields)
        result = self.circ.pay(
            session.terminal,
            request.get("AA") or "",
            amount,
            fee_id=request.get("CG"),
            transaction_id=request.get("BK"),
        )
        if result.transaction_id:
            fields["BK"] = result.transaction_id
        if result.message:
            fields["AF"] = result.message
        return sip2.FeePaidResponse(payment_accepted=result.accepted, fields=fields)

    def hold(self, request: sip2.Message, session: Session) -> sip2.Message:
        assert session.terminal is not None
        mode = str(request.fixed.get("hold_mode") or "+")
        result = self.circ.hold(
            session.terminal,
            mode,
            request.get("AA") or "",
            pin=request.get("AD"),
            item_id=request.get("AB"),
            title_id=request.get("AJ"),
            pickup=request.get("BS"),
        )
        fields: dict[str, str | list[str]] = {
            "AO": self._institution(request, session),
            "AA": request.get("AA") or "",
        }
        if request.get("AB"):
            fields["AB"] = request.get("AB") or ""
        if result.title:
            fields["AJ"] = result.title
        hold = result.hold
        if hold is not None and result.ok and mode != "-":
            fields["BS"] = hold.pickup
            if hold.position:
                fields["BR"] = str(hold.position)
            if hold.expires:
                fields["BW"] = sip2.format_sip_date(
                    datetime.combine(hold.expires, datetime.min.time())
                )
        if result.message:
            fields["AF"] = result.message
        return sip2.HoldResponse(ok=result.ok, available=result.available, fields=fields)


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
