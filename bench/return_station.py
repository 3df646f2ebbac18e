"""Benchmark: the return station's throughput, items per hour, with the simulated sorter.

For each library-system latency (the embedded library system's latency knob, on its own thread
as a remote server would be), runs of the real station from ``open_return_station``: the
FEIG reader simulator with real serial and air timing, the real FEIG driver, SIP2 to the
library system, journal and ledger on disk (SQLite, synchronous FULL), the sorter simulator
(mechanics + PLC program + Modbus TCP server) and the real Modbus driver. ``--items`` demo loans
are dropped into the slot at once (the slot lets them in one by one, as a patron feeding the
wall slot quickly would) and the clock runs from the first item sent on to its bin to the last
one (steady state: ``(items - 1)`` items over that time).

The machine (``--machine``):

- ``conveyor`` (default): a belt that does not stop for items. It lets one item on per
  ``--time-per-item`` seconds (0.2 s: an 18,000/h machine), 0.3 s from the slot to the read
  position; each item is in the reader's field for ``--read-zone`` seconds (0.8) and reaches the
  diverter ``--deadline`` seconds (1.5) after the read position: an item whose bin is not known
  by then goes on to the exception bin, counted as late. While one item is checked in, the next
  is read and the one before travels to its bin.
- ``stop-and-go``: each item waits at the read position until the station sends it to its bin;
  the diverter takes one item per ``--time-per-item`` seconds.

Both: 2.0 s from the diverter (or the read position) to the bin.

Figures per setting (the median of ``--repeat`` runs, default 3, with the lowest and highest
items/h):
- ``items_per_hour``: the station's throughput;
- ``sorter_rated_per_hour``: the machine's limit (3600 / time per item; 0 for an unlimited one);
- ``late``: items that went to the exception bin because their bin was not known in time
  (``late_percent`` of all);
- ``software_ms_p50`` / ``software_ms_p95``: per item, from the sorter reporting it at the read
  position to the bin decided (identify, check in over SIP2, re-arm and verify, journal, rules);
- ``lost``: items that did not end up in a bin (must be 0).

Usage: ``python bench/return_station.py [--json] [--latency 0 150 300] [--items 60]
[--time-per-item 0.2] [--machine conveyor|stop-and-go] [--deadline 1.5] [--read-zone 0.8]
[--pool 1] [--repeat 3]``. With ``--json`` each setting prints one JSON object with the keys
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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Machine:
    """The simulated machine of a run (see the module docs)."""

    time_per_item: float = 0.2
    conveyor: bool = True
    deadline: float = 1.5
    read_zone: float = 0.8

    @property
    def knobs(self) -> dict[str, float | int | None]:
        return {
            "time_per_item_s": self.time_per_item,
            "feed_s": 0.3,
            "travel_s": 2.0,
            "bin_capacity": 10_000,
            "divert_deadline_s": self.deadline if self.conveyor else None,
            "read_zone_s": self.read_zone,
        }


def station_config(state_dir: str, host: str, port: int, machine: Machine, pool: int) -> Any:
    data = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    data["kiosk"]["state_dir"] = state_dir
    sip2 = {**data["ils"]["sip2"], "host": host, "port": port, "pool_size": pool}
    data["ils"] = {"embedded": False, "sip2": sip2}
    data["hardware"]["sorter"]["simulator"] = machine.knobs
    for bin_ in data["return_station"]["bins"]:
        bin_["capacity"] = 10_000  # the benchmark measures flow, not emptying bins
    data["health"] = {"enabled": False}
    data["logging"] = {"level": "warning"}
    return validate_config(data, base_dir=CONFIG_DIR, env={})


async def one_run(latency_ms: float, items: int, machine: Machine, pool: int) -> dict[str, Any]:
    with ThreadedACS(latency_ms=latency_ms) as acs, tempfile.TemporaryDirectory() as state:
        config = station_config(state, acs.host, acs.port, machine, pool)
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
            await asyncio.wait_for(done.wait(), timeout=items * (machine.time_per_item + 3) + 60)
            in_bins = sum(
                len(running.sorter_simulator.mechanics.bin_items(b.number))  # type: ignore[union-attr]
                for b in running.station.bins.bins.values()
            )
    sorted_events = [e for e in seen if isinstance(e, sev.ItemSorted)]
    sorted_at = [e.at for e in sorted_events]
    span = (sorted_at[-1] - sorted_at[0]).total_seconds()
    late = sum(1 for e in sorted_events if e.late)
    time_per_item = machine.time_per_item
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
        "late": late,
        "late_percent": round(100 * late / items, 2),
        "lost": items - in_bins,
        "machine": "conveyor" if machine.conveyor else "stop-and-go",
        "pool": pool,
    }


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One setting's runs: the median run by items/h, with the spread and the worst counts."""
    ordered = sorted(runs, key=lambda r: r["items_per_hour"])
    result = dict(ordered[len(ordered) // 2])
    result.update(
        runs=len(runs),
        items_per_hour_min=ordered[0]["items_per_hour"],
        items_per_hour_max=ordered[-1]["items_per_hour"],
        late_max=max(r["late"] for r in runs),
        lost_max=max(r["lost"] for r in runs),
    )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per setting")
    parser.add_argument("--latency", type=float, nargs="+", default=[150.0], metavar="MS")
    parser.add_argument("--items", type=int, default=60)
    parser.add_argument("--time-per-item", type=float, default=0.2, metavar="SECONDS")
    parser.add_argument("--machine", choices=["conveyor", "stop-and-go"], default="conveyor")
    parser.add_argument("--deadline", type=float, default=1.5, metavar="SECONDS")
    parser.add_argument("--read-zone", type=float, default=0.8, metavar="SECONDS")
    parser.add_argument("--pool", type=int, default=1, help="SIP2 connections")
    parser.add_argument("--repeat", type=int, default=3, help="runs per setting (median)")
    args = parser.parse_args(argv)
    if args.items < 2:
        parser.error("--items must be at least 2")
    machine = Machine(
        time_per_item=args.time_per_item,
        conveyor=args.machine == "conveyor",
        deadline=args.deadline,
        read_zone=args.read_zone,
    )
    for latency in args.latency:
        runs = [
            asyncio.run(one_run(latency, args.items, machine, args.pool))
            for _ in range(max(1, args.repeat))
        ]
        result = summary(runs)
        if args.json:
            print(json.dumps(result), flush=True)
        else:
            print(
                f"latency {latency:g} ms, {result['machine']}: {result['items_per_hour']} items/h "
                f"({result['items_per_hour_min']}-{result['items_per_hour_max']}, "
                f"{result['runs']} runs; machine {result['sorter_rated_per_hour'] or 'unlimited'}"
                f"/h); late to the exceptions {result['late']} ({result['late_percent']} %, "
                f"at most {result['late_max']}); lost {result['lost_max']}; software "
                f"p50 {result['software_ms_p50']} ms, p95 {result['software_ms_p95']} ms per "
                f"item; {result['items']} items in {result['seconds']} s",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
