"""The simulated card reader and scanner behave like the real drivers' contracts."""

from __future__ import annotations

import asyncio
import threading

import pytest

from drivers.cards import (
    CardEvent,
    DeviceError,
    ReaderNotFoundError,
    SimulatedBarcodeScanner,
    SimulatedCardReader,
    mask_uid,
)


async def test_presented_cards_arrive_as_insert_and_remove_events() -> None:
    reader = SimulatedCardReader("Desk reader")
    await reader.open()
    events = reader.events()
    reader.present(b"\x04\x11\x22\x33")
    reader.present(b"\x04\x44\x55\x66")  # a second card replaces the first
    reader.take_away()
    reader.take_away()  # nothing left: no event
    got = [await asyncio.wait_for(anext(events), 1) for _ in range(4)]
    assert got == [
        CardEvent("inserted", "Desk reader", b"\x04\x11\x22\x33"),
        CardEvent("removed", "Desk reader", None),
        CardEvent("inserted", "Desk reader", b"\x04\x44\x55\x66"),
        CardEvent("removed", "Desk reader", None),
    ]
    await reader.close()
    with pytest.raises(StopAsyncIteration):
        await anext(events)


async def test_cards_can_be_presented_from_another_thread() -> None:
    reader = SimulatedCardReader()
    await reader.open()
    thread = threading.Thread(target=reader.present, args=(b"\x01\x02",))
    thread.start()
    event = await asyncio.wait_for(anext(reader.events()), 1)
    thread.join()
    assert event.uid == b"\x01\x02"


async def test_fault_knobs_give_the_same_errors_as_real_hardware() -> None:
    reader = SimulatedCardReader()
    await reader.open()
    events = reader.events()
    reader.present_unreadable()
    assert (await anext(events)).error == "card answered 6A81: GET DATA not supported"
    reader.unplug()
    with pytest.raises(ReaderNotFoundError, match="was unplugged"):
        await anext(events)


async def test_scanned_barcodes_arrive_in_order() -> None:
    scanner = SimulatedBarcodeScanner()
    await scanner.open()
    for code in ("31234000123", "2000"):
        scanner.scan(code)
    barcodes = scanner.barcodes()
    assert [await anext(barcodes), await anext(barcodes)] == ["31234000123", "2000"]
    scanner.unplug()
    with pytest.raises(DeviceError):
        await anext(barcodes)


async def test_devices_must_be_opened_first() -> None:
    with pytest.raises(DeviceError, match="is not open"):
        SimulatedBarcodeScanner().scan("1")


def test_card_numbers_are_masked_for_logs() -> None:
    assert mask_uid(bytes.fromhex("04A1B2C3D4E5F6")) == "…E5F6"
    assert mask_uid(None) == "<none>"


def test_a_card_event_printed_in_a_log_shows_no_full_card_number() -> None:
    event = CardEvent("inserted", "Desk reader", bytes.fromhex("04A1B2C3D4E5F6"))
    assert repr(event) == "CardEvent(kind='inserted', reader='Desk reader', uid='…E5F6')"
    assert f"{event}" == repr(event)
