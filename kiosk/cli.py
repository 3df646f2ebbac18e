"""The ``kiosk`` command: one entry point, one sub-command module per job."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

# Each entry is a module in kiosk/commands with a ``register(subparsers)`` function.
COMMANDS: tuple[str, ...] = (
    "config",
    "tag",
    "acs",
    "sip2",
    "ils",
    "demo",
    "run",
    "devices",
    "stats",
    "journal",
    "return_station",
    "sort",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="RFID self-service kiosk and return station for library consortia.",
    )
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"kiosk.commands.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Kivy parses sys.argv at import time unless told not to; no command wants that.
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help(sys.stderr)
        return 2
    return int(handler(args) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
