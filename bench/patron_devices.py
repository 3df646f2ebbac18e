"""Patron-device benchmarks: PC/SC card events through real pcscd, scanners, receipt printing.

    .venv/bin/python bench/patron_devices.py [--cycles 10] [--json]

1. Card reader: a virtual card (vpcd protocol) put on and taken off a reader of a private pcscd;
   time from insert to the driver's "inserted" event (UID read with GET DATA included) and from
   removal to "removed"; and the round trip of one GET DATA APDU through pcscd.
2. Serial scanner over a pty: time from the scanner's last byte to the barcode event.
3. HID scanner: key events decoded per second (pure CPU).
4. Receipt printer: receipts encoded per second; status request (DLE EOT 1, 2, 4) round trip
   and a whole print over a pty with the fake printer; the bytes of a receipt and their wire time
   at 38400 baud (8N1); a simulated print with PNG rendering.
Prints figures only; no assertions.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
import tty
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parent.parent)

from drivers.cards import PcscCardReader, PcscDaemon, SerialBarcodeScanner  # noqa: E402
from drivers.cards.keymap import EV_KEY, KeyDecoder  # noqa: E402
from drivers.printer import (  # noqa: E402
    Document,
    EscPosDevice,
    EscPosPrinter,
    Line,
    PtyPrinter,
    SerialTransport,
    SimulatedPrinter,
    encode_document,
    printer_model,
)

RECEIPT = Document(
    [Line("Söderhamns stadsbibliotek", bold=True, size="large", align="center")]
    + [Line(f"{n}. Smørrebrød på Ærø – Åsa Öberg, åter 2026-12-{n + 10:02d}") for n in range(10)]
    + [Line("Tack för besöket!", align="center")],
    barcode="31234000123",
)


def ms(values: list[float]) -> dict[str, float]:
    return {
        "median_ms": round(statistics.median(values) * 1000, 2),
        "max_ms": round(max(values) * 1000, 2),
    }


async def bench_pcsc(cycles: int) -> dict[str, object]:
    from smartcard import scard

    daemon = PcscDaemon()
    daemon.start()
    try:
        reader = PcscCardReader("Virtual PCD 00 00")
        await reader.open()
        events = reader.events()
        inserted, removed = [], []
        for n in range(cycles):
            card = daemon.card(bytes([0x04, n, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5]))
            start = time.perf_counter()
            await asyncio.to_thread(card.insert)
            await asyncio.wait_for(anext(events), 10)
            inserted.append(time.perf_counter() - start)
            start = time.perf_counter()
            await asyncio.to_thread(card.remove)
            await asyncio.wait_for(anext(events), 10)
            removed.append(time.perf_counter() - start)
        await reader.close()
        with daemon.card(b"\x04\x01\x02\x03\x04\x05\x06"):
            await asyncio.sleep(1.0)
            _, context = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
            _, card, protocol = scard.SCardConnect(
                context, daemon.reader_names[0], scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T1
            )
            apdu = []
            for _ in range(cycles * 5):
                start = time.perf_counter()
                scard.SCardTransmit(card, protocol, [0xFF, 0xCA, 0, 0, 0])
                apdu.append(time.perf_counter() - start)
            scard.SCardDisconnect(card, scard.SCARD_LEAVE_CARD)
            scard.SCardReleaseContext(context)
    finally:
        daemon.stop()
    return {"insert_to_event": ms(inserted), "remove_to_event": ms(removed), "get_data": ms(apdu)}


async def bench_serial_scanner(cycles: int) -> dict[str, object]:
    master, slave = os.openpty()
    tty.setraw(slave)
    scanner = SerialBarcodeScanner(os.ttyname(slave), terminator="CR")
    await scanner.open()
    barcodes = scanner.barcodes()
    latency = []
    try:
        for n in range(cycles * 5):
            start = time.perf_counter()
            os.write(master, f"3123400{n:04d}\r".encode())
            await asyncio.wait_for(anext(barcodes), 5)
            latency.append(time.perf_counter() - start)
    finally:
        await scanner.close()
        for fd in (master, slave):
            os.close(fd)
    return {"last_byte_to_event": ms(latency)}


def bench_hid_decoder() -> dict[str, object]:
    decoder = KeyDecoder("sv")
    events = [(EV_KEY, code, value) for code in (2, 3, 4, 5, 6, 26, 39, 40) for value in (1, 0)]
    events += [(EV_KEY, 28, 1), (EV_KEY, 28, 0)]
    rounds = 20000
    start = time.perf_counter()
    for _ in range(rounds):
        for event in events:
            decoder.feed(*event)
    elapsed = time.perf_counter() - start
    return {"key_events_per_s": round(rounds * len(events) / elapsed)}


async def bench_printer(cycles: int) -> dict[str, object]:
    model = printer_model("TM-T20II")
    data = encode_document(RECEIPT, model)
    rounds = 2000
    start = time.perf_counter()
    for _ in range(rounds):
        encode_document(RECEIPT, model)
    encode_rate = rounds / (time.perf_counter() - start)
    status, prints = [], []
    with PtyPrinter(EscPosDevice("TM-T20II")) as pty:
        async with EscPosPrinter(SerialTransport(pty.path), model="TM-T20II") as printer:
            for _ in range(cycles):
                start = time.perf_counter()
                await printer.status()
                status.append(time.perf_counter() - start)
                start = time.perf_counter()
                await printer.print_document(RECEIPT)
                prints.append(time.perf_counter() - start)
    simulated = []
    with tempfile.TemporaryDirectory() as folder:
        async with SimulatedPrinter(folder, model="TM-T20II") as printer:
            for _ in range(cycles):
                start = time.perf_counter()
                await printer.print_document(RECEIPT)
                simulated.append(time.perf_counter() - start)
    return {
        "receipts_encoded_per_s": round(encode_rate),
        "receipt_bytes": len(data),
        "receipt_wire_ms_at_38400_baud": round(len(data) * 10 / 38400 * 1000, 1),
        "status_round_trip_pty": ms(status),
        "print_with_status_checks_pty": ms(prints),
        "simulated_print_with_png": ms(simulated),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    results: dict[str, object] = {}
    with contextlib.suppress(Exception):
        results["pcsc"] = await bench_pcsc(args.cycles)
    results.setdefault("pcsc", "pcscd could not be started here")
    results["serial_scanner"] = await bench_serial_scanner(args.cycles)
    results["hid_scanner"] = bench_hid_decoder()
    results["printer"] = await bench_printer(args.cycles)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    for section, figures in results.items():
        print(f"{section}:")
        if isinstance(figures, dict):
            for name, value in figures.items():
                print(f"  {name}: {value}")
        else:
            print(f"  {figures}")


if __name__ == "__main__":
    asyncio.run(main())
