"""Benchmark of the embedded library system: ``python -m kiosk.acs.benchmark [--json]``.

Other areas' benchmarks run the kiosk against this server with 150 ms of added latency; their
figures mean something only if the server itself costs next to nothing. This prints:

* server-side CPU time per message (decode + circulation + encode, no sockets) for the messages a
  kiosk sends most: checkout, checkin (with routing), patron information, item information;
* round trips per second over loopback with the kiosk's own client (pool 1 and pool 4);
* what a request costs with the 150 ms latency knob on (knob fidelity).

Figures only, never assertions: run it on the target machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import time
from typing import Any

from kiosk import sip2
from kiosk.acs.embedded import EmbeddedACS
from kiosk.acs.faults import Faults
from kiosk.acs.model import ConsortiumModel
from kiosk.acs.protocol import Responder, Session

STACK = [f"30000000{n:02d}" for n in range(11, 31)]
PATRON = "2150000011"


def server_side(rounds: int) -> dict[str, float]:
    """Milliseconds per message inside the server: decode, respond, encode."""
    model = ConsortiumModel.open()
    responder = Responder(model, Faults())
    session = Session()
    responder.respond(sip2.Login(fields={"CN": "kiosk-bol-hb", "CO": "pw-bol-hb"}), session)

    def frame(message: sip2.Message) -> bytes:
        return sip2.encode(message, sequence=1)

    def cost(frames: list[bytes]) -> float:
        # CPU time of this process: the figure should not depend on other load on the machine
        started = time.process_time()
        for wire in frames:
            request = sip2.decode(wire).message
            sip2.encode(responder.respond(request, session), sequence=1)
        return (time.process_time() - started) * 1000 / len(frames)

    figures: dict[str, list[float]] = {
        "checkout": [],
        "checkin": [],
        "patron_information": [],
        "item_information": [],
    }
    for _ in range(rounds):
        figures["checkout"].append(
            cost(
                [
                    frame(
                        sip2.Checkout(
                            nb_due_date=None, fields={"AO": "", "AA": PATRON, "AB": item, "AC": ""}
                        )
                    )
                    for item in STACK
                ]
            )
        )
        figures["checkin"].append(
            cost(
                [
                    frame(
                        sip2.Checkin(
                            return_date=None, fields={"AP": "", "AO": "", "AB": item, "AC": ""}
                        )
                    )
                    for item in STACK
                ]
            )
        )
        figures["patron_information"].append(
            cost(
                [
                    frame(
                        sip2.PatronInformation(
                            summary="  Y       ", fields={"AO": "", "AA": "2150000001", "AC": ""}
                        )
                    )
                ]
                * 20
            )
        )
        figures["item_information"].append(
            cost([frame(sip2.ItemInformation(fields={"AO": "", "AB": item})) for item in STACK])
        )
    model.close()
    return {name: statistics.median(values) for name, values in figures.items()}


async def round_trips(requests: int, pool: int, latency_ms: float = 0.0) -> dict[str, float]:
    async with EmbeddedACS(latency_ms=latency_ms) as acs:
        settings = sip2.ClientSettings(
            host=acs.host,
            port=acs.port,
            user="kiosk-bol-hb",
            password="pw-bol-hb",
            pool_size=pool,
            timeout=10,
        )
        async with sip2.SIP2Client(settings) as client:
            message = sip2.ItemInformation(fields={"AO": "", "AB": STACK[0]})
            started = time.perf_counter()
            await asyncio.gather(*(client.request(message) for _ in range(requests)))
            elapsed = time.perf_counter() - started
    return {
        "requests": requests,
        "pool": pool,
        "latency_ms": latency_ms,
        "per_second": requests / elapsed,
        "ms_per_request": elapsed * 1000 / requests,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m kiosk.acs.benchmark", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per figure")
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args(argv)
    results: list[dict[str, Any]] = []
    for name, ms in server_side(args.rounds).items():
        results.append({"figure": "server_ms_per_message", "message": name, "ms": round(ms, 3)})
    for pool in (1, 4):
        figure = asyncio.run(round_trips(2000, pool))
        results.append(
            {"figure": "loopback_round_trips", **{k: round(v, 3) for k, v in figure.items()}}
        )
    figure = asyncio.run(round_trips(20, 1, latency_ms=150))
    results.append({"figure": "latency_knob_150ms", **{k: round(v, 3) for k, v in figure.items()}})
    for result in results:
        if args.json:
            print(json.dumps(result))
        else:
            print("  ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
