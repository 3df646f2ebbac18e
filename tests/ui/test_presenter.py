"""The presenter folds the core's events into what the screen shows, and forgets the patron."""

from __future__ import annotations

from datetime import datetime

from kiosk.core import (
    Action,
    EndReason,
    Mode,
    Reason,
    ReturnKind,
    ReturnOutcome,
    events,
)
from kiosk.ui.presenter import ItemState, Presenter, Screen


def test_modes_pick_the_screen_and_items_keep_pad_order() -> None:
    presenter = Presenter()
    topics: list[str] = []
    presenter.subscribe(topics.append)
    presenter.apply(events.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU))
    assert presenter.state.screen is Screen.BORROW
    presenter.apply(events.ItemSeen(item_id="b", action=Action.BORROW, title="B"))
    presenter.apply(events.ItemSeen(item_id="a", action=Action.BORROW, title="A"))
    presenter.apply(events.ItemChecking(item_id="b", action=Action.BORROW))
    presenter.apply(events.ItemBorrowed(item_id="b", title="B", due_date=datetime(2026, 12, 20)))
    presenter.apply(
        events.ItemRefused(
            item_id="a", action=Action.BORROW, reason=Reason.NOT_FOR_LOAN, messages=("Ref",)
        )
    )
    assert list(presenter.state.items) == ["b", "a"]
    assert presenter.state.items["b"].state is ItemState.BORROWED
    assert presenter.state.items["a"].state is ItemState.REFUSED
    assert presenter.state.items["a"].title == "A"  # kept from when it was seen
    assert presenter.state.items["a"].messages == ("Ref",)
    assert "items" in topics and "screen" in topics


def test_an_item_placed_again_after_security_failure_starts_over() -> None:
    presenter = Presenter()
    presenter.apply(events.SecurityNotCleared(item_id="x", action=Action.BORROW, title="X"))
    presenter.apply(events.ItemSeen(item_id="x", action=Action.BORROW))
    assert presenter.state.items["x"].state is ItemState.SEEN
    assert presenter.state.items["x"].title == "X"


def test_the_end_of_a_session_forgets_everything_about_the_patron() -> None:
    presenter = Presenter()
    presenter.apply(events.SessionStarted(display_name="Aino", masked_card="••01", language="fi"))
    presenter.apply(
        events.ItemReturned(item_id="r", title="R", outcome=ReturnOutcome(kind=ReturnKind.RESHELVE))
    )
    presenter.apply(events.LibrarySystemStatus(online=False, offline_mode=True))
    presenter.apply(events.SessionEnded(reason=EndReason.TIMEOUT))
    state = presenter.state
    assert state.display_name == "" and state.masked_card == "" and not state.items
    assert state.screen is Screen.GOODBYE and state.end_reason is EndReason.TIMEOUT
    assert presenter.online is False  # the kiosk's status is not patron data


def test_pin_refusals_count_down_and_renewals_are_kept_per_item() -> None:
    presenter = Presenter()
    presenter.apply(events.PinRequired(masked_card="••01"))
    presenter.apply(events.PinRefused(attempts_left=1))
    assert presenter.state.screen is Screen.PIN and presenter.state.pin_attempts_left == 1
    presenter.apply(events.ItemRenewed(item_id="l1", title="L", due_date=datetime(2027, 1, 3)))
    presenter.apply(
        events.ItemRefused(item_id="l2", action=Action.RENEW, reason=Reason.RENEWAL_REFUSED)
    )
    assert set(presenter.state.renewals) == {"l1", "l2"}
    assert not presenter.state.items  # renewals from the account do not join the pad list


def test_a_fee_question_is_pending_until_answered() -> None:
    presenter = Presenter()
    presenter.apply(
        events.FeeAcknowledgementNeeded(item_id="f", title="DVD", amount="15.00", currency="SEK")
    )
    assert presenter.pending_fee is not None and presenter.pending_fee.fee_amount == "15.00"
    presenter.apply(events.ItemBorrowed(item_id="f", title="DVD", due_date=None))
    assert presenter.pending_fee is None


def test_closing_waits_for_the_goodbye_and_opening_brings_the_welcome_back() -> None:
    presenter = Presenter()
    presenter.apply(events.ModeChanged(mode=Mode.MENU, previous=Mode.PIN))
    # The visit ends; the kiosk closes right after it (opening hours are over).
    presenter.apply(events.ModeChanged(mode=Mode.IDLE, previous=Mode.MENU))
    presenter.apply(events.SessionEnded(reason=EndReason.PATRON))
    presenter.apply(events.ModeChanged(mode=Mode.CLOSED, previous=Mode.IDLE))
    closed = events.ServiceChanged(open=False, opens_at=datetime(2026, 12, 7, 10, 0))
    presenter.apply(closed)
    assert presenter.state.screen is Screen.GOODBYE  # the patron's thank-you is not cut short
    presenter.clear_session()  # the goodbye is over
    assert presenter.state.screen is Screen.CLOSED
    assert presenter.service == closed  # kept across visits: it is about the kiosk
    presenter.apply(events.ModeChanged(mode=Mode.IDLE, previous=Mode.CLOSED))
    presenter.apply(events.ServiceChanged(open=True))
    assert presenter.state.screen is Screen.WELCOME


def test_a_card_number_half_typed_gives_way_to_the_closed_screen() -> None:
    presenter = Presenter()
    presenter.go(Screen.IDENTIFY)
    presenter.apply(events.ServiceChanged(open=False, out_of_service=True))
    assert presenter.state.screen is Screen.CLOSED


def test_staff_leaving_a_closed_kiosk_see_the_closed_screen_again() -> None:
    presenter = Presenter()
    presenter.apply(events.ServiceChanged(open=False, out_of_service=True))
    presenter.apply(events.StaffModeEntered())
    presenter.apply(events.ModeChanged(mode=Mode.STAFF, previous=Mode.CLOSED))
    assert presenter.state.screen is Screen.STAFF
    presenter.apply(events.ModeChanged(mode=Mode.IDLE, previous=Mode.STAFF))
    presenter.apply(events.ModeChanged(mode=Mode.CLOSED, previous=Mode.IDLE))
    presenter.apply(events.ServiceChanged(open=False, out_of_service=True))
    assert presenter.state.screen is Screen.CLOSED
