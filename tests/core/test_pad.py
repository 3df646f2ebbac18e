"""The pad watcher over the real FEIG driver and the simulated reader: what lies on the pad."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from drivers.rfid import TAGIT_HFI_STANDARD, FeigReader, FeigSimulator, tag_for_item
from drivers.tags import TagModel
from kiosk.core.pad import PadTag, PadWatcher, SharedReader


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
