"""The consortium's returns, end to end: slot -> chute reader -> check-in over SIP2 -> rules ->
the Modbus sorter -> a bin, with slips, re-armed tags, the journal and the ledger agreeing."""

from __future__ import annotations

import pytest

from drivers.rfid import VirtualTag, make_uid
from kiosk.core import ItemReturned, ReturnKind
from kiosk.core import station_events as sev
from kiosk.core.station_ledger import LedgerState
from kiosk.ils.journal import Security, Status
from tests.return_station.fixtures import station_rig


@pytest.mark.parametrize(
    ("example", "bin_", "slip"),
    [
        ("return_reshelve", "reshelve", None),
        ("return_floating_stays", "reshelve", None),
        ("return_transit_home", "transit-sod", "TRANSIT"),
        ("return_hold_here", "holds", "HOLD"),
        ("return_hold_transit", "transit", "HOLD"),
    ],
)
async def test_every_routing_outcome_of_the_consortium_ends_in_its_bin(
    tmp_path, example: str, bin_: str, slip: str | None
) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example(example)
        item = rig.insert(barcode)
        sorted_ = await rig.sorted(barcode)
        assert sorted_.bin_id == bin_ and sorted_.reason == "rule"
        await rig.delivered(barcode)
        assert rig.bin_contents(bin_) == [barcode]
        assert rig.secured(item), "the tag is re-armed before it leaves the reader"
        assert rig.acs.model.item(barcode).loan is None
        [entry] = [e for e in rig.running.journal.entries() if e.item_id == barcode]
        assert entry.status is Status.OK and entry.security is Security.DONE
        [record] = rig.ledger.records()
        assert (record.state, record.bin, record.item_ids) == (
            LedgerState.DELIVERED,
            bin_,
            (barcode,),
        )
        assert record.entry_ids == (entry.id,)
        assert rig.ledger.counts()[bin_] == 1
        printed = rig.running.printer.receipts if rig.running.printer else []
        if slip is None:
            assert printed == []
        else:
            [receipt] = printed
            text = "\n".join(line.text for line in receipt.lines)
            assert slip in text and barcode in text


async def test_an_item_the_library_system_does_not_know_goes_to_the_exceptions_with_a_slip(
    tmp_path,
) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example("return_unknown")
        rig.insert(barcode, tags=[], scan=True)  # no tag: the scanner reads its barcode
        sorted_ = await rig.sorted(barcode)
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "checkin_refused")
        returned = rig.events.of(ItemReturned, item_id=barcode)[0]
        assert returned.outcome.kind is ReturnKind.EXCEPTION
        await rig.delivered(barcode)
        [receipt] = rig.running.printer.receipts
        assert "checkin refused" in "\n".join(line.text for line in receipt.lines)


async def test_a_barcode_only_item_is_identified_by_the_scanner(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example("return_transit_home")
        rig.insert(barcode, tags=[], scan=True)
        assert (await rig.sorted(barcode)).bin_id == "transit-sod"
        assert rig.acs.model.item(barcode).loan is None


async def test_an_item_with_neither_tag_nor_barcode_is_kept_track_of_in_the_exceptions(
    tmp_path,
) -> None:
    async with station_rig(tmp_path) as rig:
        rig.insert("3000000001", tags=[])  # a tag fell off; nobody scans it
        sorted_ = await rig.sorted("")
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "not_identified")
        await rig.delivered("")
        [record] = rig.ledger.records()
        assert (record.state, record.reason) == (LedgerState.DELIVERED, "not_identified")
        assert rig.acs.model.item("3000000001").loan is not None  # nothing was checked in
        assert rig.bin_contents("exceptions") == ["3000000001"]


async def test_an_unreadable_tag_with_a_scanned_barcode_is_checked_in_and_rearmed(
    tmp_path,
) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example("return_reshelve")
        blank = VirtualTag(uid=make_uid(0x04, 0x5EED))  # no library data on it
        rig.insert(barcode, tags=[blank], scan=True)
        assert (await rig.sorted(barcode)).bin_id == "reshelve"
        assert rig.acs.model.item(barcode).loan is None


async def test_an_unreadable_tag_without_a_barcode_goes_to_the_exceptions(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        blank = VirtualTag(uid=make_uid(0x04, 0xBAD))
        rig.insert("3000000001", tags=[blank])
        sorted_ = await rig.sorted(blank.uid.hex().upper())
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "tag_unreadable")


