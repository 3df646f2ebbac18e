"""Benchmark: a 10-item stack on the pad, from tags down to every item lent and disarmed.

For each library-system latency (the embedded system's latency knob) and SIP2 pool size, one
run: a patron logs in (not timed), borrowing starts, the ten tags are put on the simulated FEIG
reader's pad at once, and the clock stops when the tenth ``ItemBorrowed`` event arrives (every
loan made and every tag's security change verified by reading it back).

Figures:
- ``seconds``: tags on the pad -> all done (wall clock);
- ``overhead_ms_per_item``: the kiosk's own work per item: the CPU time of the kiosk's
  event-loop thread during the run, less what the same kiosk spends idling for as long (pad
  polling, keep-alives; measured for 0.5 s before the stack goes down), divided by the items.
  The library system runs in another thread (``ThreadedACS``) and the simulated reader in its
  own, so their work is not counted; the kiosk core, the SIP2 client and codec, the FEIG
  driver's framing, the tag decoder, journal and statistics calls are. Journal fsyncs run in
  worker threads and count as waiting. ``loop_cpu_ms_per_item`` (idle polling included) and
  ``idle_cpu_ms_per_s`` are printed too.

Usage: ``python bench/stack.py [--json] [--latency 0 50 150] [--pool 1 4] [--reader-timing]
[--baud 38400 115200]``. By default the simulated reader answers at once; ``--reader-timing``
makes it take the time a real FEIG reader needs at each ``--baud`` (default with it: 38400 and
115200; serial line + ISO 15693 air interface), time no connection pool can overlap (one
antenna, one command at a time). The run is the real kiosk: journal (SQLite, WAL, synchronous
FULL) and statistics on disk, the SIP2 client, the FEIG driver over a pty.

With ``--reader-timing`` each setting also prints where the time went (see
``bench/stack_timing.py``: waiting for the first poll, the reader's inventory, reads, security
writes and verification, the reader idle while items waited for the library system, the tail)
and the ratio of the wall time to the air-interface floor for the same work.

Each setting is run ``--repeat`` times (default 3); the median is reported, with the spread
(lowest and highest) of ``seconds``. With ``--json`` each setting prints one JSON object with
the keys ``items``, ``latency_ms``, ``pool``, ``seconds`` and ``overhead_ms_per_item`` (plus
``runs``, ``seconds_min``, ``seconds_max``, ``reader_timing``, ``baud``, and with reader timing
``where`` (seconds by part), ``air_floor_s`` and ``ratio_to_air_floor``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import cast

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.stack_timing import CATEGORIES, TimedReader, TimedSIP2, Timeline, account, air_floor
from drivers.rfid import FeigSimulator
from kiosk.acs import ThreadedACS
from kiosk.assembly import demo_item_tags
from kiosk.core import ItemBorrowed, Kiosk, KioskSettings, SessionStarted, Statistics
from kiosk.core.events import KioskEvent
from kiosk.ils.journal import Journal

ITEMS = [f"30000000{n}" for n in range(11, 21)]
IDLE_SAMPLE_S = 0.5  # how long the idle kiosk is measured before the stack goes down
PATRON, PIN = "2150000001", "1234"
ACCOUNT = "kiosk-bol-hb"
#: The parts of the wall time, in the order they are printed.
WHERE = ("wait_for_first_poll", *CATEGORIES, "reader_idle", "tail")


async def one_run(
    latency_ms: float, pool: int, *, timing: bool, baud: int = 38400
) -> dict[str, object]:
    timeline = Timeline()
    with (
        ThreadedACS(latency_ms=latency_ms) as acs,
        FeigSimulator(timing=timing, baudrate=baud) as sim,
    ):
        login = acs.account(ACCOUNT)
        settings = KioskSettings(branch_code=login.branch)
        tags = [tag for item in ITEMS for tag in demo_item_tags(acs.model, item)]
        ils = TimedSIP2(acs.client_settings(ACCOUNT, pool_size=pool))
        ils.timeline = timeline
        with tempfile.TemporaryDirectory() as state:
            journal = Journal(Path(state) / "journal.db")
            stats = Statistics(Path(state) / "statistics.db")
            async with TimedReader(sim.port, timeline, baudrate=baud) as reader, ils:
                kiosk = Kiosk(
                    ils=ils, reader=reader, settings=settings, journal=journal, statistics=stats
                )
                done: set[str] = set()
                finished = asyncio.Event()
                started = asyncio.Event()

                def on_event(event: KioskEvent) -> None:
                    if isinstance(event, SessionStarted):
                        started.set()
                    elif isinstance(event, ItemBorrowed):
                        done.add(event.item_id)
                        if len(done) == len(ITEMS):
                            finished.set()

                kiosk.subscribe(on_event)
                async with kiosk:
                    await kiosk.identify(PATRON)
                    await kiosk.enter_pin(PIN)
                    await asyncio.wait_for(started.wait(), 30)
                    await kiosk.start_borrow()
                    # The idle cost first: the pad polled with nothing on it, keep-alives.
                    idle_cpu0, idle_wall0 = time.thread_time(), time.perf_counter()
                    await asyncio.sleep(IDLE_SAMPLE_S)
                    idle_rate = (time.thread_time() - idle_cpu0) / (
                        time.perf_counter() - idle_wall0
                    )
                    timeline.clear()
                    cpu0, wall0 = time.thread_time(), time.perf_counter()
                    sim.place(*tags)
                    await asyncio.wait_for(finished.wait(), 120)
                    end = time.perf_counter()
                    wall = end - wall0
                    cpu = time.thread_time() - cpu0
                    await kiosk.end_session()
            journal.close()
            stats.close()
    result: dict[str, object] = {
        "items": len(ITEMS),
        "latency_ms": latency_ms,
        "pool": pool,
        "seconds": round(wall, 3),
        "overhead_ms_per_item": round(max(0.0, cpu - idle_rate * wall) * 1000 / len(ITEMS), 2),
        "loop_cpu_ms_per_item": round(cpu * 1000 / len(ITEMS), 2),
        "idle_cpu_ms_per_s": round(idle_rate * 1000, 2),
        "baud": baud,
    }
    if timing:
        floor = air_floor(tags, settings.security)
        result["where"] = {k: round(v, 4) for k, v in account(timeline, wall0, end).items()}
        result["air_floor_s"] = round(floor, 4)
        result["ratio_to_air_floor"] = round(wall / floor, 2)
    return result


def _median(runs: list[dict[str, object]], key: str) -> float:
    return statistics.median(float(r[key]) for r in runs)  # type: ignore[arg-type]


def summary(runs: list[dict[str, object]], reader_timing: bool) -> dict[str, object]:
    """One setting's runs: medians, and the spread of the wall time."""
    keys = ("seconds", "overhead_ms_per_item", "loop_cpu_ms_per_item", "idle_cpu_ms_per_s")
    result: dict[str, object] = {**runs[0], **{key: _median(runs, key) for key in keys}}
    seconds = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
    result.update(
        runs=len(runs),
        seconds_min=min(seconds),
        seconds_max=max(seconds),
        reader_timing=reader_timing,
    )
    if reader_timing:
        wheres = [cast(dict[str, float], r["where"]) for r in runs]
        result["where"] = {
            key: round(statistics.median(w[key] for w in wheres), 4) for key in wheres[0]
        }
        floor = cast(float, runs[0]["air_floor_s"])
        result["ratio_to_air_floor"] = round(_median(runs, "seconds") / floor, 2)
    return result


