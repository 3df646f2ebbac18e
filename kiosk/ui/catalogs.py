"""Maintain the translation catalogs: extract with Babel, update, compile, check completeness.

Why a module and not only ``pybabel`` commands: the same functions serve the developer
(``python -m kiosk.ui.catalogs update`` after changing a string, ``compile`` after translating)
and the tests (every patron-visible string translated in every catalog; every ``.mo`` matching
its ``.po``). Strings are found by the ``N_()`` marker in ``kiosk/ui/*.py``.

Workflow::

    python -m kiosk.ui.catalogs update    # re-extract kiosk.pot, merge into every .po
    # translate the new entries in kiosk/ui/locale/<lang>/LC_MESSAGES/kiosk.po
    python -m kiosk.ui.catalogs compile   # write the .mo files (committed with the .po)
    python -m kiosk.ui.catalogs check     # list untranslated or fuzzy entries; exit 1 if any
    python -m kiosk.ui.catalogs formats   # rewrite locale/formats.json (dates, money) from Babel

Babel is in the ``tools`` (and ``test``) extra, not in a kiosk's dependencies: a running kiosk
reads the compiled ``.mo`` files and ``formats.json`` only.
"""

from __future__ import annotations

import io
import json
import sys
from collections.abc import Sequence
from pathlib import Path

try:
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir
    from babel.messages.mofile import read_mo, write_mo
    from babel.messages.pofile import read_po, write_po
except ModuleNotFoundError as missing:  # a kiosk installed without the tools extra
    raise ModuleNotFoundError(
        "kiosk.ui.catalogs is a developer tool and needs Babel: pip install -e '.[tools]'"
    ) from missing

from kiosk.ui.formats import FORMATS_FILE
from kiosk.ui.i18n import DOMAIN, LANGUAGES, LOCALE_DIR

__all__ = [
    "CURRENCIES",
    "compile_all",
    "extract",
    "formats_table",
    "load_po",
    "mo_matches_po",
    "po_path",
    "untranslated",
    "update_all",
]

SOURCE_DIR = Path(__file__).resolve().parent
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
#: The sentence every drafted catalog carries in its header until a native speaker signs it off.
REVIEW_NOTE = "DRAFT TRANSLATION - NEEDS REVIEW by a native speaker before production use."
#: Currencies whose symbols the formats table holds (fees in any other show their ISO code).
CURRENCIES = ("SEK", "NOK", "DKK", "EUR", "ISK", "USD", "GBP")


def po_path(code: str) -> Path:
    return LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"


def extract() -> Catalog:
    """Every ``N_("...")`` string in the UI's Python sources, as a template catalog."""
    catalog = Catalog(project="nordic-kiosk", version="0.1", charset="utf-8")
    for filename, lineno, message, comments, context in extract_from_dir(
        str(SOURCE_DIR),
        method_map=[("**.py", "python")],
        keywords={"N_": None, "NP_": (1, 2)},
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def load_po(code: str) -> Catalog:
    with po_path(code).open("rb") as handle:
        return read_po(handle, locale=code, domain=DOMAIN)


def _write_po(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, omit_header=False, sort_output=False)
    path.write_bytes(buffer.getvalue())


def update_all() -> None:
    """Re-extract the template and merge it into every language's catalog (new ones created)."""
    template = extract()
    _write_po(template, TEMPLATE)
    for code in LANGUAGES:
        if code == "en":
            continue  # the source strings are English
        path = po_path(code)
        if path.exists():
            catalog = load_po(code)
            catalog.update(template, update_header_comment=False)
        else:
            catalog = Catalog(locale=code, domain=DOMAIN, project="nordic-kiosk", version="0.1")
            catalog.update(template)
        # The reviewers' notes (what is still uncertain) stay below the two standard lines.
        notes = catalog.header_comment.splitlines()[2:] if path.exists() else []
        catalog.header_comment = (
            "\n".join(
                [
                    f"# {LANGUAGES[code].native_name} ({code}) catalog of the Nordic library"
                    " kiosk.",
                    f"# {REVIEW_NOTE}",
                    *notes,
                ]
            )
            + "\n"
        )
        catalog.fuzzy = False
        _write_po(catalog, path)


def compile_all() -> list[Path]:
    """Write ``kiosk.mo`` beside every ``kiosk.po``; returns the files written."""
    written = []
    for code in LANGUAGES:
        if code == "en":
            continue
        catalog = load_po(code)
        target = po_path(code).with_suffix(".mo")
        with target.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(target)
    return written


def untranslated(code: str, template: Catalog | None = None) -> list[str]:
    """Template strings with no (or only a fuzzy) translation in ``code``'s catalog."""
    template = template or extract()
    catalog = load_po(code)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = catalog.get(message.id)
        strings = found.string if found is not None else None
        empty = not all(strings) if isinstance(strings, tuple) else not strings
        if found is None or empty or found.fuzzy:
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def mo_matches_po(code: str) -> bool:
    """True when the committed ``.mo`` holds exactly the translations of the ``.po``."""
    mo = po_path(code).with_suffix(".mo")
    if not mo.exists():
        return False
    with mo.open("rb") as handle:
        compiled = read_mo(handle)
    source = load_po(code)

    def pairs(catalog: Catalog) -> dict[object, object]:
        def key(value: object) -> object:
            return tuple(value) if isinstance(value, (list, tuple)) else value

        return {key(m.id): key(m.string) for m in catalog if m.id and m.string and not m.fuzzy}

    return pairs(compiled) == pairs(source)


def formats_table() -> dict[str, object]:
    """The CLDR data :mod:`kiosk.ui.formats` reads, for every UI language, from Babel."""
    from babel import Locale, __version__
    from babel.dates import get_date_format, get_month_names
    from babel.numbers import (
        get_currency_precision,
        get_currency_symbol,
        get_decimal_symbol,
        get_group_symbol,
    )

    locales: dict[str, object] = {}
    for lang in LANGUAGES.values():
        locale = Locale.parse(lang.locale)
        months = get_month_names("wide", context="format", locale=locale)
        locales[lang.locale] = {
            "long_date": get_date_format("long", locale=locale).pattern,
            "months": [months[number] for number in range(1, 13)],
            "decimal": get_decimal_symbol(locale),
            "group": get_group_symbol(locale),
            "currency_pattern": locale.currency_formats["standard"].pattern,
            "currency_symbols": {c: get_currency_symbol(c, locale) for c in CURRENCIES},
        }
    digits = {c: get_currency_precision(c) for c in CURRENCIES if get_currency_precision(c) != 2}
    return {"babel": __version__, "currency_digits": digits, "locales": locales}


def write_formats() -> Path:
    text = json.dumps(formats_table(), ensure_ascii=False, indent=1, sort_keys=True)
    FORMATS_FILE.write_text(text + "\n", encoding="utf-8")
    return FORMATS_FILE


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args[0] if args else "check"
    if command == "update":
        update_all()
    elif command == "compile":
        for path in compile_all():
            print(path.relative_to(SOURCE_DIR))
    elif command == "formats":
        print(write_formats().relative_to(SOURCE_DIR))
    elif command == "check":
        template = extract()
        bad = 0
        for code in LANGUAGES:
            if code == "en":
                continue
            missing = untranslated(code, template)
            bad += len(missing)
            for message in missing:
                print(f"{code}: untranslated: {message}")
            if not mo_matches_po(code):
                bad += 1
                print(f"{code}: kiosk.mo is out of date; run: python -m kiosk.ui.catalogs compile")
        return 1 if bad else 0
    else:
        print("usage: python -m kiosk.ui.catalogs [update|compile|check|formats]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
