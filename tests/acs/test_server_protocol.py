"""What the server does on the wire: error detection, resends, replays, timeouts, logins."""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path

import pytest

from kiosk import sip2
from kiosk.acs import DEMO_DATA, EmbeddedACS, parse_data
from tests.acs.fixtures import DEMO, RawConnection, checkout_request, logged_in

ASA = DEMO["patron"]["barcode"]


def checkout_message(item: str, patron: str = ASA) -> sip2.Message:
    return checkout_request(item, patron, institution="SE-BOL")


def checksum_broken(conn: RawConnection, message: sip2.Message) -> bytes:
    """``message`` as ``conn`` frames it, with one digit of its checksum changed."""
    wire = bytearray(conn.encode(message))
    wire[-2] = ord("0") if wire[-2] != ord("0") else ord("1")
    return bytes(wire)


async def assert_closed_after_resends(conn: RawConnection, retries: int) -> None:
    """A garbled request is answered with a 96 (resend) ``retries`` times; the next garbled one
    closes the connection."""
    wire = checksum_broken(conn, sip2.SCStatus())
    for _ in range(retries):
        assert sip2.decode(await conn.exchange_bytes(wire)).message.code == "96"
    with pytest.raises(EOFError):
        await conn.exchange_bytes(wire)


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
        wire = checksum_broken(conn, checkout_message("3000000011"))
        reply = sip2.decode(await conn.exchange_bytes(wire))
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
        wire = conn.encode(message, sequence=4)
        first = await conn.exchange_bytes(wire)
    async with logged_in(embedded_acs) as conn:  # a new connection, the same bytes (AY4, AZ)
        second = await conn.exchange_bytes(wire)
    assert second == first
    assert loan_count(embedded_acs, "3000000012") == 1
    assert embedded_acs.model.loan("3000000012").renewals == 0
    assert embedded_acs.stats.replays == 1


async def test_the_same_body_with_another_sequence_number_is_a_new_request(embedded_acs) -> None:
    """Issue 15.1: resends are matched by AY and AZ, not by body (two payments of 5.00)."""
    patron = DEMO["patron_small_fee"]["barcode"]
    owed = embedded_acs.model.fees_total(patron)
    payment = sip2.FeePaid(
        currency_type="SEK", fields={"BV": "5.00", "AO": "SE-BOL", "AA": patron, "AC": ""}
    )
    async with logged_in(embedded_acs) as conn:
        first = await conn.request(payment, sequence=3)
        second = await conn.request(payment, sequence=4)  # same body, same second, new AY
    assert first.fixed["payment_accepted"] and second.fixed["payment_accepted"]
    assert embedded_acs.model.fees_total(patron) == owed - 1000


async def test_block_enable_block_leaves_the_patron_blocked(embedded_acs) -> None:
    """Issue 15.1: a block after an enable is carried out, though its body equals the first."""
    fields = {"AO": "SE-BOL", "AL": "", "AA": ASA, "AC": ""}
    block = sip2.BlockPatron(fields=fields)
    enable = sip2.PatronEnable(fields={"AO": "SE-BOL", "AA": ASA})
    async with logged_in(embedded_acs) as conn:
        await conn.request(block, sequence=1)
        await conn.request(enable, sequence=2)
        again = await conn.request(block, sequence=3)
    assert again.fixed["patron_status"][0] == "Y"
    assert embedded_acs.model.patron(ASA).blocked


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
        await assert_closed_after_resends(conn, retries=3)  # the demo accounts allow 3 retries


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
        await assert_closed_after_resends(conn, retries=1)


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


async def test_97_as_the_first_message_gets_96_at_once(embedded_acs) -> None:
    """Issue 15.5: nothing was answered yet; say so instead of waiting for the idle close."""
    conn = await RawConnection.open(embedded_acs, timeout=2.0)
    try:
        reply = await conn.exchange_bytes(conn.encode(sip2.RequestACSResend(), sequence=0))
        assert sip2.decode(reply).message.code == "96"
    finally:
        await conn.close()


