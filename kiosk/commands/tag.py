"""``kiosk tag decode HEX`` and ``kiosk tag encode ...``: library tag data for staff and tests.

``scan --port PORT`` reads every tag on a FEIG reader and prints one JSON line per tag; ``scan
--config FILE`` uses the kiosk's configured reader, ``scan --type NAME --set KEY=VALUE`` any
registered reader type (kiosk.registry.RFID_READERS).
``decode`` prints the decoded tag as one JSON object (model, primary_item_id, owner_library,
parts, part_number, usage, crc_ok, not_for_loan_offline, problem, ...; for ISO 28560-2 also
shelf_location, title, usage_subtype, every data element with its compaction scheme, and
warnings) and exits 0 for a sound tag, 1 for a blank, foreign or damaged one (the JSON says what
is wrong), 2 for input that is not hex. ``encode`` prints the memory image as hex; the two
round-trip, ISO 28560-2's further data elements included (``--element onix_media_format=BA``).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.rfid import RfidReader


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tag",
        help="decode or encode library RFID tag data (ISO 28560-3 Danish model, ISO 28560-2)",
        description="Decode a tag memory image to JSON, or encode item data to a memory image.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    decode = actions.add_parser(
        "decode",
        help="decode a tag memory image (hex) to JSON",
        description="Decode HEX (spaces and colons allowed) with automatic model detection. "
        "Exit 0 for a sound tag, 1 when the tag is blank, foreign or damaged, 2 for bad input.",
    )
    decode.add_argument("hex", nargs="+", help="the tag's user memory as hex")
    decode.add_argument(
        "--dsfid", type=lambda s: int(s, 0), default=None, help="DSFID the reader reported"
    )
    decode.set_defaults(handler=_decode)

    encode = actions.add_parser(
        "encode",
        help="encode item data to a tag memory image (hex)",
        description="Print the memory image of the item in the chosen model as hex.",
    )
    encode.add_argument("--model", default="danish", choices=["danish", "iso28560-2"])
    encode.add_argument("--id", required=True, help="primary item identifier (barcode)")
    encode.add_argument("--owner", default=None, help="owner library ISIL, e.g. SE-Hud")
    encode.add_argument("--parts", type=int, default=1, help="number of parts in the set")
    encode.add_argument("--part", type=int, default=1, help="this part's number")
    encode.add_argument("--usage", default="circulation", help="type of usage, name or code")
    encode.add_argument("--not-for-loan-offline", action="store_true")
    encode.add_argument(
        "--usage-subtype", type=int, default=0, help="type of usage's second digit (ISO 28560-2)"
    )
    encode.add_argument("--shelf-location", default=None, help="shelf location (ISO 28560-2)")
    encode.add_argument("--title", default=None, help="title (ISO 28560-2)")
    encode.add_argument(
        "--element",
        action="append",
        default=[],
        metavar="OID=TEXT",
        help="a further ISO 28560-2 data element by relative OID or name, e.g. 7=BA or "
        "alternative_owner_institution=Lib01 (repeatable)",
    )
    encode.add_argument("--memory-size", type=int, default=None, help="pad to N bytes")
    encode.add_argument("--block-order", default="normal", choices=["normal", "reversed"])
    encode.add_argument("--swapped-nibbles", action="store_true", help="vendor deviation")
    encode.set_defaults(handler=_encode)

    scan = actions.add_parser(
        "scan",
        help="read every tag on an RFID reader and print each one decoded (JSON lines)",
        description="Inventory the reader, read each tag's memory, and print one JSON object "
        "per tag: uid, dsfid, afi, eas and the decoded library data (or the error for that "
        "tag). The reader is the [hardware.rfid] one of --config, or a reader of --type "
        "(default feig) with the options below; --set gives any other setting of its type. "
        "Exit 0 when the reader answered, 2 for settings the type does not accept, 3 when the "
        "reader did not answer.",
    )
    scan.add_argument("--config", type=Path, help="a kiosk config: use its [hardware.rfid]")
    scan.add_argument("--type", default=None, help="a registered reader type (default: feig)")
    scan.add_argument("--port", help="serial device or pyserial URL")
    scan.add_argument("--baud", type=int, default=None)
    scan.add_argument("--parity", default=None, choices=["N", "E", "O"])
    scan.add_argument("--com-adr", type=lambda s: int(s, 0), default=None)
    scan.add_argument("--timeout", type=float, default=None, help="seconds to wait for a reply")
    scan.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another setting of the reader's [hardware.rfid] table (repeatable)",
    )
    scan.set_defaults(handler=_scan)


def _decode(args: argparse.Namespace) -> int:
    from drivers.tags import decode

    text = "".join(args.hex).replace(":", "").replace(" ", "")
    try:
        memory = bytes.fromhex(text)
    except ValueError:
        print(f"kiosk tag decode: {text[:40]!r} is not hex", file=sys.stderr)
        return 2
    tag = decode(memory, args.dsfid)
    print(json.dumps(tag.to_json(), ensure_ascii=False))
    return 0 if tag.ok else 1


def _encode(args: argparse.Namespace) -> int:
    from drivers.tags import ItemTag, TagEncodeError, Usage, encode

    try:
        item = ItemTag(
            primary_item_id=args.id,
            owner_library=args.owner,
            parts=args.parts,
            part_number=args.part,
            usage=Usage.parse(args.usage),
            not_for_loan_offline=args.not_for_loan_offline,
            usage_subtype=args.usage_subtype,
            shelf_location=args.shelf_location,
            title=args.title,
            elements=tuple(_element(text) for text in args.element),
        )
        image = encode(
            item,
            args.model,
            memory_size=args.memory_size,
            block_order=args.block_order,
            swapped_nibbles=args.swapped_nibbles,
        )
    except (TagEncodeError, ValueError) as error:
        print(f"kiosk tag encode: {error}", file=sys.stderr)
        return 2
    print(image.hex().upper())
    return 0


#: The FEIG-style options and the [hardware.rfid] keys they set.
_SCAN_OPTIONS = {
    "port": "port",
    "baud": "baudrate",
    "parity": "parity",
    "com_adr": "bus_address",
    "timeout": "timeout_s",
}
_PARITY_NAMES = {"N": "none", "E": "even", "O": "odd"}


def _reader_settings(args: argparse.Namespace) -> dict[str, object]:
    """The [hardware.rfid] table the arguments describe (raises ConfigError, ValueError)."""
    table: dict[str, object] = {"type": "feig"}
    if args.config is not None:
        from kiosk.config import load_config

        table = load_config(args.config).hardware.rfid.model_dump()
    if args.type is not None:
        table = {"type": args.type}
    for option, key in _SCAN_OPTIONS.items():
        value = getattr(args, option)
        if value is not None:
            table[key] = _PARITY_NAMES.get(value, value) if option == "parity" else value
    for setting in args.set:
        key, sep, value = setting.partition("=")
        if not sep or not key.strip():
            raise ValueError(f"--set needs KEY=VALUE, not {setting!r}")
        table[key.strip()] = value.strip()
    return table


def _element(text: str) -> tuple[int, str]:
    """``7=BA`` or ``onix_media_format=BA`` -> (7, "BA"); ValueError names what is wrong."""
    from drivers.tags.iso28560_2 import element_oid

    name, sep, value = text.partition("=")
    if not sep:
        raise ValueError(f"--element {text!r}: expected OID=TEXT, e.g. 7=BA")
    return element_oid(name), value


def _scan(args: argparse.Namespace) -> int:
    import asyncio
    from contextlib import ExitStack

    from pydantic import ValidationError

    from drivers.rfid import ReaderError
    from kiosk.config import ConfigError
    from kiosk.registry import RFID_READERS, DeviceContext, UnknownType

    try:
        settings = RFID_READERS.settings(_reader_settings(args))
    except (ConfigError, UnknownType, ValueError) as error:
        if isinstance(error, ValidationError):
            for problem in error.errors(include_url=False):
                where = ".".join(str(part) for part in problem["loc"]) or "(reader)"
                print(f"kiosk tag scan: hardware.rfid.{where}: {problem['msg']}", file=sys.stderr)
        else:
            print(f"kiosk tag scan: {error}", file=sys.stderr)
        return 2
    try:
        with ExitStack() as stack:
            reader = RFID_READERS.build(settings, DeviceContext(stack))
            for line in asyncio.run(_scan_tags(reader)):
                print(json.dumps(line, ensure_ascii=False))
    except ReaderError as error:
        print(f"kiosk tag scan: {error}", file=sys.stderr)
        return 3
    return 0


async def _scan_tags(reader: RfidReader) -> list[dict[str, object]]:
    """One JSON-able dict per tag on the antenna; a tag's error is reported, not raised."""
    from drivers.rfid import TagError
    from drivers.tags import decode

    lines: list[dict[str, object]] = []
    async with reader:
        for info in await reader.inventory():
            line: dict[str, object] = {"uid": info.uid.hex().upper(), "dsfid": info.dsfid}
            try:
                system = await reader.system_info(info.uid)
                line["afi"] = system.afi
                line["eas"] = await reader.check_eas(info.uid)
                memory = await reader.read_blocks(info.uid, 0, system.block_count or 8)
                line.update(decode(memory, info.dsfid).to_json())
            except TagError as error:
                line["error"] = str(error)
            lines.append(line)
    return lines
