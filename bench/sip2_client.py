"""Benchmark: the SIP2 client over loopback — round trips per second and overhead per transaction.

A canned-reply ACS runs in a separate process (so its work does not count against the client):
it answers each request with prepared bytes carrying the request's own AY sequence number.
Measured, interleaved and best of several rounds (this machine is shared):

* ``raw``: a bare asyncio socket writing the same requests as prepared bytes and reading to
  the CR — the floor any client pays for the loopback round trip and the event loop;
* ``SIP2Client``: real transactions (build the request with ``client.make``, encode, send,
  frame, decode, check AY/AZ, latency bookkeeping) on one connection, and on a pool of 4.

The client's overhead per transaction is the difference between the two on one connection.
Prints figures only. Run: ``.venv/bin/python bench/sip2_client.py [--count 2000] [--rounds 5]``
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from kiosk import sip2

WHEN = datetime(2026, 11, 22, 10, 15, 30)
AO, PATRON, ITEM = "SE-BOL", "2150000001", "3000000101"


def canned_replies() -> dict[str, list[bytes]]:
    """The reply bytes for every request code the benchmark sends, for every sequence 0-9."""
    replies = {
        "93": sip2.LoginResponse(ok=True),
        "99": sip2.ACSStatus(date_time_sync=WHEN, timeout_period=600, institution_id=AO,
                             supported_messages="Y" * 16, library_name="Bollnäs bibliotek"),
        "63": sip2.PatronInformationResponse(
            transaction_date=WHEN, language="006", charged_items_count=2, institution_id=AO,
            patron_identifier=PATRON, personal_name="Åsa Öberg", valid_patron="Y",
            valid_patron_password="Y", charged_items=["3000000001", "3000000002"]),
        "11": sip2.CheckoutResponse(ok=True, desensitize=True, magnetic_media=False,
                                    transaction_date=WHEN, institution_id=AO,
                                    patron_identifier=PATRON, item_identifier=ITEM,
                                    title_identifier="Pippi Långstrump",
                                    due_date="20261220    235900"),
        "09": sip2.CheckinResponse(ok=True, resensitize=True, magnetic_media=False, alert=False,
                                   transaction_date=WHEN, institution_id=AO, item_identifier=ITEM,
                                   permanent_location="BOL-HB", title_identifier="Pippi",
                                   sort_bin="2"),
    }  # fmt: skip
    return {
        code: [sip2.encode(message, sequence=n) for n in range(10)]
        for code, message in replies.items()
    }


def serve(port_pipe: multiprocessing.connection.Connection) -> None:
    """The canned-reply ACS (runs in its own process)."""
    replies = canned_replies()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        framer = sip2.Framer()
        while data := await reader.read(65536):
            for frame in framer.feed(data):
                sequence = frame[-7] - 48 if frame[-9:-7] == b"AY" else 0
                writer.write(replies[frame[:2].decode()][sequence])
        writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port_pipe.send(server.sockets[0].getsockname()[1])
        await server.serve_forever()

    asyncio.run(main())


async def raw_round_trips(port: int, count: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``count`` bare round trips of the same request mix."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = [
        sip2.encode(sip2.PatronInformation(transaction_date=WHEN, institution_id=AO,
                                           patron_identifier=PATRON), sequence=0),
        sip2.encode(sip2.Checkout(transaction_date=WHEN, nb_due_date=WHEN, institution_id=AO,
                                  patron_identifier=PATRON, item_identifier=ITEM), sequence=1),
        *[sip2.encode(sip2.Checkin(transaction_date=WHEN, return_date=WHEN,
                                   current_location="BOL-HB", institution_id=AO,
                                   item_identifier=ITEM), sequence=n) for n in (2, 3)],
    ]  # fmt: skip
    started, cpu = time.perf_counter(), time.process_time()
    for n in range(count):
        writer.write(requests[n % 4])
        await reader.readuntil(b"\r")
    elapsed = time.perf_counter() - started, time.process_time() - cpu
    writer.close()
    return elapsed


def transaction(client: sip2.SIP2Client, n: int) -> Awaitable[sip2.Message]:
    kind = n % 4
    if kind == 0:
        return client.request(client.make(sip2.PatronInformation, patron_identifier=PATRON))
    if kind == 1:
        request = client.make(sip2.Checkout, patron_identifier=PATRON, item_identifier=ITEM)
        return client.request(request)
    return client.request(client.make(sip2.Checkin, item_identifier=ITEM))


async def client_round_trips(port: int, count: int, pool: int) -> tuple[float, float]:
    """Wall and CPU seconds for ``count`` transactions through SIP2Client (``pool`` conns)."""
    settings = sip2.ClientSettings(
        host="127.0.0.1", port=port, user="bench", password="pw", location_code="BOL-HB",
        institution_id=AO, pool_size=pool, keepalive=3600.0,
    )  # fmt: skip
    async with sip2.SIP2Client(settings) as client:
        started, cpu = time.perf_counter(), time.process_time()
        if pool == 1:
            for n in range(count):
                await transaction(client, n)
        else:
            await asyncio.gather(*(transaction(client, n) for n in range(count)))
        return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="round trips per run")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved runs (best counts)")
    args = parser.parse_args()

    receiver, sender = multiprocessing.Pipe(duplex=False)
    acs = multiprocessing.Process(target=serve, args=(sender,), daemon=True)
    acs.start()
    port = receiver.recv()
    runs: dict[str, Callable[[], Awaitable[tuple[float, float]]]] = {
        "raw socket, 1 connection": lambda: raw_round_trips(port, args.count),
        "SIP2Client, 1 connection": lambda: client_round_trips(port, args.count, 1),
        "SIP2Client, pool of 4": lambda: client_round_trips(port, args.count, 4),
    }
    wall = dict.fromkeys(runs, float("inf"))
    cpu = dict.fromkeys(runs, float("inf"))
    try:
        for _ in range(args.rounds):
            for name, run in runs.items():
                seconds, cpu_seconds = asyncio.run(run())
                wall[name] = min(wall[name], seconds)
                cpu[name] = min(cpu[name], cpu_seconds)
    finally:
        acs.terminate()
    n = args.count
    print(f"SIP2 client benchmark over loopback: {n} transactions per run "
          f"(patron information, checkout, check-in), best of {args.rounds} runs")  # fmt: skip
    print(
        f"  {'':26s} {'round trips/s':>13s} {'wall/transaction':>17s}"
        f" {'client CPU/transaction':>23s}"
    )
    for name in runs:
        print(f"  {name:26s} {n / wall[name]:>13,.0f} {1000 * wall[name] / n:>14.3f} ms"
              f" {1000 * cpu[name] / n:>20.3f} ms")  # fmt: skip
    one, raw = "SIP2Client, 1 connection", "raw socket, 1 connection"
    print(f"\nclient overhead per transaction (SIP2Client minus raw socket): "
          f"{1000 * (wall[one] - wall[raw]) / n:.3f} ms wall, "
          f"{1000 * (cpu[one] - cpu[raw]) / n:.3f} ms CPU")  # fmt: skip


if __name__ == "__main__":
    main()