async def test_a_failed_second_login_ends_the_earlier_login(embedded_acs) -> None:
    """Issue 15.6: the connection must not go on as the old account."""
    async with logged_in(embedded_acs) as conn:
        assert not await conn.login("kiosk-sod-hb", "wrong password")
        with pytest.raises(EOFError):  # a request before a successful login: closed
            await conn.request(checkout_message("3000000011"))
    assert embedded_acs.model.loan("3000000011") is None


async def test_a_restart_keeps_the_answers_to_retransmitted_checkouts(tmp_path) -> None:
    """Issue 15.11: the same checkout bytes after a restart of `kiosk acs --db` are answered,
    not carried out again as a renewal."""
    db = tmp_path / "acs.db"
    item = DEMO["borrow_stack"]["first"]
    async with EmbeddedACS(db_path=db) as acs, logged_in(acs) as conn:
        wire = conn.encode(checkout_message(item), sequence=5)
        first = await conn.exchange_bytes(wire)
    async with EmbeddedACS(db_path=db) as acs:
        async with logged_in(acs) as conn:
            again = await conn.exchange_bytes(wire)
        assert again == first
        assert acs.model.loan(item).renewals == 0
        assert loan_count(acs, item) == 1


def overlong(message: sip2.Message, tag: str, length: int, sequence: int = 1) -> bytes:
    """``message`` with a ``length``-character ``tag`` field: our codec refuses to build one."""
    placeholder = "@" * 5
    text = sip2.encode(message.replace(fields={tag: placeholder}), terminator=b"").decode()
    body = text.replace(placeholder, tag[0] * length).encode() + b"AY%dAZ" % sequence
    return body + sip2.checksum(body).encode() + b"\r"


async def test_a_field_over_255_characters_is_refused_before_anything_is_done(
    embedded_acs,
) -> None:
    """Issue 15.2: a payment with a 300-character AO was carried out and never answered, so
    each resend paid again. Now it is answered, and nothing is paid."""
    patron = DEMO["patron_small_fee"]["barcode"]
    owed = embedded_acs.model.fees_total(patron)
    payment = sip2.FeePaid(currency_type="SEK", fields={"BV": "10.00", "AA": patron, "AC": ""})
    async with logged_in(embedded_acs) as conn:
        for sequence in (1, 1, 2):  # a resend, then the same request anew
            frame = await conn.exchange_bytes(overlong(payment, "AO", 300, sequence))
            reply = sip2.decode(frame).message
            assert reply.code == "38" and not reply.fixed["payment_accepted"]
            assert reply.get("AO") == "A" * 255 and "255" in (reply.get("AF") or "")
    assert embedded_acs.model.fees_total(patron) == owed


@pytest.mark.parametrize(
    ("request_message", "tag", "answer_code"),
    [
        (checkout_message("3000000011"), "AA", "12"),
        (sip2.PatronInformation(fields={"AO": "", "AA": ""}), "AA", "64"),
        (sip2.PatronStatusRequest(fields={"AO": "", "AA": "", "AC": "", "AD": ""}), "AA", "24"),
        (sip2.ItemInformation(fields={"AO": "", "AB": ""}), "AB", "18"),
        (sip2.EndPatronSession(fields={"AO": "", "AA": ""}), "AA", "36"),
        (sip2.SCStatus(), "AO", "98"),
    ],
)
async def test_every_request_with_an_overlong_field_is_answered(
    embedded_acs, request_message, tag, answer_code
) -> None:
    async with logged_in(embedded_acs) as conn:
        frame = await conn.exchange_bytes(overlong(request_message, tag, 300))
        assert sip2.decode(frame).message.code == answer_code
        assert (await conn.request(sip2.SCStatus())).code == "98"  # the connection goes on
    assert embedded_acs.model.loan("3000000011") is None


async def test_no_timeout_is_announced_as_999_not_as_offline() -> None:
    """Issue 15.4: 000 means "ACS not on-line" in SIP2; "no timeout" is 999 (unknown)."""
    async with EmbeddedACS(_data_with(timeout_seconds=0)) as acs, logged_in(acs) as conn:
        assert (await conn.request(sip2.SCStatus())).fixed["timeout_period"] == 999
