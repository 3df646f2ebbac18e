"""Printer models and their character code tables, from the ESC/POS printer database.

Which number selects which code page (``ESC t n``) differs between makers: page 5 is PC865
(Nordic) on Epson, but PC852 on a Star TSP600. Getting it wrong prints "Bj|rn" for "Björn". The
per-model tables come from the escpos-printer-db project (capabilities database: code pages,
columns, cutter, barcodes), trimmed to what is read here and shipped beside this module as
``escpos-models.json`` (origin and licence inside it); :mod:`drivers.printer.model_data` makes
it again when the database gains a model. Documents: Epson ESC/POS Command Reference, "ESC t:
Select character code table"; the escpos-printer-db README.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

# Nordic first: PC865 holds å ä ö æ ø Å Ä Ö Æ Ø (PC850/858 and WPC1252 hold them too); PC866 and
# WPC1251 add Cyrillic for the kiosk's Russian and Ukrainian users, WPC1256/PC864 Arabic.
DEFAULT_CODE_PAGES: tuple[str, ...] = (
    "cp865", "cp850", "cp858", "cp1252", "cp437", "cp866", "cp1251", "cp1256", "cp864",
)  # fmt: skip


@dataclass(frozen=True)
class PrinterModel:
    """What the encoder needs to know about one printer model."""

    name: str
    code_pages: dict[str, int]  # Python codec name -> ESC t table number
    columns: int  # characters per line in font A
    can_cut: bool = True
    has_code128: bool = True


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _printer_database() -> dict[str, Any]:
    """``escpos-models.json``: the models of escpos-printer-db, trimmed (see the module doc).

    Read only when a printer is opened, and freed again but for the one model it prints on.
    """
    database = resources.files("drivers.printer") / "escpos-models.json"
    models: dict[str, Any] = json.loads(database.read_text(encoding="utf-8"))
    return models


@cache
def known_models() -> tuple[str, ...]:
    """The model names of the printer database, sorted."""
    return tuple(sorted(_printer_database()["profiles"]))


@cache
def printer_model(name: str = "default") -> PrinterModel:
    """The model called ``name`` in the printer database (e.g. ``TM-T20II``, ``TM-T88V``)."""
    database = _printer_database()
    profiles = database["profiles"]
    if name not in profiles:
        known = ", ".join(sorted(profiles))
        raise ValueError(f"printer model {name!r} is not in the ESC/POS database; known: {known}")
    data = profiles[name]
    encodings = database["encodings"]
    code_pages: dict[str, int] = {}
    for number, page in sorted(data.get("codePages", {}).items(), key=lambda kv: int(kv[0])):
        python_name = encodings.get(page, {}).get("python_encode")
        codec = _codec(python_name) if python_name else None
        if codec is not None and codec not in code_pages:
            code_pages[codec] = int(number)
    fonts = data.get("fonts", {})
    columns = int(fonts.get("0", {}).get("columns", 42))
    features = data.get("features", {})
    return PrinterModel(
        name=name,
        code_pages=code_pages,
        columns=columns,
        can_cut=bool(features.get("paperFullCut", True) or features.get("paperPartCut", False)),
        has_code128=bool(features.get("barcodeB", True)),
    )


def usable_code_pages(model: PrinterModel, wanted: Sequence[str] | None = None) -> list[str]:
    """The codecs to print with on ``model``, in order of preference.

    ``wanted`` (a printer's configuration) comes first and must exist on the model: a configured
    page the printer lacks is a configuration error, not something to skip silently. The other
    :data:`DEFAULT_CODE_PAGES` the model has follow, for characters the wanted ones lack (a
    Cyrillic title on a Nordic receipt).
    """
    usable: list[str] = []
    for page in wanted or ():
        codec = _codec(page)
        if codec is None or codec not in model.code_pages:
            has = ", ".join(model.code_pages)
            raise ValueError(
                f"code page {page!r} is not available on printer model {model.name!r};"
                f" it has: {has}"
            )
        if codec not in usable:
            usable.append(codec)
    for page in DEFAULT_CODE_PAGES:
        codec = _codec(page)
        if codec is not None and codec in model.code_pages and codec not in usable:
            usable.append(codec)
    if not usable:
        raise ValueError(f"printer model {model.name!r} has none of the usual code pages")
    return usable
