"""Consortium circulation rules, checked directly on the model (no SIP2 in between)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from kiosk import acs
from kiosk.acs.circulation import ReturnResult
from kiosk.ils.port import LoanRequest, RenewRequest
from tests.acs.fixtures import DEMO

ASA = DEMO["patron"]["barcode"]


@pytest.fixture
def circ() -> acs.Circulation:
    return acs.Circulation(acs.ConsortiumModel.open())


@pytest.fixture
def bollnas(circ: acs.Circulation):  # the Bollnäs main library kiosk
    return circ.terminal("kiosk-bol-hb", "BOL-HB")


# --- returns: every routing outcome of the demo data -------------------------------------------


def routing(result: ReturnResult) -> tuple[bool, str, bool, str | None]:
    """What a return says: taken or not, the routing outcome, the alert and the sort bin."""
    return (result.ok, result.outcome, result.alert, result.sort_bin)


def test_an_item_whose_home_is_here_is_reshelved(circ, bollnas) -> None:
    result = circ.checkin(bollnas, DEMO["return_reshelve"]["item"])
    assert routing(result) == (True, acs.RESHELVE, False, "1")
    assert result.item.status == "available" and result.item.loan is None


def test_a_floating_item_stays_where_it_is_returned(circ, bollnas) -> None:
    barcode = DEMO["return_floating_stays"]["item"]
    assert circ.model.item(barcode).home_branch == "HUD-HB"
    result = circ.checkin(bollnas, barcode)
    assert (result.outcome, result.alert, result.destination) == (acs.FLOATING_STAYS, False, None)
    assert circ.model.item(barcode).home_branch == "BOL-HB"  # its new home
    assert circ.model.item(barcode).status == "available"


def test_an_item_of_another_library_goes_home_in_transit(circ, bollnas) -> None:
    result = circ.checkin(bollnas, DEMO["return_transit_home"]["item"])
    assert (result.outcome, result.alert_type, result.destination) == (
        acs.TRANSIT_HOME,
        "04",
        "SOD-HB",
    )
    assert result.sort_bin == "6"  # Bollnäs sorts the van to Söderhamn into bin 6
    item = circ.model.item(DEMO["return_transit_home"]["item"])
    assert (item.status, item.transit_to, item.location) == ("in_transit", "SOD-HB", "BOL-HB")


def test_an_item_that_fills_a_hold_picked_up_here_is_trapped(circ, bollnas) -> None:
    example = DEMO["return_hold_here"]
    result = circ.checkin(bollnas, example["item"])
    assert (result.outcome, result.alert_type, result.sort_bin) == (acs.HOLD_HERE, "01", "2")
    assert result.hold_patron == example["hold_patron"]
    assert result.hold_patron_short == "Kjærsti L."  # never the full name on a slip
    hold = circ.model.item(example["item"]).hold
    assert (hold.state, hold.pickup, hold.patron) == ("ready", "BOL-HB", example["hold_patron"])
    assert hold.expires == circ.model.now().date() + timedelta(days=7)


def test_an_item_that_fills_a_hold_elsewhere_goes_to_the_pickup_branch(circ, bollnas) -> None:
    example = DEMO["return_hold_transit"]
    result = circ.checkin(bollnas, example["item"])
    assert (result.outcome, result.alert_type, result.destination) == (
        acs.HOLD_TRANSIT,
        "02",
        "LJD-HB",
    )
    assert result.hold_patron == example["hold_patron"]
    item = circ.model.item(example["item"])
    assert (item.status, item.transit_to, item.hold.state) == ("in_transit", "LJD-HB", "in_transit")


def test_an_unknown_item_is_an_exception_not_a_refusal_to_take_it(circ, bollnas) -> None:
    result = circ.checkin(bollnas, DEMO["return_unknown"]["item"])
    assert routing(result) == (False, acs.EXCEPTION, True, "9")
    assert result.reason is acs.Reason.UNKNOWN_ITEM


def test_an_item_in_transit_arriving_at_its_pickup_branch_becomes_ready(circ) -> None:
    bollnas = circ.terminal("kiosk-bol-hb", "BOL-HB")
    ljusdal = circ.terminal("kiosk-ljd-hb", "LJD-HB")
    barcode = DEMO["return_hold_transit"]["item"]
    circ.checkin(bollnas, barcode)
    arrived = circ.checkin(ljusdal, barcode)
    assert arrived.outcome == acs.HOLD_HERE
    assert circ.model.item(barcode).status == "on_hold_shelf"


def test_sort_bins_follow_the_branch_mapping_rules(circ, bollnas) -> None:
    dvd = DEMO["borrow_chargeable"]["item"]
    circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=dvd, fee_acknowledged=True))
    assert circ.checkin(bollnas, dvd).sort_bin == "4"  # Bollnäs reshelves films in bin 4
    arbra = circ.terminal("kiosk-bol-arb", "BOL-ARB")
    circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=dvd, fee_acknowledged=True))
    assert circ.checkin(arbra, dvd).sort_bin == "3"  # Arbrå: one transport bin


def test_an_overdue_return_charges_the_fine_of_the_rules(circ, bollnas) -> None:
    late = DEMO["loan_overdue"]
    before = circ.model.fees_total(late["patron"])
    result = circ.checkin(bollnas, late["item"])  # lent in Edsbyn: 2.00 SEK a day, 12 days late
    assert result.fine == 12 * 200
    assert circ.model.fees_total(late["patron"]) == before + 2400
    assert circ.model.fees_of(late["patron"])[-1].type == "overdue"


# --- loans ---------------------------------------------------------------------------------------


def test_a_loan_gets_the_due_date_of_the_kiosk_librarys_rules(circ, bollnas) -> None:
    result = circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000011"))
    assert result.ok and not result.renewal
    assert result.due.date() == circ.model.now().date() + timedelta(days=28)
    loan = circ.model.loan("3000000011")
    assert (loan.patron, loan.branch) == (ASA, "BOL-HB")


def test_the_rfid_card_uid_identifies_the_patron_too(circ, bollnas) -> None:
    result = circ.checkout(
        bollnas, LoanRequest(patron_id=DEMO["patron"]["card_uid"].lower(), item_id="3000000012")
    )
    assert result.ok and circ.model.loan("3000000012").patron == ASA


def test_two_kiosks_cannot_lend_the_same_item_twice(circ, bollnas) -> None:
    assert circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000013")).ok
    other = circ.checkout(bollnas, LoanRequest(patron_id="2150000011", item_id="3000000013"))
    assert (other.ok, other.reason) == (False, acs.Reason.ON_LOAN_TO_OTHER)


def test_borrowing_what_one_already_has_renews_it(circ, bollnas) -> None:
    result = circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=DEMO["renew_ok"]["item"]))
    assert result.ok and result.renewal
    assert circ.model.loan(DEMO["renew_ok"]["item"]).renewals == 1


@pytest.mark.parametrize(
    ("example", "reason"),
    [
        ("patron_blocked", acs.Reason.PATRON_BLOCKED),
        ("patron_excessive_fees", acs.Reason.EXCESSIVE_FEES),
        ("patron_card_lost", acs.Reason.CARD_LOST),
        ("patron_expired", acs.Reason.CARD_EXPIRED),
    ],
)
def test_blocks_and_fees_refuse_loans(circ, bollnas, example: str, reason: acs.Reason) -> None:
    result = circ.checkout(
        bollnas, LoanRequest(patron_id=DEMO[example]["barcode"], item_id="3000000014")
    )
    assert (result.ok, result.reason) == (False, reason)
    assert result.message  # a screen message for the patron
    assert circ.model.loan("3000000014") is None


def test_a_small_fee_does_not_stop_borrowing(circ, bollnas) -> None:
    assert circ.checkout(
        bollnas, LoanRequest(patron_id=DEMO["patron_small_fee"]["barcode"], item_id="3000000014")
    ).ok


def test_a_wrong_pin_refuses_and_a_right_one_lends(circ, bollnas) -> None:
    assert (
        circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000015", pin="0000")).reason
        is acs.Reason.WRONG_PIN
    )
    assert circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000015", pin="1234")).ok


def test_a_chargeable_loan_is_refused_with_the_fee_until_acknowledged(circ, bollnas) -> None:
    dvd = DEMO["borrow_chargeable"]["item"]
    first = circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=dvd))
    assert (first.ok, first.reason, first.fee) == (False, acs.Reason.FEE_NOT_ACKNOWLEDGED, 1500)
    assert circ.model.fees_total(ASA) == 0
    second = circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=dvd, fee_acknowledged=True))
    assert second.ok and second.fee == 1500
    assert [f.type for f in circ.model.fees_of(ASA)] == ["rental"]


def test_the_kiosk_librarys_rules_decide_what_costs(circ) -> None:
    hudiksvall = circ.terminal("kiosk-hud-hb", "HUD-HB")  # Hudiksvall lends films for free
    assert circ.checkout(
        hudiksvall, LoanRequest(patron_id=ASA, item_id=DEMO["borrow_chargeable"]["item"])
    ).ok


def test_reference_items_are_not_for_loan(circ, bollnas) -> None:
    result = circ.checkout(
        bollnas, LoanRequest(patron_id=ASA, item_id=DEMO["borrow_reference"]["item"])
    )
    assert result.reason is acs.Reason.NOT_LOANABLE


def test_an_item_on_the_hold_shelf_is_only_for_its_patron(circ, bollnas) -> None:
    ready = DEMO["hold_ready"]
    assert (
        circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id=ready["item"])).reason
        is acs.Reason.RESERVED_FOR_OTHER
    )
    result = circ.checkout(bollnas, LoanRequest(patron_id=ready["patron"], item_id=ready["item"]))
    assert result.ok
    assert all(h.record != "R" + ready["item"] for h in circ.model.holds_of(ready["patron"]))


def test_the_loan_limit_of_the_rules_is_enforced(circ) -> None:
    hud = circ.terminal("kiosk-hud-hb", "HUD-HB")
    films = [
        b
        for b in circ.model.items()
        if circ.model.item(b).media_type == "dvd" and circ.model.item(b).status == "available"
    ][:11]
    results = [circ.checkout(hud, LoanRequest(patron_id="2150000011", item_id=b)) for b in films]
    assert [r.ok for r in results] == [True] * 10 + [False]
    assert results[-1].reason is acs.Reason.TOO_MANY_LOANS


# --- renewals ------------------------------------------------------------------------------------


def test_renewals_stop_at_the_limit_of_the_rules(circ, bollnas) -> None:
    result = circ.renew(
        bollnas, RenewRequest(patron_id=ASA, item_id=DEMO["renew_limit_reached"]["item"])
    )
    assert (result.ok, result.reason) == (False, acs.Reason.RENEWAL_LIMIT)


def test_a_loan_someone_waits_for_cannot_be_renewed(circ, bollnas) -> None:
    result = circ.renew(
        bollnas, RenewRequest(patron_id=ASA, item_id=DEMO["renew_blocked_by_hold"]["item"])
    )
    assert (result.ok, result.reason) == (False, acs.Reason.RENEWAL_RESERVED)


def test_a_renewal_moves_the_due_date_and_counts(circ, bollnas) -> None:
    barcode = DEMO["renew_ok"]["item"]
    before = circ.model.loan(barcode)
    result = circ.renew(bollnas, RenewRequest(patron_id=ASA, item_id=barcode))
    assert result.ok and result.due > before.due
    assert circ.model.loan(barcode).renewals == before.renewals + 1


def test_renew_all_renews_what_it_may_and_lists_the_rest(circ, bollnas) -> None:
    result = circ.renew_all(bollnas, ASA)
    assert DEMO["renew_ok"]["item"] in result.renewed
    assert {DEMO["renew_limit_reached"]["item"], DEMO["renew_blocked_by_hold"]["item"]} <= set(
        result.unrenewed
    )
    assert len(result.renewed) + len(result.unrenewed) == len(circ.model.loans_of(ASA))


# --- offline replays -----------------------------------------------------------------------------


def test_an_offline_loan_is_accepted_with_its_original_date_despite_blocks(circ, bollnas) -> None:
    when = circ.model.now().replace(microsecond=0) - timedelta(days=2)
    blocked = DEMO["patron_blocked"]["barcode"]
    result = circ.checkout(
        bollnas,
        LoanRequest(patron_id=blocked, item_id="3000000016", no_block=True, transaction_date=when),
    )
    assert result.ok
    loan = circ.model.loan("3000000016")
    assert loan.loaned == when
    assert loan.due.date() == when.date() + timedelta(days=28)


def test_offline_replays_refused_by_the_rules(circ, bollnas) -> None:
    now = circ.model.now()
    stale = circ.checkout(
        bollnas,
        LoanRequest(
            patron_id=ASA,
            item_id="3000000017",
            no_block=True,
            transaction_date=now - timedelta(days=30),
        ),
    )
    assert stale.reason is acs.Reason.STALE_OFFLINE
    not_offline = circ.checkout(
        bollnas,
        LoanRequest(
            patron_id=ASA,
            item_id=DEMO["borrow_not_offline"]["item"],
            no_block=True,
            transaction_date=now,
        ),
    )
    assert not_offline.reason is acs.Reason.NOT_FOR_OFFLINE_LOAN
    circ.checkout(bollnas, LoanRequest(patron_id="2150000011", item_id="3000000018"))
    taken = circ.checkout(
        bollnas,
        LoanRequest(patron_id=ASA, item_id="3000000018", no_block=True, transaction_date=now),
    )
    assert taken.reason is acs.Reason.ON_LOAN_TO_OTHER


def test_an_offline_loan_keeps_the_due_date_the_kiosk_gave(circ, bollnas) -> None:
    due = datetime(2031, 1, 2, 23, 59)
    result = circ.checkout(
        bollnas,
        LoanRequest(
            patron_id=ASA, item_id="3000000019", no_block=True, transaction_date=circ.model.now()
        ),
        nb_due_date=due,
    )
    assert result.ok and circ.model.loan("3000000019").due == due


# --- holds, fees, blocks -------------------------------------------------------------------------


def test_a_hold_is_placed_with_a_pickup_branch_and_a_queue_position(circ, bollnas) -> None:
    result = circ.hold(bollnas, "+", ASA, item_id="3000000037", pickup="BOL-KIL")
    assert result.ok and not result.available
    assert (result.hold.pickup, result.hold.state, result.hold.position) == (
        "BOL-KIL",
        "waiting",
        2,
    )


def test_a_hold_defaults_to_the_home_branch_and_is_not_placed_twice(circ, bollnas) -> None:
    first = circ.hold(bollnas, "+", "2150000011", item_id="3000000020")
    assert first.ok and first.hold.pickup == "BOL-HB" and first.available
    again = circ.hold(bollnas, "+", "2150000011", item_id="3000000020")
    assert again.reason is acs.Reason.HOLD_EXISTS


def test_holds_can_change_pickup_and_be_cancelled(circ, bollnas) -> None:
    circ.hold(bollnas, "+", ASA, item_id="3000000037", pickup="BOL-KIL")
    changed = circ.hold(bollnas, "*", ASA, item_id="3000000037", pickup="HUD-BUS")
    assert changed.ok and changed.hold.pickup == "HUD-BUS"
    assert circ.hold(bollnas, "-", ASA, item_id="3000000037").ok
    assert circ.hold(bollnas, "-", ASA, item_id="3000000037").reason is acs.Reason.NO_SUCH_HOLD


def test_blocked_patrons_cannot_place_holds(circ, bollnas) -> None:
    result = circ.hold(bollnas, "+", DEMO["patron_blocked"]["barcode"], item_id="3000000037")
    assert result.reason is acs.Reason.PATRON_BLOCKED


def test_fees_are_paid_oldest_first_and_overpayment_is_refused(circ, bollnas) -> None:
    patron = DEMO["patron_excessive_fees"]["barcode"]
    assert not circ.pay(bollnas, patron, 20000).accepted
    paid = circ.pay(bollnas, patron, 13000)
    assert paid.accepted and paid.remaining == 2500
    assert [f.outstanding for f in circ.model.fees_of(patron)] == [2500]
    # below the limit again:
    assert circ.checkout(bollnas, LoanRequest(patron_id=patron, item_id="3000000020")).ok


def test_a_kiosk_block_can_be_lifted_by_a_kiosk_but_a_staff_block_cannot(circ, bollnas) -> None:
    circ.block_patron(bollnas, ASA, "Card left in the machine")
    assert (
        circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000021")).reason
        is acs.Reason.PATRON_BLOCKED
    )
    assert circ.enable_patron(bollnas, ASA).lifted
    assert circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000021")).ok
    assert not circ.enable_patron(bollnas, DEMO["patron_blocked"]["barcode"]).lifted


def test_every_change_is_in_the_circulation_log(circ, bollnas) -> None:
    circ.checkout(bollnas, LoanRequest(patron_id=ASA, item_id="3000000022"))
    circ.checkin(bollnas, "3000000022")
    actions = [(e.action, e.ok, e.account) for e in circ.model.circulation_log(item="3000000022")]
    assert actions == [("checkout", True, "kiosk-bol-hb"), ("checkin", True, "kiosk-bol-hb")]


def test_patron_standing_reports_the_status_bits(circ) -> None:
    assert circ.standing(ASA, "1234").may_borrow
    assert circ.standing(ASA, "1234").pin_ok is True
    lost = circ.standing(DEMO["patron_card_lost"]["barcode"])
    assert lost.status[0] and lost.status[4]
    fees = circ.standing(DEMO["patron_excessive_fees"]["barcode"])
    assert fees.status[0] and fees.status[11] and fees.fees_total == 15500
    assert not circ.standing("nobody").valid


def test_an_offline_replay_of_a_loan_that_already_arrived_changes_nothing(circ, bollnas) -> None:
    when = circ.model.now() - timedelta(minutes=5)
    first = circ.checkout(
        bollnas,
        LoanRequest(patron_id=ASA, item_id="3000000023", no_block=True, transaction_date=when),
    )
    again = circ.checkout(
        bollnas,
        LoanRequest(patron_id=ASA, item_id="3000000023", no_block=True, transaction_date=when),
    )
    assert first.ok and again.ok and again.unchanged and not again.renewal
    assert circ.model.loan("3000000023").renewals == 0
    actions = [e.action for e in circ.model.circulation_log(item="3000000023")]
    assert actions == ["checkout", "checkout_replayed"]


def test_without_the_kiosks_renewal_policy_a_second_checkout_is_refused(circ, bollnas) -> None:
    result = circ.checkout(
        bollnas, LoanRequest(patron_id=ASA, item_id=DEMO["renew_ok"]["item"]), renewal_allowed=False
    )
    assert (result.ok, result.reason) == (False, acs.Reason.ALREADY_BORROWED)
    assert circ.model.loan(DEMO["renew_ok"]["item"]).renewals == 0


def test_a_hold_can_be_placed_by_record_identifier_in_the_title_field(circ, bollnas) -> None:
    result = circ.hold(bollnas, "+", "2150000011", title_id="R3000000034")
    assert result.ok and result.title == "Kristin Lavransdatter"
