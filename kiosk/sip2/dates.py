"""The 18-character SIP2 date: ``YYYYMMDDZZZZHHMMSS``.

``ZZZZ`` is a time zone: four blanks mean the ACS's local time (a naive :class:`datetime`), and
``   Z`` (or ``UTC``) means UTC (an aware datetime).  Eighteen blanks mean "no date", which real
clients send for unused dates such as the "no block due date"; that is ``None`` here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from kiosk.sip2.errors import SIP2DecodeError, SIP2EncodeError

SIP2_DATE_WIDTH = 18
BLANK_DATE = " " * SIP2_DATE_WIDTH
_UTC_ZONES = frozenset({"Z", "UTC", "GMT"})


# Dates recently read and written: the messages of one burst (a stack of check-outs) carry the
# same few seconds and due dates, so remembering them spares most of the work. Datetimes are
# immutable; the memories are emptied when they reach _MEMORY entries.
_MEMORY = 256
_parsed: dict[str, datetime | None] = {BLANK_DATE: None}
_formatted: dict[datetime, str] = {}


def parse_sip_date(text: str) -> datetime | None:
    """Read an 18-character SIP2 date; blanks give ``None``.

    Raises :class:`SIP2DecodeError` for anything else that is not a valid date.
    """
    try:
        return _parsed[text]
    except (KeyError, TypeError):
        pass
    value = _parse(text)
    if len(_parsed) >= _MEMORY:
        _parsed.clear()
    _parsed[text] = value
    return value


def _parse(text: str) -> datetime | None:
    if len(text) != SIP2_DATE_WIDTH:
        raise SIP2DecodeError(f"a SIP2 date has 18 characters, got {len(text)}")
    day, clock = text[:8], text[12:]
    if not (day.isdigit() and clock.isdigit() and day.isascii() and clock.isascii()):
        if text.isspace():
            return None
        raise SIP2DecodeError("a SIP2 date must be YYYYMMDDZZZZHHMMSS in digits")
    ymd, hms = int(day), int(clock)
    try:
        value = datetime(
            ymd // 10000, ymd // 100 % 100, ymd % 100, hms // 10000, hms // 100 % 100, hms % 100
        )
    except ValueError as exc:
        raise SIP2DecodeError(f"not a calendar date in a SIP2 date field: {exc}") from None
    zone = text[8:12]
    if zone != "    " and zone.strip().upper() in _UTC_ZONES:
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
    text = _formatted.get(value)
    if text is not None:  # (a naive and an aware datetime are never equal: no mix-up)
        return text
    original = value
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
        zone = "   Z"
    else:
        zone = "    "
    text = "%04d%02d%02d%s%02d%02d%02d" % (  # noqa: UP031 (the fastest way, measured)
        value.year, value.month, value.day, zone, value.hour, value.minute, value.second,
    )  # fmt: skip
    if len(_formatted) >= _MEMORY:
        _formatted.clear()
    _formatted[original] = text
    return text


_now_cache: tuple[int, datetime] = (0, datetime(1970, 1, 1))


def sip_now() -> datetime:
    """The current local time, to the second, as SIP2 dates carry it.

    Every message built gets one, so the datetime of the current second is kept and reused.
    """
    global _now_cache
    second = int(time.time())
    if _now_cache[0] != second:
        _now_cache = (second, datetime.fromtimestamp(second))
    return _now_cache[1]
