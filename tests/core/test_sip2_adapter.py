"""The SIP2 adapter of the library-system port, against the embedded library system."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import pytest

from kiosk.acs import EmbeddedACS
from kiosk.ils import (
    CheckinAlert,
    ItemStatus,
    LibrarySystemProtocolError,
    LibrarySystemUnavailable,
    LoanRequest,
    OutcomeUnknown,
    PatronBlock,
    ReturnRequest,
)
from kiosk.ils.sip2 import SIP2LibrarySystem, SIP2Options, parse_due_date
from kiosk.sip2.client import ClientSettings


@contextlib.asynccontextmanager
async def adapter(**client: Any) -> AsyncIterator[tuple[SIP2LibrarySystem, EmbeddedACS]]:
    async with EmbeddedACS() as acs:
        login = acs.account("kiosk-bol-hb")
        settings = {
            "host": acs.host,
            "port": acs.port,
            "user": login.login,
            "password": login.password,
            "location_code": login.location_code,
            "timeout": 1.0,
            "retries": 1,
            **client,
        }
        async with SIP2LibrarySystem(ClientSettings(**settings)) as ils:
            yield ils, acs


async def test_patron_validity_pin_and_status_bits() -> None:
    async with adapter() as (ils, _):
        good = await ils.patron("2150000001", "1234")
        assert good.valid and good.pin_valid is True and not good.blocks
        assert (await ils.patron("2150000001", "0000")).pin_valid is False
        assert not (await ils.patron("2159999999", "1234")).valid
        fees = await ils.patron("2150000004", "4567")
        assert {PatronBlock.EXCESSIVE_FEES, PatronBlock.CHARGE_DENIED} <= fees.blocks
        assert fees.fee_amount is not None and fees.currency == "SEK"
        assert PatronBlock.CARD_LOST in (await ils.patron("2150000006", "6789")).blocks


async def test_checkout_checkin_and_the_routing_facts() -> None:
    async with adapter() as (ils, _):
        loan = await ils.checkout(
            LoanRequest(patron_id="2150000001", item_id="3000000011", pin="1234")
        )
        assert loan.ok and loan.desensitize is True and loan.due_date is not None
        already_hers = LoanRequest(patron_id="2150000001", item_id="3000000033", pin="1234")
        again = await ils.checkout(already_hers)
        assert again.ok and again.renewal
        # a hold waits for it in Ljusdal:
        back = await ils.checkin(ReturnRequest(item_id="3000000005"))
        assert back.ok and back.resensitize is True
        assert back.alert is CheckinAlert.HOLD_ELSEWHERE and back.destination == "LJD-HB"
        assert back.hold_for_patron
        unknown = await ils.checkin(ReturnRequest(item_id="3999999999"))
        assert not unknown.ok and unknown.messages
        assert (await ils.item("3999999999")).status is ItemStatus.UNKNOWN
        assert (await ils.item("3000000011")).status is ItemStatus.ON_LOAN


async def test_a_fee_to_acknowledge_is_a_result_not_an_error() -> None:
    async with adapter() as (ils, _):
        asked = await ils.checkout(
            LoanRequest(patron_id="2150000001", item_id="3000000006", pin="1234")
        )
        assert not asked.ok and asked.fee_due is not None
        assert str(asked.fee_due.amount) == "15.00"
        accepted = await ils.checkout(
            LoanRequest(
                patron_id="2150000001", item_id="3000000006", pin="1234", fee_acknowledged=True
            )
        )
        assert accepted.ok


async def test_an_offline_library_system_is_unavailable_not_a_refusal() -> None:
    async with adapter() as (ils, acs):
        acs.faults.update(offline=True)
        with pytest.raises(LibrarySystemUnavailable):
            await ils.checkout(
                LoanRequest(patron_id="2150000001", item_id="3000000011", pin="1234")
            )
        assert not ils.online and not await ils.check_online()
        acs.faults.update(offline=False)
        assert await ils.check_online() and ils.online


async def test_refused_logins_make_the_library_system_unavailable() -> None:
    async with EmbeddedACS(refuse_logins=True) as acs:
        login = acs.account("kiosk-bol-hb")
        ils = SIP2LibrarySystem(
            ClientSettings(host=acs.host, port=acs.port, user=login.login, password="wrong")
        )
        async with ils:  # starting with the library system down is not fatal
            assert not ils.online
            with pytest.raises(LibrarySystemUnavailable, match="login"):
                await ils.patron("2150000001", "1234")


async def test_a_lost_reply_to_a_checkout_is_an_unknown_outcome() -> None:
    async with adapter(timeout=0.2, retries=0) as (ils, acs):
        await ils.patron("2150000001", "1234")  # connected
        acs.faults.update(latency_ms=600)
        with pytest.raises(OutcomeUnknown):
            await ils.checkout(
                LoanRequest(patron_id="2150000001", item_id="3000000011", pin="1234")
            )
        with pytest.raises(LibrarySystemUnavailable) as caught:
            await ils.patron("2150000001", "1234")
        assert not isinstance(caught.value, OutcomeUnknown)  # a question changes nothing


async def test_a_dropped_connection_mid_checkout_does_not_double_the_loan() -> None:
    async with adapter(retries=2) as (ils, acs):
        await ils.patron("2150000001", "1234")
        acs.faults.update(drop_after=1)  # the checkout is carried out, its reply lost
        result = await ils.checkout(
            LoanRequest(patron_id="2150000001", item_id="3000000011", pin="1234")
        )
        assert result.ok
        loans = [
            entry
            for entry in acs.model.circulation_log(item="3000000011")
            if entry.action in ("checkout", "renew") and entry.ok
        ]
        assert len([ln for ln in acs.model.loans_of("2150000001") if ln.item == "3000000011"]) == 1
        assert loans


async def test_a_checkout_cut_off_after_a_reconnection_has_an_unknown_outcome() -> None:
    """The pool was down when the checkout began; a connection came back, carried the checkout
    to the library system (which lent the item) and broke for good: that outcome is unknown,
    never "not sent" (which would let the kiosk abandon a loan the library system has)."""
    async with adapter(pool_size=1, retries=1) as (ils, acs):
        await ils.patron("2150000001", "1234")
        acs.faults.update(refuse_logins=True)
        await acs.drop_connections()
        with pytest.raises(LibrarySystemUnavailable):
            await ils.item("3000000011")  # the connection is down, its login refused
        assert ils.pool.logged_in == 0
        # Login, status, then the checkout: carried out, and every answer to it cut off.
        acs.faults.update(refuse_logins=False, drop_after=3, drop_repeat=True)
        with pytest.raises(OutcomeUnknown):
            await ils.checkout(
                LoanRequest(patron_id="2150000001", item_id="3000000011", pin="1234")
            )
        assert acs.model.loan("3000000011") is not None


async def test_a_library_system_that_never_answers_properly_is_a_protocol_error() -> None:
    async with adapter(retries=1) as (ils, acs):
        await ils.patron("2150000001", "1234")
        acs.faults.update(answer_96=10)  # "please resend", again and again
        with pytest.raises(LibrarySystemProtocolError):
            await ils.item("3000000011")


async def test_the_account_lists_loans_holds_and_fees() -> None:
    async with adapter(pool_size=4) as (ils, _):
        account = await ils.account("2150000002", "2345")
        states = {hold.title: hold.state.value for hold in account.holds}
        assert set(states.values()) == {"ready", "in_transit", "waiting"}
        fees = await ils.account("2150000005", "5678")
        assert fees.fees and all(fee.amount is not None for fee in fees.fees)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20261220    235900", datetime(2026, 12, 20, 23, 59)),
        ("2026-12-20", datetime(2026, 12, 20)),
        ("2026-12-20 23:59:00", datetime(2026, 12, 20, 23, 59)),
        ("20.12.2026", datetime(2026, 12, 20)),
        ("", None),
        ("next tuesday", None),
    ],
)
def test_due_dates_in_the_forms_servers_send(text: str, expected: datetime | None) -> None:
    assert parse_due_date(text) == expected


@pytest.mark.parametrize("use_63", [False, True])
async def test_patrons_are_checked_with_23_or_63_as_the_dialect_says(use_63: bool) -> None:
    async with EmbeddedACS() as acs:
        login = acs.account("kiosk-bol-hb")
        settings = ClientSettings(
            host=acs.host, port=acs.port, user=login.login, password=login.password
        )
        options = SIP2Options(use_patron_information_for_status=use_63)
        async with SIP2LibrarySystem(settings, options=options) as ils:
            patron = await ils.patron("2150000004", "4567")
            assert patron.valid and patron.pin_valid is True
            assert PatronBlock.EXCESSIVE_FEES in patron.blocks
            detailed = await ils.patron("2150000001", "1234", details=True)
            assert detailed.email == "asa.oberg@example.se"


async def test_renew_all_reports_what_was_renewed() -> None:
    async with adapter() as (ils, acs):
        result = await ils.renew_all("2150000001", pin="1234")
        loans = {loan.item for loan in acs.model.loans_of("2150000001")}
        assert set(result.renewed) | set(result.not_renewed) == loans
        assert "3000000031" in result.not_renewed  # renewal limit reached


async def test_a_pool_the_server_will_not_fill_is_shown_as_it_is_in_kiosk_ils_status() -> None:
    """Issue 15.20: one session at a time; the kiosk runs on one connection and says so."""
    from kiosk.assembly import library_system
    from kiosk.commands.ils import _status
    from kiosk.config import validate_config
    from kiosk.ils.sip2 import SIP2Pool
    from tests.config.fixtures import minimal_config
    from tests.sip2.fake_acs import PASSWORD, PATRON, USER, FakeACS

    acs = await FakeACS(sessions=1).start()
    try:
        sip2 = {"host": "127.0.0.1", "port": acs.port, "user": USER, "password": PASSWORD}
        sip2.update(pool_size=2, timeout_s=0.3, retries=0)
        config = validate_config(minimal_config(ils={"sip2": sip2}))
        async with library_system(config) as ils:
            assert isinstance(ils, SIP2LibrarySystem)
            assert ils.pool == SIP2Pool(logged_in=1, configured=2)
            assert (await ils.patron(PATRON)).valid
            status = await _status(ils, config)
        assert status["online"] and status["pool"] == {"logged_in": 1, "configured": 2}
        assert "only 1 of 2 SIP2 connections" in status["warning"]
    finally:
        await acs.stop()
