"""What the server does on the wire: error detection, resends, replays, timeouts, logins."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from kiosk import sip2
from kiosk.acs import DEMO_DATA, EmbeddedACS, parse_data
from tests.acs.fixtures import DEMO, RawConnection, logged_in

ASA = DEMO["patron"]["barcode"]


def checkout_message(item: str, patron: str = ASA) -> sip2.Message:
    return sip2.Checkout(
        nb_due_date=None, fields={"AO": "SE-BOL", "AA": patron, "AB": item, "AC": ""}
    )


def loan_count(acs: EmbeddedACS, item: str, action: str = "checkout") -> int:
    return sum(1 for e in acs.model.circulation_log(item=item) if e.action == action and e.ok)


async def test_responses_carry_the_requests_sequence_and_a_valid_checksum(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        for expected in range(1, 12):
            frame = await conn.exchange_bytes(conn.encode(sip2.SCStatus()))
            decoded = sip2.decode(frame)
            assert decoded.checksum_ok is True and decoded.sequence == expected % 10


async def test_a_bad_checksum_is_answered_with_96_and_nothing_happens(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        wire = bytearray(conn.encode(checkout_message("3000000011")))
        wire[-2] = ord("0") if wire[-2] != ord("0") else ord("1")  # break the checksum
        reply = sip2.decode(await conn.exchange_bytes(bytes(wire)))
        assert reply.message.code == "96"
        assert embedded_acs.model.loan("3000000011") is None


async def test_97_gets_the_last_response_again_byte_for_byte(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        first = await conn.exchange_bytes(conn.encode(checkout_message("3000000011")))
        again = await conn.exchange_bytes(conn.encode(sip2.RequestACSResend(), sequence=0))
        assert again == first
    assert loan_count(embedded_acs, "3000000011") == 1


async def test_a_retransmitted_checkout_is_answered_not_repeated(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        wire = conn.encode(checkout_message(DEMO["renew_ok"]["item"]))
        first = await conn.exchange_bytes(wire)
        second = await conn.exchange_bytes(wire)  # same AY, same AZ: a timeout retransmission
        assert second == first
    assert embedded_acs.model.loan(DEMO["renew_ok"]["item"]).renewals == 1  # not 2


async def test_a_checkout_resent_after_reconnecting_is_not_doubled(embedded_acs) -> None:
    message = checkout_message("3000000012")
    async with logged_in(embedded_acs) as conn:
        first = sip2.decode(await conn.exchange_bytes(conn.encode(message, sequence=4)))
    async with logged_in(embedded_acs) as conn:  # a new connection, a new sequence number
        second = sip2.decode(await conn.exchange_bytes(conn.encode(message, sequence=7)))
    assert second.sequence == 7 and second.checksum_ok
    assert second.message == first.message
    assert loan_count(embedded_acs, "3000000012") == 1
    assert embedded_acs.stats.replays == 1


async def test_a_new_checkout_after_a_checkin_is_carried_out(embedded_acs) -> None:
    message = checkout_message("3000000013")
    checkin = sip2.Checkin(
        return_date=None, fields={"AP": "", "AO": "", "AB": "3000000013", "AC": ""}
    )
    async with logged_in(embedded_acs) as conn:
        await conn.request(message, sequence=1)
        await conn.request(checkin)
        await conn.request(message, sequence=1)  # same bytes, but the item came back between
    assert loan_count(embedded_acs, "3000000013") == 2
    assert embedded_acs.model.loan("3000000013") is not None


async def test_more_resends_than_the_retry_count_close_the_connection(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        wire = bytearray(conn.encode(sip2.SCStatus()))
        wire[-2] = ord("0") if wire[-2] != ord("0") else ord("1")
        for _ in range(3):  # the demo accounts allow 3 retries
            assert sip2.decode(await conn.exchange_bytes(bytes(wire))).message.code == "96"
        with pytest.raises(EOFError):
            await conn.exchange_bytes(bytes(wire))


async def test_requests_before_login_close_the_connection(embedded_acs) -> None:
    conn = await RawConnection.open(embedded_acs)
    try:
        with pytest.raises(EOFError):
            await conn.request(checkout_message("3000000011"))
    finally:
        await conn.close()
    assert embedded_acs.model.loan("3000000011") is None


async def test_sc_status_before_login_is_answered(embedded_acs) -> None:
    conn = await RawConnection.open(embedded_acs)
    try:
        reply = await conn.request(sip2.SCStatus())
        assert reply.code == "98" and reply.fixed["online_status"]
    finally:
        await conn.close()


async def test_crlf_lf_and_split_packets_are_all_read(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        wire = conn.encode(sip2.SCStatus(), terminator=b"\r\n")
        await conn.send_bytes(wire[:5])
        await asyncio.sleep(0.01)
        await conn.send_bytes(wire[5:] + conn.encode(sip2.SCStatus(), terminator=b"\n"))
        assert sip2.decode(await conn.read_frame()).message.code == "98"
        assert sip2.decode(await conn.read_frame()).message.code == "98"


async def test_an_account_without_error_detection_gets_plain_frames(embedded_acs) -> None:
    async with logged_in(embedded_acs, "kiosk-ljd-hb") as conn:
        frame = await conn.exchange_bytes(conn.encode(sip2.SCStatus(), sequence=None))
        assert sip2.decode(frame).checksum_ok is None


async def test_a_cp850_account_gets_cp850_and_crlf(embedded_acs) -> None:
    async with logged_in(embedded_acs, "kiosk-sod-hb") as conn:
        await conn.send_bytes(
            conn.encode(sip2.PatronStatusRequest(fields={"AO": "", "AA": ASA, "AC": ""}))
        )
        raw = await asyncio.wait_for(conn.reader.readuntil(b"\r\n"), 5)
        assert "Åsa Öberg".encode("cp850") in raw
        assert sip2.decode(raw, charset="cp850").checksum_ok


async def test_the_log_never_carries_pins_passwords_or_names(embedded_acs, caplog) -> None:
    caplog.set_level(logging.DEBUG, logger="kiosk.acs")
    async with logged_in(embedded_acs) as conn:
        await conn.request(
            sip2.PatronStatusRequest(
                fields={"AO": "", "AA": ASA, "AC": "", "AD": DEMO["patron"]["pin"]}
            )
        )
    text = caplog.text
    assert "kiosk-bol-hb" in text  # logins are logged ...
    for secret in ("pw-bol-hb", "Åsa", "Öberg", ASA, "AD" + DEMO["patron"]["pin"]):
        assert secret not in text  # ... but never secrets, names or full card numbers


def _data_with(**account_changes: object):
    data = json.loads(Path(DEMO_DATA).read_text(encoding="utf-8"))
    for account in data["accounts"]:
        if account["login"] == "kiosk-bol-hb":
            account.update(account_changes)
    return parse_data(json.dumps(data))


async def test_the_idle_timeout_announced_in_98_closes_silent_connections() -> None:
    async with EmbeddedACS(_data_with(timeout_seconds=0.3)) as acs:
        async with logged_in(acs) as conn:
            status = await conn.request(sip2.SCStatus())
            assert status.fixed["timeout_period"] == 3
            with pytest.raises(EOFError):
                await conn.read_frame()
        assert acs.stats.idle_closed == 1


async def test_the_retry_count_announced_in_98_is_the_accounts() -> None:
    async with EmbeddedACS(_data_with(retries=1)) as acs, logged_in(acs) as conn:
        assert (await conn.request(sip2.SCStatus())).fixed["retries_allowed"] == 1
        wire = bytearray(conn.encode(sip2.SCStatus()))
        wire[-2] = ord("0") if wire[-2] != ord("0") else ord("1")
        assert sip2.decode(await conn.exchange_bytes(bytes(wire))).message.code == "96"
        with pytest.raises(EOFError):
            await conn.exchange_bytes(bytes(wire))


async def test_a_peer_that_never_ends_its_message_is_disconnected(embedded_acs) -> None:
    conn = await RawConnection.open(embedded_acs)
    try:
        with pytest.raises((EOFError, ConnectionError)):
            for _ in range(80):
                await conn.send_bytes(b"X" * 4096)
            await conn.read_frame()
    finally:
        await conn.close()


async def test_garbage_gets_96_not_a_crash(embedded_acs) -> None:
    async with logged_in(embedded_acs) as conn:
        reply = await conn.exchange_bytes(b"\xff\xfe garbage\r")
        assert sip2.decode(reply).message.code == "96"
        assert (await conn.request(sip2.SCStatus())).code == "98"
