"""``kiosk devices``: check patron hardware while installing a kiosk.

``types`` lists the device types and back ends the kiosk knows (the registries of
:mod:`kiosk.registry`: what ``type`` may say in each ``[hardware.*]`` table).
``readers`` lists the PC/SC card readers pcscd sees (for the ``reader_pattern`` setting).
``card --reader PATTERN`` waits for one card on a PC/SC reader and prints its reader and the last
bytes of its UID; ``card --config FILE`` does so on the card reader that config names.
``printer URL`` prints the printer's status and, with ``--test-page``, a page with every Nordic
letter so the code page can be checked by eye; ``printer --config FILE`` checks the configured
printer. Exit 0 when all is well, 1 when the device reports a problem (the message says which),
2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Any


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="check card readers and receipt printers; list the known device types",
        description="List device types, card readers, wait for a card, query or test a "
        "receipt printer.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    types = actions.add_parser(
        "types", help="list the device types and back ends a config's `type` may name"
    )
    types.set_defaults(handler=_types)

    readers = actions.add_parser("readers", help="list the PC/SC readers pcscd sees")
    readers.set_defaults(handler=_readers)

    card = actions.add_parser("card", help="wait for one card and show its reader and UID end")
    card.add_argument("--reader", default="", help="PC/SC reader name pattern (regex); '' = first")
    card.add_argument("--config", type=Path, help="use the [hardware.card_reader] of this config")
    card.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")
    card.set_defaults(handler=_card)

    printer = actions.add_parser("printer", help="show a receipt printer's status")
    printer.add_argument(
        "url", nargs="?", help="tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0, ..."
    )
    printer.add_argument("--config", type=Path, help="use the [hardware.printer] of this config")
    printer.add_argument("--model", default="default", help="ESC/POS database model name")
    printer.add_argument("--code-page", default=None, help="e.g. cp865")
    printer.add_argument("--test-page", action="store_true", help="also print a test page")
    printer.set_defaults(handler=_printer)


def _types(args: argparse.Namespace) -> int:
    from kiosk.registry import REGISTRIES

    for key, registry in REGISTRIES.items():
        where = "[ils] backend" if key == "ils" else f"[{key}] type"
        print(f"{where} ({registry.kind}s; default {registry.default!r}):")
        for entry in registry:
            print(f"  {entry.name:<16} {entry.description}")
    return 0


def _configured(path: Path, kind: str) -> tuple[Any, Any] | None:
    """(registry, settings) of ``[hardware.<kind>]`` in the config at ``path``; None (and the
    problems printed) when the config cannot be used."""
    from kiosk.config import ConfigError, load_config
    from kiosk.registry import REGISTRIES

    try:
        config = load_config(path)
    except ConfigError as error:
        print(error)
        return None
    return REGISTRIES[f"hardware.{kind}"], getattr(config.hardware, kind)


def _readers(args: argparse.Namespace) -> int:
    from drivers.cards.__main__ import print_reader_names

    return 0 if print_reader_names() else 1


def _card(args: argparse.Namespace) -> int:
    from drivers.cards import DeviceError, mask_uid
    from kiosk.registry import CARD_READERS, DeviceContext

    if args.config is not None:
        configured = _configured(args.config, "card_reader")
        if configured is None:
            return 2
        registry, settings = configured
    else:
        registry, settings = (
            CARD_READERS,
            CARD_READERS.settings({"type": "pcsc", "reader_pattern": args.reader}),
        )

    async def wait(stack: ExitStack) -> int:
        reader = registry.build(settings, DeviceContext(stack))
        if reader is None:
            print(f"no card reader configured (type {settings.type!r})")
            return 1
        await reader.open()
        try:
            name = getattr(reader, "reader_name", None) or settings.type
            print(f"present a card to {name!r} ...", flush=True)
            async for event in reader.events():
                if event.kind == "inserted":
                    if event.error:
                        print(event.error)
                        return 1
                    print(f"card on {event.reader!r}: UID {mask_uid(event.uid)}")
                    return 0
        finally:
            await reader.close()
        return 1

    try:
        with ExitStack() as stack:
            return asyncio.run(asyncio.wait_for(wait(stack), args.timeout))
    except TimeoutError:
        print(f"no card within {args.timeout:g} s")
        return 1
    except DeviceError as error:
        print(error)
        return 1


def _printer(args: argparse.Namespace) -> int:
    from drivers.printer import PrinterError, printer_from_url
    from drivers.printer.testpage import build_test_page
    from kiosk.registry import DeviceContext

    if (args.url is None) == (args.config is None):
        print("kiosk devices printer: give a printer URL or --config FILE", file=sys.stderr)
        return 2
    stack = ExitStack()
    try:
        if args.config is not None:
            configured = _configured(args.config, "printer")
            if configured is None:
                return 2
            registry, settings = configured
            printer = registry.build(settings, DeviceContext(stack))
            if printer is None:
                print(f"no printer configured (type {settings.type!r})")
                return 1
        else:
            code_pages = [args.code_page] if args.code_page else None
            printer = printer_from_url(args.url, model=args.model, code_pages=code_pages)
    except ValueError as error:
        print(error)
        stack.close()
        return 2

    async def check() -> int:
        async with printer:
            status = await printer.status()
            print(f"online: {status.online}; paper: {status.paper}")
            if status.detail:
                print(status.detail)
            if args.test_page:
                model = getattr(printer, "model", None)
                pages = getattr(printer, "code_pages", ())
                await printer.print_document(
                    build_test_page(model.name if model else "?", list(pages))
                )
                print("test page printed")
            return 0 if status.online and status.paper in ("ok", "low", "unknown") else 1

    try:
        with stack:
            return asyncio.run(check())
    except PrinterError as error:
        print(error)
        return 1
