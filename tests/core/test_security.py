"""Security writes and their verification, over the real FEIG driver and the simulated reader.

A stack is verified with one look at the whole field where the reader can give one (an inventory
filtered by the target AFI, an EAS alarm to every tag); whatever that look does not prove is read
back tag by tag, and a write that did not take is written again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from drivers.rfid import FeigSimulator, VirtualTag, tag_for_item
from kiosk.core.security import SecurityWriter, afi_selects_exactly
from kiosk.core.settings import SecurityMethod, SecuritySettings
from kiosk.core.shared_reader import SharedReader, Turn
from tests.core.recording import RecordingReader


@dataclass
class Pad:
    sim: FeigSimulator
    reader: RecordingReader
    shared: SharedReader
    writer: SecurityWriter

    def stack(self, count: int, **kw: object) -> list[VirtualTag]:
        tags = [tag_for_item(f"30000000{n:02d}", "SE-BOL", **kw) for n in range(count)]  # type: ignore[arg-type]
        self.sim.place(*tags)
        return tags

    def state(self, tag: VirtualTag) -> VirtualTag:
        found = self.sim.tag(tag.uid)
        assert found is not None
        return found


@contextlib.asynccontextmanager
async def pad(method: SecurityMethod = SecurityMethod.AFI, **settings: int) -> AsyncIterator[Pad]:
    with FeigSimulator(timing=False) as sim:
        reader = RecordingReader(sim.port, timeout=0.3, frame_gap=0.0)
        async with reader:
            shared = SharedReader(reader)
            writer = SecurityWriter(shared, SecuritySettings(method=method, **settings))
            yield Pad(sim, reader, shared, writer)


async def test_a_disarmed_stack_is_verified_by_one_inventory_filtered_by_the_afi() -> None:
    async with pad() as p:
        tags = p.stack(10, secured=True)
        assert not await p.writer.change([t.uid for t in tags], secured=False)
        assert all(p.state(t).afi == 0xC2 for t in tags)
        assert p.reader.named("inventory") == [(0xC2,)]
        assert not p.reader.named("system_info")  # nothing read back tag by tag
        assert p.writer.proven_together == 10 and p.writer.read_back_alone == 0


async def test_a_write_that_did_not_take_is_found_read_back_and_written_again() -> None:
    async with pad() as p:
        tags = p.stack(5, secured=True)
        lost = tags[2]
        p.sim.faults.lose_writes(lost.uid, times=1)  # acknowledged, but the AFI stays 0x07
        assert not await p.writer.change([t.uid for t in tags], secured=False)
        assert p.state(lost).afi == 0xC2
        assert [args[0] for args in p.reader.named("write_afi")].count(lost.uid) == 2
        assert [args[0] for args in p.reader.named("system_info")] == [lost.uid]


async def test_a_tag_taken_off_the_pad_before_the_check_is_not_verified() -> None:
    async with pad() as p:
        tags = p.stack(4, secured=True)
        gone = tags[1]
        p.sim.faults.lose_writes(gone.uid, times=1)
        original = p.reader.write_afi

        async def write_then_take_away(uid: bytes, afi: int) -> None:
            await original(uid, afi)
            if uid == gone.uid:
                p.sim.remove(gone.uid)

        p.reader.write_afi = write_then_take_away  # type: ignore[method-assign]
        failed = await p.writer.change([t.uid for t in tags], secured=False)
        assert failed == {gone.uid}


async def test_an_afi_an_inventory_cannot_single_out_is_read_back_tag_by_tag() -> None:
    # An inventory for 0x07 also finds a tag whose AFI is 0x17 (family 0 means any family):
    # a write that left 0x17 must not pass for "armed".
    assert not afi_selects_exactly(0x07) and afi_selects_exactly(0xC2)
    async with pad() as p:
        [tag] = p.stack(1, secured=False)
        p.sim.place(VirtualTag(tag.uid, tag.tag_type, tag.memory, afi=0x17))
        p.sim.faults.lose_writes(tag.uid, times=10)
        assert await p.writer.change([tag.uid], secured=True) == {tag.uid}
        assert not [args for args in p.reader.named("inventory") if args != (None,)]
        assert p.writer.read_back_alone == 3  # each of the three attempts


async def test_checks_wanted_at_once_by_several_items_share_one_look() -> None:
    async with pad() as p:
        tags = p.stack(6, secured=True)
        results = await asyncio.gather(*(p.writer.change([t.uid], secured=False) for t in tags))
        assert not any(results)
        assert p.reader.named("inventory") == [(0xC2,)]


async def test_a_few_tags_on_a_full_pad_are_read_back_one_by_one() -> None:
    async with pad() as p:
        tags = p.stack(12, secured=True)
        await p.shared.inventory()  # the pad watcher's view: twelve tags
        assert not await p.writer.change([tags[0].uid], secured=False)
        assert p.reader.named("inventory") == [(None,)]
        assert [args[0] for args in p.reader.named("system_info")] == [tags[0].uid]


async def test_disarming_by_eas_is_proven_by_one_alarm_to_the_field() -> None:
    async with pad(SecurityMethod.EAS) as p:
        tags = p.stack(5, secured=True, security="eas")
        assert not await p.writer.change([t.uid for t in tags], secured=False)
        assert not any(p.state(t).eas for t in tags)
        assert len(p.reader.named("eas_alarm_any")) == 1
        assert not p.reader.named("check_eas") and not p.reader.named("system_info")


async def test_an_alarm_from_another_item_in_the_field_falls_back_tag_by_tag() -> None:
    async with pad(SecurityMethod.EAS) as p:
        tags = p.stack(3, secured=True, security="eas")
        p.sim.place(tag_for_item("3999999999", "SE-BOL", security="eas", secured=True))
        assert not await p.writer.change([t.uid for t in tags], secured=False)
        assert not any(p.state(t).eas for t in tags)
        assert sorted(args[0] for args in p.reader.named("check_eas")) == sorted(  # type: ignore[type-var]
            t.uid for t in tags
        )


@pytest.mark.parametrize("secured", [True, False])
async def test_afi_and_eas_together_are_both_verified(secured: bool) -> None:
    async with pad(SecurityMethod.BOTH, afi_secured=0xD7, afi_unsecured=0xDA) as p:
        tags = p.stack(
            3, secured=not secured, security="both", afi_secured=0xD7, afi_unsecured=0xDA
        )
        p.sim.faults.lose_writes(tags[0].uid, times=1)  # its AFI write is lost, the EAS lands
        assert not await p.writer.change([t.uid for t in tags], secured=secured)
        for tag in tags:
            state = p.state(tag)
            assert state.afi == (0xD7 if secured else 0xDA) and state.eas is secured


async def test_a_check_whose_leader_gives_up_leaves_the_others_unverified_not_stuck() -> None:
    async with pad() as p:
        tags = p.stack(3, secured=False)
        async with p.shared.turn(Turn.READ):  # the reader is busy: both wait for the check
            lead = asyncio.ensure_future(p.writer._verify([tags[0].uid], False))
            follow = asyncio.ensure_future(p.writer._verify([t.uid for t in tags[1:]], False))
            for _ in range(5):
                await asyncio.sleep(0)
            lead.cancel()
        assert await asyncio.wait_for(follow, 5) == frozenset()  # not verified, not cancelled
        with contextlib.suppress(asyncio.CancelledError):
            await lead
        assert not await p.writer.change([t.uid for t in tags[1:]], secured=False)
