"""The pipelines under the offline policy (the journal's own tests are in tests/core_offline)."""

from __future__ import annotations

from kiosk.core import (
    Action,
    ActionRefused,
    ItemBorrowed,
    ItemRefused,
    ItemReturned,
    LibrarySystemStatus,
    Mode,
    Reason,
)
from kiosk.ils.journal import Status
from kiosk.ils.offline import OfflineMode
from tests.core.fixtures import PATRON, kiosk_rig


async def test_loans_go_offline_and_are_replayed_once_when_the_library_is_back(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        borrowed = await rig.events.wait(ItemBorrowed, item_id="3000000011")
        assert borrowed.offline and not rig.secured("3000000011")
        assert (await rig.events.wait(LibrarySystemStatus)).online is False
        assert rig.journal.offline_queue_depth() == 1
        assert rig.acs.model.item("3000000011").loan is None
        rig.acs.faults.update(offline=False)
        await rig.events.wait(LibrarySystemStatus, online=True)
        assert rig.acs.model.item("3000000011").loan.patron == PATRON
        [entry] = [e for e in rig.journal.entries() if e.item_id == "3000000011"]
        assert entry.status is Status.REPLAYED
        checkouts = [
            e for e in rig.acs.model.circulation_log(item="3000000011") if e.action == "checkout"
        ]
        assert len(checkouts) == 1


async def test_a_tag_marked_not_for_loan_offline_is_refused_offline(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        rig.place("3000000009")
        await rig.kiosk.start_borrow()
        refused = await rig.events.wait(ItemRefused, item_id="3000000009")
        assert refused.reason is Reason.NOT_FOR_LOAN_OFFLINE
        assert rig.secured("3000000009")


async def test_returns_only_policy_refuses_loans_but_takes_returns(tmp_path) -> None:
    async with kiosk_rig(tmp_path, offline=OfflineMode.RETURNS) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        refused = await rig.events.wait(ItemRefused, item_id="3000000011")
        assert refused.reason is Reason.LIBRARY_SYSTEM_UNAVAILABLE and refused.retry_possible
        rig.take("3000000011")
        rig.place("3000000001", secured=False)
        await rig.kiosk.start_return()
        returned = await rig.events.wait(ItemReturned, item_id="3000000001")
        assert returned.offline and rig.secured("3000000001")


async def test_the_retry_list_is_sent_again_when_the_patron_asks(tmp_path) -> None:
    async with kiosk_rig(tmp_path, offline=OfflineMode.OFF) as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        refused = await rig.events.wait(ItemRefused, item_id="3000000011")
        assert refused.retry_possible
        rig.acs.faults.update(offline=False)
        await rig.kiosk.retry()
        await rig.events.wait(ItemBorrowed, item_id="3000000011")
        assert rig.acs.model.item("3000000011").loan.patron == PATRON


async def test_an_unreachable_library_system_still_lets_patrons_borrow_offline(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        rig.acs.faults.update(refuse_logins=True)
        await rig.acs.drop_connections()
        started = await rig.login()  # the PIN cannot be checked: the offline policy decides
        assert started.can_borrow and started.display_name == ""
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        borrowed = await rig.events.wait(ItemBorrowed, item_id="3000000011")
        assert borrowed.offline and not rig.secured("3000000011")
        view = await rig.kiosk.show_account()
        assert view is None
        refused = await rig.events.wait(ActionRefused)
        assert refused.action is Action.ACCOUNT
        assert refused.reason is Reason.LIBRARY_SYSTEM_UNAVAILABLE
        assert rig.kiosk.mode is Mode.BORROW  # the session goes on
        rig.acs.faults.update(refuse_logins=False)
        await rig.events.wait(LibrarySystemStatus, online=True)
        assert rig.acs.model.item("3000000011").loan.patron == PATRON
