"""Requests that once crashed a handler: each is answered, logged and changes nothing.

A crash used to close the connection, which a kiosk reads as "outcome unknown" (and may lend
offline on). Every request now gets its message's negative response, or 96 when it only reads,
and a handler that fails half-way leaves nothing behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from kiosk import sip2
from kiosk.acs import EmbeddedACS, FolioServer, send_command
from kiosk.acs.protocol import TOO_LONG_MESSAGE
from tests.acs.fixtures import DEMO, checkout_request, logged_in

ASA = DEMO["patron"]["barcode"]
OWES = DEMO["patron_small_fee"]["barcode"]
ITEM = DEMO["borrow_stack"]["first"]


def framed(text: str, sequence: int = 0) -> bytes:
    """A request written by hand (the kiosk's encoder refuses such values), with AY/AZ."""
    body = f"{text}AY{sequence}AZ".encode()
    return body + sip2.checksum(body).encode() + b"\r"


@contextlib.contextmanager
def local_time_zone(name: str) -> Iterator[None]:
    """Run in a Nordic local time zone, as a kiosk's library system does."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", name)
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()


BAD_AMOUNT = "Ogiltigt belopp."


@pytest.mark.parametrize(
    ("amount", "why"),
    [
        ("NaN", BAD_AMOUNT),
        ("sNaN", BAD_AMOUNT),
        ("Infinity", BAD_AMOUNT),
        ("1" * 40, BAD_AMOUNT),
        ("1E+999999999", BAD_AMOUNT),
        ("1" * 5000, TOO_LONG_MESSAGE),  # over SIP2's 255 characters: refused before reading it
    ],
    ids=lambda a: a[:12],
)
async def test_a_fee_payment_of_an_impossible_amount_is_refused_and_pays_nothing(
    embedded_acs: EmbeddedACS, amount: str, why: str
) -> None:
    owed = embedded_acs.model.fees_total(OWES)
    async with logged_in(embedded_acs) as conn:
        date = sip2.format_sip_date(datetime(2026, 1, 5, 12, 0))
        reply = await conn.exchange_bytes(
            framed(f"37{date}0100SEKBV{amount}|AO|AA{OWES}|", sequence=1)
        )
        answer = sip2.decode(reply).message
        assert answer.code == "38" and answer.fixed["payment_accepted"] is False
        assert answer.get("AF") == why
        assert (await conn.request(sip2.SCStatus())).code == "98"  # still connected
    assert embedded_acs.model.fees_total(OWES) == owed


@pytest.mark.parametrize("zone", ["Europe/Stockholm", "Europe/Helsinki", "Europe/Oslo"])
async def test_a_date_past_the_calendars_end_in_local_time_is_refused(zone: str) -> None:
    end_of_time = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)  # year 10000 in local time
    returned = DEMO["loan_overdue"]["item"]
    with local_time_zone(zone):
        async with EmbeddedACS() as acs, logged_in(acs) as conn:
            loan = await conn.request(
                sip2.Checkout(
                    no_block=True,
                    transaction_date=end_of_time,
                    nb_due_date=end_of_time,
                    fields={"AO": "", "AA": ASA, "AB": ITEM, "AC": ""},
                )
            )
            assert loan.code == "12" and loan.fixed["ok"] is False
            assert loan.fixed["desensitize"] is False
            assert loan.get("AF") == "Ogiltigt datum i begäran."
            back = await conn.request(
                sip2.Checkin(
                    no_block=True,
                    return_date=end_of_time,
                    fields={"AO": "", "AB": returned, "AP": "BOL-HB"},
                )
            )
            assert back.code == "10" and back.fixed["ok"] is False and back.get("AF")
            assert (await conn.request(sip2.SCStatus())).code == "98"  # still connected
            assert acs.model.item(ITEM).loan is None
            assert acs.model.item(returned).loan is not None


async def test_a_handler_that_fails_after_changing_something_is_rolled_back_and_answered(
    embedded_acs: EmbeddedACS, caplog: pytest.LogCaptureFixture
) -> None:
    responder = embedded_acs._server.responder  # white box: a handler that fails half-way
    pay = responder._handlers["37"]

    def pays_then_fails(request: sip2.Message, session: object) -> sip2.Message:
        pay(request, session)
        raise RuntimeError("simulated bug after the payment")

    responder._handlers["37"] = pays_then_fails
    owed = embedded_acs.model.fees_total(OWES)
    async with logged_in(embedded_acs) as conn:
        reply = await conn.request(
            sip2.FeePaid(currency_type="SEK", fields={"BV": "20.00", "AO": "", "AA": OWES})
        )
        assert reply.code == "38" and reply.fixed["payment_accepted"] is False
        assert "Inget har ändrats" in (reply.get("AF") or "")
        assert (await conn.request(sip2.SCStatus())).code == "98"
    assert embedded_acs.model.fees_total(OWES) == owed  # the payment was rolled back
    assert not [e for e in embedded_acs.model.circulation_log() if e.action == "fee_paid"]
    assert "internal error on a 37 request" in caplog.text
    assert "simulated bug after the payment" in caplog.text  # the cause, with its traceback


async def test_a_failing_handler_of_a_request_that_only_reads_is_answered_with_96(
    embedded_acs: EmbeddedACS, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(request: sip2.Message, session: object) -> sip2.Message:
        raise RuntimeError("simulated bug")

    embedded_acs._server.responder._handlers["17"] = broken
    async with logged_in(embedded_acs) as conn:
        reply = await conn.request(sip2.ItemInformation(fields={"AO": "", "AB": ITEM}))
        assert reply.code == "96"
        assert (await conn.request(sip2.SCStatus())).code == "98"
    assert "internal error on a 17 request" in caplog.text


async def test_an_answer_that_cannot_be_sent_undoes_its_change(
    embedded_acs: EmbeddedACS,
) -> None:
    responder = embedded_acs._server.responder
    checkout = responder._handlers["11"]

    def unsendable(request: sip2.Message, session: object) -> sip2.Message:
        answer = checkout(request, session)
        return answer.replace(fields={**answer.fields, "AB": "x|" * 200})  # not encodable

    responder._handlers["11"] = unsendable
    async with logged_in(embedded_acs) as conn:
        reply = await conn.request(checkout_request(ITEM, ASA))
        assert reply.code == "12" and reply.fixed["ok"] is False
    assert embedded_acs.model.item(ITEM).loan is None


async def test_a_control_line_over_64_kib_is_answered_and_the_channel_keeps_working() -> None:
    async with EmbeddedACS(control_port=0) as acs:
        assert acs.control_port is not None
        reader, writer = await asyncio.open_connection("127.0.0.1", acs.control_port)
        try:
            writer.write(b"set latency_ms=" + b"1" * (70 * 1024) + b"\n")
            await writer.drain()
            answer = await asyncio.wait_for(reader.readline(), 5)
            assert b'"ok": false' in answer and b"KiB" in answer
        finally:
            writer.close()
        assert (await send_command("127.0.0.1", acs.control_port, "get"))["ok"] is True


def _http(port: int, request: bytes) -> bytes:
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(request)
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize(
    ("length", "status"),
    [("abc", b"400"), ("-1", b"400"), ("1" * 5000, b"413"), ("12, 13", b"400"), ("5", b"400")],
    ids=["text", "negative", "5000-digits", "list", "short-body"],
)
def test_a_bad_content_length_on_the_folio_port_answers_4xx_without_a_traceback(
    length: str, status: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    from kiosk.acs import ConsortiumModel

    model = ConsortiumModel.open()
    try:
        with FolioServer(model) as folio:
            request = (
                b"POST /authn/login-with-expiry HTTP/1.1\r\nHost: x\r\nx-okapi-tenant: demo\r\n"
                b"Content-Type: application/json\r\nContent-Length: "
                + length.encode()
                + b"\r\n\r\n{}"
            )
            reply = _http(folio.port, request)
            assert reply.startswith(b"HTTP/1.1 " + status), reply[:80]
            ok = _http(folio.port, b"GET /service-points HTTP/1.1\r\nHost: x\r\n\r\n")
            assert ok.startswith(b"HTTP/1.1 400")  # the server still answers (no tenant)
    finally:
        model.close()
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
