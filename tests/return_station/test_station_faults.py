"""A jam, a full bin, a restart, a library system or a sorter that goes away: nothing is lost,
every item ends in a bin (or staff are told exactly which one they hold), counts survive."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from drivers.sorter import ModbusSorter
from kiosk.core import station_events as sev
from kiosk.core.station import ReturnStation
from kiosk.core.station_ledger import LedgerState
from kiosk.ils.journal import Status
from tests.return_station.fixtures import bins_changed, station_rig

SHELF = "3000000001"  # return_reshelve: its rule sends it to "reshelve"


async def until(condition: Callable[[], object], timeout: float = 5.0) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.01)


async def test_a_jam_pauses_the_inlet_and_the_items_go_on_once_it_is_cleared(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        loans = [loan.item for loan in rig.acs.model.all_loans()][:4]
        rig.machine.jam_next()
        for barcode in loans:
            rig.insert(barcode)
        jam = await rig.events.wait(sev.SorterJammed)
        assert jam.item_ids == (loans[0],)
        paused = await rig.events.wait(sev.InletPaused, reason=sev.PauseReason.JAM)
        assert "jammed" in paused.message
        await until(lambda: rig.machine.inlet_paused)
        assert rig.chute.insert("3000000033") is None  # the slot is closed
        await asyncio.sleep(0.3)  # the conveyor stands still: nothing drops meanwhile
        assert rig.events.of(sev.ItemDelivered) == []
        rig.machine.clear_jam()  # staff free it, put it back on the belt, press reset
        await rig.events.wait(sev.SorterJamCleared)
        for barcode in loans:
            await rig.delivered(barcode)
        await rig.events.wait(sev.InletResumed)
        assert sum(rig.ledger.counts().values()) == len(loans)
        assert rig.ledger.open_records() == []


async def test_an_item_staff_take_out_at_a_jam_is_recorded_for_them(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        rig.machine.jam_next()
        rig.insert(SHELF)
        await rig.events.wait(sev.SorterJammed)
        rig.machine.clear_jam(taken_out=True)
        gone = await rig.events.wait(sev.ItemDelivered, item_ids=(SHELF,))
        assert gone.bin_id is None
        [record] = rig.ledger.attention()
        assert (record.state, record.item_ids) == (LedgerState.TAKEN_OUT, (SHELF,))
        assert rig.ledger.counts().get("reshelve", 0) == 0
        assert rig.station.bins.en_route["reshelve"] == 0


async def test_a_full_bin_sends_items_to_its_overflow(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        rig.machine.set_full(1)  # the reshelve bin's full sensor; its overflow is "exceptions"
        await rig.events.wait(sev.BinState, bin_id="reshelve", full=True)
        rig.insert(SHELF)
        sorted_ = await rig.sorted(SHELF)
        assert (sorted_.bin_id, sorted_.routed_bin) == ("exceptions", "reshelve")
        await rig.delivered(SHELF)
        [slip] = rig.running.printer.receipts
        assert "overflow: belongs in Åter till hyllan" in "\n".join(x.text for x in slip.lines)


async def test_a_full_bin_without_room_pauses_the_inlet_until_staff_empty_it(tmp_path) -> None:
    async with station_rig(tmp_path, {"return_station": {"when_full": "pause"}}) as rig:
        rig.insert(SHELF)
        await rig.delivered(SHELF)
        rig.machine.set_full(1)
        await rig.events.wait(sev.BinState, bin_id="reshelve", full=True)
        second = "3000000033"  # reshelves too
        rig.insert(second)
        paused = await rig.events.wait(sev.InletPaused, reason=sev.PauseReason.BIN_FULL)
        assert "Åter till hyllan" in paused.message
        await until(lambda: rig.machine.inlet_paused)
        await asyncio.sleep(0.2)
        assert rig.machine.item_at_reader  # the item waits at the read position, checked in
        [record] = rig.ledger.open_records()
        assert (record.state, record.item_ids) == (LedgerState.ROUTED, (second,))
        assert rig.ledger.counts()["reshelve"] == 1  # counts survive the wait
        emptied = rig.machine.empty_bin(1)  # staff empty it and press its button
        assert [item.barcode for item in emptied] == [SHELF]
        await rig.delivered(second)
        await rig.events.wait(sev.InletResumed)
        assert rig.ledger.counts()["reshelve"] == 1  # counted from 0 again after emptying
        assert rig.bin_contents("reshelve") == [second]


async def test_the_capacity_from_the_config_fills_a_bin_before_its_sensor_does(tmp_path) -> None:
    async with station_rig(tmp_path, bins_changed(holds={"capacity": 1})) as rig:
        hold = rig.example("return_hold_here")
        rig.insert(hold)
        await rig.delivered(hold)
        again = rig.example("return_hold_here")  # checked in again: still a hold here
        rig.insert(again)
        sorted_ = await rig.events.wait(sev.ItemSorted, routed_bin="holds")
        assert sorted_.bin_id == "exceptions"


async def test_counts_survive_a_restart_of_the_station_and_its_sorter(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        for barcode in (SHELF, "3000000033"):
            rig.insert(barcode)
            await rig.delivered(barcode)
    async with station_rig(tmp_path) as rig:
        assert rig.ledger.counts()["reshelve"] == 2
        assert rig.station.bins.counts["reshelve"] == 2  # what the station decides "full" by
        rig.insert("3000000032")
        await rig.events.wait(sev.ItemDelivered)
        assert rig.ledger.counts()["reshelve"] + rig.ledger.counts().get("holds", 0) == 3


async def test_a_drop_while_the_station_was_stopped_is_counted_when_it_starts_again(
    tmp_path,
) -> None:
    slow = {"hardware": {"sorter": {"simulator": {"travel_s": 0.6}}}}
    async with station_rig(tmp_path, slow) as rig:
        running = rig.running
        rig.insert(SHELF)
        await rig.sorted(SHELF)
        await running.station.stop()  # the item is still on its way to the bin
        await running.sorter.close()
        [record] = rig.ledger.open_records()
        assert record.state is LedgerState.DIVERTED
        await until(lambda: rig.bin_contents("reshelve") == [SHELF])
        sorter = ModbusSorter(running.sorter.host, running.sorter.port, poll_interval_s=0.01)
        sorter.deliveries_after = rig.ledger.delivery_mark
        async with sorter:
            station = ReturnStation(
                sorter=sorter,
                reader=running.reader,
                ils=running.ils,
                journal=running.journal,
                ledger=rig.ledger,
                settings=running.station.settings,
                kiosk_settings=running.station.kiosk_settings,
            )
            async with station:
                await until(lambda: station.bins.counts["reshelve"] == 1)
                assert rig.ledger.get(record.id).state is LedgerState.DELIVERED
                assert station.bins.en_route["reshelve"] == 0


async def test_returns_while_the_library_system_is_down_are_journaled_and_replayed(
    tmp_path,
) -> None:
    async with station_rig(tmp_path) as rig:
        rig.acs.faults.update(offline=True)
        item = rig.insert(SHELF)
        sorted_ = await rig.sorted(SHELF)
        assert sorted_.bin_id == "exceptions"
        assert sorted_.rule == "offline returns get a look from staff"
        await rig.delivered(SHELF)
        assert rig.secured(item)  # armed even though the library system has not heard of it
        [entry] = rig.running.journal.entries()
        assert entry.status is Status.OFFLINE
        assert rig.acs.model.item(SHELF).loan is not None
        rig.acs.faults.update(offline=False)
        for _ in range(100):
            if rig.running.journal.get(entry.id).status is Status.REPLAYED:
                break
            await asyncio.sleep(0.1)
        assert rig.running.journal.get(entry.id).status is Status.REPLAYED
        assert rig.acs.model.item(SHELF).loan is None


async def test_with_offline_returns_off_an_item_is_not_checked_in_and_the_inlet_pauses(
    tmp_path,
) -> None:
    async with station_rig(tmp_path, {"policy": {"offline": "off"}}) as rig:
        rig.acs.faults.update(offline=True)
        item = rig.insert(SHELF)
        sorted_ = await rig.sorted(SHELF)
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "library_system_unavailable")
        await rig.events.wait(sev.InletPaused, reason=sev.PauseReason.LIBRARY_SYSTEM_UNAVAILABLE)
        await rig.delivered(SHELF)
        assert not rig.secured(item)  # not taken: nothing changed on the tag
        assert rig.acs.model.item(SHELF).loan is not None
        [record] = rig.ledger.records()
        assert record.reason == "library_system_unavailable" and record.entry_ids == ()
        rig.acs.faults.update(offline=False)
        await rig.events.wait(sev.InletResumed, timeout=10)
        await until(lambda: not rig.machine.inlet_paused)


async def test_an_item_waits_at_the_reader_while_the_sorter_does_not_answer(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        rig.running.sorter.reconnect_s = 0.05
        simulator = rig.running.sorter_simulator
        assert simulator is not None
        simulator.unplug()  # the network to the PLC is gone; the machine itself runs on
        await rig.events.wait(sev.SorterState, up=False)
        rig.insert(SHELF)
        await until(lambda: rig.machine.item_at_reader)
        await asyncio.sleep(0.3)
        assert rig.events.of(sev.ItemSorted) == [] and rig.machine.item_at_reader
        simulator.plug()
        await rig.events.wait(sev.SorterState, up=True)
        await rig.delivered(SHELF)
        assert rig.bin_contents("reshelve") == [SHELF]
        assert rig.acs.model.item(SHELF).loan is None


async def test_an_item_waits_while_the_chute_reader_does_not_answer(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        simulator = rig.running.simulator
        assert simulator is not None
        simulator.faults.silent = True  # the reader's cable is out
        paused = await rig.events.wait(
            sev.InletPaused, reason=sev.PauseReason.READER_UNAVAILABLE, timeout=15
        )
        assert "reader" in paused.message
        await until(lambda: rig.machine.inlet_paused)
        rig.machine.pause_inlet(False)  # an item already inside the machine comes through
        rig.insert(SHELF)
        await until(lambda: rig.machine.item_at_reader)
        await asyncio.sleep(0.3)
        assert rig.events.of(sev.ItemSorted) == []  # not sorted unread
        simulator.faults.silent = False
        sorted_ = await rig.sorted(SHELF, timeout=15)
        assert sorted_.bin_id == "reshelve"
        await rig.events.wait(sev.InletResumed)
        assert rig.acs.model.item(SHELF).loan is None
