"""Writes ``catalog.pyi``: the message classes as a type checker should see them.

The classes themselves are made at import from the layout table (fast, and the table stays the
one source); a type checker cannot see attributes made that way. So this module renders, from
the same table, one explicit class per layout: its typed keyword constructor, its fixed fields
and its tags as read-only properties, and for a request the class of its response
(``Checkout(Request[CheckoutResponse])``), so that ``(await client.request(checkout)).ok`` is
checked. ``tests/sip2/test_catalog_stub.py`` fails when the checked-in stub and the table part.

Run ``python -m kiosk.sip2.stubgen`` after changing the table (``--check`` only compares).

The types are honest about decoding: a flag read from the wire may be ``None`` (a blank, a
``U``, or garbage), an absent tag is ``None`` (required ones too: ACSs leave them out), a
repeatable tag is a list.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.sip2.fields import TAGS
from kiosk.sip2.layouts import LAYOUTS, LAYOUTS_LIST, Layout

STUB_PATH = Path(__file__).with_name("catalog.pyi")

_READ_TYPES = {
    "yn": "bool | None",
    "01": "bool | None",
    "ynu": "bool | None",
    "date": "datetime | None",
    "int": "int | None",
    "text": "str",
}
_WRITE_TYPES = {**_READ_TYPES, "yn": "bool", "01": "bool"}
#: Readable aliases of tags (``TAG_BY_NAME`` has them too).
_ALIASES = {"AJ": "title"}

_HEADER = '''"""Generated from the SIP2 layout table by kiosk.sip2.stubgen: do not edit.

What the message classes of :mod:`kiosk.sip2.catalog` look like to a type checker.
"""

from collections.abc import Mapping
from datetime import datetime

from kiosk.sip2.messages import FieldValue, Message, Request, Response
'''


def _names(layout: Layout) -> list[tuple[str, str, str, bool]]:
    """(attribute, read type, write type, required) for every field of ``layout``."""
    fixed = {spec.name for spec in layout.fixed}
    rows: list[tuple[str, str, str, bool]] = [
        (spec.name, _READ_TYPES[spec.kind], _WRITE_TYPES[spec.kind], spec.required)
        for spec in layout.fixed
    ]
    for tag in layout.tags:
        read = "list[str]" if TAGS[tag].repeatable else "str | None"
        for name in (TAGS[tag].name, _ALIASES.get(tag)):
            if name is not None and name not in fixed:
                rows.append((name, read, "FieldValue", False))
    return rows


def _class(layout: Layout) -> str:
    if layout.direction == "sc":
        response = LAYOUTS[layout.response].name if layout.response else "Message"
        base = f"Request[{response}]"
    else:
        base = "Response"
    rows = _names(layout)
    params = ["        self,", "        *,"]
    params.append("        fields: Mapping[str, FieldValue] | None = ...,")
    for name, _, write, required in rows:
        params.append(f"        {name}: {write}{'' if required else ' = ...'},")
    lines = [
        f"class {layout.name}({base}):",
        f'    """SIP2 message {layout.code} ({layout.name})."""',
        "",
        "    def __init__(",
        *params,
        "    ) -> None: ...",
    ]
    for name, read, _, _ in rows:
        lines += ["    @property", f"    def {name}(self) -> {read}: ..."]
    return "\n".join(lines) + "\n"


def render() -> str:
    """The text of ``catalog.pyi`` for the current layout table."""
    parts = [_HEADER] + [_class(layout) for layout in LAYOUTS_LIST]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiosk.sip2.stubgen", description=__doc__)
    parser.add_argument("--check", action="store_true", help="only say whether it is current")
    args = parser.parse_args(argv)
    text = render()
    current = STUB_PATH.read_text(encoding="utf-8") if STUB_PATH.exists() else ""
    if args.check:
        if current != text:
            print(f"{STUB_PATH} is stale: run python -m kiosk.sip2.stubgen", file=sys.stderr)
            return 1
        return 0
    if current != text:
        STUB_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {STUB_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
