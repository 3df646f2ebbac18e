"""``kiosk tag decode HEX`` and ``kiosk tag encode ...``: library tag data for staff and tests.

``decode`` prints the decoded tag as one JSON object (model, primary_item_id, owner_library,
parts, part_number, usage, crc_ok, not_for_loan_offline, problem, ...) and exits 0 for a sound
tag, 1 for a blank, foreign or damaged one (the JSON says what is wrong), 2 for input that is
not hex. ``encode`` prints the memory image as hex; the two round-trip.
"""

from __future__ import annotations

import argparse
import json
import sys


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
    encode.add_argument("--memory-size", type=int, default=None, help="pad to N bytes")
    encode.add_argument("--block-order", default="normal", choices=["normal", "reversed"])
    encode.add_argument("--swapped-nibbles", action="store_true", help="vendor deviation")
    encode.set_defaults(handler=_encode)


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
