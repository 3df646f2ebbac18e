"""Languages of the touch screen: gettext catalogs, dates and money, right-to-left text.

Why here and not in Kivy: everything that decides *what* a patron reads (which catalog, which
date format, how Arabic is shaped) is plain Python, so tests can check it without a window and
the screens only place the finished strings.

Catalogs live in ``kiosk/ui/locale/<lang>/LC_MESSAGES/kiosk.po`` (the source, edited by people)
with the compiled ``kiosk.mo`` beside it (committed; ``python -m kiosk.ui.catalogs compile``
rebuilds them, and a test fails when a ``.mo`` is older in content than its ``.po``).

Kivy has no bidirectional text support: it draws code points left to right in logical order,
unjoined. :func:`visual` turns logical Arabic text into the visual, contextually shaped form
(arabic-reshaper joins the letters, python-bidi reorders runs) line by line, so numbers and
Latin titles inside Arabic sentences keep their own direction.
"""

from __future__ import annotations

import gettext
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from kiosk.ui.formats import format_long_date, format_money, locale_formats

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "NP_",
    "N_",
    "Language",
    "Translator",
    "language",
    "reads_right_to_left",
    "visual",
]

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated where shown)."""
    return message


def NP_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural pair for extraction; :meth:`Translator.plural` picks the language's form."""
    return (singular, plural)


@dataclass(frozen=True, slots=True)
class Language:
    """One UI language: its code, its own name (what a patron looks for), direction, voice.

    ``voice`` is the espeak-ng voice that reads this language aloud, or None when espeak-ng has
    none (North Sami, Somali): spoken prompts are then not offered in that language.
    """

    code: str
    native_name: str
    rtl: bool = False
    voice: str | None = None
    babel_locale: str | None = None

    @property
    def locale(self) -> str:
        return self.babel_locale or self.code


#: Every language the kiosk ships, in the order the welcome screen offers them.
LANGUAGES: dict[str, Language] = {
    lang.code: lang
    for lang in (
        Language("sv", "Svenska", voice="sv"),
        Language("nb", "Norsk bokmål", voice="nb"),
        # espeak-ng has no separate Nynorsk voice; the Norwegian voice reads Nynorsk text well.
        Language("nn", "Norsk nynorsk", voice="nb"),
        Language("da", "Dansk", voice="da"),
        Language("fi", "Suomi", voice="fi"),
        Language("en", "English", voice="en-gb"),
        Language("se", "Davvisámegiella"),
        Language("ar", "العربية", rtl=True, voice="ar"),
        Language("so", "Soomaali"),
        Language("uk", "Українська", voice="uk"),
    )
}


def language(code: str) -> Language:
    """The :class:`Language` for ``code``; ``KeyError`` names the codes that exist."""
    try:
        return LANGUAGES[code]
    except KeyError:
        raise KeyError(f"unknown UI language {code!r}; known: {', '.join(LANGUAGES)}") from None


@cache
def _catalog(code: str) -> gettext.NullTranslations:
    if code == "en":
        return gettext.NullTranslations()  # the source strings are English
    mo = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    with mo.open("rb") as handle:
        return gettext.GNUTranslations(handle)


def _shape_line(line: str) -> str:
    import arabic_reshaper
    from bidi import get_display

    return str(get_display(arabic_reshaper.reshape(line), base_dir="R"))


def reads_right_to_left(text: str) -> bool:
    """Whether ``text`` reads from the right by its own first letter (the Unicode rule for a
    paragraph's direction): a Swedish title is left to right in an Arabic screen, an Arabic
    one right to left in a Swedish screen."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def visual(text: str, rtl: bool) -> str:
    """The string Kivy should draw for logical ``text``: shaped and reordered when ``rtl``.

    Works line by line, because reordering a whole paragraph would swap its lines.
    """
    if not rtl or not text:
        return text
    return "\n".join(_shape_line(line) for line in text.split("\n"))


class Translator:
    """Translates, formats and shapes for one language. Cheap to create; catalogs are cached."""

    def __init__(self, code: str) -> None:
        self.language = language(code)
        self._catalog = _catalog(code)

    @property
    def code(self) -> str:
        return self.language.code

    @property
    def rtl(self) -> bool:
        return self.language.rtl

    def gettext(self, message: str) -> str:
        """The translation of ``message`` (logical order, not shaped)."""
        return self._catalog.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def __call__(self, message: str, **values: object) -> str:
        """Translate and fill ``{name}`` placeholders: ``tr("Due {date}", date=...)``."""
        text = self._catalog.gettext(message)
        return text.format(**values) if values else text

    def plural(self, forms: tuple[str, str], n: int, **values: object) -> str:
        """The form of ``NP_(singular, plural)`` this language uses for ``n``, filled in."""
        return self._catalog.ngettext(forms[0], forms[1], n).format(n=n, **values)

    def date(self, value: date | datetime | None) -> str:
        """A due date as patrons of this language write it (e.g. ``13 december 2026``)."""
        if value is None:
            return ""
        day = value.date() if isinstance(value, datetime) else value
        return format_long_date(day, locale_formats(self.language.locale))

    def money(self, amount: str | Decimal | None, currency: str | None) -> str:
        """An amount with its currency in this language's style; the raw text if unparsable."""
        if amount is None:
            return ""
        try:
            number = Decimal(str(amount))
        except InvalidOperation:
            return f"{amount} {currency or ''}".strip()
        if not number.is_finite():
            return f"{amount} {currency or ''}".strip()
        return format_money(number, currency, locale_formats(self.language.locale))

    def visual(self, text: str) -> str:
        """``text`` ready for Kivy to draw in this language's direction."""
        return visual(text, self.rtl)
