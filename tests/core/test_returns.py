"""Returning anything from any member library: one routing outcome per item, tag re-armed."""

from __future__ import annotations

from drivers.rfid import VirtualTag, make_uid, tag_for_item
from drivers.tags import decode
from kiosk.core import (
    ItemReturned,
    ReturnKind,
    ReturnService,
    SecurityNotCleared,
    Transactions,
    TransferKind,
)
from kiosk.core.pad import PadTag
from kiosk.ils.journal import Security, Status
from kiosk.ils.offline import OfflinePolicy
from tests.core.fixtures import assert_return_routed, every_routing_outcome, kiosk_rig


@every_routing_outcome
async def test_every_routing_outcome_of_the_consortium(
    tmp_path, example: str, kind: ReturnKind, transfer: TransferKind | None, destination: str
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        item = await assert_return_routed(rig, example, kind, transfer, destination)
        entry = rig.entry(item)
        assert entry.status is Status.OK and entry.security is Security.DONE


async def test_an_unknown_item_is_taken_and_sent_to_the_exceptions(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        rig.sim.place(tag_for_item("3999999999", "SE-XYZ", secured=False))
        await rig.kiosk.start_return()
        returned = await rig.events.wait(ItemReturned, item_id="3999999999")
        assert returned.outcome.kind is ReturnKind.EXCEPTION
        assert returned.outcome.exception_reason == "checkin_refused"
        assert returned.outcome.slip is not None and returned.outcome.slip.lines


async def test_a_tag_that_cannot_be_decoded_is_still_taken_as_an_exception(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        blank = VirtualTag(uid=make_uid(0x04, 0xBADBAD))
        rig.sim.place(blank)
        await rig.kiosk.start_return()
        returned = await rig.events.wait(ItemReturned, item_id=blank.uid.hex().upper())
        assert returned.outcome.kind is ReturnKind.EXCEPTION
        assert returned.outcome.exception_reason == "tag_unreadable"


async def test_a_return_whose_tag_cannot_be_rearmed_is_reported(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        item = rig.acs.examples["return_reshelve"]["item"]
        [tag] = rig.place(item, secured=False)
        rig.sim.faults.fail_writes(tag.uid, times=50)
        await rig.kiosk.start_return()
        returned = await rig.events.wait(ItemReturned, item_id=item)
        assert not returned.outcome.security_ok
        await rig.events.wait(SecurityNotCleared, item_id=item)
        entry = rig.entry(item)
        assert entry.security is Security.FAILED
        # placed again, the kiosk re-arms it without a second check-in
        rig.sim.faults.clear()
        await rig.place_again(item, secured=False)
        await rig.settle()
        assert rig.secured(item)
        assert rig.journal.get(entry.id).security is Security.DONE
        checkins = [e for e in rig.acs.model.circulation_log(item=item) if e.action == "checkin"]
        assert len(checkins) == 1


async def test_a_stack_of_returns_is_checked_in_in_parallel(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        items = [loan.item for loan in rig.acs.model.all_loans()][:8]
        for item in items:
            rig.place(item)
        await rig.kiosk.start_return()
        for item in items:
            await rig.events.wait(ItemReturned, item_id=item)
            assert rig.secured(item)
            assert rig.acs.model.item(item).loan is None


async def test_the_return_service_alone_as_the_return_station_uses_it(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        service = ReturnService(
            Transactions(ils=rig.kiosk.ils, journal=rig.journal, security=rig.kiosk.security),
            settings=rig.settings,
            offline_policy=OfflinePolicy(),  # off: nothing is taken while offline
        )
        item = rig.acs.examples["return_transit_home"]["item"]
        [tag] = rig.place(item, secured=False)
        pad_tag = PadTag(tag.uid, decode(bytes(tag.memory), tag.dsfid))
        done = await service.check_in(item, [pad_tag])
        assert done.outcome is not None and done.outcome.kind is ReturnKind.OTHER_LIBRARY
        assert done.checkin is not None and done.checkin.destination == "SOD-HB"
        assert not done.unverified and rig.secured(item)
        rig.acs.faults.update(offline=True)
        other = rig.acs.examples["return_reshelve"]["item"]
        [tag2] = rig.place(other, secured=False)
        refused = await service.check_in(other, [PadTag(tag2.uid, decode(bytes(tag2.memory)))])
        assert refused.outcome is None and refused.refused is not None
        assert not rig.secured(other)  # not taken: nothing changed


async def test_a_return_visit_becomes_the_patrons_when_they_identify(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        item = rig.acs.examples["return_reshelve"]["item"]
        rig.place(item, secured=False)
        await rig.kiosk.start_return()
        await rig.events.wait(ItemReturned, item_id=item)
        await rig.login()  # then the patron wants to borrow too
        await rig.kiosk.start_borrow()
        await rig.settle()
        assert rig.acs.model.item(item).loan is None  # the returned book is not lent again
        lines = rig.kiosk.ctx.session.receipt_entries  # the receipt will list the return
        assert [(e.action, e.item_id) for e in lines] == [("returned", item)]


async def test_parts_of_a_set_that_come_later_are_armed_without_a_second_checkin(
    tmp_path,
) -> None:
    set_id = "3000000007"  # three parts
    async with kiosk_rig(tmp_path) as rig:
        rig.place(set_id, parts=[1, 2], secured=False)
        await rig.kiosk.start_return()
        await rig.events.wait(ItemReturned, item_id=set_id)
        await rig.settle()
        assert rig.secured(set_id, 1) and rig.secured(set_id, 2)
        rig.place(set_id, parts=[3], secured=False)
        await rig.settle()
        assert rig.secured(set_id, 3)
        checkins = [e for e in rig.acs.model.circulation_log(item=set_id) if e.action == "checkin"]
        assert len(checkins) == 1
        assert len(rig.events.of(ItemReturned, item_id=set_id)) == 1
