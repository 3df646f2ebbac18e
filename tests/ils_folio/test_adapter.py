"""The FOLIO adapter against the embedded library system's FOLIO face (through prism's proxy).

Patrons, blocks and PINs, loans, returns with their routing, renewals, the account, tokens that
expire, a FOLIO that is away, and answers that are lost on the way back: whatever happens, a
loan is never doubled and the kiosk is never told "done" for something that did not happen.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest

from kiosk.ils import (
    CheckinAlert,
    HoldState,
    ItemStatus,
    LibrarySystemUnavailable,
    LoanRequest,
    OutcomeUnknown,
    PatronBlock,
    RenewRequest,
    ReturnRequest,
)
from kiosk.ils.journal import EntryKind, Journal
from kiosk.ils.offline import settle_outcome
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.sip2.client import ClientSettings
from tests.ils_folio.rig import FolioBackend

PATRON, PIN = "2150000001", "1234"


def loans_logged(folio: FolioBackend, item: str) -> int:
    """Loans the library system made of ``item`` (its circulation log, renewals excluded)."""
    return sum(
        1
        for entry in folio.acs.model.circulation_log(item=item)
        if entry.action == "checkout" and entry.ok
    )


# ------------------------------------------------------------------------------------ patrons


async def test_a_patron_with_the_right_pin_is_valid_with_name_and_email(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        patron = await ils.patron(PATRON, PIN, details=True)
        assert (patron.valid, patron.pin_valid) == (True, True)
        assert patron.name == "Åsa Öberg" and patron.email
        assert patron.blocks == frozenset() and patron.currency == "SEK"
        wrong = await ils.patron(PATRON, "9999")
        assert (wrong.valid, wrong.pin_valid) == (True, False)


async def test_an_unknown_card_is_not_a_patron(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        patron = await ils.patron("2159999999", "1234")
        assert (patron.valid, patron.pin_valid) == (False, False)


@pytest.mark.parametrize(
    ("example", "blocks"),
    [
        ("patron_excessive_fees", {PatronBlock.EXCESSIVE_FEES, PatronBlock.CHARGE_DENIED}),
        ("patron_card_lost", {PatronBlock.CARD_LOST, PatronBlock.CHARGE_DENIED}),
        ("patron_blocked", {PatronBlock.CHARGE_DENIED, PatronBlock.RENEWAL_DENIED}),
        ("patron_expired", {PatronBlock.CHARGE_DENIED, PatronBlock.RENEWAL_DENIED}),
    ],
)
async def test_folios_patron_blocks_become_the_ports_blocks(
    folio: FolioBackend, example: str, blocks: set[PatronBlock]
) -> None:
    barcode = folio.acs.examples[example]["barcode"]
    async with folio.library_system() as ils:
        patron = await ils.patron(barcode)
        assert patron.valid and blocks <= patron.blocks
        assert patron.borrowing_blocks


async def test_the_library_systems_block_message_reaches_the_patron(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        patron = await ils.patron("2150000004", "4567")
        assert patron.messages == ("Du har för höga avgifter för att låna.",)
        assert patron.fee_amount is not None and patron.fee_amount > 100


# ---------------------------------------------------------------------------------- checkout


async def test_a_loan_is_made_at_the_kiosks_service_point_and_clears_the_security(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011", pin=PIN))
        assert result.ok and result.desensitize is True and not result.renewal
        assert result.title == "Röda rummet" and result.due_date is not None
        loan = folio.acs.model.loan("3000000011")
        assert loan is not None and (loan.patron, loan.branch) == (PATRON, "BOL-HB")
        assert result.due_date.date() == loan.due.date()


async def test_borrowing_what_one_already_has_renews_it(folio: FolioBackend) -> None:
    before = folio.acs.model.loan("3000000033")
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000033", pin=PIN))
    after = folio.acs.model.loan("3000000033")
    assert result.ok and result.renewal
    assert after is not None and before is not None
    assert (after.renewals, after.due > before.due) == (before.renewals + 1, True)


async def test_an_item_on_loan_to_someone_else_is_refused_with_the_library_text(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000004"))
    assert not result.ok and result.messages == ("Exemplaret är utlånat till någon annan.",)
    assert folio.acs.model.loan("3000000004").patron != PATRON


async def test_an_unknown_item_is_refused_and_unknown_to_the_item_lookup(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3999999999"))
        assert not result.ok and result.messages
        assert (await ils.item("3999999999")).status is ItemStatus.UNKNOWN


async def test_a_loan_with_a_fee_is_refused_because_folio_cannot_ask_for_it(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000006"))
    assert not result.ok and result.fee_due is None and result.messages
    assert folio.acs.model.loan("3000000006") is None


async def test_a_wrong_pin_lends_nothing(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011", pin="0000"))
    assert not result.ok and folio.acs.model.loan("3000000011") is None


# ----------------------------------------------------------------------------------- returns


@pytest.mark.parametrize(
    "example",
    [
        "return_reshelve",
        "return_floating_stays",
        "return_transit_home",
        "return_hold_here",
        "return_hold_transit",
        "return_unknown",
    ],
)
async def test_check_in_routing_is_the_same_as_over_sip2(folio: FolioBackend, example: str) -> None:
    """The same return, once over FOLIO and once over SIP2 on an identical consortium."""
    from kiosk.acs import EmbeddedACS

    item = folio.acs.examples[example]["item"]
    async with folio.library_system() as ils:
        over_folio = await ils.checkin(ReturnRequest(item_id=item))
    async with EmbeddedACS() as twin:
        login = twin.account("kiosk-bol-hb")
        client = ClientSettings(
            host=twin.host, port=twin.port, user=login.login, password=login.password
        )
        async with SIP2LibrarySystem(client) as sip2:
            over_sip2 = await sip2.checkin(ReturnRequest(item_id=item))
    routing = ("ok", "alert", "destination", "hold_for_patron", "title")
    assert {k: getattr(over_folio, k) for k in routing} == {
        k: getattr(over_sip2, k) for k in routing
    }
    if example == "return_transit_home":
        assert (over_folio.alert, over_folio.destination) == (
            CheckinAlert.SEND_ELSEWHERE,
            "SOD-HB",
        )


async def test_a_return_of_an_overdue_loan_charges_the_fine_from_the_return_time(
    folio: FolioBackend,
) -> None:
    model = folio.acs.model
    item = folio.acs.examples["loan_overdue"]["item"]
    patron = folio.acs.examples["loan_overdue"]["patron"]
    loan, record = model.loan(item), model.item(item)
    per_day = model.loan_rule(model.branch(loan.branch).library, record.media_type)
    fees_before = model.fees_total(patron)
    async with folio.library_system() as ils:
        result = await ils.checkin(
            ReturnRequest(
                item_id=item, no_block=True, transaction_date=loan.due + timedelta(days=2)
            )
        )
    assert result.ok and model.loan(item) is None
    assert model.fees_total(patron) - fees_before == 2 * per_day.overdue_fee_per_day


# ------------------------------------------------------------------------ account, renewals


async def test_the_account_has_loans_holds_with_their_pickup_place_and_fees(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        loans = await ils.account(PATRON, PIN)
        holds = await ils.account("2150000002", "2345")
        fees = await ils.account("2150000005", "5678")
    assert {loan.item_id for loan in loans.loans} == {
        loan.item for loan in folio.acs.model.loans_of(PATRON)
    }
    assert all(loan.title and loan.due_date for loan in loans.loans)
    states = {hold.title: (hold.state, hold.pickup_location) for hold in holds.holds}
    assert states == {
        "Kristin Lavransdatter": (HoldState.READY, "BOL-HB"),
        "Fjellet og fjorden": (HoldState.IN_TRANSIT, "BOL-HB"),
        "Sult": (HoldState.WAITING, "HUD-HB"),
    }
    ready = next(hold for hold in holds.holds if hold.state is HoldState.READY)
    assert ready.item_id == "3000000034" and ready.pickup_by is not None
    assert fees.fees and all(fee.currency == "SEK" and fee.amount for fee in fees.fees)


async def test_an_account_asked_with_a_wrong_pin_shows_nothing(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        account = await ils.account(PATRON, "0000")
    assert account.patron.pin_valid is False and not account.loans and not account.holds


async def test_renewals_extend_the_loan_or_say_why_not(folio: FolioBackend) -> None:
    before = folio.acs.model.loan("3000000033").due
    async with folio.library_system() as ils:
        renewed = await ils.renew(RenewRequest(patron_id=PATRON, item_id="3000000033", pin=PIN))
        at_limit = await ils.renew(RenewRequest(patron_id=PATRON, item_id="3000000031", pin=PIN))
        everything = await ils.renew_all(PATRON)
    assert renewed.ok and renewed.due_date is not None
    assert folio.acs.model.loan("3000000033").due > before
    assert not at_limit.ok and at_limit.messages == ("Lånet kan inte förnyas fler gånger.",)
    assert "3000000031" in everything.not_renewed and everything.renewed


# --------------------------------------------------------------- service points and status


async def test_branch_names_come_from_folios_service_points(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        assert await ils.check_online() and ils.online
        assert ils.service_point_code == "BOL-HB"
        assert ils.branch_names()["LJD-HB"] == "Ljusdals bibliotek"


async def test_a_service_point_folio_does_not_know_is_reported_not_online(
    folio: FolioBackend,
) -> None:
    async with folio.library_system(service_point_id="0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b") as ils:
        assert not await ils.check_online()
        assert ils.service_point_code is None


async def test_a_kiosk_that_started_without_folio_learns_its_service_points_later(
    folio: FolioBackend,
) -> None:
    folio.acs.faults.update(offline=True)
    async with folio.library_system() as ils:
        assert ils.branch_names() == {} and not ils.online
        folio.acs.faults.update(offline=False)
        assert await ils.check_online()
        assert ils.service_point_code == "BOL-HB" and ils.branch_names()["BOL-HB"]


# ------------------------------------------------------------------------ logins and tokens


async def test_an_expired_access_token_is_refreshed_and_the_request_answered(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        issued = len(folio.server.api.tokens.access)
        folio.server.expire_access_tokens()
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011"))
        assert result.ok and loans_logged(folio, "3000000011") == 1
        assert len(folio.server.api.tokens.access) == issued + 1  # refreshed, not a new login


async def test_a_kiosk_whose_session_is_gone_logs_in_again(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.server.serve(folio.acs.model, faults=folio.acs.faults)  # FOLIO forgot every token
        assert (await ils.patron(PATRON, PIN)).pin_valid


async def test_a_refused_login_makes_the_library_system_unavailable(folio: FolioBackend) -> None:
    async with folio.library_system(password="wrong") as ils:
        assert not ils.online
        with pytest.raises(LibrarySystemUnavailable, match="login refused"):
            await ils.patron(PATRON)
        assert not await ils.check_online()


# ------------------------------------------------------------------ FOLIO away, answers lost


async def test_an_offline_folio_is_unavailable_not_a_refusal(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(offline=True)
        with pytest.raises(LibrarySystemUnavailable) as raised:
            await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011"))
        assert not isinstance(raised.value, OutcomeUnknown)  # 503: it never got there
        assert not ils.online and not await ils.check_online()
        folio.acs.faults.update(offline=False)
        assert await ils.check_online()
    assert folio.acs.model.loan("3000000011") is None


async def test_a_folio_that_cannot_be_reached_is_unavailable() -> None:
    from kiosk.ils.folio import FolioLibrarySystem, FolioOptions
    from kiosk.ils.folio_http import FolioConnectionSettings
    from tests.ports import free_port

    settings = FolioConnectionSettings(
        base_url=f"http://127.0.0.1:{free_port()}",
        tenant="demo",
        username="kiosk",
        password="x",
        retries=1,
    )
    async with FolioLibrarySystem(
        settings, FolioOptions(service_point_id="0b0b0b0b-0b0b-4b0b-8b0b-0b0b0b0b0b0b")
    ) as ils:
        with pytest.raises(LibrarySystemUnavailable, match="cannot reach FOLIO"):
            await ils.checkin(ReturnRequest(item_id="3000000001"))
        assert not await ils.check_online()


async def test_a_lost_check_out_answer_is_settled_by_asking_not_by_resending(
    folio: FolioBackend,
) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(drop_after=1)  # carried out, the answer lost
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011"))
    assert result.ok and result.desensitize and not result.renewal
    assert loans_logged(folio, "3000000011") == 1
    assert folio.acs.model.loan("3000000011").renewals == 0


async def test_a_check_out_that_never_arrived_is_sent_once_more(folio: FolioBackend) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(drop_after=1, drop_before_processing=True)
        result = await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011"))
    assert result.ok and loans_logged(folio, "3000000011") == 1


async def test_a_lost_check_out_that_cannot_be_checked_is_an_unknown_outcome(
    folio: FolioBackend, tmp_path
) -> None:
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(drop_after=1, drop_repeat=True)  # every request dropped
        with pytest.raises(OutcomeUnknown):
            await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011"))
        folio.acs.faults.reset()
        journal = Journal(tmp_path / "journal.db")
        try:
            entry = journal.begin(EntryKind.CHECKOUT, "3000000011", patron_id=PATRON)
            assert await settle_outcome(ils, entry)  # the journal finds out it did happen
        finally:
            journal.close()
    assert loans_logged(folio, "3000000011") == 1


async def test_a_lost_renewal_is_an_unknown_outcome_and_never_renewed_twice(
    folio: FolioBackend,
) -> None:
    before = folio.acs.model.loan("3000000033").renewals
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(drop_after=1)
        with pytest.raises(OutcomeUnknown):
            await ils.renew(RenewRequest(patron_id=PATRON, item_id="3000000033"))
    assert folio.acs.model.loan("3000000033").renewals == before + 1


async def test_a_lost_check_in_answer_is_asked_again_and_charges_once(
    folio: FolioBackend,
) -> None:
    item = folio.acs.examples["loan_overdue"]["item"]
    patron = folio.acs.examples["loan_overdue"]["patron"]
    fees_before = folio.acs.model.fees_total(patron)
    async with folio.library_system() as ils:
        await ils.patron(PATRON)
        folio.acs.faults.update(drop_after=1)
        result = await ils.checkin(ReturnRequest(item_id=item))
    assert result.ok and folio.acs.model.loan(item) is None
    fines = folio.acs.model.fees_total(patron) - fees_before
    assert fines > 0
    assert [f.type for f in folio.acs.model.fees_of(patron)].count("overdue") == 1


# ------------------------------------------------------------------------------ offline replays


async def test_an_offline_loan_is_replayed_at_its_time_past_the_patrons_blocks(
    folio: FolioBackend,
) -> None:
    blocked = "2150000004"  # excessive fees: no loans at the desk
    when = datetime.now().replace(microsecond=0) - timedelta(hours=3)
    async with folio.library_system() as ils:
        first = await ils.checkout(
            LoanRequest(
                patron_id=blocked, item_id="3000000011", no_block=True, transaction_date=when
            )
        )
        again = await ils.checkout(
            LoanRequest(
                patron_id=blocked, item_id="3000000011", no_block=True, transaction_date=when
            )
        )
    loan = folio.acs.model.loan("3000000011")
    assert first.ok and again.ok and not again.renewal
    assert loan is not None and (loan.patron, loan.loaned, loan.renewals) == (blocked, when, 0)
    assert loans_logged(folio, "3000000011") == 1


# ---------------------------------------------------------------------------------- privacy


async def test_no_pin_password_or_card_number_reaches_the_log(
    folio: FolioBackend, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    async with folio.library_system() as ils:
        await ils.patron(PATRON, PIN, details=True)
        await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000011", pin=PIN))
        await ils.account(PATRON, PIN)
        folio.acs.faults.update(drop_after=1)
        await ils.checkout(LoanRequest(patron_id=PATRON, item_id="3000000012", pin=PIN))
    text = caplog.text
    for secret in (PIN, "pw-bol-hb", PATRON, "Öberg"):
        assert secret not in text
