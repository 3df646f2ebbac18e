"""The PC/SC card reader driver against real pcscd, with a virtual card on vpcd."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

import pytest

from drivers.cards import (
    CardEvent,
    PcscCardReader,
    PcscDaemon,
    ReaderNotFoundError,
    list_reader_names,
)

UID = bytes.fromhex("04A1B2C3D4E5F6")
WAIT = 10.0  # pcscd polls vpcd about every 0.4 s; this is only an upper bound


async def next_event(events: AsyncIterator[CardEvent]) -> CardEvent:
    return await asyncio.wait_for(anext(events), WAIT)


@pytest.fixture
async def reader(pcscd: PcscDaemon) -> AsyncIterator[PcscCardReader]:
    reader = PcscCardReader("virtual pcd 00 00")  # a pattern, case-insensitive
    await reader.open()
    yield reader
    await reader.close()


def test_pcscd_shows_both_virtual_readers(pcscd: PcscDaemon) -> None:
    assert list_reader_names() == list(pcscd.reader_names)


async def test_a_card_is_reported_with_its_uid_and_then_its_removal(
    pcscd: PcscDaemon, reader: PcscCardReader
) -> None:
    events = reader.events()
    card = pcscd.card(UID)
    await asyncio.to_thread(card.insert)
    try:
        assert await next_event(events) == CardEvent("inserted", "Virtual PCD 00 00", UID)
    finally:
        await asyncio.to_thread(card.remove)
    assert await next_event(events) == CardEvent("removed", "Virtual PCD 00 00", None)
    assert b"\xff\xca\x00\x00\x00" in card.apdus  # the UID came from PC/SC GET DATA


async def test_cards_coming_and_going_are_reported_in_order(
    pcscd: PcscDaemon, reader: PcscCardReader
) -> None:
    events = reader.events()
    seen: list[tuple[str, bytes | None]] = []
    for uid in (b"\x01\x02\x03\x04", b"\x05\x06\x07\x08\x09\x0a\x0b"):
        card = pcscd.card(uid)
        await asyncio.to_thread(card.insert)
        seen.append(((event := await next_event(events)).kind, event.uid))
        await asyncio.to_thread(card.remove)
        seen.append(((event := await next_event(events)).kind, event.uid))
    assert seen == [
        ("inserted", b"\x01\x02\x03\x04"),
        ("removed", None),
        ("inserted", b"\x05\x06\x07\x08\x09\x0a\x0b"),
        ("removed", None),
    ]


async def test_a_card_already_on_the_reader_is_reported_when_the_reader_opens(
    pcscd: PcscDaemon,
) -> None:
    with pcscd.card(UID):
        await asyncio.sleep(1.0)  # let pcscd notice the card before the driver starts
        reader = PcscCardReader("Virtual PCD 00 00")
        await reader.open()
        try:
            event = await next_event(reader.events())
        finally:
            await reader.close()
    assert (event.kind, event.uid) == ("inserted", UID)


async def test_the_reader_is_chosen_by_name_not_position(pcscd: PcscDaemon) -> None:
    second = PcscCardReader(r"PCD 00 01$")
    await second.open()
    try:
        assert second.reader_name == "Virtual PCD 00 01"
        with pcscd.card(UID, slot=1):
            event = await next_event(second.events())
        assert (event.reader, event.uid) == ("Virtual PCD 00 01", UID)
    finally:
        await second.close()


async def test_a_card_refusing_get_data_gives_an_event_that_says_why(
    pcscd: PcscDaemon, reader: PcscCardReader
) -> None:
    events = reader.events()
    with pcscd.card(UID, get_data_sw=0x6A81):
        event = await next_event(events)
    assert event.kind == "inserted"
    assert event.uid is None
    assert event.error == "card answered 6A81: GET DATA not supported"
    assert (await next_event(events)).kind == "removed"


async def test_no_matching_reader_names_the_pattern_and_the_readers_present(
    pcscd: PcscDaemon,
) -> None:
    with pytest.raises(ReaderNotFoundError) as raised:
        await PcscCardReader("ACR122").open()
    assert str(raised.value) == (
        "no reader matching 'ACR122'; pcscd sees: 'Virtual PCD 00 00', 'Virtual PCD 00 01'"
    )


async def test_closing_the_reader_ends_the_event_stream(reader: PcscCardReader) -> None:
    events = reader.events()
    await reader.close()

    async def drain() -> list[CardEvent]:
        return [event async for event in events]  # events queued before close, then the end

    assert all(isinstance(event, CardEvent) for event in await asyncio.wait_for(drain(), WAIT))


def test_without_pcscd_the_error_says_pcscd_is_not_running(tmp_path) -> None:
    # A separate process: the client library fixes the socket path at its first call.
    script = textwrap.dedent(
        """
        import asyncio
        from drivers.cards import PcscCardReader, PcscUnavailableError
        try:
            asyncio.run(PcscCardReader("ACR122").open())
        except PcscUnavailableError as error:
            print(error)
        """
    )
    env = {"PCSCLITE_CSOCK_NAME": str(tmp_path / "no-such-pcscd.comm"), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=20
    )
    assert result.stdout.startswith("pcscd not running: Service not available. (0x8010001D)")
    assert str(tmp_path / "no-such-pcscd.comm") in result.stdout


def run_with_own_pcscd(script: str, timeout: float) -> subprocess.CompletedProcess[str]:
    """``script`` in a process of its own, where it may stop or restart its own pcscd while the
    session's keeps running for the other tests; skips where no pcscd can be started."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(script)],
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if "PcscdUnavailable" in result.stderr:
        pytest.skip(result.stderr.strip().splitlines()[-1])
    return result


