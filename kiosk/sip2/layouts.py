"""The one declarative table of SIP2 message layouts.

Every message a self-check or return station uses, in both directions, is one :class:`Layout`
row: its two-digit code, its fixed fields in wire order (name, width, kind), and the variable-field
tags it requires or allows.  The codec, the message classes, the trace formatter, the CLI and the
tests all read this table; nothing else knows a layout.

Fixed-field kinds (how a Python value maps to the wire):

``yn``   ``True``/``False`` <-> ``Y``/``N``          (``1``/``0`` accepted on input)
``01``   ``True``/``False`` <-> ``1``/``0``          (``Y``/``N`` accepted on input)
``ynu``  ``True``/``False``/``None`` <-> ``Y``/``N``/``U``
``date`` :class:`datetime` or ``None`` <-> 18-character SIP2 date (``None`` = 18 blanks).
         Transaction dates and the check-in's "return date" default to "now" when a message is
         built (strict ACSs refuse 18 blanks there); the "no block due date" of checkouts and
         renewals defaults to 18 blanks, as real self-checks send it: it only means something
         in an offline replay (no block = Y), where the caller sets it.
``int``  ``int`` (or ``None`` = blanks) <-> zero-padded digits
``text`` ``str`` of exactly the width, ASCII (language, status strings, fee type, ...)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from kiosk.sip2.fields import TAGS

FixedKind = Literal["yn", "01", "ynu", "date", "int", "text"]
Direction = Literal["sc", "acs"]  # sc: sent by the kiosk (client); acs: sent by the library system

_NO_DEFAULT: Any = object()
#: Marker for a fixed field whose default is "now" (transaction dates).
NOW: Any = object()


@dataclass(frozen=True, slots=True)
class FixedField:
    """One positional field: its snake_case name, width on the wire, kind and default."""

    name: str
    width: int
    kind: FixedKind
    default: Any = _NO_DEFAULT

    @property
    def required(self) -> bool:
        """True when a message cannot be built without a value for this field."""
        return self.default is _NO_DEFAULT


@dataclass(frozen=True, slots=True)
class Layout:
    """One message type: code, class name, direction, fixed fields and variable-field tags."""

    code: str
    name: str
    direction: Direction
    fixed: tuple[FixedField, ...]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    response: str | None = None  # the code the other side answers with
    fixed_width: int = field(init=False)
    tags: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed_width", sum(f.width for f in self.fixed))
        object.__setattr__(self, "tags", self.required + self.optional)
        unknown = [t for t in self.tags if t not in TAGS]
        assert not unknown, f"layout {self.code} names unknown tags {unknown}"


def _yn(name: str, default: Any = False) -> FixedField:
    return FixedField(name, 1, "yn", default)


def _ok(name: str = "ok", default: Any = False) -> FixedField:
    return FixedField(name, 1, "01", default)


def _ynu(name: str) -> FixedField:
    return FixedField(name, 1, "ynu", None)


def _date(name: str = "transaction_date", default: Any = NOW) -> FixedField:
    return FixedField(name, 18, "date", default)


def _int(name: str, width: int, default: Any = 0) -> FixedField:
    return FixedField(name, width, "int", default)


def _text(name: str, width: int, default: Any = _NO_DEFAULT) -> FixedField:
    return FixedField(name, width, "text", default)


_SCREEN = ("AF", "AG")
_LANGUAGE = _text("language", 3, "000")
_PATRON_STATUS = _text("patron_status", 14, " " * 14)
#: A checkout's answer (12) and a renewal's (30) have the same fields: a renewal is a new loan.
_LOAN_RESPONSE = (
    (_ok(), _yn("renewal_ok"), _ynu("magnetic_media"), _ynu("desensitize"), _date()),
    ("AO", "AA", "AB", "AJ", "AH"),
    ("BT", "CI", "BH", "BV", "CK", "CH", "BK", *_SCREEN),
)

LAYOUTS_LIST: tuple[Layout, ...] = (
    # --- sessions -------------------------------------------------------------------------
    Layout(
        "93", "Login", "sc",
        (_text("uid_algorithm", 1, "0"), _text("pwd_algorithm", 1, "0")),
        ("CN", "CO"), ("CP",), response="94",
    ),
    Layout("94", "LoginResponse", "acs", (_ok(),)),
    Layout(
        "99", "SCStatus", "sc",
        (_text("status_code", 1, "0"), _int("max_print_width", 3, 80),
         _text("protocol_version", 4, "2.00")),
        response="98",
    ),
    Layout(
        "98", "ACSStatus", "acs",
        (_yn("online_status", True), _yn("checkin_ok", True), _yn("checkout_ok", True),
         _yn("acs_renewal_policy", True), _yn("status_update_ok", False),
         _yn("offline_ok", False), _int("timeout_period", 3, 0), _int("retries_allowed", 3, 3),
         _date("date_time_sync"), _text("protocol_version", 4, "2.00")),
        ("AO", "BX"), ("AM", "AN", *_SCREEN),
    ),
    Layout("97", "RequestACSResend", "sc", ()),
    Layout("96", "RequestSCResend", "acs", ()),
    # --- patrons --------------------------------------------------------------------------
    Layout(
        "63", "PatronInformation", "sc",
        (_LANGUAGE, _date(), _text("summary", 10, " " * 10)),
        ("AO", "AA"), ("AC", "AD", "BP", "BQ"), response="64",
    ),
    Layout(
        "64", "PatronInformationResponse", "acs",
        (_PATRON_STATUS, _LANGUAGE, _date(), _int("hold_items_count", 4),
         _int("overdue_items_count", 4), _int("charged_items_count", 4),
         _int("fine_items_count", 4), _int("recall_items_count", 4),
         _int("unavailable_holds_count", 4)),
        ("AO", "AA", "AE"),
        ("BZ", "CA", "CB", "BL", "CQ", "BH", "BV", "CC", "AS", "AT", "AU", "AV", "BU", "CD",
         "BD", "BE", "BF", "PB", "PC", *_SCREEN),
    ),
    Layout(
        "23", "PatronStatusRequest", "sc", (_LANGUAGE, _date()),
        ("AO", "AA", "AC", "AD"), response="24",
    ),
    Layout(
        "24", "PatronStatusResponse", "acs", (_PATRON_STATUS, _LANGUAGE, _date()),
        ("AO", "AA", "AE"), ("BL", "CQ", "BH", "BV", *_SCREEN),
    ),
    Layout(
        "25", "PatronEnable", "sc", (_date(),), ("AO", "AA"), ("AC", "AD"), response="26",
    ),
    Layout(
        "26", "PatronEnableResponse", "acs", (_PATRON_STATUS, _LANGUAGE, _date()),
        ("AO", "AA", "AE"), ("BL", "CQ", *_SCREEN),
    ),
    Layout(
        "01", "BlockPatron", "sc", (_yn("card_retained"), _date()),
        ("AO", "AL", "AA", "AC"), response="24",
    ),
    Layout(
        "35", "EndPatronSession", "sc", (_date(),), ("AO", "AA"), ("AC", "AD"), response="36",
    ),
    Layout(
        "36", "EndSessionResponse", "acs", (_yn("end_session", True), _date()),
        ("AO", "AA"), _SCREEN,
    ),
    # --- circulation ----------------------------------------------------------------------
    Layout(
        "11", "Checkout", "sc",
        (_yn("sc_renewal_policy", True), _yn("no_block"), _date(), _date("nb_due_date", None)),
        ("AO", "AA", "AB", "AC"), ("CH", "AD", "BO", "BI"), response="12",
    ),
    Layout("12", "CheckoutResponse", "acs", *_LOAN_RESPONSE),
    Layout(
        "09", "Checkin", "sc",
        (_yn("no_block"), _date(), _date("return_date")),
        ("AP", "AO", "AB", "AC"), ("CH", "BI"), response="10",
    ),
    Layout(
        "10", "CheckinResponse", "acs",
        (_ok(), _yn("resensitize", True), _ynu("magnetic_media"), _yn("alert"), _date()),
        ("AO", "AB", "AQ"),
        ("AJ", "CL", "AA", "CK", "CH", "CT", "CV", "CS", "CR", "CY", "DA", *_SCREEN),
    ),
    Layout(
        "29", "Renew", "sc",
        (_yn("third_party_allowed"), _yn("no_block"), _date(), _date("nb_due_date", None)),
        ("AO", "AA"), ("AD", "AB", "AJ", "AC", "CH", "BO"), response="30",
    ),
    Layout("30", "RenewResponse", "acs", *_LOAN_RESPONSE),
    Layout(
        "65", "RenewAll", "sc", (_date(),), ("AO", "AA"), ("AD", "AC", "BO"), response="66",
    ),
    Layout(
        "66", "RenewAllResponse", "acs",
        (_ok(), _int("renewed_count", 4), _int("unrenewed_count", 4), _date()),
        ("AO",), ("BM", "BN", *_SCREEN),
    ),
    # --- items ----------------------------------------------------------------------------
    Layout("17", "ItemInformation", "sc", (_date(),), ("AO", "AB"), ("AC",), response="18"),
    Layout(
        "18", "ItemInformationResponse", "acs",
        (_text("circulation_status", 2, "01"), _text("security_marker", 2, "00"),
         _text("fee_type", 2, "01"), _date()),
        ("AB", "AJ"),
        ("CF", "AH", "CJ", "CM", "BG", "BH", "BV", "CK", "AQ", "AP", "CH", "CT", "CS", "CR",
         "AO", *_SCREEN),
    ),
    Layout(
        "19", "ItemStatusUpdate", "sc", (_date(),), ("AO", "AB", "CH"), ("AC",), response="20",
    ),
    Layout(
        "20", "ItemStatusUpdateResponse", "acs", (_ok("item_properties_ok"), _date()),
        ("AB",), ("AJ", "CH", *_SCREEN),
    ),
    # --- fees and holds -------------------------------------------------------------------
    Layout(
        "37", "FeePaid", "sc",
        (_date(), _text("fee_type", 2, "01"), _text("payment_type", 2, "00"),
         _text("currency_type", 3)),
        ("BV", "AO", "AA"), ("AC", "AD", "CG", "BK"), response="38",
    ),
    Layout(
        "38", "FeePaidResponse", "acs", (_yn("payment_accepted"), _date()),
        ("AO", "AA"), ("BK", *_SCREEN),
    ),
    Layout(
        "15", "Hold", "sc", (_text("hold_mode", 1), _date()),
        ("AO", "AA"), ("BW", "BS", "BY", "AD", "AB", "AJ", "AC", "BO"), response="16",
    ),
    Layout(
        "16", "HoldResponse", "acs", (_ok(), _yn("available"), _date()),
        ("AO", "AA"), ("BW", "BR", "BS", "AB", "AJ", *_SCREEN),
    ),
)  # fmt: skip

#: Every layout by its two-digit code.
LAYOUTS: dict[str, Layout] = {layout.code: layout for layout in LAYOUTS_LIST}
