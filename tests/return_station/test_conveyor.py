"""The return station on a conveyor that does not stop for items: several items in flight, each
identified in line, checked in while the next is read, and sent on before the diverter -- or,
when its answer comes too late, to the exception bin, counted and never lost."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.core import station_events as sev
from kiosk.ils.journal import EntryKind, Status
from tests.return_station.fixtures import FAST_SORTER, StationRig, station_rig

CONVEYOR = {"time_per_item_s": 0.15, "divert_deadline_s": 1.0, "read_zone_s": 0.7}


def conveyor(**machine: Any) -> dict[str, Any]:
    return {"hardware": {"sorter": {"simulator": {**FAST_SORTER, **CONVEYOR, **machine}}}}


def loans(rig: StationRig, count: int) -> list[str]:
    """Single-part demo loans (a set's parts would travel as one item)."""
    found = []
    for loan in rig.acs.model.all_loans():
        item = rig.acs.model.item(loan.item)
        if item.parts == 1 and loan.item not in found:
            found.append(loan.item)
    return found[:count]


async def test_items_in_flight_are_each_checked_in_armed_and_sorted(tmp_path: Path) -> None:
    async with station_rig(tmp_path, conveyor()) as rig:
        assert rig.station.sorter.conveyor is not None
        codes = loans(rig, 8)
        inserted = [rig.insert(code) for code in codes]
        for code in codes:
            sorted_ = await rig.sorted(code)
            assert not sorted_.late and sorted_.reason != "several_items"
        for code in codes:
            await rig.delivered(code)
        assert all(rig.secured(item) for item in inserted)  # armed while still in the field
        assert rig.station.dispatch.late == 0 and rig.machine.late == 0
        routed = rig.events.of(sev.ItemRouted)
        assert [e.item_ids for e in routed] == [(code,) for code in codes]  # one each, in line
        assert len(rig.events.of(sev.ItemArrived)) == len(codes)


async def test_an_answer_too_late_for_the_diverter_sends_the_item_to_the_exceptions(
    tmp_path: Path,
) -> None:
    async with station_rig(tmp_path, conveyor()) as rig:
        [code] = loans(rig, 1)
        rig.acs.faults.update(latency_ms=1500)  # the check-in answers after the deadline
        item = rig.insert(code)
        sorted_ = await rig.sorted(code)
        assert sorted_.late and sorted_.bin_id == "exceptions" and sorted_.reason == "late"
        assert rig.machine.late == 0  # the station sent it there itself, before the diverter
        await rig.delivered(code)
        assert rig.bin_contents("exceptions") == [code]
        assert rig.station.dispatch.late == 1
        returned = await rig.events.wait(sev.ItemSorted, item_ids=(code,))
        assert returned.late
        # The check-in went on: the library system has it back and the journal says so.
        await rig.station.wait_idle()
        [entry] = [e for e in rig.station.journal.entries() if e.kind is EntryKind.CHECKIN]
        assert entry.item_id == code and entry.status is Status.OK
        assert rig.acs.model.item(code).loan is None
        [record] = [r for r in rig.ledger.records() if r.item_ids == (code,)]
        assert record.reason == "late" and record.bin == "exceptions"
        assert item.tags  # still the item's tags: nothing lost on the way


async def test_an_item_without_a_tag_does_not_take_the_next_ones(tmp_path: Path) -> None:
    async with station_rig(tmp_path, conveyor()) as rig:
        first, last = loans(rig, 2)
        rig.insert(first)
        rig.insert("no-tag", tags=[])
        rig.insert(last)
        await rig.sorted(last)
        await rig.station.wait_idle()
        routed = {e.sorter_item: e for e in rig.events.of(sev.ItemRouted)}
        assert [routed[n].item_ids for n in (1, 2, 3)] == [(first,), (), (last,)]
        assert routed[2].bin_id == "exceptions" and routed[2].reason == "not_identified"


@pytest.mark.parametrize("travel_s", [0.15, 0.0], ids=["refused-then-dropped", "dropped-first"])
async def test_an_item_past_the_diverter_before_its_bin_was_sent_is_booked_where_it_went(
    tmp_path: Path, travel_s: float
) -> None:
    # A machine quicker than it tells (0.02 s to the diverter; its register only has tenths of
    # a second, so it says 0.1 s): the station's divert comes after the item passed the
    # diverter, and the conveyor refuses it as late.
    quick = conveyor(divert_deadline_s=0.02, read_zone_s=0.02, travel_s=travel_s)
    async with station_rig(tmp_path, quick) as rig:
        [code] = loans(rig, 1)
        rig.insert(code)
        delivered = await rig.events.wait(sev.ItemDelivered)
        assert delivered.bin_id == "exceptions"
        sorted_ = await rig.events.wait(sev.ItemSorted)
        assert sorted_.late and sorted_.bin_id == "exceptions"
        assert rig.station.dispatch.late == 1  # counted once, whoever found it late
        # Told 0.1 s, the station has no time for the check-in and sends the exceptions bin at
        # once; that divert reaches the machine after its 0.02 s (the machine counts the item
        # late), or, when the machine's thread was held up meanwhile (a loaded CI machine),
        # still in time (the machine counts nothing). Either way it went where it was booked.
        [routed] = rig.events.of(sev.ItemRouted)
        assert routed.reason == "late" and routed.bin_id == "exceptions"
        assert rig.machine.late in (0, 1)
        assert sorted_.routed_bin is None  # it went to the bin the station chose
        await rig.station.wait_idle()
        [record] = rig.ledger.records()
        assert record.state.value == "delivered" and record.bin == "exceptions"
        assert rig.ledger.counts() == {"exceptions": 1}
        assert not rig.ledger.open_records() and not rig.ledger.attention()
        assert rig.station.bins.counts["exceptions"] == 1
        assert rig.station.bins.en_route["exceptions"] == 0
