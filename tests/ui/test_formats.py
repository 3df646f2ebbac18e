"""Due dates and fees: the kiosk's CLDR table writes them exactly as Babel does, without Babel.

Babel is the reference (it carries the Unicode CLDR data); the kiosk reads a small table made
from it (kiosk/ui/locale/formats.json), so these tests are what keeps the two the same.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal

from kiosk.ui.catalogs import CURRENCIES, formats_table
from kiosk.ui.formats import FORMATS_FILE, format_long_date, locale_formats
from kiosk.ui.i18n import LANGUAGES, Translator
from kiosk.ui.screens_entry import opening_text

LOCALES = sorted({lang.locale for lang in LANGUAGES.values()})
DAYS = [date(2026, month, day) for month in range(1, 13) for day in (1, 9, 28)] + [
    date(1999, 12, 31),
    date(2030, 2, 3),
]
AMOUNTS = ["0", "0.5", "2.005", "2.015", "12.5", "15.00", "999.999", "1000", "1234.5",
           "12345.678", "1234567.891", "-20", "-1234.5"]  # fmt: skip


def test_the_table_is_what_babel_gives_today() -> None:
    import json

    shipped = json.loads(FORMATS_FILE.read_text(encoding="utf-8"))
    fresh = formats_table()
    assert shipped["locales"] == fresh["locales"], "run: python -m kiosk.ui.catalogs formats"
    assert shipped["currency_digits"] == fresh["currency_digits"]


@pytest.mark.parametrize("locale", LOCALES)
def test_due_dates_read_as_babel_writes_them(locale: str) -> None:
    formats = locale_formats(locale)
    for day in DAYS:
        assert format_long_date(day, formats) == format_date(day, "long", locale=locale)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_fees_read_as_babel_writes_them_in_every_currency(code: str) -> None:
    tr = Translator(code)
    locale = tr.language.locale
    for text in AMOUNTS:
        amount = Decimal(text)
        for currency in CURRENCIES:
            assert tr.money(text, currency) == format_currency(amount, currency, locale=locale)
        assert tr.money(text, None) == format_decimal(amount, "#,##0.00", locale=locale)


def test_a_currency_outside_the_table_shows_its_code() -> None:
    assert Translator("sv").money("12.5", "PLN").replace("\xa0", " ") == "12,50 PLN"


def test_an_amount_that_is_not_a_number_is_shown_as_sent() -> None:
    assert Translator("sv").money("NaN", "SEK") == "NaN SEK"
    assert Translator("sv").money("12,50 kr", None) == "12,50 kr"


def test_the_kiosk_writes_dates_and_fees_without_loading_babel() -> None:
    """Babel would keep each language's whole CLDR record in memory (issue 5's 150 MB)."""
    probe = (
        "import sys, datetime; from kiosk.ui.i18n import Translator, LANGUAGES\n"
        "for code in LANGUAGES:\n"
        "    tr = Translator(code); tr.date(datetime.date(2026, 12, 24)); tr.money('5', 'SEK')\n"
        "print('babel' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_a_closed_kiosk_says_when_it_opens_as_a_patron_would() -> None:
    friday = date(2026, 12, 4)
    sv = Translator("sv")
    assert opening_text(datetime(2026, 12, 4, 16, 0), friday, sv) == "Öppnar igen i dag kl. 16:00."
    assert opening_text(datetime(2026, 12, 5, 10, 0), friday, sv) == (
        "Öppnar igen i morgon kl. 10:00."
    )
    assert opening_text(datetime(2026, 12, 7, 9, 30), friday, Translator("en")) == (
        "Opens again on December 7, 2026 at 09:30."
    )
    assert opening_text(None, friday, sv) == ""  # no hours say: closed until staff open it
