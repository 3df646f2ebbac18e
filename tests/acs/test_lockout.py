"""Guessing: wrong logins per account and wrong PINs per patron lock it for a while.

Before, 1,000 wrong logins on one connection were followed by an accepted right one, and a
patron's PIN fell to message 23 in 1,112 tries. Now the consortium's policy sets how many wrong
ones in a row lock (``login_attempts``, ``pin_attempts``) and for how long; a locked account or
patron is refused even with the right secret until the lock ends, and 24/64 say so.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk import sip2
from kiosk.acs import DataFileError, EmbeddedACS, FolioServer, parse_data
from kiosk.acs.model import DEMO_DATA
from tests.acs.fixtures import DEMO, RawConnection, logged_in

KIOSK = DEMO["kiosk"]
ASA, PIN = DEMO["patron"]["barcode"], DEMO["patron"]["pin"]
WRONG_PINS = [f"{n:04d}" for n in range(9000, 9100)]  # none of them is the right one
LOCKED_TEXT = "PIN-koden är spärrad efter för många felaktiga försök."


class Clock:
    """The library system's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 10, 0, 0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def demo(**policy: Any) -> Any:
    data = json.loads(Path(DEMO_DATA).read_text(encoding="utf-8"))
    data["policy"].update(policy)
    return parse_data(json.dumps(data))


def lockout_acs(clock: Clock, db: Path | str = ":memory:", **policy: Any) -> EmbeddedACS:
    settings = {"pin_attempts": 3, "pin_lockout_minutes": 15, "login_attempts": 3}
    settings.update(policy)
    return EmbeddedACS(demo(**settings), db, clock=clock)


async def patron_status(conn: RawConnection, pin: str, patron: str = ASA) -> sip2.Message:
    return await conn.request(
        sip2.PatronStatusRequest(fields={"AO": "", "AA": patron, "AC": "", "AD": pin})
    )


# --- logins --------------------------------------------------------------------------------------


