"""``kiosk devices``: check patron hardware while installing a kiosk.

``readers`` lists the PC/SC card readers pcscd sees (for the ``reader_pattern`` setting).
``card --reader PATTERN`` waits for one card and prints its reader and the last bytes of its
UID. ``printer URL`` prints the printer's status and, with ``--test-page``, a page with every
Nordic letter so the code page can be checked by eye. Exit 0 when all is well, 1 when the device
reports a problem (the message says which), 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import asyncio


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "devices",
        help="check card readers and receipt printers",
        description="List card readers, wait for a card, query or test a receipt printer.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    readers = actions.add_parser("readers", help="list the PC/SC readers pcscd sees")
    readers.set_defaults(handler=_readers)

    card = actions.add_parser("card", help="wait for one card and show its reader and UID end")
    card.add_argument("--reader", default="", help="reader name pattern (regex); '' = first")
    card.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")
    card.set_defaults(handler=_card)

    printer = actions.add_parser("printer", help="show a receipt printer's status")
    printer.add_argument("url", help="tcp://HOST:9100, usb://VID:PID, serial:///dev/ttyUSB0, ...")
    printer.add_argument("--model", default="default", help="ESC/POS database model name")
    printer.add_argument("--code-page", default=None, help="e.g. cp865")
    printer.add_argument("--test-page", action="store_true", help="also print a test page")
    printer.set_defaults(handler=_printer)


def _readers(args: argparse.Namespace) -> int:
    from drivers.cards import DeviceError, list_reader_names

    try:
        names = list_reader_names()
    except DeviceError as error:
        print(error)
        return 1
    for name in names:
        print(name)
    return 0 if names else 1


def _card(args: argparse.Namespace) -> int:
    from drivers.cards import DeviceError, PcscCardReader, mask_uid

    async def wait() -> int:
        reader = PcscCardReader(args.reader)
        await reader.open()
        try:
            print(f"present a card to {reader.reader_name!r} ...", flush=True)
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
        return asyncio.run(asyncio.wait_for(wait(), args.timeout))
    except TimeoutError:
        print(f"no card within {args.timeout:g} s")
        return 1
    except DeviceError as error:
        print(error)
        return 1


def _printer(args: argparse.Namespace) -> int:
    from drivers.printer import PrinterError, printer_from_url
    from drivers.printer.testpage import build_test_page

    try:
        code_pages = [args.code_page] if args.code_page else None
        printer = printer_from_url(args.url, model=args.model, code_pages=code_pages)
    except ValueError as error:
        print(error)
        return 2

    async def check() -> int:
        async with printer:
            status = await printer.status()
            print(f"online: {status.online}; paper: {status.paper}")
            if status.detail:
                print(status.detail)
            if args.test_page:
                await printer.print_document(
                    build_test_page(printer.model.name, printer.code_pages)
                )
                print("test page printed")
            return 0 if status.online and status.paper in ("ok", "low", "unknown") else 1

    try:
        return asyncio.run(check())
    except PrinterError as error:
        print(error)
        return 1