async def test_a_multi_part_set_is_checked_in_once_with_all_its_parts(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example("borrow_multipart")  # three discs in one case
        item = rig.insert(barcode)
        assert len(item.tags) == 3
        assert (await rig.sorted(barcode)).reason == "rule"
        await rig.delivered(barcode)
        assert rig.secured(item)


async def test_a_set_with_a_part_missing_goes_to_the_exceptions(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        barcode = rig.example("borrow_multipart")
        rig.insert(barcode, parts=[1, 3])
        sorted_ = await rig.sorted(barcode)
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "incomplete_set")


async def test_a_library_card_in_the_slot_is_not_checked_in(tmp_path) -> None:
    from kiosk.assembly import demo_patron_card

    async with station_rig(tmp_path) as rig:
        card = demo_patron_card(rig.acs.model, "2150000001")
        rig.insert("2150000001", tags=[card])
        sorted_ = await rig.sorted("2150000001")
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "patron_card")
        assert rig.running.journal.entries() == []


async def test_two_items_at_once_bound_for_one_bin_go_there_together(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        first, second = rig.example("return_reshelve"), "3000000033"
        tags = rig.chute.tags_for(first) + rig.chute.tags_for(second)
        rig.insert(first, tags=tags)
        sorted_ = await rig.events.wait(sev.ItemSorted)
        assert set(sorted_.item_ids) == {first, second} and sorted_.bin_id == "reshelve"
        await rig.events.wait(sev.ItemDelivered)
        assert rig.ledger.counts()["reshelve"] == 2  # counted as the two items they are


async def test_two_items_at_once_bound_for_different_bins_go_to_the_exceptions(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        hold, shelf = rig.example("return_hold_here"), rig.example("return_reshelve")
        tags = rig.chute.tags_for(hold) + rig.chute.tags_for(shelf)
        rig.insert(hold, tags=tags)
        sorted_ = await rig.events.wait(sev.ItemSorted)
        assert (sorted_.bin_id, sorted_.reason) == ("exceptions", "several_items")
        assert {e.item_id for e in rig.events.of(ItemReturned)} == {hold, shelf}
        assert rig.acs.model.item(hold).loan is None and rig.acs.model.item(shelf).loan is None


async def test_a_stream_of_returns_is_sorted_in_order_and_each_counted_once(tmp_path) -> None:
    async with station_rig(tmp_path) as rig:
        loans = [loan.item for loan in rig.acs.model.all_loans()][:12]
        for barcode in loans:
            rig.insert(barcode)
        for barcode in loans:
            await rig.delivered(barcode)
        order = [e.item_ids[0] for e in rig.events.of(sev.ItemSorted)]
        assert order == loans
        assert sum(rig.ledger.counts().values()) == len(loans)
        assert rig.ledger.open_records() == []
        assert all(rig.acs.model.item(b).loan is None for b in loans)


async def test_the_station_feeds_the_return_station_screen(tmp_path) -> None:
    from kiosk.ui.presenter import Presenter

    async with station_rig(tmp_path) as rig:
        presenter = Presenter()  # what the display (--display) renders from
        rig.station.subscribe(presenter.apply)
        hold, unknown = rig.example("return_hold_here"), rig.example("return_unknown")
        rig.insert(hold)
        rig.insert(unknown, tags=[], scan=True)
        await rig.delivered(unknown)
        rows = presenter.state.items
        assert list(rows) == [hold, unknown]  # newest last: the big one on the screen
        assert rows[hold].outcome is not None and rows[hold].outcome.kind is ReturnKind.HOLD_HERE
        assert rows[hold].title == rig.acs.model.item(hold).title
        assert rows[unknown].outcome is not None
        assert rows[unknown].outcome.kind is ReturnKind.EXCEPTION


async def test_slips_for_holds_and_transits_are_printed_only_as_configured(tmp_path) -> None:
    changes = {"return_station": {"slip_for_holds": False, "slip_for_transits": True}}
    async with station_rig(tmp_path, changes) as rig:
        hold, transit = rig.example("return_hold_here"), rig.example("return_transit_home")
        rig.insert(hold)
        rig.insert(transit)
        await rig.delivered(transit)
        [slip] = rig.running.printer.receipts
        text = "\n".join(line.text for line in slip.lines)
        assert "TRANSIT" in text and transit in text and hold not in text
        assert "Söderhamn" in text  # the destination, for the van