async def test_wrong_logins_lock_the_account_even_for_the_right_password_until_the_lock_ends(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock = Clock()
    async with lockout_acs(clock, login_lockout_minutes=10) as acs:
        conn = await RawConnection.open(acs)
        try:
            for guess in ("a", "b", "c"):
                assert not await conn.login(KIOSK["login"], guess)
            assert not await conn.login(KIOSK["login"], KIOSK["password"])  # locked
            clock.advance(minutes=9)
            assert not await conn.login(KIOSK["login"], KIOSK["password"])
            clock.advance(minutes=1)
            assert await conn.login(KIOSK["login"], KIOSK["password"])  # the lock has ended
        finally:
            await conn.close()
    assert f"login as {KIOSK['login']} refused: locked" in caplog.text
    assert KIOSK["password"] not in caplog.text


async def test_a_right_password_before_the_limit_starts_the_count_afresh() -> None:
    async with lockout_acs(Clock()) as acs:
        conn = await RawConnection.open(acs)
        try:
            for _ in range(3):  # two wrong, one right: never three wrong in a row
                assert not await conn.login(KIOSK["login"], "wrong-1")
                assert not await conn.login(KIOSK["login"], "wrong-2")
                assert await conn.login(KIOSK["login"], KIOSK["password"])
        finally:
            await conn.close()


async def test_one_accounts_lock_leaves_the_other_kiosks_logging_in() -> None:
    async with lockout_acs(Clock()) as acs:
        other = acs.account("kiosk-sod-hb")
        conn = await RawConnection.open(acs)
        try:
            for guess in ("a", "b", "c"):
                assert not await conn.login(KIOSK["login"], guess)
            assert await conn.login(other.login, other.password)
        finally:
            await conn.close()


# --- PINs ----------------------------------------------------------------------------------------


async def test_the_pin_of_a_patron_cannot_be_found_by_trying_every_pin_with_message_23(
    embedded_acs: EmbeddedACS,
) -> None:
    """The issue's attack with the default policy: 0000, 0001, ... up to past the real PIN."""
    async with logged_in(embedded_acs) as conn:
        answers = [(await patron_status(conn, f"{n:04d}")).get("CQ") for n in range(1300)]
    assert int(PIN) < 1300 and "Y" not in answers
    assert answers[:4] == ["N"] * 4


async def test_a_locked_pin_is_refused_even_when_right_and_24_and_64_say_so() -> None:
    clock = Clock()
    async with lockout_acs(clock) as acs, logged_in(acs) as conn:
        first = await patron_status(conn, WRONG_PINS[0])
        assert first.get("CQ") == "N" and first.get("AF") == "Fel PIN-kod."
        await patron_status(conn, WRONG_PINS[1])
        third = await patron_status(conn, WRONG_PINS[2])  # reaches the limit: locked now
        right = await patron_status(conn, PIN)
        for reply in (third, right):
            assert reply.get("CQ") == "N" and reply.get("BL") == "Y"
            assert reply.get("AF", "").startswith(LOCKED_TEXT)
            # charge, renewal, recall and hold privileges denied: nothing with this PIN goes
            assert reply.fixed["patron_status"][:4] == "YYYY"
        information = await conn.request(
            sip2.PatronInformation(
                summary=" " * 10, fields={"AO": "", "AA": ASA, "AC": "", "AD": PIN}
            )
        )
        assert information.get("CQ") == "N" and information.get("AF", "").startswith(LOCKED_TEXT)
        without_pin = await conn.request(
            sip2.PatronStatusRequest(fields={"AO": "", "AA": ASA, "AC": "", "AD": ""})
        )
        assert without_pin.fixed["patron_status"][:4] == "    "  # the lock is the PIN's
        clock.advance(minutes=15)
        assert (await patron_status(conn, PIN)).get("CQ") == "Y"


def _requests_carrying(pin: str) -> dict[str, sip2.Message]:
    patron = {"AO": "", "AA": ASA, "AC": "", "AD": pin}
    renewable = DEMO["renew_ok"]["item"]
    return {
        "23": sip2.PatronStatusRequest(fields=patron),
        "63": sip2.PatronInformation(summary=" " * 10, fields=patron),
        "11": sip2.Checkout(nb_due_date=None, fields={**patron, "AB": "3000000011"}),
        "29": sip2.Renew(nb_due_date=None, fields={**patron, "AB": renewable}),
        "65": sip2.RenewAll(fields=patron),
        "15": sip2.Hold(hold_mode="+", fields={**patron, "AB": DEMO["hold_waiting"]["item"]}),
        "25": sip2.PatronEnable(fields=patron),
    }


@pytest.mark.parametrize("code", ["23", "63", "11", "29", "65", "15", "25"])
async def test_every_message_that_checks_a_pin_counts_its_wrong_pins(code: str) -> None:
    async with lockout_acs(Clock()) as acs, logged_in(acs) as conn:
        for wrong in WRONG_PINS[:3]:
            await conn.request(_requests_carrying(wrong)[code])
        assert (await patron_status(conn, PIN)).get("CQ") == "N"  # locked by that message


@pytest.mark.parametrize("code", ["11", "29", "65", "15", "25"])
async def test_a_locked_pin_changes_nothing_even_when_right(code: str) -> None:
    async with lockout_acs(Clock()) as acs, logged_in(acs) as conn:
        acs.circulation.block_patron(acs.circulation.terminal("test", "BOL-HB"), ASA, "test")
        for wrong in WRONG_PINS[:3]:
            await patron_status(conn, wrong)
        loans = acs.model.loans_of(ASA)
        holds = acs.model.holds_of(ASA)
        blocked = acs.model.patron(ASA).blocked
        reply = await conn.request(_requests_carrying(PIN)[code])
        assert reply.get("AF", "").startswith(LOCKED_TEXT)
        assert acs.model.loans_of(ASA) == loans and acs.model.holds_of(ASA) == holds
        assert acs.model.patron(ASA).blocked == blocked


async def test_the_same_wrong_pin_sent_again_is_one_guess() -> None:
    async with lockout_acs(Clock()) as acs, logged_in(acs) as conn:
        for _ in range(5):  # one typo, sent by five requests of one screen
            assert (await patron_status(conn, WRONG_PINS[0])).get("AF") == "Fel PIN-kod."
        assert (await patron_status(conn, PIN)).get("CQ") == "Y"


async def test_one_patrons_lock_leaves_other_patrons_alone() -> None:
    other = DEMO["patron_small_fee"]
    async with lockout_acs(Clock()) as acs, logged_in(acs) as conn:
        for wrong in WRONG_PINS[:3]:
            await patron_status(conn, wrong)
        assert (await patron_status(conn, other["pin"], other["barcode"])).get("CQ") == "Y"


async def test_guesses_through_the_rfid_card_uid_count_for_the_same_patron() -> None:
    async with lockout_acs(Clock()) as acs, logged_in(acs) as conn:
        await patron_status(conn, WRONG_PINS[0], DEMO["patron"]["card_uid"])
        await patron_status(conn, WRONG_PINS[1], ASA)
        await patron_status(conn, WRONG_PINS[2], DEMO["patron"]["card_uid"])
        assert (await patron_status(conn, PIN, ASA)).get("CQ") == "N"


async def test_a_lock_survives_a_restart_of_the_library_system(tmp_path: Path) -> None:
    clock = Clock()
    db = tmp_path / "acs.db"
    async with lockout_acs(clock, db) as acs, logged_in(acs) as conn:
        for wrong in WRONG_PINS[:3]:
            await patron_status(conn, wrong)
    async with lockout_acs(clock, db) as acs, logged_in(acs) as conn:
        assert (await patron_status(conn, PIN)).get("CQ") == "N"
        clock.advance(minutes=15)
        assert (await patron_status(conn, PIN)).get("CQ") == "Y"


async def test_folio_shares_the_counts_of_pins_and_logins() -> None:
    async with lockout_acs(Clock()) as acs:
        async with logged_in(acs) as conn:
            for wrong in WRONG_PINS[:3]:
                await patron_status(conn, wrong)
        with FolioServer(acs.model) as folio:
            headers = {"x-okapi-tenant": folio.tenant}
            async with httpx.AsyncClient(base_url=folio.url, headers=headers) as http:
                login = {"username": KIOSK["login"], "password": KIOSK["password"]}
                session = await http.post("/authn/login-with-expiry", json=login)
                assert session.status_code == 201
                http.headers["x-okapi-token"] = session.cookies["folioAccessToken"]
                patron = await http.get("/users", params={"query": f"barcode=={ASA}"})
                user_id = patron.json()["users"][0]["id"]
                verify = await http.post("/patron-pin/verify", json={"id": user_id, "pin": PIN})
                assert verify.status_code == 422 and "locked" in verify.text
                for guess in ("a", "b", "c"):
                    wrong = {"username": KIOSK["login"], "password": guess}
                    await http.post("/authn/login-with-expiry", json=wrong)
                locked = await http.post("/authn/login-with-expiry", json=login)
                assert locked.status_code == 422 and "user.blocked" in locked.text
        conn = await RawConnection.open(acs)
        try:
            assert not await conn.login(KIOSK["login"], KIOSK["password"])  # SIP2 too
        finally:
            await conn.close()


@pytest.mark.parametrize(
    "policy",
    [{"pin_attempts": 0}, {"login_attempts": 0}, {"pin_lockout_minutes": 0}],
    ids=["no-pin-attempts", "no-login-attempts", "no-lockout-time"],
)
def test_a_policy_that_would_switch_the_lockout_off_is_refused(policy: dict[str, int]) -> None:
    with pytest.raises(DataFileError, match="policy"):
        demo(**policy)
