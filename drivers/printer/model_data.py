"""Regenerate ``escpos-models.json``, the printer models the kiosk knows, from escpos-printer-db.

Why a trimmed copy in the repository: the kiosk reads, per printer model, the code page table
(``ESC t`` numbers), the columns of font A, whether it cuts and whether it prints CODE128. The
full database comes inside python-escpos, which nothing else of the kiosk uses and which pulls
PyYAML, qrcode, python-barcode and more onto every Raspberry Pi. So the few fields are shipped
here (about 25 KB), and this module makes the file again when the database gains a model::

    # capabilities.json from escpos-printer-db (its dist/ folder), or from an installed
    # python-escpos (site-packages/escpos/capabilities.json):
    python -m drivers.printer.model_data capabilities.json > drivers/printer/escpos-models.json

The data is escpos-printer-db's (https://github.com/receipt-print-hq/escpos-printer-db), under
Creative Commons Attribution 4.0; the file says so in its ``_source`` and ``_licence`` keys.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["LICENCE", "SOURCE", "trim"]

SOURCE = (
    "escpos-printer-db, https://github.com/receipt-print-hq/escpos-printer-db "
    "(dist/capabilities.json, as shipped in python-escpos 3.1); trimmed by "
    "`python -m drivers.printer.model_data` to the fields drivers/printer/models.py reads"
)
LICENCE = (
    "Creative Commons Attribution 4.0 (https://creativecommons.org/licenses/by/4.0/), "
    "the escpos-printer-db contributors; changed: fields and code pages the kiosk does not "
    "use are left out"
)

#: The features :func:`drivers.printer.models.printer_model` reads.
_FEATURES = ("paperFullCut", "paperPartCut", "barcodeB")


def trim(database: dict[str, Any]) -> dict[str, Any]:
    """The part of a capabilities database the kiosk reads, in the same shape (so trimming a
    trimmed file changes nothing): encodings that name a Python codec; per profile its name,
    vendor, the code pages with such an encoding, font A's columns and three features."""
    encodings = {
        name: {"python_encode": entry["python_encode"]}
        for name, entry in sorted(database["encodings"].items())
        if entry.get("python_encode")
    }
    profiles: dict[str, Any] = {}
    for name, profile in sorted(database["profiles"].items()):
        pages = profile.get("codePages", {})
        trimmed: dict[str, Any] = {
            "name": profile.get("name", name),
            "vendor": profile.get("vendor", ""),
            "codePages": {
                number: page
                for number, page in sorted(pages.items(), key=lambda kv: int(kv[0]))
                if page in encodings
            },
        }
        font_a = profile.get("fonts", {}).get("0", {})
        if "columns" in font_a:
            trimmed["fonts"] = {"0": {"columns": font_a["columns"]}}
        features = profile.get("features", {})
        kept = {key: features[key] for key in _FEATURES if key in features}
        if kept:
            trimmed["features"] = kept
        profiles[name] = trimmed
    return {"_source": SOURCE, "_licence": LICENCE, "encodings": encodings, "profiles": profiles}


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m drivers.printer.model_data CAPABILITIES.json", file=sys.stderr)
        return 2
    database = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    sys.stdout.write(json.dumps(trim(database), indent=1, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
