"""Due dates and fees as each UI language writes them, from a table of Unicode CLDR data.

Why a table and not Babel at run time: Babel keeps each language's whole CLDR record in memory
once it has formatted one date (5 MB for the first language, some 15 MB after a day of patrons
in ten languages, on a Pi with a 150 MB budget), and the first date in a language costs it
10-50 ms, a visible stutter in the middle of a stack. The kiosk needs a sliver of that record:
the long date pattern, the month names, the number symbols and the currency pattern.

``kiosk/ui/locale/formats.json`` holds that sliver for every UI language. It is written with
Babel by ``python -m kiosk.ui.catalogs formats``, and a test checks both that the file is what
Babel gives today and that every date and amount formatted here equals Babel's own result.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_EVEN, Decimal
from functools import cache
from pathlib import Path
from typing import TypedDict

__all__ = [
    "FORMATS_FILE",
    "LocaleFormats",
    "format_long_date",
    "format_money",
    "format_number",
    "locale_formats",
]

FORMATS_FILE = Path(__file__).resolve().parent / "locale" / "formats.json"

#: The characters of a CLDR number pattern's number part (the rest is prefix and suffix).
_NUMBER_CHARACTERS = frozenset("#0,.")


@dataclass(frozen=True, slots=True)
class LocaleFormats:
    """What one language needs to write a due date and a fee (CLDR names in brackets)."""

    long_date: str  # the long date pattern, e.g. "d MMMM y" [dateFormats/long]
    months: tuple[str, ...]  # wide month names, January first, as used in dates [format/wide]
    decimal: str  # decimal separator [symbols/decimal]
    group: str  # thousands separator [symbols/group]
    currency_pattern: str  # e.g. "#,##0.00\u00a0¤", maybe ";"-separated negative form
    currency_symbols: dict[str, str]  # ISO code -> this language's symbol ("kr" for SEK in sv)
    currency_digits: dict[str, int]  # ISO code -> decimals, when not 2 (ISK: 0)


class _LocaleEntry(TypedDict):
    """One language's record in ``formats.json``."""

    long_date: str
    months: list[str]
    decimal: str
    group: str
    currency_pattern: str
    currency_symbols: dict[str, str]


class _Table(TypedDict):
    """``formats.json``: the Babel version it came from, and the records."""

    babel: str
    currency_digits: dict[str, int]
    locales: dict[str, _LocaleEntry]


@cache
def _table() -> _Table:
    table: _Table = json.loads(FORMATS_FILE.read_text(encoding="utf-8"))
    return table


@cache
def locale_formats(locale: str) -> LocaleFormats:
    """The formats of ``locale`` (a key of the table, e.g. ``"sv"``)."""
    entry = _table()["locales"][locale]
    return LocaleFormats(
        long_date=entry["long_date"],
        months=tuple(entry["months"]),
        decimal=entry["decimal"],
        group=entry["group"],
        currency_pattern=entry["currency_pattern"],
        currency_symbols=dict(entry["currency_symbols"]),
        currency_digits=dict(_table()["currency_digits"]),
    )


def format_long_date(day: date, formats: LocaleFormats) -> str:
    """``day`` in the long pattern: ``24 december 2026``, ``December 24, 2026``.

    Understands the fields long date patterns use (``d``, ``dd``, ``M``, ``MM``, ``MMMM``,
    ``y``, ``yyyy``) and quoted literals (``'р'.``); any other field is an error, so a changed
    CLDR pattern is caught by the tests rather than printed wrong.
    """
    pattern = formats.long_date
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "'":
            end = pattern.find("'", index + 1)
            if end < 0:  # an unclosed quote runs to the end
                end = len(pattern)
            if end == index + 1:  # '' is a quote character
                out.append("'")
            else:
                out.append(pattern[index + 1 : end])
            index = end + 1
            continue
        if not char.isascii() or not char.isalpha():
            out.append(char)
            index += 1
            continue
        run = index
        while run < len(pattern) and pattern[run] == char:
            run += 1
        out.append(_date_field(day, char, run - index, formats))
        index = run
    return "".join(out)


def _date_field(day: date, letter: str, width: int, formats: LocaleFormats) -> str:
    if letter == "d" and width <= 2:
        return f"{day.day:0{width}d}"
    if letter == "M" and width <= 2:
        return f"{day.month:0{width}d}"
    if letter == "M" and width == 4:
        return formats.months[day.month - 1]
    if letter == "y" and width in (1, 4):
        return f"{day.year:0{width}d}"
    raise ValueError(f"date pattern field {letter * width!r} is not supported")


def format_number(number: Decimal, digits: int, formats: LocaleFormats) -> str:
    """``number`` with ``digits`` decimals and groups of three: ``1 234,50``, ``1,234.50``.

    Rounds half to even, as Babel does. The sign is the caller's: a hyphen-minus, which is what
    Babel writes too (not CLDR's minus sign) for these patterns.
    """
    quantum = Decimal(1).scaleb(-digits)
    text = f"{abs(number).quantize(quantum, rounding=ROUND_HALF_EVEN):f}"
    whole, _, fraction = text.partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    grouped = formats.group.join(groups)
    return f"{grouped}{formats.decimal}{fraction}" if fraction else grouped


def format_money(amount: Decimal, currency: str | None, formats: LocaleFormats) -> str:
    """A fee in the language's currency style: ``12,50 kr``, ``SEK12.50``; without a currency,
    the bare amount with two decimals."""
    if not currency:
        number = format_number(amount, 2, formats)
        return f"-{number}" if amount < 0 else number
    positive, _, negative = formats.currency_pattern.partition(";")
    pattern = negative if amount < 0 and negative else positive
    start = next(i for i, c in enumerate(pattern) if c in _NUMBER_CHARACTERS)
    end = start
    while end < len(pattern) and pattern[end] in _NUMBER_CHARACTERS:
        end += 1
    prefix, suffix = pattern[:start], pattern[end:]
    if amount < 0 and not negative:
        prefix = "-" + prefix
    symbol = formats.currency_symbols.get(currency, currency)
    digits = formats.currency_digits.get(currency, 2)

    number = format_number(amount, digits, formats)
    return prefix.replace("¤", symbol) + number + suffix.replace("¤", symbol)
