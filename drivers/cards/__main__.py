"""``python -m drivers.cards``: set-up helpers for staff installing a kiosk.

``readers`` lists the PC/SC readers pcscd sees (to write the ``reader_pattern`` setting);
``card UID`` holds a virtual card on a vpcd reader for a few seconds, to try a kiosk with the
system's pcscd and the ``vsmartcard-vpcd`` package (reader "Virtual PCD 00 00", port 35963)
without a physical card.
"""

from __future__ import annotations

import argparse
import time

from .contract import DeviceError
from .pcsc import list_reader_names
from .vpcd import DEFAULT_PORT, VirtualCard


def print_reader_names() -> list[str] | None:
    """Print the PC/SC readers pcscd sees, one a line (``kiosk devices readers`` too); None,
    with pcscd's error printed, when it cannot say."""
    try:
        names = list_reader_names()
    except DeviceError as error:
        print(error)
        return None
    for name in names:
        print(name)
    return names


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m drivers.cards", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("readers", help="list the PC/SC readers pcscd sees")
    card = commands.add_parser("card", help="hold a virtual card on a vpcd reader")
    card.add_argument("uid", help="the card UID in hex, e.g. 04A1B2C3D4E5F6")
    card.add_argument("--host", default="127.0.0.1")
    card.add_argument("--port", type=int, default=DEFAULT_PORT)
    card.add_argument("--seconds", type=float, default=5.0, help="how long the card stays")
    args = parser.parse_args(argv)
    if args.command == "readers":
        return 0 if print_reader_names() is not None else 1
    try:
        uid = bytes.fromhex(args.uid)
    except ValueError:
        parser.error(f"UID {args.uid!r} is not hexadecimal")
    virtual = VirtualCard(uid, host=args.host, port=args.port)
    try:
        virtual.insert(timeout=3.0)
    except ConnectionError as error:
        print(f"{error} (is pcscd running with the vpcd driver?)")
        return 1
    try:
        time.sleep(args.seconds)
    except KeyboardInterrupt:
        pass
    finally:
        virtual.remove()
    print(f"card held {args.seconds:g} s; {len(virtual.apdus)} APDU(s) answered")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
