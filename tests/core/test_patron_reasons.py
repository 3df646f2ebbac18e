"""Reasons a patron can act on: the library system's own words recognised and turned into a
reason the screen translates (a locked PIN, an expired card, a blocked card), and its other
words kept as free text (issue 14, "reasons never seen" and "raw library-system text")."""

from __future__ import annotations

from decimal import Decimal

from kiosk.core import IdentifyRefused, PinRefused, Reason, SessionStarted
from kiosk.ils.notices import Notice, recognise
from kiosk.ils.port import FeeKind, HoldState
from kiosk.ils.sip2 import _fee_from
from tests.core.fixtures import PATRON, PIN, kiosk_rig


def test_known_library_texts_are_recognised_and_the_rest_stays_free_text() -> None:
    notices, free = recognise(
        [
            "Lånet kan inte förnyas fler gånger.",
            "lånet kan inte förnyas:  någon annan väntar på det",  # case, spaces, no full stop
            "Biblioteket stänger kl. 16 på fredag.",
            "Patron has reached maximum limit of 5 items for loan type Book",
        ]
    )
    assert notices == (Notice.RENEWAL_LIMIT, Notice.RENEWAL_RESERVED, Notice.TOO_MANY_ITEMS)
    assert free == ("Biblioteket stänger kl. 16 på fredag.",)


def test_a_sip2_fee_line_becomes_amount_currency_and_what_it_is_for() -> None:
    fee = _fee_from("3 20.00 SEK Försenad", None)
    assert fee.amount == Decimal("20.00") and fee.currency == "SEK"
    assert fee.description == "Försenad" and fee.kind is FeeKind.OVERDUE
    other = _fee_from("Ersatt bok 120,00", "SEK")
    assert other.amount == Decimal("120.00") and other.kind is FeeKind.REPLACEMENT


async def test_a_pin_locked_by_the_library_system_says_so_even_for_the_right_pin(
    tmp_path,
) -> None:
    # The kiosk's own count would stop at three; here the library system's (five) decides.
    async with kiosk_rig(tmp_path, pin_attempts=10) as rig:
        await rig.kiosk.identify(PATRON)
        for wrong in ("0000", "1111", "2222", "3333"):  # the same one again counts once
            await rig.kiosk.enter_pin(wrong)
        assert [e.attempts_left for e in rig.events.of(PinRefused)] == [9, 8, 7, 6]
        await rig.kiosk.enter_pin("4444")  # the fifth wrong one locks the PIN
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.PIN_LOCKED and refused.messages == ()
        rig.events.clear()
        await rig.kiosk.identify(PATRON)
        await rig.kiosk.enter_pin(PIN)  # right, but locked
        assert (await rig.events.wait(IdentifyRefused)).reason is Reason.PIN_LOCKED
        assert not rig.events.of(SessionStarted)


async def test_an_expired_card_is_named_as_the_reason_borrowing_is_blocked(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        started = await rig.login("2150000007", "7890")
        assert not started.can_borrow and started.borrow_refusal is Reason.CARD_EXPIRED
        assert started.messages == ()


async def test_holds_ready_for_pickup_come_with_their_last_pickup_day(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        account = await rig.kiosk.ils.account("2150000002", "2345")
        ready = [hold for hold in account.holds if hold.state is HoldState.READY]
        assert ready and all(hold.pickup_by is not None for hold in ready)