def test_pcscd_stopping_under_an_open_reader_ends_the_events_with_that_error() -> None:
    result = run_with_own_pcscd(
        """
        import asyncio
        from drivers.cards import PcscCardReader, PcscDaemon, PcscUnavailableError

        async def main():
            with PcscDaemon() as daemon:
                reader = PcscCardReader("Virtual PCD 00 00")
                await reader.open()
                events = reader.events()
                await asyncio.to_thread(daemon.stop)
                try:
                    await asyncio.wait_for(anext(events), 10)
                except PcscUnavailableError as error:
                    print(error)
                await reader.close()

        asyncio.run(main())
        """,
        timeout=30,
    )
    assert result.stdout.startswith("pcscd not running: "), result.stderr


async def test_staff_can_list_readers_and_hold_a_virtual_card_from_the_shell(
    pcscd: PcscDaemon, reader: PcscCardReader
) -> None:
    listing = subprocess.run(
        [sys.executable, "-m", "drivers.cards", "readers"],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert listing.stdout.splitlines() == list(pcscd.reader_names)
    events = reader.events()
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "drivers.cards", "card", "04A1B2C3", "--port", str(pcscd.port),
        "--seconds", "1", stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert (await next_event(events)).uid == bytes.fromhex("04A1B2C3")
    assert (await next_event(events)).kind == "removed"
    output, _ = await asyncio.wait_for(holder.communicate(), WAIT)
    assert output.decode() == "card held 1 s; 1 APDU(s) answered\n"


async def test_kiosk_devices_lists_readers_and_shows_a_card_without_its_full_uid(
    pcscd: PcscDaemon,
) -> None:
    listing = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kiosk", "devices", "readers", stdout=asyncio.subprocess.PIPE
    )
    output, _ = await asyncio.wait_for(listing.communicate(), WAIT)
    assert output.decode().splitlines() == list(pcscd.reader_names)
    waiter = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kiosk", "devices", "card", "--reader", "00 01", "--timeout", "10",
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert waiter.stdout is not None
    assert await asyncio.wait_for(waiter.stdout.readline(), WAIT) == (
        b"present a card to 'Virtual PCD 00 01' ...\n"
    )
    with pcscd.card(UID, slot=1):
        output, _ = await asyncio.wait_for(waiter.communicate(), WAIT)
    assert output.decode() == "card on 'Virtual PCD 00 01': UID …E5F6\n"
    assert waiter.returncode == 0


def test_with_reconnect_a_reader_recovers_after_pcscd_restarts() -> None:
    result = run_with_own_pcscd(
        """
        import asyncio
        from drivers.cards import PcscCardReader, PcscDaemon

        async def main():
            with PcscDaemon() as daemon:
                reader = PcscCardReader("Virtual PCD 00 00", reconnect_interval=0.2)
                await reader.open()
                events = reader.events()
                card = daemon.card(bytes.fromhex("04A1B2C3"))
                await asyncio.to_thread(card.insert)
                print((await asyncio.wait_for(anext(events), 10)).kind)
                await asyncio.to_thread(daemon.restart)   # the card goes with the old pcscd
                print((await asyncio.wait_for(anext(events), 10)).kind)
                print("problem:", reader.problem is not None)
                card.remove()
                card = daemon.card(bytes.fromhex("04D5E6F7"))
                await asyncio.to_thread(card.insert)
                event = await asyncio.wait_for(anext(events), 10)
                print(event.kind, event.uid.hex(), "problem:", reader.problem)
                card.remove()
                await reader.close()

        asyncio.run(main())
        """,
        timeout=60,
    )
    assert result.stdout.splitlines() == [
        "inserted",
        "removed",
        "problem: True",
        "inserted 04d5e6f7 problem: None",
    ], result.stderr
