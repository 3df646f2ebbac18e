"""Every consortium flow over a real socket, through the kiosk's own SIP2 client."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kiosk import sip2
from kiosk.acs import EmbeddedACS
from tests.acs.conftest import DEMO, kiosk_client

ASA = DEMO["patron"]["barcode"]
PIN = DEMO["patron"]["pin"]


async def checkout(client: sip2.SIP2Client, patron: str, item: str, **kw: object) -> sip2.Message:
    fields = {"AA": patron, "AB": item, "AO": "SE-BOL", "AC": ""}
    fields.update({k: v for k, v in kw.items() if len(k) == 2})  # type: ignore[misc]
    fixed = {k: v for k, v in kw.items() if len(k) != 2}
    return await client.request(sip2.Checkout(nb_due_date=None, fields=fields, **fixed))


async def checkin(client: sip2.SIP2Client, item: str, **fixed: object) -> sip2.Message:
    fixed.setdefault("return_date", None)
    return await client.request(
        sip2.Checkin(fields={"AP": "BOL-HB", "AO": "SE-BOL", "AB": item, "AC": ""}, **fixed)
    )


# --- sessions ------------------------------------------------------------------------------------


async def test_login_and_status_announce_timeout_retries_and_supported_messages(client) -> None:
    status = client.acs_status
    assert status is not None and status.fixed["online_status"] is True
    assert status.fixed["timeout_period"] == 600  # 60 s, in tenths
    assert status.fixed["retries_allowed"] == 3
    assert status.get("AM") == "Bollnäs bibliotek" and status.get("AN") == "BOL-HB-K1"
    assert all(status.supports(code) for code in ("11", "09", "29", "65", "15", "37", "17"))


async def test_a_wrong_password_is_refused(embedded_acs: EmbeddedACS) -> None:
    with pytest.raises(sip2.SIP2LoginError):
        async with kiosk_client(embedded_acs, password="wrong"):
            pass


# --- patrons -------------------------------------------------------------------------------------


async def test_patron_status_checks_card_and_pin(client) -> None:
    good = await client.request(
        sip2.PatronStatusRequest(fields={"AO": "", "AA": ASA, "AC": "", "AD": PIN})
    )
    assert (good.get("BL"), good.get("CQ"), good.get("AE")) == ("Y", "Y", "Åsa Öberg")
    assert good.fixed["language"] == "006" and good.fixed["patron_status"].strip() == ""
    bad = await client.request(
        sip2.PatronStatusRequest(fields={"AO": "", "AA": ASA, "AC": "", "AD": "9999"})
    )
    assert (bad.get("BL"), bad.get("CQ")) == ("Y", "N")
    unknown = await client.request(
        sip2.PatronStatusRequest(fields={"AO": "", "AA": "nobody", "AC": "", "AD": "1"})
    )
    assert unknown.get("BL") == "N" and unknown.get("AF")


async def test_patron_status_by_rfid_card_uid(client) -> None:
    reply = await client.request(
        sip2.PatronStatusRequest(
            fields={"AO": "", "AA": DEMO["patron"]["card_uid"], "AC": "", "AD": PIN}
        )
    )
    assert (reply.get("BL"), reply.get("CQ")) == ("Y", "Y")


async def test_fees_and_blocks_show_in_the_status_bits(client) -> None:
    fees = await client.request(
        sip2.PatronStatusRequest(
            fields={"AO": "", "AA": DEMO["patron_excessive_fees"]["barcode"], "AC": ""}
        )
    )
    status = fees.fixed["patron_status"]
    assert status[0] == "Y" and status[11] == "Y"
    assert (fees.get("BV"), fees.get("BH")) == ("155.00", "SEK")
    lost = await client.request(
        sip2.PatronStatusRequest(
            fields={"AO": "", "AA": DEMO["patron_card_lost"]["barcode"], "AC": ""}
        )
    )
    assert lost.fixed["patron_status"][4] == "Y"


async def test_patron_information_lists_loans_holds_and_fees(client) -> None:
    holds = DEMO["patron_holds"]
    reply = await client.request(
        sip2.PatronInformation(
            summary="Y    Y    ",
            fields={"AO": "", "AA": holds["barcode"], "AC": "", "AD": holds["pin"]},
        )
    )
    assert reply.fixed["hold_items_count"] == 1  # ready at Bollnäs
    assert reply.fixed["unavailable_holds_count"] == 2  # one in transit, one waiting
    assert reply.get_all("AS") == [DEMO["hold_ready"]["item"]]
    assert DEMO["hold_in_transit"]["item"] in reply.get_all("CD")
    charged = await client.request(
        sip2.PatronInformation(
            summary="  Y       ", fields={"AO": "", "AA": ASA, "AC": "", "AD": PIN}
        )
    )
    assert DEMO["return_reshelve"]["item"] in charged.get_all("AU")
    assert charged.fixed["charged_items_count"] == len(charged.get_all("AU"))
    fines = await client.request(
        sip2.PatronInformation(
            summary="   Y      ",
            fields={"AO": "", "AA": DEMO["patron_small_fee"]["barcode"], "AC": ""},
        )
    )
    assert fines.get("BV") == "20.00" and fines.fixed["fine_items_count"] == 1
    assert "20.00 SEK" in fines.get_all("AV")[0]


# --- loans ---------------------------------------------------------------------------------------


async def test_checkout_desensitizes_and_gives_a_due_date(client, embedded_acs) -> None:
    reply = await checkout(client, ASA, "3000000011", AD=PIN)
    assert (reply.fixed["ok"], reply.fixed["desensitize"], reply.fixed["renewal_ok"]) == (
        True,
        True,
        False,
    )
    due = sip2.parse_sip_date(reply.get("AH"))
    assert due.date() == embedded_acs.model.now().date() + timedelta(days=28)
    assert reply.get("AJ") and reply.get("CK") == "001"
    assert embedded_acs.model.loan("3000000011").patron == ASA


async def test_a_second_checkout_of_the_same_item_is_a_renewal(client, embedded_acs) -> None:
    reply = await checkout(client, ASA, DEMO["renew_ok"]["item"])
    assert reply.fixed["ok"] and reply.fixed["renewal_ok"]


async def test_a_refused_checkout_keeps_the_item_secured(client, embedded_acs) -> None:
    reply = await checkout(client, DEMO["patron_blocked"]["barcode"], "3000000012")
    assert (reply.fixed["ok"], reply.fixed["desensitize"]) == (False, False)
    assert reply.get("AF")
    assert embedded_acs.model.loan("3000000012") is None


async def test_a_chargeable_loan_is_refused_with_the_fee_until_bo_is_yes(client, embedded_acs):
    dvd = DEMO["borrow_chargeable"]["item"]
    first = await checkout(client, ASA, dvd)
    assert not first.fixed["ok"]
    assert (first.get("BV"), first.get("BT"), first.get("BH")) == ("15.00", "06", "SEK")
    second = await checkout(client, ASA, dvd, BO="Y")
    assert second.fixed["ok"] and second.get("BV") == "15.00"
    assert embedded_acs.model.fees_total(ASA) == 1500


async def test_renew_and_renew_all(client, embedded_acs) -> None:
    ok = await client.request(
        sip2.Renew(
            nb_due_date=None,
            fields={"AO": "", "AA": ASA, "AB": DEMO["renew_ok"]["item"], "AD": PIN},
        )
    )
    assert ok.fixed["ok"] and ok.fixed["renewal_ok"] and ok.get("AH")
    limit = await client.request(
        sip2.Renew(
            nb_due_date=None,
            fields={"AO": "", "AA": ASA, "AB": DEMO["renew_limit_reached"]["item"]},
        )
    )
    assert not limit.fixed["ok"] and limit.get("AF")
    everything = await client.request(sip2.RenewAll(fields={"AO": "", "AA": ASA, "AD": PIN}))
    renewed, unrenewed = everything.get_all("BM"), everything.get_all("BN")
    assert everything.fixed["renewed_count"] == len(renewed)
    assert DEMO["renew_blocked_by_hold"]["item"] in unrenewed
    assert len(renewed) + len(unrenewed) == len(embedded_acs.model.loans_of(ASA))


async def test_an_offline_checkout_replay_keeps_its_original_date(client, embedded_acs) -> None:
    when = embedded_acs.model.now() - timedelta(days=1)
    reply = await checkout(
        client,
        DEMO["patron_blocked"]["barcode"],
        "3000000013",
        no_block=True,
        transaction_date=when,
    )
    assert reply.fixed["ok"]
    assert embedded_acs.model.loan("3000000013").loaned == when
    refused = await checkout(
        client, ASA, DEMO["borrow_not_offline"]["item"], no_block=True, transaction_date=when
    )
    assert not refused.fixed["ok"] and refused.get("AF")


# --- returns: every routing outcome ------------------------------------------------------------


async def test_return_reshelve_here(client) -> None:
    reply = await checkin(client, DEMO["return_reshelve"]["item"])
    assert (reply.fixed["ok"], reply.fixed["alert"], reply.fixed["resensitize"]) == (
        True,
        False,
        True,
    )
    assert (reply.get("CV"), reply.get("CT"), reply.get("CL"), reply.get("AQ")) == (
        None,
        None,
        "1",
        "BOL-HB",
    )


async def test_return_floating_item_stays(client) -> None:
    reply = await checkin(client, DEMO["return_floating_stays"]["item"])
    assert (reply.fixed["alert"], reply.get("CV"), reply.get("AQ")) == (False, None, "BOL-HB")


async def test_return_not_ours_goes_home_in_transit(client) -> None:
    reply = await checkin(client, DEMO["return_transit_home"]["item"])
    assert (reply.fixed["alert"], reply.get("CV"), reply.get("CT"), reply.get("CL")) == (
        True,
        "04",
        "SOD-HB",
        "6",
    )


async def test_return_hold_here(client) -> None:
    reply = await checkin(client, DEMO["return_hold_here"]["item"])
    assert (reply.fixed["alert"], reply.get("CV"), reply.get("CL")) == (True, "01", "2")
    assert reply.get("CY") == DEMO["return_hold_here"]["hold_patron"]
    assert reply.get("DA") == "Kjærsti L."


async def test_return_hold_elsewhere_goes_in_transit(client) -> None:
    reply = await checkin(client, DEMO["return_hold_transit"]["item"])
    assert (reply.get("CV"), reply.get("CT"), reply.get("CY")) == (
        "02",
        "LJD-HB",
        DEMO["return_hold_transit"]["hold_patron"],
    )


async def test_return_unknown_item_is_an_exception(client) -> None:
    reply = await checkin(client, DEMO["return_unknown"]["item"])
    assert (reply.fixed["ok"], reply.fixed["alert"], reply.get("CL")) == (False, True, "9")
    assert reply.get("AF")


async def test_an_offline_return_replay_is_accepted(client, embedded_acs) -> None:
    when = embedded_acs.model.now() - timedelta(hours=5)
    reply = await checkin(client, DEMO["return_reshelve"]["item"], no_block=True, return_date=when)
    assert reply.fixed["ok"] and embedded_acs.model.loan(DEMO["return_reshelve"]["item"]) is None


# --- items, holds, fees, blocks ------------------------------------------------------------------


async def test_item_information_has_owner_status_and_locations(client) -> None:
    transit = await client.request(
        sip2.ItemInformation(fields={"AO": "", "AB": DEMO["hold_in_transit"]["item"]})
    )
    assert transit.fixed["circulation_status"] == "10"
    assert (transit.get("BG"), transit.get("CT"), transit.get("AQ")) == (
        "SE-HUD",
        "BOL-HB",
        "HUD-HB",
    )
    ready = await client.request(
        sip2.ItemInformation(fields={"AO": "", "AB": DEMO["hold_ready"]["item"]})
    )
    assert ready.fixed["circulation_status"] == "08" and ready.get("AP") == "BOL-HB"
    assert ready.get("CM")
    lent = await client.request(
        sip2.ItemInformation(fields={"AO": "", "AB": DEMO["return_reshelve"]["item"]})
    )
    assert lent.fixed["circulation_status"] == "04" and lent.get("AH")
    free = await client.request(sip2.ItemInformation(fields={"AO": "", "AB": "3000000011"}))
    assert free.fixed["circulation_status"] == "03" and free.get("AJ")
    dvd = await client.request(
        sip2.ItemInformation(fields={"AO": "", "AB": DEMO["borrow_chargeable"]["item"]})
    )
    assert dvd.get("BV") == "15.00"
    unknown = await client.request(sip2.ItemInformation(fields={"AO": "", "AB": "nothing"}))
    assert unknown.fixed["circulation_status"] == "01" and unknown.get("AF")


async def test_hold_with_pickup_branch(client, embedded_acs) -> None:
    reply = await client.request(
        sip2.Hold(
            hold_mode="+",
            fields={"AO": "", "AA": ASA, "AD": PIN, "AB": "3000000037", "BS": "BOL-ARB"},
        )
    )
    assert reply.fixed["ok"] and (reply.get("BS"), reply.get("BR")) == ("BOL-ARB", "2")
    assert [h.pickup for h in embedded_acs.model.holds_of(ASA)] == ["BOL-ARB"]
    cancel = await client.request(
        sip2.Hold(hold_mode="-", fields={"AO": "", "AA": ASA, "AB": "3000000037"})
    )
    assert cancel.fixed["ok"] and embedded_acs.model.holds_of(ASA) == []


async def test_fee_paid(client, embedded_acs) -> None:
    patron = DEMO["patron_small_fee"]["barcode"]
    reply = await client.request(
        sip2.FeePaid(
            currency_type="SEK", fields={"BV": "20.00", "AO": "", "AA": patron, "BK": "TX-1"}
        )
    )
    assert reply.fixed["payment_accepted"] and reply.get("BK") == "TX-1"
    assert embedded_acs.model.fees_total(patron) == 0
    again = await client.request(
        sip2.FeePaid(currency_type="SEK", fields={"BV": "5.00", "AO": "", "AA": patron})
    )
    assert not again.fixed["payment_accepted"] and again.get("AF")


async def test_item_status_update_sets_properties(client, embedded_acs) -> None:
    reply = await client.request(
        sip2.ItemStatusUpdate(fields={"AO": "", "AB": "3000000011", "CH": "3 discs"})
    )
    assert reply.fixed["item_properties_ok"] and reply.get("CH") == "3 discs"
    assert embedded_acs.model.item("3000000011").properties == "3 discs"


async def test_block_patron_answers_with_status_and_enable_lifts_it(client) -> None:
    blocked = await client.request(
        sip2.BlockPatron(
            card_retained=False, fields={"AO": "", "AL": "Card left behind", "AA": ASA, "AC": ""}
        )
    )
    assert blocked.code == "24" and blocked.fixed["patron_status"][0] == "Y"
    enabled = await client.request(sip2.PatronEnable(fields={"AO": "", "AA": ASA}))
    assert enabled.code == "26" and enabled.fixed["patron_status"][0] == " "


async def test_patron_enable_with_a_wrong_pin_refuses_and_keeps_the_block(
    client, embedded_acs
) -> None:
    await client.request(
        sip2.BlockPatron(
            card_retained=False, fields={"AO": "", "AL": "Card left behind", "AA": ASA, "AC": ""}
        )
    )
    wrong = "0000" if PIN != "0000" else "1111"
    refused = await client.request(sip2.PatronEnable(fields={"AO": "", "AA": ASA, "AD": wrong}))
    assert refused.code == "26" and refused.get("CQ") == "N"
    assert refused.fixed["patron_status"][0] == "Y"  # still blocked, and it says so
    assert embedded_acs.model.patron(ASA).blocked
    log = [e for e in embedded_acs.model.circulation_log() if e.action == "patron_enable"]
    assert [e.ok for e in log] == [False]
    enabled = await client.request(sip2.PatronEnable(fields={"AO": "", "AA": ASA, "AD": PIN}))
    assert enabled.get("CQ") == "Y" and enabled.fixed["patron_status"][0] == " "
    assert not embedded_acs.model.patron(ASA).blocked


async def test_end_session(client) -> None:
    reply = await client.request(sip2.EndPatronSession(fields={"AO": "", "AA": ASA}))
    assert reply.fixed["end_session"] is True


# --- per-account protocol settings ---------------------------------------------------------------


@pytest.mark.parametrize("login", ["kiosk-sod-hb", "kiosk-ova-hb", "kiosk-ljd-hb", "kiosk-nor-hb"])
async def test_each_account_speaks_its_charset_terminator_and_error_detection(
    embedded_acs: EmbeddedACS, login: str
) -> None:
    async with kiosk_client(embedded_acs, login) as client:
        reply = await client.request(
            sip2.PatronStatusRequest(fields={"AO": "", "AA": ASA, "AC": "", "AD": PIN})
        )
        expected = "Asa Oberg" if embedded_acs.account(login).charset == "ascii" else "Åsa Öberg"
        assert reply.get("AE") == expected
        assert not client.charset_suspect
