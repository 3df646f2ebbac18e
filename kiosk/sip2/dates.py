"""The 18-character SIP2 date: ``YYYYMMDDZZZZHHMMSS``.

``ZZZZ`` is a time zone: four blanks mean the ACS's local time (a naive :class:`datetime`), and
``   Z`` (or ``UTC``) means UTC (an aware datetime).  Eighteen blanks mean "no date", which real
clients send for unused dates such as the "no block due date"; that is ``None`` here.
"""

from __future__ import annotations

from datetime import UTC, datetime

from kiosk.sip2.errors import SIP2DecodeError, SIP2EncodeError

SIP2_DATE_WIDTH = 18
BLANK_DATE = " " * SIP2_DATE_WIDTH
_UTC_ZONES = frozenset({"Z", "UTC", "GMT"})


def parse_sip_date(text: str) -> datetime | None:
    """Read an 18-character SIP2 date; blanks give ``None``.

    Raises :class:`SIP2DecodeError` for anything else that is not a valid date.
    """
    if len(text) != SIP2_DATE_WIDTH:
        raise SIP2DecodeError(f"a SIP2 date has 18 characters, got {len(text)}")
    if text.isspace():
        return None
    day, zone, clock = text[:8], text[8:12].strip(), text[12:]
    if not (day.isdigit() and clock.isdigit() and day.isascii() and clock.isascii()):
        raise SIP2DecodeError("a SIP2 date must be YYYYMMDDZZZZHHMMSS in digits")
    try:
        value = datetime(
            int(day[:4]),
            int(day[4:6]),
            int(day[6:8]),
            int(clock[:2]),
            int(clock[2:4]),
            int(clock[4:6]),
        )
    except ValueError as exc:
        raise SIP2DecodeError(f"not a calendar date in a SIP2 date field: {exc}") from None
    if zone.upper() in _UTC_ZONES:
        return value.replace(tzinfo=UTC)
    return value


def format_sip_date(value: datetime | None) -> str:
    """Write a datetime as an 18-character SIP2 date (``None`` gives 18 blanks).

    Naive datetimes are local time (zone blank); aware ones are converted to UTC (zone ``   Z``).
    """
    if value is None:
        return BLANK_DATE
    if not isinstance(value, datetime):
        raise SIP2EncodeError(f"a SIP2 date needs a datetime, got {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
        zone = "   Z"
    else:
        zone = "    "
    if not 1 <= value.year <= 9999:
        raise SIP2EncodeError("a SIP2 date needs a four-digit year")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}{zone}{value.strftime('%H%M%S')}"


def sip_now() -> datetime:
    """The current local time, to the second, as SIP2 dates carry it."""
    return datetime.now().replace(microsecond=0)
