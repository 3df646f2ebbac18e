"""The pipelines under the offline policy (the journal's own tests are in tests/core_offline)."""

from __future__ import annotations

from kiosk import core
from kiosk.ils.journal import Status
from kiosk.ils.offline import OfflineMode
from tests.core.fixtures import PATRON, kiosk_rig


async def test_loans_go_offline_and_are_replayed_once_when_the_library_is_back(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        [borrowed] = await rig.borrow("3000000011")
        assert borrowed.offline and not rig.secured("3000000011")
        assert (await rig.events.wait(core.LibrarySystemStatus)).online is False
        assert rig.journal.offline_queue_depth() == 1
        assert rig.acs.model.item("3000000011").loan is None
        rig.acs.faults.update(offline=False)
        await rig.events.wait(core.LibrarySystemStatus, online=True)
        assert rig.acs.model.item("3000000011").loan.patron == PATRON
        assert rig.entry("3000000011").status is Status.REPLAYED
        checkouts = [
            e for e in rig.acs.model.circulation_log(item="3000000011") if e.action == "checkout"
        ]
        assert len(checkouts) == 1


async def test_a_tag_marked_not_for_loan_offline_is_refused_offline(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        refused = await rig.borrow_refused("3000000009")
        assert refused.reason is core.Reason.NOT_FOR_LOAN_OFFLINE
        assert rig.secured("3000000009")


async def test_returns_only_policy_refuses_loans_but_takes_returns(tmp_path) -> None:
    async with kiosk_rig(tmp_path, offline=OfflineMode.RETURNS) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        refused = await rig.borrow_refused("3000000011")
        assert refused.reason is core.Reason.LIBRARY_SYSTEM_UNAVAILABLE and refused.retry_possible
        rig.take("3000000011")
        rig.place("3000000001", secured=False)
        await rig.kiosk.start_return()
        returned = await rig.events.wait(core.ItemReturned, item_id="3000000001")
        assert returned.offline and rig.secured("3000000001")


async def test_the_retry_list_is_sent_again_when_the_patron_asks(tmp_path) -> None:
    async with kiosk_rig(tmp_path, offline=OfflineMode.OFF) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        refused = await rig.borrow_refused("3000000011")
        assert refused.retry_possible
        rig.acs.faults.update(offline=False)
        await rig.kiosk.retry()
        await rig.events.wait(core.ItemBorrowed, item_id="3000000011")
        assert rig.acs.model.item("3000000011").loan.patron == PATRON


async def test_an_unreachable_library_system_still_lets_patrons_borrow_offline(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        rig.acs.faults.update(refuse_logins=True)
        await rig.acs.drop_connections()
        started = await rig.login()  # the PIN cannot be checked: the offline policy decides
        assert started.can_borrow and started.display_name == ""
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        borrowed = await rig.events.wait(core.ItemBorrowed, item_id="3000000011")
        assert borrowed.offline and not rig.secured("3000000011")
        view = await rig.kiosk.show_account()
        assert view is None
        refused = await rig.events.wait(core.ActionRefused)
        assert refused.action is core.Action.ACCOUNT
        assert refused.reason is core.Reason.LIBRARY_SYSTEM_UNAVAILABLE
        assert rig.kiosk.mode is core.Mode.BORROW  # the session goes on
        rig.acs.faults.update(refuse_logins=False)
        await rig.events.wait(core.LibrarySystemStatus, online=True)
        assert rig.acs.model.item("3000000011").loan.patron == PATRON


async def test_a_loan_whose_answer_was_lost_is_settled_before_the_item_is_returned(
    tmp_path,
) -> None:
    """The checkout reached the library system, its answer did not, and the offline policy (returns
    only) could not take it: it stays unsettled while the kiosk runs on. When the item is returned
    in the same visit, the kiosk first asks whether that loan was made, so the journal holds the
    loan and the return the library system carried out, in their order (found by the crash test,
    which saw a loan and a return in the library system that the journal lacked)."""
    item = "3000000011"
    async with kiosk_rig(tmp_path, pool_size=1, offline=OfflineMode.RETURNS) as rig:
        await rig.login()
        rig.acs.faults.update(drop_after=1, refuse_logins=True)  # carried out, answer lost
        refused = await rig.borrow_refused(item)
        assert refused.retry_possible
        assert rig.acs.model.item(item).loan is not None  # the loan was made after all
        [lost] = [e for e in rig.journal.entries() if e.item_id == item]
        assert lost.status is Status.PENDING
        rig.acs.faults.reset()
        await rig.kiosk.start_return()  # still offline here: an offline return, replayed later
        await rig.events.wait(core.ItemReturned, item_id=item)
        await rig.events.wait(core.LibrarySystemStatus, online=True)
        await rig.kiosk.wait_idle()
        checkout, checkin = [e for e in rig.journal.entries() if e.item_id == item]
        assert checkout.status is Status.OK and checkout.reason == "settled"
        assert checkin.status in (Status.OK, Status.REPLAYED)
        assert rig.acs.model.item(item).loan is None and rig.secured(item)
        actions = [e.action for e in rig.acs.model.circulation_log(item=item) if e.ok]
        assert actions == ["checkout", "checkin"]
