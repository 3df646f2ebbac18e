"""The kiosk core's behaviour, run once over SIP2 and once over FOLIO: the same kiosk either way.

Each test drives :class:`kiosk.core.Kiosk` with the simulated FEIG pad and a real journal
against the embedded consortium -- over the SIP2 adapter and server (``tests.core.fixtures``),
and over the FOLIO adapter and the embedded FOLIO face with prism validating every circulation
request and answer. A representative set of the core's tests: borrowing (stack, renewal,
refusals, blocks, unknown items), every return routing outcome, renewals, the account, and an
offline loan replayed once.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from pathlib import Path

import pytest

from drivers.rfid import tag_for_item
from kiosk.core import (
    HoldPlace,
    ItemBorrowed,
    ItemRefused,
    ItemRenewed,
    ItemReturned,
    LibrarySystemStatus,
    Reason,
    ReturnKind,
    TransferKind,
)
from kiosk.ils.journal import Entry, Security, Status
from tests.core.fixtures import (
    PATRON,
    PIN,
    Rig,
    assert_return_routed,
    every_routing_outcome,
    kiosk_rig,
)
from tests.ils_folio.rig import folio_kiosk_rig

MakeRig = Callable[..., contextlib.AbstractAsyncContextManager[Rig]]


@pytest.fixture(params=["sip2", "folio"])
def kiosk_on(request: pytest.FixtureRequest, tmp_path: Path) -> MakeRig:
    """``async with kiosk_on(**rig_options) as rig`` -- on the back end of this run."""
    if request.param == "sip2":
        return lambda **options: kiosk_rig(tmp_path, **options)
    gateway = request.getfixturevalue("gateway")  # prism starts only for the FOLIO runs
    return lambda **options: folio_kiosk_rig(tmp_path, gateway, **options)


def replayed(rig: Rig, item: str) -> Entry:
    return next(e for e in rig.journal.entries() if e.item_id == item)


def checkouts(rig: Rig, item: str) -> int:
    return sum(
        1 for e in rig.acs.model.circulation_log(item=item) if e.action == "checkout" and e.ok
    )


# ---------------------------------------------------------------------------------- borrowing


async def test_a_stack_is_lent_and_every_tag_disarmed(kiosk_on: MakeRig) -> None:
    stack = ["3000000011", "3000000012", "3000000013"]
    async with kiosk_on() as rig:
        await rig.login()
        for barcode, event in zip(stack, await rig.borrow(*stack), strict=True):
            assert event.title and event.due_date is not None and not event.offline
            assert not rig.secured(barcode)
            assert rig.acs.model.item(barcode).loan.patron == PATRON
            assert checkouts(rig, barcode) == 1
        entries = [e for e in rig.journal.entries() if e.item_id in stack]
        assert len(entries) == 3
        assert all(e.status is Status.OK and e.security is Security.DONE for e in entries)


async def test_an_item_the_patron_already_has_is_renewed(kiosk_on: MakeRig) -> None:
    async with kiosk_on() as rig:
        before = rig.acs.model.item("3000000033").loan
        await rig.login()
        rig.place("3000000033")
        await rig.kiosk.start_borrow()
        event = await rig.events.wait(ItemBorrowed, item_id="3000000033")
        assert event.renewed and not rig.events.of(ItemRefused)
        after = rig.acs.model.item("3000000033").loan
        assert after.due > before.due and after.renewals == before.renewals + 1


async def test_a_refused_loan_keeps_the_tag_secured_and_says_why_in_the_patrons_words(
    kiosk_on: MakeRig,
) -> None:
    async with kiosk_on() as rig:
        await rig.login()
        refused = await rig.borrow_refused("3000000004", secured=True)  # on loan to another patron
        # "Exemplaret är utlånat till någon annan." recognised: a reason the screen translates
        assert refused.reason is Reason.ON_LOAN_TO_OTHER
        assert refused.messages == ()
        assert rig.secured("3000000004")


async def test_a_patron_whose_fees_are_too_high_may_not_borrow(kiosk_on: MakeRig) -> None:
    async with kiosk_on() as rig:
        started = await rig.login("2150000004", "4567")
        assert not started.can_borrow and started.borrow_refusal is Reason.EXCESSIVE_FEES
        assert started.messages == ()  # "Du har för höga avgifter för att låna." recognised
        refused = await rig.borrow_refused("3000000011")
        assert refused.reason is Reason.EXCESSIVE_FEES
        assert rig.acs.model.item("3000000011").loan is None and rig.secured("3000000011")


async def test_a_card_reported_lost_is_refused_at_identification(kiosk_on: MakeRig) -> None:
    from kiosk.core import IdentifyRefused

    async with kiosk_on() as rig:
        await rig.kiosk.identify("2150000006")
        await rig.kiosk.enter_pin("6789")
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.CARD_LOST


async def test_an_item_the_library_does_not_know_is_refused_as_unknown(kiosk_on: MakeRig) -> None:
    async with kiosk_on() as rig:
        await rig.login()
        rig.sim.place(tag_for_item("3999999999", "SE-XYZ"))
        await rig.kiosk.start_borrow()
        refused = await rig.events.wait(ItemRefused, item_id="3999999999")
        assert refused.reason is Reason.ITEM_UNKNOWN and refused.messages == ()


# ------------------------------------------------------------------------------------ returns


@every_routing_outcome
async def test_every_routing_outcome_of_the_consortium(
    kiosk_on: MakeRig,
    example: str,
    kind: ReturnKind,
    transfer: TransferKind | None,
    destination: str,
) -> None:
    async with kiosk_on() as rig:
        await assert_return_routed(rig, example, kind, transfer, destination)


async def test_an_unknown_item_is_taken_back_and_sent_to_the_exceptions(
    kiosk_on: MakeRig,
) -> None:
    async with kiosk_on() as rig:
        rig.sim.place(tag_for_item("3999999999", "SE-XYZ", secured=False))
        await rig.kiosk.start_return()
        returned = await rig.events.wait(ItemReturned, item_id="3999999999")
        assert returned.outcome.kind is ReturnKind.EXCEPTION


# ------------------------------------------------------------------------- account, renewals


async def test_renewing_selected_loans_reports_each_one(kiosk_on: MakeRig) -> None:
    async with kiosk_on() as rig:
        due_before = rig.acs.model.item("3000000033").loan.due
        await rig.login(PATRON, PIN)
        await rig.kiosk.renew(["3000000033", "3000000031", "3000000032"])
        renewed = await rig.events.wait(ItemRenewed, item_id="3000000033")
        assert renewed.due_date is not None
        assert rig.acs.model.item("3000000033").loan.due > due_before
        # Why not, as reasons the screen translates: renewed as often as it may be; someone
        # is waiting for it.
        expected = {"3000000031": Reason.RENEWAL_LIMIT, "3000000032": Reason.RENEWAL_RESERVED}
        for item, reason in expected.items():
            refused = await rig.events.wait(ItemRefused, item_id=item)
            assert refused.reason is reason and refused.messages == ()


async def test_the_account_shows_loans_holds_by_place_and_fees(kiosk_on: MakeRig) -> None:
    async with kiosk_on() as rig:
        await rig.login(PATRON, PIN)
        view = await rig.kiosk.show_account()
        assert view is not None
        expected = {loan.item: loan.due for loan in rig.acs.model.loans_of(PATRON)}
        assert {loan.item_id for loan in view.loans} == set(expected)
        for loan in view.loans:
            assert loan.title and loan.due_date.date() == expected[loan.item_id].date()
        await rig.kiosk.end_session()
        await rig.login("2150000002", "2345")
        view = await rig.kiosk.show_account()
        assert view is not None
        places = {hold.place for hold in view.holds}
        assert {HoldPlace.READY_HERE, HoldPlace.IN_TRANSIT, HoldPlace.WAITING} <= places
        ready = next(h for h in view.holds if h.place is HoldPlace.READY_HERE)
        assert ready.pickup_name == "Bollnäs huvudbibliotek"
        await rig.kiosk.end_session()
        await rig.login("2150000005", "5678")
        view = await rig.kiosk.show_account()
        assert view is not None and view.fees and view.currency == "SEK"
        assert view.total_fees is not None and float(view.total_fees) > 0


# ------------------------------------------------------------------------------------ offline


async def test_a_loan_made_while_offline_is_replayed_once_when_the_library_is_back(
    kiosk_on: MakeRig,
) -> None:
    async with kiosk_on() as rig:
        await rig.login()
        rig.acs.faults.update(offline=True)
        [borrowed] = await rig.borrow("3000000011")
        assert borrowed.offline and not rig.secured("3000000011")
        assert rig.acs.model.item("3000000011").loan is None
        rig.acs.faults.update(offline=False)
        await rig.events.wait(LibrarySystemStatus, online=True)
        async with asyncio.timeout(10):
            while replayed(rig, "3000000011").status is not Status.REPLAYED:
                await asyncio.sleep(0.05)
        assert rig.acs.model.item("3000000011").loan.patron == PATRON
        assert checkouts(rig, "3000000011") == 1
