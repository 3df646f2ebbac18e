"""The Modbus TCP driver against a real Modbus TCP server on loopback with the PLC program and
the simulated mechanics behind it (the same bytes a PLC on the LAN would get)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from collections.abc import AsyncIterator
from typing import Any, TypeVar

import pytest

from drivers.sorter import (
    BinEmptied,
    BinFullChanged,
    ConveyorTiming,
    Delivered,
    DeliveriesLost,
    DivertRefusal,
    DivertRefused,
    InletChanged,
    ItemAtReader,
    JamChanged,
    MechanicsTiming,
    ModbusSorter,
    SorterConnection,
    SorterError,
    SorterSimulator,
    SorterUnavailable,
)
from drivers.sorter import registers as reg
from drivers.sorter.modbus_server import ModbusTcpServer

E = TypeVar("E")

FAST = MechanicsTiming(time_per_item_s=0.05, feed_s=0.01, travel_s=0.1)


async def next_event(sorter: ModbusSorter, kind: type[E], timeout: float = 5.0, **match: Any) -> E:
    """The next event of ``kind`` matching ``match`` (others are skipped)."""
    async with asyncio.timeout(timeout):
        async for event in sorter.events():
            if isinstance(event, kind) and all(getattr(event, k) == v for k, v in match.items()):
                return event
    raise AssertionError("the event stream ended")


@contextlib.asynccontextmanager
async def rig(
    timing: MechanicsTiming = FAST, bins: int = 4
) -> AsyncIterator[tuple[SorterSimulator, ModbusSorter]]:
    with SorterSimulator(bins=bins, timing=timing) as sim:
        async with ModbusSorter(sim.host, sim.port, poll_interval_s=0.01) as sorter:
            yield sim, sorter


async def test_items_are_numbered_at_the_read_position_and_their_drops_reported() -> None:
    async with rig() as (sim, sorter):
        assert sorter.bin_count == 4
        sim.mechanics.insert("a")
        sim.mechanics.insert("b")
        first = await next_event(sorter, ItemAtReader)
        await sorter.divert(first.item, 3)
        second = await next_event(sorter, ItemAtReader)
        await sorter.divert(second.item, 1)
        drops = [await next_event(sorter, Delivered) for _ in range(2)]
        assert [(d.delivery.item, d.delivery.bin) for d in drops] == [(1, 3), (2, 1)]
        assert sim.mechanics.bin_items(3) == ["a"] and sim.mechanics.bin_items(1) == ["b"]
        status = await sorter.status()
        assert status.bin(3).count == 1 and status.deliveries == 2 and status.items_seen == 2


async def test_a_divert_waits_for_the_diverter_and_returns_when_the_item_left() -> None:
    timing = MechanicsTiming(time_per_item_s=0.4, feed_s=0.0, travel_s=0.1)
    async with rig(timing) as (sim, sorter):
        for name in ("a", "b"):
            sim.mechanics.insert(name)
        await sorter.divert((await next_event(sorter, ItemAtReader)).item, 1)
        item = (await next_event(sorter, ItemAtReader)).item
        loop = asyncio.get_running_loop()
        started = loop.time()
        await sorter.divert(item, 2)
        assert loop.time() - started >= 0.25  # held until the diverter was free again
        assert sim.mechanics.item_at_reader == 0


async def test_refusals_come_back_typed() -> None:
    async with rig() as (sim, sorter):
        with pytest.raises(DivertRefused) as refused:
            await sorter.divert(42, 1)
        assert refused.value.reason is DivertRefusal.NO_SUCH_ITEM
        sim.mechanics.insert("a")
        item = (await next_event(sorter, ItemAtReader)).item
        with pytest.raises(DivertRefused) as refused:
            await sorter.divert(item, 9)
        assert refused.value.reason is DivertRefusal.NO_SUCH_BIN
        sim.mechanics.set_full(2)
        await next_event(sorter, BinFullChanged, bin=2, full=True)
        with pytest.raises(DivertRefused) as refused:
            await sorter.divert(item, 2)
        assert refused.value.reason is DivertRefusal.BIN_FULL


async def test_a_jam_is_reported_and_reset_only_once_it_is_freed() -> None:
    async with rig() as (sim, sorter):
        sim.mechanics.jam_next()
        sim.mechanics.insert("a")
        sim.mechanics.insert("b")
        await sorter.divert((await next_event(sorter, ItemAtReader)).item, 1)
        seen: dict[type, Any] = {}
        async with asyncio.timeout(5):
            async for event in sorter.events():  # b comes to the reader just before the jam
                seen[type(event)] = event
                if JamChanged in seen and ItemAtReader in seen:
                    break
        assert seen[JamChanged].jammed and seen[JamChanged].item == 1
        with pytest.raises(DivertRefused) as refused:
            await sorter.divert(seen[ItemAtReader].item, 2)
        assert refused.value.reason is DivertRefusal.JAMMED
        with pytest.raises(DivertRefused) as refused:
            await sorter.reset_jam()
        assert refused.value.reason is DivertRefusal.STILL_JAMMED
        sim.mechanics.free_jam()
        await sorter.reset_jam()
        await next_event(sorter, JamChanged, jammed=False)
        drop = await next_event(sorter, Delivered)
        assert (drop.delivery.item, drop.delivery.bin) == (1, 1)


async def test_the_inlet_is_paused_and_resumed_by_command() -> None:
    async with rig() as (sim, sorter):
        await sorter.pause_inlet()
        await next_event(sorter, InletChanged, paused=True)
        assert not sim.mechanics.insert("a")
        await sorter.resume_inlet()
        await next_event(sorter, InletChanged, paused=False)
        assert sim.mechanics.insert("a")


async def test_staff_emptying_a_bin_at_the_machine_or_by_command_is_reported() -> None:
    async with rig() as (sim, sorter):
        sim.mechanics.empty_bin(2)
        await next_event(sorter, BinEmptied, bin=2)
        await sorter.bin_emptied(3)
        await next_event(sorter, BinEmptied, bin=3)
        assert sim.mechanics.emptied(3) == 1


async def test_the_first_events_describe_the_machine_as_it_is() -> None:
    with SorterSimulator(bins=4, timing=FAST) as sim:
        sim.mechanics.insert("a")
        while not sim.mechanics.item_at_reader:
            await asyncio.sleep(0.01)
        sim.mechanics.set_full(4)
        sim.mechanics.pause_inlet()
        async with ModbusSorter(sim.host, sim.port, poll_interval_s=0.01) as sorter:
            await next_event(sorter, InletChanged, paused=True)
            await next_event(sorter, BinFullChanged, bin=4, full=True)
            assert (await next_event(sorter, ItemAtReader)).item == 1


async def test_drops_while_the_station_was_away_come_from_the_log() -> None:
    with SorterSimulator(bins=4, timing=FAST) as sim:
        async with ModbusSorter(sim.host, sim.port, poll_interval_s=0.01) as sorter:
            sim.mechanics.insert("a")
            await sorter.divert((await next_event(sorter, ItemAtReader)).item, 2)
            await next_event(sorter, Delivered)
            sim.mechanics.insert("b")
            await sorter.divert((await next_event(sorter, ItemAtReader)).item, 3)
        while sim.mechanics.delivery_seq < 2:  # b drops while nobody listens
            await asyncio.sleep(0.01)
        again = ModbusSorter(sim.host, sim.port, poll_interval_s=0.01)
        again.deliveries_after = (sim.plc.run_id, 1)
        async with again:
            drop = await next_event(again, Delivered)
            assert (drop.delivery.item, drop.delivery.bin, drop.delivery.seq) == (2, 3, 2)


async def test_more_drops_than_the_log_holds_are_reported_as_lost() -> None:
    timing = MechanicsTiming(time_per_item_s=0.0, feed_s=0.0, travel_s=0.0)
    with SorterSimulator(bins=2, timing=timing) as sim:
        async with ModbusSorter(sim.host, sim.port, poll_interval_s=0.01) as sorter:
            for n in range(reg.LOG_SIZE + 3):
                sim.mechanics.insert(n)
                await sorter.divert((await next_event(sorter, ItemAtReader)).item, 1)
        while sim.mechanics.delivery_seq < reg.LOG_SIZE + 3:
            await asyncio.sleep(0.01)
        again = ModbusSorter(sim.host, sim.port, poll_interval_s=0.01)
        again.deliveries_after = (sim.plc.run_id, 0)
        async with again:
            lost = await next_event(again, DeliveriesLost)
            assert lost.count == 3
            first = await next_event(again, Delivered)
            assert first.delivery.item == 4  # the oldest drop the log still holds


async def test_a_lost_connection_is_reported_and_recovered() -> None:
    async with rig() as (sim, sorter):
        sorter.reconnect_s = 0.05
        sim.drop_connections()
        await next_event(sorter, SorterConnection, up=False)
        await next_event(sorter, SorterConnection, up=True)
        sim.mechanics.insert("a")
        await sorter.divert((await next_event(sorter, ItemAtReader)).item, 1)


async def test_no_controller_means_a_clear_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SorterUnavailable, match=f"127.0.0.1:{port}"):
        await ModbusSorter("127.0.0.1", port, timeout_s=0.5).open()


class WrongProgram:
    """A PLC running some other program: map version 0x1234."""

    def read_input(self, address: int, count: int) -> list[int]:
        return [0x1234 if address + n == 0 else 0 for n in range(count)]

    def read_holding(self, address: int, count: int) -> list[int]:
        return [0] * count

    def write_holding(self, address: int, values: list[int]) -> None:
        pass


async def test_a_controller_with_another_register_map_is_refused() -> None:
    server = await ModbusTcpServer(WrongProgram()).start()
    try:
        with pytest.raises(SorterError, match="register map 0x1234"):
            await ModbusSorter(server.host, server.port).open()
    finally:
        await server.close()


async def test_the_server_answers_modbus_exceptions_on_the_wire() -> None:
    with SorterSimulator(bins=2, timing=FAST) as sim:
        reader, writer = await asyncio.open_connection(sim.host, sim.port)
        try:

            async def ask(pdu: bytes) -> bytes:
                writer.write(struct.pack(">HHHB", 7, 0, len(pdu) + 1, 1) + pdu)
                await writer.drain()
                header = await reader.readexactly(7)
                transaction, protocol, length, unit = struct.unpack(">HHHB", header)
                assert (transaction, protocol, unit) == (7, 0, 1)
                return await reader.readexactly(length - 1)

            version = await ask(struct.pack(">BHH", 0x04, reg.IR_MAP_VERSION, 1))
            assert version == bytes([0x04, 2]) + struct.pack(">H", reg.MAP_VERSION)
            assert await ask(struct.pack(">BHH", 0x04, 500, 1)) == bytes([0x84, 0x02])
            assert await ask(struct.pack(">BHH", 0x03, 0, 200)) == bytes([0x83, 0x03])
            assert await ask(bytes([0x2B, 0x0E, 0x01, 0x00])) == bytes([0xAB, 0x01])
            written = await ask(struct.pack(">BHH", 0x06, reg.HR_ARG1, 5))
            assert written == struct.pack(">BHH", 0x06, reg.HR_ARG1, 5)
        finally:
            writer.close()


CONVEYOR = MechanicsTiming(
    time_per_item_s=0.1, feed_s=0.05, travel_s=0.1, divert_deadline_s=0.5, read_zone_s=0.3
)


async def test_a_conveyor_says_so_with_its_deadline_and_late_output() -> None:
    async with rig() as (_, sorter):
        assert sorter.conveyor is None and (await sorter.status()).conveyor is None
    async with rig(CONVEYOR) as (_, sorter):
        assert sorter.conveyor == ConveyorTiming(deadline_s=0.5, late_bin=4)
        assert (await sorter.status()).conveyor == sorter.conveyor


async def test_a_conveyor_reports_every_item_and_takes_bins_in_any_order() -> None:
    async with rig(CONVEYOR) as (sim, sorter):
        for name in "abc":
            sim.mechanics.insert(name)
        items = [(await next_event(sorter, ItemAtReader)).item for _ in range(3)]
        assert items == [1, 2, 3]
        await sorter.divert(3, 2)  # at once: nothing waits for the diverter
        await sorter.divert(1, 1)
        drops = {(d.delivery.item, d.delivery.bin) for d in [
            await next_event(sorter, Delivered) for _ in range(3)
        ]}  # fmt: skip
        assert drops == {(1, 1), (2, 4), (3, 2)}  # 2 had no bin: the late output
        with pytest.raises(DivertRefused) as refused:
            await sorter.divert(2, 1)
        assert refused.value.reason is DivertRefusal.LATE


async def test_items_that_reach_the_reader_between_two_polls_are_each_reported() -> None:
    timing = MechanicsTiming(
        time_per_item_s=0.0, feed_s=0.0, travel_s=0.1, divert_deadline_s=2.0, read_zone_s=1.0
    )
    with SorterSimulator(bins=4, timing=timing) as sim:
        async with ModbusSorter(sim.host, sim.port, poll_interval_s=0.3) as sorter:
            await asyncio.sleep(0.35)  # one poll with nothing, then three items at once
            for name in "abc":
                sim.mechanics.insert(name)
            items = [(await next_event(sorter, ItemAtReader)).item for _ in range(3)]
            assert items == [1, 2, 3]
