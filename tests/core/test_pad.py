"""The pad watcher over the real FEIG driver and the simulated reader: what lies on the pad."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable

from drivers.rfid import TAGIT_HFI_STANDARD, FeigReader, FeigSimulator, tag_for_item
from drivers.tags import ItemTag, TagModel, encode
from kiosk.core.pad import PadTag, PadWatcher, SharedReader, Turn
from tests.core.recording import RecordingReader


class Pad:
    def __init__(self, watcher: PadWatcher, sim: FeigSimulator) -> None:
        self.watcher = watcher
        self.sim = sim
        self.arrived: list[PadTag] = []
        self.left: list[PadTag] = []
        self.errors: list[Exception] = []
        watcher.on_arrive = self.arrived.append
        watcher.on_leave = self.left.append
        watcher.on_error = self.errors.append


@contextlib.asynccontextmanager
async def pad() -> AsyncIterator[Pad]:
    with FeigSimulator(timing=False) as sim:
        async with FeigReader(sim.port, timeout=0.3, retries=0) as reader:
            watcher = PadWatcher(SharedReader(reader), interval_s=0.01, error_pause_s=0.05)
            watched = Pad(watcher, sim)
            task = asyncio.create_task(watcher.run())
            try:
                yield watched
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def test_tags_are_decoded_once_on_arrival_and_reported_when_gone() -> None:
    async with pad() as p:
        tag = tag_for_item("3000000011", "SE-BOL")
        p.sim.place(tag)
        await p.watcher.wait_rounds(2)
        [seen] = p.arrived
        assert (seen.item_id, seen.data.owner_library.isil, seen.parts) == (
            "3000000011",
            "SE-BOL",
            1,
        )
        await p.watcher.wait_rounds(3)
        assert len(p.arrived) == 1
        p.sim.remove(tag.uid)
        await p.watcher.wait_rounds(3)
        assert [t.uid for t in p.left] == [tag.uid]


async def test_a_tag_missed_by_one_inventory_has_not_left() -> None:
    async with pad() as p:
        tag = tag_for_item("3000000011", "SE-BOL")
        p.sim.place(tag)
        await p.watcher.wait_rounds(2)
        p.sim.faults.miss_in_inventory(tag.uid, times=1)
        await p.watcher.wait_rounds(4)
        assert not p.left and len(p.arrived) == 1


async def test_vendor_and_model_variants_are_all_read() -> None:
    async with pad() as p:
        reversed_blocks = tag_for_item("3000000021", "SE-BOL", block_order="reversed")
        iso2 = tag_for_item("3000000022", "SE-HUD", model=TagModel.ISO28560_2, parts=2)
        small = tag_for_item("3000000023", "SE-SOD", tag_type=TAGIT_HFI_STANDARD)
        offline_flag = tag_for_item("3000000024", "SE-BOL", not_for_loan_offline=True)
        p.sim.place(reversed_blocks, iso2, small, offline_flag)
        await p.watcher.wait_rounds(3)
        by_id = {t.item_id: t for t in p.arrived}
        assert set(by_id) == {"3000000021", "3000000022", "3000000023", "3000000024"}
        assert all(t.data.ok for t in by_id.values())
        assert by_id["3000000022"].data.model is TagModel.ISO28560_2
        assert by_id["3000000022"].parts == 2
        assert by_id["3000000023"].data.owner_library is not None
        assert by_id["3000000024"].data.not_for_loan_offline
        assert not by_id["3000000021"].data.not_for_loan_offline


async def test_a_tag_that_never_reads_is_reported_unreadable() -> None:
    async with pad() as p:
        tag = tag_for_item("3000000011", "SE-BOL")
        p.sim.faults.air_error(tag.uid, times=100)
        p.sim.place(tag)
        await p.watcher.wait_rounds(8)
        [seen] = p.arrived
        assert not seen.data.ok and seen.item_id == tag.uid.hex().upper()


async def test_a_reader_that_stops_answering_is_reported_and_picked_up_again() -> None:
    async with pad() as p:
        p.sim.faults.silent = True
        for _ in range(100):
            if p.errors:
                break
            await asyncio.sleep(0.05)
        assert p.errors and not p.watcher.healthy
        p.sim.faults.silent = False
        p.sim.place(tag_for_item("3000000011", "SE-BOL"))
        await p.watcher.wait_rounds(2)
        assert p.watcher.healthy and p.arrived


@contextlib.asynccontextmanager
async def recorded_pad(**options: object) -> AsyncIterator[tuple[Pad, RecordingReader]]:
    with FeigSimulator(timing=False) as sim:
        reader = RecordingReader(sim.port, timeout=0.3, retries=0)
        async with reader:
            watcher = PadWatcher(SharedReader(reader), interval_s=0.01, **options)  # type: ignore[arg-type]
            yield Pad(watcher, sim), reader


async def test_each_tag_is_reported_as_soon_as_it_is_read_not_after_the_whole_stack() -> None:
    async with recorded_pad() as (p, reader):
        stack = [tag_for_item(f"30000000{n}", "SE-BOL") for n in range(11, 16)]
        p.sim.place(*stack)
        reads_at_arrival: list[int] = []

        def arrived(tag: PadTag) -> None:
            reads_at_arrival.append(len(reader.named("read_blocks")))

        p.watcher.on_arrive = arrived
        await p.watcher.scan_once()
        assert len(reads_at_arrival) == 5
        assert reads_at_arrival[0] < 5  # the first was out while the others were still read


async def test_only_the_blocks_that_hold_the_data_are_read() -> None:
    async with recorded_pad() as (p, reader):
        plain = tag_for_item("3000000011", "SE-BOL")  # bytes 0-34: 9 blocks
        extended = tag_for_item("3000000012", "SE-BOL", not_for_loan_offline=True)  # + 5 bytes
        iso2 = tag_for_item("3000000013", "SE-HUD", model=TagModel.ISO28560_2)  # 19 bytes
        titled = tag_for_item("3000000014", "SE-HUD", model=TagModel.ISO28560_2)
        long_item = ItemTag("3000000014", "SE-HUD", title="Kejsarens nya kläder och andra sagor")
        titled.memory[:] = encode(long_item, TagModel.ISO28560_2, memory_size=112)
        p.sim.place(plain, extended, iso2, titled)
        await p.watcher.scan_once()
        by_uid = {t.uid: t for t in p.arrived}
        assert all(t.data.ok for t in by_uid.values()) and len(by_uid) == 4
        reads: dict[object, list[tuple[object, object]]] = {}
        for uid, first, count in reader.named("read_blocks"):
            reads.setdefault(uid, []).append((first, count))
        assert reads[plain.uid] == [(0, 9)]
        assert reads[extended.uid] == [(0, 9), (9, 1)]
        assert reads[iso2.uid] == [(0, 6)]
        assert reads[titled.uid][0] == (0, 6) and len(reads[titled.uid]) == 2
        assert not reader.named("system_info")


async def test_a_danish_tag_under_an_iso28560_2_dsfid_reads_on_to_its_fixed_part() -> None:
    async with recorded_pad() as (p, reader):
        tag = tag_for_item("3000000011", "SE-BOL")
        tag.dsfid = 0x06
        p.sim.place(tag)
        await p.watcher.scan_once()
        [seen] = p.arrived
        assert seen.item_id == "3000000011" and seen.data.model is TagModel.DANISH
        [(_, *first), (_, start, count)] = reader.named("read_blocks")
        assert first == [0, 6] and start == 6 and isinstance(count, int) and 6 + count >= 9
        assert not reader.named("system_info")


async def test_polls_wait_while_security_work_is_on_its_way_but_not_for_ever() -> None:
    busy = True
    async with recorded_pad(hold=lambda: busy, max_hold_s=0.3) as (p, _):
        task = asyncio.create_task(p.watcher.run())
        try:
            await p.watcher.wait_rounds(1)  # the first poll is never held
            await asyncio.sleep(0.15)
            assert p.watcher.rounds == 1
            await asyncio.wait_for(p.watcher.wait_rounds(1), 1)  # after max_hold_s it polls
            busy = False
            await asyncio.wait_for(p.watcher.wait_rounds(3), 1)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def test_the_pad_is_polled_faster_while_a_patron_is_at_it() -> None:
    active = False
    async with recorded_pad(active=lambda: active, active_interval_s=0.005) as (p, _):
        p.watcher.interval_s = 5.0
        assert p.watcher.pause_s == 5.0
        active = True
        assert p.watcher.pause_s == 0.005


async def test_reads_go_before_writes_before_checks_before_polls() -> None:
    async with recorded_pad() as (p, _):
        tag = tag_for_item("3000000011", "SE-BOL")
        p.sim.place(tag)
        shared = p.watcher.reader
        done: list[str] = []

        async def note(name: str, call: Awaitable[object]) -> None:
            await call
            done.append(name)

        async with shared.turn(Turn.READ):  # the reader is busy; the rest queue up meanwhile
            waiting = [
                asyncio.ensure_future(note("poll", shared.inventory())),
                asyncio.ensure_future(note("check", shared.inventory(0xC2, turn=Turn.VERIFY))),
                asyncio.ensure_future(note("write", shared.write_afi(tag.uid, 0xC2))),
                asyncio.ensure_future(note("read", shared.read_blocks(tag.uid, 0, 9))),
            ]
            await asyncio.sleep(0.01)
            assert shared.waiting(Turn.POLL) and not shared.waiting(Turn.READ)
        await asyncio.gather(*waiting)
        assert done == ["read", "write", "check", "poll"]
