"""Conformance: what we put on the wire is accepted by independent SIP2 implementations.

``pysip2`` (PyPI) is a strict ACS-side codec written by others: anchored patterns on every fixed
field, required tags, checksum verification, no duplicate tags. Every request our client emits in
a real session must decode there to the same values; every response our codec builds (which the
embedded ACS sends) must decode there too. The older ``sip2`` client library (PyPI) reads our
responses by position, as simple self-check clients do.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime

import pysip2
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from Sip2.sip2 import Sip2

from kiosk import sip2
from tests.sip2.fake_acs import PASSWORD, PATRON, PIN, USER, FakeACS

pytestmark = pytest.mark.timeout(20)
WHEN = datetime(2026, 11, 22, 14, 5, 9)
ITEM = "39000111"


def session(client: sip2.SIP2Client) -> list[sip2.Message]:
    """One of every request a kiosk sends, as the kiosk builds them for a strict ACS.

    pysip2 refuses the 18 blanks most self-checks send as the "no block due date", so the
    checkout and renewal carry a date there, as the SIP2 dialect ``nb_due_date = "now"`` does.
    """
    make = client.make
    return [
        make(sip2.PatronStatusRequest, patron_identifier=PATRON, patron_password=PIN),
        make(sip2.PatronInformation, patron_identifier=PATRON, patron_password=PIN,
             summary="  Y       ", start_item="1", end_item="10"),
        make(sip2.Checkout, patron_identifier=PATRON, item_identifier=ITEM, patron_password=PIN,
             fee_acknowledged="N", nb_due_date=WHEN),
        make(sip2.Checkout, patron_identifier=PATRON, item_identifier=ITEM, no_block=True,
             transaction_date=WHEN, nb_due_date=WHEN),
        make(sip2.Checkin, item_identifier=ITEM, item_properties="Hylla: Barn/Äventyr"),
        make(sip2.Renew, patron_identifier=PATRON, item_identifier=ITEM,
             title_identifier="Mio min Mio", nb_due_date=WHEN),
        make(sip2.RenewAll, patron_identifier=PATRON, patron_password=PIN),
        make(sip2.ItemInformation, item_identifier=ITEM),
        make(sip2.ItemStatusUpdate, item_identifier=ITEM, item_properties="Skadad"),
        make(sip2.FeePaid, patron_identifier=PATRON, fee_amount="25.00", currency_type="SEK",
             fee_type="01", payment_type="02", fee_identifier="F-17", transaction_id="T-1"),
        make(sip2.Hold, hold_mode="+", patron_identifier=PATRON, item_identifier=ITEM,
             pickup_location="Söderhamn", hold_type="2", expiration_date="20270101    000000"),
        make(sip2.PatronEnable, patron_identifier=PATRON),
        make(sip2.BlockPatron, patron_identifier=PATRON, blocked_card_msg="Kortet är spärrat",
             card_retained=True),
        make(sip2.EndPatronSession, patron_identifier=PATRON, patron_password=PIN),
    ]  # fmt: skip


@pytest.fixture(params=["utf-8", "cp850", "iso-8859-1"])
async def acs(request: pytest.FixtureRequest) -> AsyncIterator[FakeACS]:
    server = await FakeACS(charset=request.param).start()
    yield server
    await server.stop()


@pytest.mark.parametrize("error_detection", [True, False])
async def test_every_request_the_client_sends_is_accepted_by_pysip2(
    acs: FakeACS, error_detection: bool
) -> None:
    settings = sip2.ClientSettings(
        host="127.0.0.1", port=acs.port, user=USER, password=PASSWORD, location_code="SÖD-1",
        institution_id="HÄLSINGE", charset=acs.charset, error_detection=error_detection,
        timeout=3.0,
    )  # fmt: skip
    async with sip2.SIP2Client(settings) as client:
        if error_detection:
            acs.faults.append("corrupt")  # makes the client send a 97
        for request in session(client):
            await client.request(request)
    frames = acs.received
    codes = [frame[:2].decode() for frame in frames]
    resend = ["97"] if error_detection else []
    expected = ["93", "99", "23", *resend, "63", "11", "11", "09", "29", "65", "17", "19", "37",
                "15", "25", "01", "35"]  # fmt: skip
    assert codes == expected
    for frame in frames:
        theirs = pysip2.decode_message(frame + b"\r", encoding=acs.charset)
        assert (theirs.checksum is not None) == error_detection
        if frame.startswith(b"97"):
            assert isinstance(theirs.message, pysip2.RequestACSResend)
            continue
        ours = sip2.decode(frame, charset=acs.charset).message
        fields = pysip2.models.MESSAGE_SPECS_BY_ID[ours.code].fields
        for spec in fields:
            value = getattr(theirs.message, spec.name)
            if spec.field_id is None:
                expected_value = frame.decode(acs.charset)[2:][: ours.layout.fixed_width]
                assert value in expected_value
            elif spec.repeatable:
                assert list(value) == ours.get_all(spec.field_id)
            else:
                assert value == ours.get(spec.field_id), (ours.code, spec.field_id)


RESPONSES: list[sip2.Message] = [
    sip2.LoginResponse(ok=True),
    sip2.ACSStatus(timeout_period=600, retries_allowed=3, date_time_sync=WHEN, institution_id="HÄL",
                   supported_messages="YYYYYYYYYYYYYYYY", library_name="Hälsingebibliotek",
                   terminal_location="Söderhamn entré", screen_message=["Välkommen"]),
    sip2.PatronInformationResponse(
        patron_status="  Y           ", language="006", transaction_date=WHEN,
        charged_items_count=2, overdue_items_count=1, institution_id="HÄL",
        patron_identifier=PATRON, personal_name="Åsa Öberg", valid_patron="Y",
        valid_patron_password="Y", currency_type="SEK", fee_amount="40.00",
        charged_items=["39000111", "39000222"], overdue_items=["39000222"],
        hold_items_limit="0010", e_mail_address="asa@example.org", screen_message=["Hej Åsa"],
    ),
    sip2.PatronStatusResponse(transaction_date=WHEN, institution_id="HÄL", patron_identifier=PATRON,
                              personal_name="Åsa Öberg", valid_patron="Y",
                              valid_patron_password="N"),
    sip2.PatronEnableResponse(transaction_date=WHEN, institution_id="HÄL", patron_identifier=PATRON,
                              personal_name="Åsa Öberg"),
    sip2.CheckoutResponse(ok=True, renewal_ok=False, magnetic_media=False, desensitize=True,
                          transaction_date=WHEN, institution_id="HÄL", patron_identifier=PATRON,
                          item_identifier=ITEM, title_identifier="Bröderna Lejonhjärta",
                          due_date="20261220    235900", media_type="001",
                          print_line=["Åter 20/12"]),
    sip2.CheckinResponse(ok=True, resensitize=True, magnetic_media=False, alert=True,
                         transaction_date=WHEN, institution_id="HÄL", item_identifier=ITEM,
                         permanent_location="Hudiksvall", title_identifier="Ronja Rövardotter",
                         sort_bin="T2", patron_identifier=PATRON),
    sip2.RenewResponse(ok=True, renewal_ok=True, transaction_date=WHEN, institution_id="HÄL",
                       patron_identifier=PATRON, item_identifier=ITEM, title_identifier="Mio",
                       due_date="20270110    235900"),
    sip2.RenewAllResponse(ok=True, renewed_count=2, unrenewed_count=1, transaction_date=WHEN,
                          institution_id="HÄL", renewed_items=["1", "2"], unrenewed_items=["3"]),
    sip2.ItemInformationResponse(circulation_status="03", transaction_date=WHEN,
                                 item_identifier=ITEM, title_identifier="Mio", owner="SÖD",
                                 permanent_location="Söderhamn", hold_queue_length="0",
                                 due_date="20261220    235900"),
    sip2.ItemStatusUpdateResponse(item_properties_ok=True, transaction_date=WHEN,
                                  item_identifier=ITEM, item_properties="Skadad"),
    sip2.EndSessionResponse(transaction_date=WHEN, institution_id="HÄL", patron_identifier=PATRON),
    sip2.FeePaidResponse(payment_accepted=True, transaction_date=WHEN, institution_id="HÄL",
                         patron_identifier=PATRON, transaction_id="T-1"),
    sip2.HoldResponse(ok=True, available=False, transaction_date=WHEN, institution_id="HÄL",
                      patron_identifier=PATRON, queue_position="3", pickup_location="Söderhamn"),
    sip2.RequestSCResend(),
    sip2.RequestACSResend(),
]  # fmt: skip


@pytest.mark.parametrize("message", RESPONSES, ids=lambda m: m.code)
@pytest.mark.parametrize("charset", ["utf-8", "cp850"])
@pytest.mark.parametrize("sequence", [None, 7])
def test_every_response_we_encode_is_accepted_by_pysip2(
    message: sip2.Message, charset: str, sequence: int | None
) -> None:
    frame = sip2.encode(message, charset=charset, sequence=sequence)
    theirs = pysip2.decode_message(frame, encoding=charset)
    assert type(theirs.message).__name__.startswith(type(message).__name__.removesuffix("Request"))
    if message.code not in ("96", "97"):
        assert theirs.sequence_number == sequence
    for spec in pysip2.models.MESSAGE_SPECS_BY_ID[message.code].fields:
        if spec.field_id is not None and not spec.repeatable:
            assert getattr(theirs.message, spec.name) == message.get(spec.field_id)


def test_the_sip2_client_library_reads_our_checkout_and_checkin_responses() -> None:
    reader = Sip2()
    checkout = sip2.encode(RESPONSES[5], charset="utf-8", sequence=3).decode("utf-8")
    parsed = reader.sip_checkout_response(checkout)
    assert parsed["fixed"]["Ok"] == "1" and parsed["fixed"]["Desensitize"] == "Y"
    assert parsed["variable"]["AJ"] == ["Bröderna Lejonhjärta"]
    assert reader._crc_verify(checkout)
    checkin = sip2.encode(RESPONSES[6], charset="utf-8", sequence=4).decode("utf-8")
    parsed = reader.sip_checkin_response(checkin)
    assert parsed["fixed"]["Alert"] == "Y" and parsed["variable"]["CL"] == ["T2"]


# --- property-based: any well-formed message of the table, as pysip2 sees it ------------------

_NORDIC_TEXT = st.text(
    st.sampled_from("abcxyzABCXYZ0189 -.,:/()åäöÅÄÖæøÆØéÉüÜ"), max_size=40
)  # encodable in every charset tested, and at most 80 bytes in UTF-8
_DIGITS = "0123456789"
_FIXED_TEXT = {
    "language": st.text(st.sampled_from(_DIGITS), min_size=3, max_size=3),
    "patron_status": st.text(st.sampled_from("Y "), min_size=14, max_size=14),
    "summary": st.text(st.sampled_from("Y "), min_size=10, max_size=10),
    "hold_mode": st.sampled_from("+-*"),
    "status_code": st.sampled_from("012"),
    "protocol_version": st.sampled_from(["1.00", "2.00"]),
    "uid_algorithm": st.sampled_from("0123"),
    "pwd_algorithm": st.sampled_from("0123"),
    "currency_type": st.sampled_from(["SEK", "NOK", "DKK", "EUR", "ISK"]),
}
_DOMAIN_TAGS = {
    "BL": st.sampled_from("YN"), "CQ": st.sampled_from("YN"), "BO": st.sampled_from("YN"),
    "BI": st.sampled_from("YN"), "CI": st.sampled_from("YN"), "BY": st.sampled_from("123456789"),
    "BH": st.sampled_from(["SEK", "NOK", "EUR"]),
    "BT": st.text(st.sampled_from(_DIGITS), min_size=2, max_size=2),
    "CV": st.sampled_from(["01", "02", "03", "04", "99"]),
    "CK": st.text(st.sampled_from(_DIGITS), min_size=3, max_size=3),
    "BX": st.text(st.sampled_from("YN"), min_size=16, max_size=16),
    **{tag: st.text(st.sampled_from(_DIGITS), min_size=4, max_size=4)
       for tag in ("BZ", "CA", "CB")},
    **{tag: st.builds(sip2.format_sip_date, st.datetimes(min_value=datetime(1990, 1, 1)))
       for tag in ("BW", "CJ", "CM")},
}  # fmt: skip


@st.composite
def well_formed(draw: st.DrawFn, code: str) -> sip2.Message:
    """A message as a careful ACS or kiosk would build it: every value in the spec's domain."""
    layout = sip2.LAYOUTS[code]
    values: dict[str, object] = {}
    for spec in layout.fixed:
        if spec.kind in ("yn", "01"):
            values[spec.name] = draw(st.booleans())
        elif spec.kind == "ynu":
            values[spec.name] = draw(st.sampled_from([True, False, None]))
        elif spec.kind == "date":
            moment = draw(st.datetimes(min_value=datetime(1990, 1, 1)))
            values[spec.name] = moment.replace(microsecond=0)
        elif spec.kind == "int":
            values[spec.name] = draw(st.integers(0, 10**spec.width - 1))
        else:
            digits = st.text(st.sampled_from(_DIGITS), min_size=spec.width, max_size=spec.width)
            values[spec.name] = draw(_FIXED_TEXT.get(spec.name, digits))
    fields: dict[str, list[str]] = {}
    optional = (
        draw(st.lists(st.sampled_from(layout.optional), unique=True)) if layout.optional else []
    )
    for tag in (*layout.required, *optional):
        value = _DOMAIN_TAGS.get(tag, _NORDIC_TEXT)
        count = draw(st.integers(1, 3)) if sip2.TAGS[tag].repeatable else 1
        fields[tag] = [draw(value) for _ in range(count)]
    return sip2.MESSAGE_CLASSES[code](fields=fields, **values)


@pytest.mark.parametrize("code", sorted(sip2.LAYOUTS))
@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_pysip2_reads_every_well_formed_message_we_write(code: str, data: st.DataObject) -> None:
    message = data.draw(well_formed(code))
    charset = data.draw(st.sampled_from(["utf-8", "cp850", "iso-8859-1"]))
    sequence = data.draw(st.one_of(st.none(), st.integers(0, 9)))
    frame = sip2.encode(message, charset=charset, sequence=sequence)
    theirs = pysip2.decode_message(frame, encoding=charset).message
    for spec in pysip2.models.MESSAGE_SPECS_BY_ID[code].fields:
        if spec.field_id is None:
            continue
        value = getattr(theirs, spec.name)
        if spec.repeatable:
            assert list(value) == message.get_all(spec.field_id)
        else:
            assert value == message.get(spec.field_id), spec.field_id
