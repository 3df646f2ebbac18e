"""The ten UI languages: every patron-visible string translated, catalogs compiled, fonts cover
every script, Arabic shaped right-to-left, dates and plurals in each language's own style."""

from __future__ import annotations

import re
import string
from datetime import date

import pytest

from kiosk.core import HoldPlace, Reason
from kiosk.ui import catalogs
from kiosk.ui.i18n import LANGUAGES, NP_, Translator, visual
from kiosk.ui.texts import HOLD_PLACE_TEXTS, REASON_TEXTS
from kiosk.ui.theme import FONTS_DIR

TRANSLATED = [code for code in LANGUAGES if code != "en"]


@pytest.fixture(scope="module")
def template():
    return catalogs.extract()


def test_the_catalog_template_holds_the_patron_strings(template) -> None:
    ids = {m.id for m in template if m.id}
    assert "Borrow" in ids
    assert "Someone is waiting for this — put it on the holds shelf" in ids
    assert ("{n} item on the pad", "{n} items on the pad") in ids
    assert len(ids) > 100


@pytest.mark.parametrize("code", TRANSLATED)
def test_every_patron_visible_string_is_translated(code: str, template) -> None:
    assert catalogs.untranslated(code, template) == []


@pytest.mark.parametrize("code", TRANSLATED)
def test_the_compiled_catalog_matches_its_source(code: str) -> None:
    assert catalogs.mo_matches_po(code), "run: python -m kiosk.ui.catalogs compile"


@pytest.mark.parametrize("code", TRANSLATED)
def test_drafted_catalogs_say_they_need_review(code: str) -> None:
    header = catalogs.po_path(code).read_text(encoding="utf-8").split("msgid", 1)[0]
    assert "NEEDS REVIEW" in header


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("code", TRANSLATED)
def test_translations_keep_every_placeholder(code: str) -> None:
    for message in catalogs.load_po(code):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set().union(*(_fields(i) for i in ids))
        for translated in strings:
            # Arabic's zero/one/two forms spell the number out, as Arabic does.
            allowed = wanted - {"n"} if code == "ar" else wanted
            assert allowed <= _fields(translated) <= wanted, (code, message.id, translated)


def test_every_reason_and_hold_state_of_the_core_has_a_sentence() -> None:
    assert set(REASON_TEXTS) == set(Reason)
    assert set(HOLD_PLACE_TEXTS) == set(HoldPlace)


def test_the_bundled_font_draws_every_character_of_every_catalog(template) -> None:
    from fontTools.ttLib import TTFont

    for font_file in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        cmap = TTFont(FONTS_DIR / font_file).getBestCmap()
        for code in LANGUAGES:
            tr = Translator(code)
            texts = [tr.gettext(m.id) for m in template if isinstance(m.id, str)]
            texts.append(LANGUAGES[code].native_name)
            shaped = "".join(tr.visual(t) for t in texts)
            missing = sorted({c for c in shaped if ord(c) not in cmap and not c.isspace()})
            assert missing == [], (font_file, code, missing)
    assert (FONTS_DIR / "LICENSE-DejaVu.txt").read_text().count("Bitstream") > 0


def test_sami_letters_and_cyrillic_are_in_the_catalogs() -> None:
    assert re.search("[čđŋšŧž]", catalogs.po_path("se").read_text(encoding="utf-8"))
    assert re.search("[а-яіїєґ]", catalogs.po_path("uk").read_text(encoding="utf-8"))


def test_arabic_is_shaped_and_reordered_for_display() -> None:
    logical = "مرحبا بك"
    shown = visual(logical, rtl=True)
    assert shown != logical
    assert all("\ufe70" <= c <= "\ufeff" or c == " " for c in shown)  # joined presentation forms
    assert shown.split(" ")[0] == visual("بك", rtl=True)  # the last word is drawn leftmost
    assert visual("سطر\nآخر", rtl=True).split("\n")[0] == visual("سطر", rtl=True)
    assert visual("Borrow", rtl=False) == "Borrow"


def test_numbers_and_latin_titles_keep_their_direction_inside_arabic() -> None:
    shown = visual("موعد الإرجاع 20 ديسمبر 2026: Röda rummet", rtl=True)
    assert "Röda rummet" in shown  # a Swedish title still reads left to right
    assert "2026" in shown and "6202" not in shown  # digits are never reversed


def test_due_dates_are_written_the_way_each_language_writes_them() -> None:
    due = date(2026, 12, 13)
    assert Translator("sv").date(due) == "13 december 2026"
    assert Translator("fi").date(due) == "13. joulukuuta 2026"
    assert "2026" in Translator("se").date(due)
    assert "ديسمبر" in Translator("ar").date(due)


def test_plurals_follow_each_language_rules() -> None:
    forms = NP_("{n} item on the pad", "{n} items on the pad")
    assert Translator("en").plural(forms, 1) == "1 item on the pad"
    assert Translator("en").plural(forms, 3) == "3 items on the pad"
    uk = Translator("uk")
    assert uk.plural(forms, 1) == "1 видання на панелі"
    assert uk.plural(forms, 5) == "5 видань на панелі"
    assert Translator("ar").plural(forms, 2) == "مادتان على اللوحة"


def test_money_is_formatted_with_the_currency() -> None:
    assert Translator("sv").money("15.00", "SEK").replace("\xa0", " ") == "15,00 kr"
    assert Translator("en").money("not a number", "SEK") == "not a number SEK"


def test_an_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(KeyError, match="known: sv"):
        Translator("xx")
