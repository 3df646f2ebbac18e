"""Driver benchmarks: tag decoding rate, and a 10-tag stack through the simulated FEIG reader.

    .venv/bin/python bench/drivers.py [--runs 5] [--json]

1. Tags decoded per second (Danish model in both block orders, ISO 28560-2), pure CPU.
2. Inventory + read of a 10-tag stack through the real FEIG driver and the simulated reader on
   a pty, with the simulator's timing on: every reply waits for its 8E1 serial time at the baud
   rate and the ISO 15693 air time of its tag traffic (see drivers/rfid/timing.py). Compared with
   the air-interface limit for the same data: the time the tag traffic alone needs at
   26.48 kbit/s, i.e. what no reader can beat.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from pathlib import Path

# This file is called drivers.py: run as a script, its folder would shadow the drivers package.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

from drivers.rfid import FeigReader, FeigSimulator, tag_for_item, timing  # noqa: E402
from drivers.tags import ItemTag, TagModel, decode, encode  # noqa: E402

READ_BLOCKS = 9  # the Danish model's fixed part: bytes 0-35


def decode_rates(seconds: float = 1.0) -> dict[str, float]:
    item = ItemTag("3700123456", "SE-Hud", parts=2, part_number=1)
    samples = {
        "danish": (encode(item, memory_size=112), 0x00),
        "danish-reversed": (encode(item, memory_size=112, block_order="reversed"), 0x00),
        "iso28560-2": (encode(item, TagModel.ISO28560_2, memory_size=112), 0x06),
    }
    rates: dict[str, float] = {}
    for name, (memory, dsfid) in samples.items():
        assert decode(memory, dsfid).ok
        count = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            for _ in range(200):
                decode(memory, dsfid)
            count += 200
        rates[name] = count / elapsed
    return rates


async def stack_run(baudrate: int, tags: int, blocks: int) -> float:
    stack = [tag_for_item(f"3700{i:06d}", "SE-Hud") for i in range(tags)]
    with FeigSimulator(timing=True, baudrate=baudrate) as sim:
        sim.place(*stack)
        async with FeigReader(sim.port, baudrate=baudrate) as reader:
            start = time.perf_counter()
            found = await reader.inventory()
            for info in found:
                memory = await reader.read_blocks(info.uid, 0, blocks)
                assert decode(memory, info.dsfid).ok
            elapsed = time.perf_counter() - start
            assert len(found) == tags
    return elapsed


def air_limit(tags: int, blocks: int) -> float:
    stack = [tag_for_item(f"3700{i:06d}", "SE-Hud") for i in range(tags)]
    return timing.inventory_air_seconds(t.uid for t in stack) + tags * timing.read_air_seconds(
        blocks
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    args = parser.parse_args()

    rates = decode_rates()
    results: list[dict[str, object]] = [
        {"figure": "tags_decoded_per_second", "model": name, "value": round(rate)}
        for name, rate in rates.items()
    ]
    for baudrate in (38400, 115200):
        for blocks in (READ_BLOCKS, 28):
            runs = [asyncio.run(stack_run(baudrate, 10, blocks)) for _ in range(args.runs)]
            limit = air_limit(10, blocks)
            results.append(
                {
                    "figure": "stack_inventory_and_read",
                    "tags": 10,
                    "blocks_per_tag": blocks,
                    "baudrate": baudrate,
                    "median_seconds": round(statistics.median(runs), 4),
                    "air_limit_seconds": round(limit, 4),
                    "ratio_to_air_limit": round(statistics.median(runs) / limit, 2),
                }
            )
    if args.json:
        for result in results:
            print(json.dumps(result))
        return 0
    print("Tags decoded per second (one core):")
    for result in results[:3]:
        print(f"  {result['model']:<16} {result['value']:>10,}")
    print(f"\n10-tag stack, inventory + read, simulated FEIG reader, median of {args.runs} runs:")
    print("  baud    blocks/tag  measured s  air limit s  ratio")
    for result in results[3:]:
        print(
            f"  {result['baudrate']:<7} {result['blocks_per_tag']:>10}  "
            f"{result['median_seconds']:>10.3f}  {result['air_limit_seconds']:>11.3f}  "
            f"{result['ratio_to_air_limit']:>5}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
