"""The account: loans with due dates, renewals, holds by place, fees."""

from __future__ import annotations

from kiosk import core
from tests.core.fixtures import PATRON, PIN, kiosk_rig


async def test_loans_come_with_titles_and_due_dates(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        view = await rig.kiosk.show_account()
        assert view is not None
        expected = {loan.item: loan.due for loan in rig.acs.model.loans_of(PATRON)}
        assert {loan.item_id for loan in view.loans} == set(expected)
        for loan in view.loans:
            assert loan.title and loan.due_date is not None
            assert loan.due_date.date() == expected[loan.item_id].date()
        assert (await rig.events.wait(core.AccountShown)).account == view


async def test_holds_are_ready_here_in_transit_or_waiting(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login("2150000002", "2345")
        view = await rig.kiosk.show_account()
        assert view is not None
        places = {hold.title: hold.place for hold in view.holds}
        assert core.HoldPlace.READY_HERE in places.values()
        assert core.HoldPlace.IN_TRANSIT in places.values()
        assert core.HoldPlace.WAITING in places.values()
        ready = next(h for h in view.holds if h.place is core.HoldPlace.READY_HERE)
        assert ready.pickup_name == "Bollnäs huvudbibliotek"


async def test_a_hold_ready_at_another_branch_names_that_branch(tmp_path) -> None:
    async with kiosk_rig(tmp_path, account="kiosk-hud-hb") as rig:
        await rig.login("2150000002", "2345")
        view = await rig.kiosk.show_account()
        assert view is not None
        elsewhere = [h for h in view.holds if h.place is core.HoldPlace.READY_ELSEWHERE]
        assert elsewhere and elsewhere[0].pickup_name == "Bollnäs huvudbibliotek"


async def test_fees_are_listed_with_their_total(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login("2150000005", "5678")
        view = await rig.kiosk.show_account()
        assert view is not None and view.fees
        assert view.total_fees is not None and float(view.total_fees) > 0
        assert view.currency == "SEK"


async def test_renewing_selected_loans_reports_each_one(tmp_path) -> None:
    ok_item = "3000000033"
    limit_item = "3000000031"
    held_item = "3000000032"
    async with kiosk_rig(tmp_path) as rig:
        due_before = rig.acs.model.item(ok_item).loan.due
        await rig.login(PATRON, PIN)
        await rig.kiosk.renew([ok_item, limit_item, held_item])
        renewed = await rig.events.wait(core.ItemRenewed, item_id=ok_item)
        assert renewed.due_date is not None and renewed.due_date > due_before
        # Each refusal says why, as a reason the screen translates (someone waits for it; it
        # was renewed as often as it may be), not as the library system's Swedish sentence.
        for item, reason in (
            (limit_item, core.Reason.RENEWAL_LIMIT),
            (held_item, core.Reason.RENEWAL_RESERVED),
        ):
            refused = await rig.events.wait(core.ItemRefused, item_id=item)
            assert refused.reason is reason and refused.messages == ()
        journalled = {e.item_id: e.status.value for e in rig.journal.entries()}
        assert journalled == {ok_item: "ok", limit_item: "refused", held_item: "refused"}


async def test_renew_all_renews_what_may_be_renewed(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login(PATRON, PIN)
        loans = {loan.item for loan in rig.acs.model.loans_of(PATRON)}
        await rig.kiosk.renew_all()
        outcomes = {e.item_id for e in rig.events.of(core.ItemRenewed)} | {
            e.item_id for e in rig.events.of(core.ItemRefused)
        }
        assert outcomes == loans
        assert rig.events.of(core.ItemRenewed)


async def test_the_library_systems_known_words_become_the_reason_not_a_raw_message(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        started = await rig.login("2150000004", "4567")  # fees too high to borrow
        assert started.borrow_refusal is core.Reason.EXCESSIVE_FEES
        assert started.messages == ()  # "Du har för höga avgifter för att låna." recognised
        await rig.kiosk.show_account()
        await rig.events.wait(core.AccountShown)
        assert not rig.events.of(core.ScreenMessages)
