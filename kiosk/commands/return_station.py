"""``kiosk return-station --config FILE``: the unattended return station (what systemd runs).

- ``kiosk return-station --config FILE`` runs the station headless: chute reader, check-in,
  sorting, bins, slips, health endpoint, READY=1 and the watchdog for systemd. SIGTERM (or
  ``--exit-after``) closes the inlet, lets the item at the read position finish, and exits 0.
  ``--display`` also shows the return-station screen (the current item and where it went).
  ``--demo-returns N`` (simulated chute only) drops N of the demo consortium's items into the
  slot, so ``config/demo-return-station.toml`` shows the whole station at work.
- ``kiosk return-station --config FILE status`` prints the bins (station and sorter counts,
  full sensors), the jam and inlet state, items not yet in a bin and items for staff.
- ``kiosk return-station --config FILE bin-emptied BIN`` tells the sorter that staff emptied
  BIN (as the bin's button does); the running station starts its count again from 0.
- ``kiosk return-station --config FILE reset-jam`` restarts the conveyor once staff freed a jam.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from kiosk.commands.common import add_exit_after, config_or_report
from kiosk.logs import fields

__all__ = ["register"]

log = logging.getLogger("kiosk.return_station")

ACTIONS = ("run", "status", "bin-emptied", "reset-jam")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "return-station",
        help="run the unattended return station (chute, check-in, sorter, bins)",
        description="Run the return station of FILE headless (the default action), or talk to "
        "its sorter: status, bin-emptied BIN, reset-jam.",
    )
    parser.add_argument("--config", type=Path, required=True, metavar="FILE")
    parser.add_argument("action", nargs="?", default="run", choices=ACTIONS)
    parser.add_argument("bin", nargs="?", metavar="BIN", help="the bin id, for bin-emptied")
    parser.add_argument("--display", action="store_true", help="also show the station's screen")
    parser.add_argument("--windowed", action="store_true", help="with --display: a window")
    add_exit_after(parser)
    parser.add_argument(
        "--demo-returns",
        type=int,
        default=0,
        metavar="N",
        help="simulated chute only: drop N demo items into the slot",
    )
    parser.add_argument("--json", action="store_true", help="status: one JSON object")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_or_report(args.config)
    if config is None:
        return 1
    if config.kiosk.mode != "return-station" or config.return_station is None:
        print(
            f"{args.config}: kiosk.mode is {config.kiosk.mode!r}; this command needs a "
            'return-station configuration (mode = "return-station", [return_station])',
            file=sys.stderr,
        )
        return 1
    if args.action == "run":
        from kiosk.logs import configure_logging

        configure_logging(config.logging.level, config.logging.format)
        if args.display:
            from kiosk.ui.harness import configure_kivy

            configure_kivy(headless=False, fullscreen=not args.windowed)
        return asyncio.run(_run(config, args))
    if args.action == "bin-emptied" and not args.bin:
        print("kiosk return-station bin-emptied: name the bin, e.g. 'holds'", file=sys.stderr)
        return 2
    return asyncio.run(_staff_action(config, args))


# ----------------------------------------------------------------------------------- running


async def _run(config: Any, args: argparse.Namespace) -> int:
    from kiosk.commands.run import RESTART_EXIT_STATUS
    from kiosk.console import ConsoleTarget, serve_console
    from kiosk.health.kiosk_events import observe_kiosk
    from kiosk.health.runtime import operate
    from kiosk.station_assembly import observe_station, open_return_station

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    if args.exit_after is not None:
        loop.call_later(args.exit_after, stop.set)
    try:
        opening = open_return_station(config)
        running = await opening.__aenter__()
    except Exception as error:
        log.error("the return station could not start: %s", error)
        print(f"kiosk return-station: could not start: {error}", file=sys.stderr)
        return 1
    try:
        async with operate(running) as runtime:
            station = running.station
            unsubscribe = [
                observe_kiosk(runtime.metrics, station),
                observe_station(
                    runtime.metrics, station, name=running.config.kiosk.id, status=runtime.status
                ),
                station.subscribe(_log_event),
            ]
            for name, detail in running.device_errors.items():
                runtime.metrics.set_component(name, "failing", detail)
            restart = asyncio.Event()

            def restart_now() -> None:  # staff asked in the console: exit 3, systemd restarts
                restart.set()
                stop.set()

            console = serve_console(
                ConsoleTarget(
                    running.config,
                    loop,
                    station.staff,
                    config_path=args.config,
                    metrics=runtime.metrics,
                    restart=lambda: loop.call_soon_threadsafe(restart_now),
                )
            )
            feeder = None
            if args.demo_returns:
                feeder = loop.create_task(_feed_demo(running, args.demo_returns))
            try:
                if args.display:
                    await _display(running, config, stop)
                else:
                    await stop.wait()
            finally:
                if console is not None:
                    console.stop()
                if feeder is not None:
                    feeder.cancel()
                for undo in unsubscribe:
                    undo()
    finally:
        await opening.__aexit__(None, None, None)
    return RESTART_EXIT_STATUS if restart.is_set() else 0


def _log_event(event: Any) -> None:
    from kiosk.core import station_events as sev

    match event:
        case sev.ItemSorted():
            via = f" (overflow of {event.routed_bin})" if event.routed_bin else ""
            # Item barcodes go as a field: the log keeps them (staff trace items by them), while
            # number-like runs in free text are masked as possible card numbers.
            log.info(
                "sorter item %d -> bin %s%s: %s",
                event.sorter_item,
                event.bin_id,
                via,
                event.rule or event.reason,
                extra=fields(item=",".join(event.item_ids) or "unidentified"),
            )
        case sev.InletPaused():
            log.warning("inlet paused: %s", event.message)
        case sev.InletResumed():
            log.info("inlet open")
        case sev.DeliveryProblem():
            log.error("staff: %s", event.detail, extra=fields(item=",".join(event.item_ids)))
        case _:
            pass


async def _feed_demo(running: Any, count: int) -> None:
    """Drop ``count`` demo items into the simulated slot, waiting while it is closed."""
    chute, acs = running.chute, running.acs
    if chute is None or acs is None:
        log.error("--demo-returns needs the embedded library system and simulated hardware")
        return
    examples = [
        acs.examples[name]["item"]
        for name in (
            "return_reshelve",
            "return_floating_stays",
            "return_transit_home",
            "return_hold_here",
            "return_hold_transit",
        )
    ]
    loans = [loan.item for loan in acs.model.all_loans() if loan.item not in examples]
    items = (examples + loans)[:count]
    for barcode in items:
        while chute.insert(barcode) is None:
            await asyncio.sleep(0.5)
        await asyncio.sleep(0.05)
    log.info("demo: %d items dropped into the slot", len(items))


async def _display(running: Any, config: Any, stop: asyncio.Event) -> None:
    from kiosk.core.station_screen import StationScreen
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import ui_settings_from_config

    app = KioskApp(StationScreen(running.station), ui_settings_from_config(config))
    stopper = asyncio.get_running_loop().create_task(stop.wait())
    stopper.add_done_callback(lambda _: app.stop())
    try:
        await app.async_run(async_lib="asyncio")
    finally:
        stopper.cancel()


# ------------------------------------------------------------------------------ staff actions


async def _staff_action(config: Any, args: argparse.Namespace) -> int:
    from drivers.sorter import ModbusSorter, SorterError
    from kiosk.core.station_ledger import StationLedger
    from kiosk.station_assembly import ledger_path

    station = config.return_station
    sorter_config = config.hardware.sorter
    if args.action != "status" and sorter_config.type != "modbus-tcp":
        print(
            "kiosk return-station: the simulated sorter lives inside the running station; "
            f"{args.action} needs hardware.sorter.type = 'modbus-tcp'",
            file=sys.stderr,
        )
        return 2
    numbers = station.bin_numbers()
    if args.action == "bin-emptied" and args.bin not in numbers:
        print(
            f"kiosk return-station: no bin {args.bin!r} (bins: {', '.join(numbers)})",
            file=sys.stderr,
        )
        return 2
    sorter = None
    sorter_error = ""
    if sorter_config.type == "modbus-tcp":
        sorter = ModbusSorter(
            sorter_config.host or "127.0.0.1",
            sorter_config.port,
            unit=sorter_config.unit,
            timeout_s=sorter_config.timeout_s,
        )
        try:
            await sorter.open()
        except SorterError as error:
            sorter, sorter_error = None, str(error)
    try:
        if args.action == "bin-emptied":
            if sorter is None:
                print(f"kiosk return-station: {sorter_error}", file=sys.stderr)
                return 1
            await sorter.bin_emptied(numbers[args.bin])
            print(f"bin {args.bin} emptied: the station counts it from 0 again")
            return 0
        if args.action == "reset-jam":
            if sorter is None:
                print(f"kiosk return-station: {sorter_error}", file=sys.stderr)
                return 1
            try:
                await sorter.reset_jam()
            except SorterError as error:
                print(f"kiosk return-station: {error}", file=sys.stderr)
                return 1
            print("jam reset: the conveyor runs again")
            return 0
        machine = await sorter.status() if sorter is not None else None
        path = ledger_path(config)
        ledger = StationLedger(path) if path.exists() else None
        try:
            report = _status_report(config, machine, ledger, sorter_error)
        finally:
            if ledger is not None:
                ledger.close()
    finally:
        if sorter is not None:
            await sorter.close()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        print(_status_text(report))
    return 0


def _status_report(config: Any, machine: Any, ledger: Any, sorter_error: str) -> dict[str, Any]:
    station = config.return_station
    numbers = station.bin_numbers()
    counts = ledger.counts() if ledger else {}
    en_route = ledger.en_route() if ledger else {}
    bins = []
    for b in station.bins:
        entry: dict[str, Any] = {
            "id": b.id,
            "label": b.label,
            "number": numbers[b.id],
            "count": counts.get(b.id, 0),
            "en_route": en_route.get(b.id, 0),
            "capacity": b.capacity,
        }
        if machine is not None and numbers[b.id] <= len(machine.bins):
            status = machine.bin(numbers[b.id])
            entry.update(sorter_count=status.count, full_sensor=status.full)
        bins.append(entry)
    report: dict[str, Any] = {"station": config.kiosk.id, "bins": bins}
    if machine is not None:
        report["sorter"] = {
            "running": machine.running,
            "jammed": machine.jammed,
            "jam_item": machine.jam_item,
            "inlet_paused": machine.inlet_paused,
            "item_at_reader": machine.item_at_reader,
        }
    else:
        report["sorter"] = {"error": sorter_error or "simulated: only inside the station"}

    def row(record: Any) -> dict[str, Any]:
        return {
            "sorter_item": record.sorter_item,
            "items": list(record.item_ids),
            "state": record.state.value,
            "bin": record.bin,
            "reason": record.reason,
            "arrived": record.arrived_at.isoformat(timespec="seconds"),
        }

    report["not_in_a_bin"] = [row(r) for r in ledger.open_records()] if ledger else []
    report["for_staff"] = [row(r) for r in ledger.attention()] if ledger else []
    return report


def _status_text(report: dict[str, Any]) -> str:
    lines = [f"Return station {report['station']}"]
    sorter = report["sorter"]
    if "error" in sorter:
        lines.append(f"  sorter: not reachable ({sorter['error']})")
    else:
        state = "jammed" if sorter["jammed"] else "running" if sorter["running"] else "stopped"
        if sorter["jammed"] and sorter["jam_item"]:
            state += f" at item {sorter['jam_item']}"
        inlet = "paused" if sorter["inlet_paused"] else "open"
        lines.append(f"  sorter: {state}; inlet {inlet}")
    lines.append("  bins:")
    for b in report["bins"]:
        extra = ""
        if "sorter_count" in b:
            sensor = "FULL" if b["full_sensor"] else "ok"
            extra = f"  (sorter counts {b['sorter_count']}, sensor {sensor})"
        route = f", {b['en_route']} on the way" if b["en_route"] else ""
        lines.append(
            f"    {b['number']:>2} {b['id']:<14} {b['count']:>4}/{b['capacity']:<5}{route}"
            f" {b['label']}{extra}"
        )
    for key, title in (("not_in_a_bin", "not yet in a bin"), ("for_staff", "for staff")):
        rows = report[key]
        lines.append(f"  {title}: {len(rows)}")
        for r in rows:
            lines.append(
                f"    #{r['sorter_item']} {','.join(r['items']) or 'unidentified'}: {r['state']}"
                f" -> {r['bin'] or '?'} ({r['reason'] or '-'}) since {r['arrived']}"
            )
    return "\n".join(lines)
