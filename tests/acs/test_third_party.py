"""Clients and codecs that are not ours accept the embedded library system.

``Sip2`` (PyPI "sip2", a synchronous client) runs a whole patron session against the server;
``pysip2`` (an independent typed codec) decodes every response the server sends, strictly.
"""

from __future__ import annotations

import asyncio
import logging

import pysip2
import pytest
from Sip2.sip2 import Sip2

from kiosk import sip2
from tests.acs.fixtures import DEMO, logged_in

ASA, PIN = DEMO["patron"]["barcode"], DEMO["patron"]["pin"]


def third_party_session(host: str, port: int, log_dir: str) -> dict[str, dict]:
    """A kiosk session with the Sip2 library, run in a worker thread (it uses blocking sockets)."""
    client = Sip2()
    client.hostName, client.hostPort = host, port
    client.tlsEnable = False
    client.socketTimeout = 5
    client.institutionId = "SE-BOL"
    client.scLocation = "BOL-HB"
    client.patron, client.patronpwd = ASA, PIN
    client.loglevel = "WARNING"
    client.logfile_path = log_dir  # it always logs to a file (default: the current directory)
    client.connect()
    try:
        out: dict[str, dict] = {}

        def ask(name: str, request: str, parse) -> None:
            out[name] = parse(client.get_response(request))

        ask(
            "login",
            client.sip_login_request("kiosk-bol-hb", "pw-bol-hb"),
            client.sip_login_response,
        )
        ask("status", client.sip_sc_status_request(), client.sip_sc_status_response)
        ask(
            "patron",
            client.sip_patron_information_request("charged"),
            client.sip_patron_information_response,
        )
        ask("checkout", client.sip_checkout_request("3000000011"), client.sip_checkout_response)
        ask(
            "item",
            client.sip_item_information_request("3000000011"),
            client.sip_item_information_response,
        )
        ask(
            "renew",
            client.sip_renew_request(itemIdentifier=DEMO["renew_ok"]["item"]),
            client.sip_renew_response,
        )
        ask(
            "checkin",
            client.sip_checkin_request(DEMO["return_hold_here"]["item"]),
            client.sip_checkin_response,
        )
        ask(
            "hold",
            client.sip_hold_request("+", itemIdentifier="3000000037", pickupLocation="BOL-KIL"),
            client.sip_hold_response,
        )
        ask("end", client.sip_end_patron_session_request(), client.sip_end_patron_session_response)
        return out
    finally:
        client.disconnect()
        library_log = logging.getLogger("Sip2")
        for handler in list(library_log.handlers):
            library_log.removeHandler(handler)
            handler.close()


async def test_the_sip2_library_runs_a_kiosk_session(embedded_acs, tmp_path) -> None:
    out = await asyncio.to_thread(
        third_party_session, embedded_acs.host, embedded_acs.port, str(tmp_path)
    )
    assert out["login"]["fixed"]["Ok"] == "1"
    assert out["status"]["fixed"]["OnlineStatus"] == "Y"
    assert out["patron"]["variable"]["BL"] == ["Y"]
    assert DEMO["return_reshelve"]["item"] in out["patron"]["variable"]["AU"]
    assert out["checkout"]["fixed"]["Ok"] == "1"
    assert out["item"]["fixed"]["CirculationStatus"] == "04"
    assert out["renew"]["fixed"]["Ok"] == "1"
    assert out["checkin"]["variable"]["CV"] == ["01"]
    assert out["hold"]["fixed"]["Ok"] == "1"
    assert out["end"]["fixed"]["EndSession"] == "Y"
    assert embedded_acs.model.loan("3000000011").patron == ASA
    assert [h.pickup for h in embedded_acs.model.holds_of(ASA)] == ["BOL-KIL"]


REQUESTS = [
    sip2.SCStatus(),
    sip2.PatronStatusRequest(fields={"AO": "SE-BOL", "AA": ASA, "AC": "", "AD": PIN}),
    sip2.PatronInformation(
        summary="  Y       ", fields={"AO": "SE-BOL", "AA": ASA, "AC": "", "AD": PIN}
    ),
    sip2.Checkout(
        nb_due_date=None, fields={"AO": "SE-BOL", "AA": ASA, "AB": "3000000011", "AC": ""}
    ),
    sip2.Checkout(
        nb_due_date=None,
        fields={"AO": "SE-BOL", "AA": ASA, "AB": DEMO["borrow_chargeable"]["item"], "AC": ""},
    ),
    sip2.Checkin(
        return_date=None,
        fields={
            "AP": "BOL-HB",
            "AO": "SE-BOL",
            "AB": DEMO["return_hold_transit"]["item"],
            "AC": "",
        },
    ),
    sip2.Checkin(
        return_date=None, fields={"AP": "BOL-HB", "AO": "SE-BOL", "AB": "3999999999", "AC": ""}
    ),
    sip2.Renew(
        nb_due_date=None, fields={"AO": "SE-BOL", "AA": ASA, "AB": DEMO["renew_ok"]["item"]}
    ),
    sip2.RenewAll(fields={"AO": "SE-BOL", "AA": ASA}),
    sip2.ItemInformation(fields={"AO": "SE-BOL", "AB": DEMO["hold_ready"]["item"]}),
    sip2.ItemStatusUpdate(fields={"AO": "SE-BOL", "AB": "3000000012", "CH": "2 discs"}),
    sip2.Hold(
        hold_mode="+", fields={"AO": "SE-BOL", "AA": ASA, "AB": "3000000037", "BS": "BOL-HB"}
    ),
    sip2.FeePaid(
        currency_type="SEK",
        fields={"BV": "20.00", "AO": "SE-BOL", "AA": DEMO["patron_small_fee"]["barcode"]},
    ),
    sip2.BlockPatron(
        card_retained=False, fields={"AO": "SE-BOL", "AL": "test", "AA": ASA, "AC": ""}
    ),
    sip2.PatronEnable(fields={"AO": "SE-BOL", "AA": ASA}),
    sip2.EndPatronSession(fields={"AO": "SE-BOL", "AA": ASA}),
]


@pytest.mark.parametrize("request_message", REQUESTS, ids=lambda m: type(m).__name__)
async def test_pysip2_decodes_every_response_strictly(embedded_acs, request_message) -> None:
    async with logged_in(embedded_acs) as conn:
        frame = await conn.exchange_bytes(conn.encode(request_message))
    assert pysip2.verify_checksum(frame)
    decoded = pysip2.decode_message(frame + b"\r", encoding="utf-8")
    assert type(decoded.message).__name__.endswith(("Response",))
