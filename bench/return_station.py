"""Benchmark: the return station's throughput, items per hour, with the simulated sorter.

For each library-system latency (the embedded library system's latency knob, on its own thread
as a remote server would be), one run of the real station from ``open_return_station``: the
FEIG reader simulator with real serial and air timing, the real FEIG driver, SIP2 to the
library system, journal and ledger on disk (SQLite, synchronous FULL), the sorter simulator
(mechanics + PLC program + Modbus TCP server) and the real Modbus driver. ``--items`` demo loans
are dropped into the slot at once (the slot queue feeds them one by one, as a patron feeding the
wall slot quickly would) and the clock runs from the first item leaving the read position to the
last one (steady state: ``(items - 1)`` diverts over that time).

The machine: ``--time-per-item`` seconds per item at the diverter (default 1.0 s, a 3,600/h
machine: faster than the 2,400/h machine the target names, so the figure shows whether the
software keeps up rather than the machine's own limit), 0.3 s from the slot to the read
position, 2.0 s from there to the bin.

Figures per run:
- ``items_per_hour``: the station's throughput;
- ``sorter_rated_per_hour``: the machine's limit (3600 / time per item; 0 for an unlimited one);
- ``software_ms_p50`` / ``software_ms_p95``: per item, from the sorter reporting it at the read
  position to the bin decided (identify, check in over SIP2, re-arm and verify, journal, rules):
  the part of the cycle that is the software's; below the time per item, the machine sets the
  pace;
- ``lost``: items that did not end up in a bin (must be 0).

Usage: ``python bench/return_station.py [--json] [--latency 0 150 300] [--items 60]
[--time-per-item 1.0]``. With ``--json`` each run prints one JSON object with the keys
``latency_ms`` and ``items_per_hour`` (and the others above).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.acs import ThreadedACS
from kiosk.assembly import demo_item_tags
from kiosk.config import validate_config
from kiosk.core import station_events as sev
from kiosk.core.events import KioskEvent
from kiosk.station_assembly import open_return_station

CONFIG_DIR = Path(__file__).resolve().parents[1] / "config"
DEMO = CONFIG_DIR / "demo-return-station.toml"
ACCOUNT = "kiosk-bol-hb"


def station_config(state_dir: str, host: str, port: int, time_per_item: float) -> Any:
    data = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    data["kiosk"]["state_dir"] = state_dir
    data["ils"] = {"embedded": False, "sip2": {**data["ils"]["sip2"], "host": host, "port": port}}
    data["hardware"]["sorter"]["simulator"] = {
        "time_per_item_s": time_per_item,
        "feed_s": 0.3,
        "travel_s": 2.0,
        "bin_capacity": 10_000,
    }
    for bin_ in data["return_station"]["bins"]:
        bin_["capacity"] = 10_000  # the benchmark measures flow, not emptying bins
    data["health"] = {"enabled": False}
    data["logging"] = {"level": "warning"}
    return validate_config(data, base_dir=CONFIG_DIR, env={})


async def one_run(latency_ms: float, items: int, time_per_item: float) -> dict[str, Any]:
    with ThreadedACS(latency_ms=latency_ms) as acs, tempfile.TemporaryDirectory() as state:
        config = station_config(state, acs.host, acs.port, time_per_item)
        model = acs.model
        loans = [loan.item for loan in model.all_loans()]
        barcodes = [loans[n % len(loans)] for n in range(items)]
        tags = {code: demo_item_tags(model, code) for code in set(barcodes)}
        seen: list[KioskEvent] = []
        done = asyncio.Event()
        async with open_return_station(config) as running:
            chute = running.chute
            assert chute is not None

            def on_event(event: KioskEvent) -> None:
                seen.append(event)
                delivered = sum(isinstance(e, sev.ItemDelivered) for e in seen)
                if delivered >= items:
                    done.set()

            running.station.subscribe(on_event)
            for code in barcodes:
                assert chute.insert(code, tags=[t.copy() for t in tags[code]]) is not None
            await asyncio.wait_for(done.wait(), timeout=items * (time_per_item + 3) + 60)
            in_bins = sum(
                len(running.sorter_simulator.mechanics.bin_items(b.number))  # type: ignore[union-attr]
                for b in running.station.bins.bins.values()
            )
    sorted_at = [e.at for e in seen if isinstance(e, sev.ItemSorted)]
    span = (sorted_at[-1] - sorted_at[0]).total_seconds()
    arrived = {e.sorter_item: e.at for e in seen if isinstance(e, sev.ItemArrived)}
    decided = {e.sorter_item: e.at for e in seen if isinstance(e, sev.ItemRouted)}
    software = sorted(
        (decided[n] - arrived[n]).total_seconds() * 1000 for n in decided if n in arrived
    )
    return {
        "latency_ms": latency_ms,
        "items": items,
        "items_per_hour": round((len(sorted_at) - 1) / span * 3600) if span > 0 else 0,
        "sorter_rated_per_hour": round(3600 / time_per_item) if time_per_item > 0 else 0,
        "software_ms_p50": round(statistics.median(software), 1),
        "software_ms_p95": round(software[int(0.95 * (len(software) - 1))], 1),
        "seconds": round(span, 2),
        "lost": items - in_bins,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per run")
    parser.add_argument("--latency", type=float, nargs="+", default=[150.0], metavar="MS")
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--time-per-item", type=float, default=1.0, metavar="SECONDS")
    args = parser.parse_args(argv)
    if args.items < 2:
        parser.error("--items must be at least 2")
    for latency in args.latency:
        result = asyncio.run(one_run(latency, args.items, args.time_per_item))
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(
                f"latency {latency:g} ms: {result['items_per_hour']} items/h "
                f"(machine {result['sorter_rated_per_hour'] or 'unlimited'}/h; software "
                f"p50 {result['software_ms_p50']} ms, p95 {result['software_ms_p95']} ms per "
                f"item; {result['items']} items in {result['seconds']} s; lost {result['lost']})",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
