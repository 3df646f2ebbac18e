"""Benchmark: the FOLIO adapter against the SIP2 adapter, one kiosk's work, over loopback.

The embedded library system runs in its own process (``kiosk acs --port P --folio-port F``:
one consortium model behind both faces), so its work does not count against the adapters.
Each adapter does what a kiosk does for one patron, measured in interleaved rounds (this
machine is shared) and reported as the median and best round, in milliseconds:

* ``patron``: validate a card and PIN (FOLIO: user lookup, then PIN, blocks and fees in parallel);
* ``account``: the patron plus loans, holds and fees;
* ``stack of 10``: ten check-outs in parallel (SIP2: a pool of 4 connections; FOLIO: one HTTP
  client) and the ten check-ins that undo them.

Prints figures only. Run: ``.venv/bin/python bench/folio.py [--rounds 7] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.acs.folio_api import DEFAULT_TENANT, FolioServer  # noqa: E402
from kiosk.ils.folio import FolioLibrarySystem, FolioOptions  # noqa: E402
from kiosk.ils.folio_http import FolioConnectionSettings  # noqa: E402
from kiosk.ils.port import LibrarySystem, LoanRequest, ReturnRequest  # noqa: E402
from kiosk.ils.sip2 import SIP2LibrarySystem  # noqa: E402
from kiosk.sip2.client import ClientSettings  # noqa: E402

PATRON, PIN = "2150000001", "1234"
STACK = [f"30000000{n}" for n in range(11, 21)]
LOGIN, PASSWORD, BRANCH = "kiosk-bol-hb", "pw-bol-hb", "BOL-HB"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def library_system_process() -> object:
    sip2_port, folio_port = free_port(), free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "acs", "--port", str(sip2_port), "--folio-port",
         str(folio_port)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        for _ in range(2):  # the SIP2 line, then the FOLIO line
            line = process.stdout.readline()
            if not line:
                raise RuntimeError("kiosk acs did not start")
        yield sip2_port, folio_port
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.asynccontextmanager
async def adapters(sip2_port: int, folio_port: int) -> AsyncIterator[dict[str, LibrarySystem]]:
    sip2 = SIP2LibrarySystem(
        ClientSettings(host="127.0.0.1", port=sip2_port, user=LOGIN, password=PASSWORD, pool_size=4)
    )
    folio = FolioLibrarySystem(
        FolioConnectionSettings(
            base_url=f"http://127.0.0.1:{folio_port}",
            tenant=DEFAULT_TENANT,
            username=LOGIN,
            password=PASSWORD,
        ),
        FolioOptions(service_point_id=FolioServer.service_point_id(BRANCH)),
    )
    async with sip2, folio:
        yield {"sip2": sip2, "folio": folio}


async def stack_round(ils: LibrarySystem) -> None:
    lent = await asyncio.gather(
        *(ils.checkout(LoanRequest(patron_id=PATRON, item_id=item)) for item in STACK)
    )
    assert all(result.ok for result in lent), [r.messages for r in lent if not r.ok]
    returned = await asyncio.gather(*(ils.checkin(ReturnRequest(item_id=item)) for item in STACK))
    assert all(result.ok for result in returned)


async def measure(rounds: int, sip2_port: int, folio_port: int) -> dict[str, dict[str, float]]:
    work: dict[str, Callable[[LibrarySystem], Awaitable[object]]] = {
        "patron": lambda ils: ils.patron(PATRON, PIN),
        "account": lambda ils: ils.account(PATRON, PIN),
        "stack of 10": stack_round,
    }
    times: dict[tuple[str, str], list[float]] = {}
    async with adapters(sip2_port, folio_port) as ports:
        for _ in range(rounds + 1):  # the first round warms up connections and caches
            for task, run in work.items():
                for name, ils in ports.items():
                    start = time.perf_counter()
                    await run(ils)
                    times.setdefault((task, name), []).append(time.perf_counter() - start)
    return {
        f"{task} ({name})": {
            "median_ms": round(statistics.median(samples[1:]) * 1000, 2),
            "best_ms": round(min(samples[1:]) * 1000, 2),
        }
        for (task, name), samples in times.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args()
    with library_system_process() as (sip2_port, folio_port):
        figures = asyncio.run(measure(args.rounds, sip2_port, folio_port))
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"{'operation':28} {'median ms':>10} {'best ms':>10}")
    for name, values in figures.items():
        print(f"{name:28} {values['median_ms']:>10.2f} {values['best_ms']:>10.2f}")


if __name__ == "__main__":
    main()