def describe(result: dict[str, object]) -> str:
    """Where the time went, one line per part (``--reader-timing`` runs)."""
    where: dict[str, float] = result["where"]  # type: ignore[assignment]
    lines = [f"    {name.replace('_', ' '):<22} {where[name] * 1000:7.1f} ms" for name in WHERE]
    lines.append(
        f"    (library system: {where['library_system_per_loan'] * 1000:.0f} ms per loan, "
        f"{where['library_system_in_flight'] * 1000:.0f} ms with loans in flight; air-interface "
        f"floor {float(result['air_floor_s']) * 1000:.0f} ms, "  # type: ignore[arg-type]
        f"{result['ratio_to_air_floor']}x of it)"
    )
    return "\n".join(lines)


async def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON object per run")
    parser.add_argument("--latency", type=float, nargs="+", default=[0, 50, 150])
    parser.add_argument("--pool", type=int, nargs="+", default=[1, 4])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per setting; the median is reported"
    )
    parser.add_argument(
        "--reader-timing",
        action="store_true",
        help="the simulated reader takes the time of a real one (serial line at --baud + ISO"
        " 15693 air interface); default: it answers at once, so the figures show the kiosk and"
        " the library system",
    )
    parser.add_argument(
        "--baud",
        type=int,
        nargs="+",
        default=None,
        help="the reader's serial speed(s) with --reader-timing (default: 38400 115200)",
    )
    args = parser.parse_args(argv)
    bauds = args.baud or ([38400, 115200] if args.reader_timing else [38400])
    results = []
    for baud in bauds:
        for latency in args.latency:
            for pool in args.pool:
                runs = [
                    await one_run(latency, pool, timing=args.reader_timing, baud=baud)
                    for _ in range(max(1, args.repeat))
                ]
                result = summary(runs, args.reader_timing)
                results.append(result)
                if args.json:
                    print(json.dumps(result), flush=True)
                    continue
                at = f"{baud} baud  " if args.reader_timing else ""
                print(
                    f"{at}latency {latency:5.0f} ms  pool {pool}:  {result['seconds']:6.3f} s "
                    f"({result['seconds_min']:.3f}-{result['seconds_max']:.3f}, "
                    f"{result['runs']} runs)  "
                    f"overhead {result['overhead_ms_per_item']:5.2f} ms/item  "
                    f"(loop CPU {result['loop_cpu_ms_per_item']:5.2f} ms/item, "
                    f"idle {result['idle_cpu_ms_per_s']:4.1f} ms/s)",
                    flush=True,
                )
                if args.reader_timing:
                    print(describe(result), flush=True)
    if not args.json:
        for baud in bauds:
            for latency in args.latency:
                by_pool = {
                    r["pool"]: r["seconds"]
                    for r in results
                    if r["latency_ms"] == latency and r["baud"] == baud
                }
                if 1 in by_pool and 4 in by_pool:
                    ratio = float(by_pool[1]) / float(by_pool[4])  # type: ignore[arg-type]
                    at = f"{baud} baud, " if args.reader_timing else ""
                    print(
                        f"{at}latency {latency:5.0f} ms: pool 4 is {ratio:.1f}x faster than pool 1"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
