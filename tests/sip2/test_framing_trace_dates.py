"""The framer, the masked wire trace and the SIP2 date helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.sip2 import (
    LAYOUTS,
    Checkout,
    Framer,
    Login,
    PatronInformationResponse,
    PatronStatusResponse,
    SIP2DecodeError,
    SIP2EncodeError,
    checksum,
    encode,
    format_sip_date,
    format_trace,
    mask_frame,
    parse_sip_date,
)


class TestFramer:
    def test_one_message_split_over_many_packets(self) -> None:
        framer = Framer()
        assert framer.feed(b"94") == [] and framer.feed(b"1AY0") == []
        assert framer.feed(b"AZFDFD\r") == [b"941AY0AZFDFD"]
        assert framer.pending == 0

    def test_two_messages_in_one_packet_with_every_terminator(self) -> None:
        assert Framer().feed(b"941\r\n940\n941\r") == [b"941", b"940", b"941"]

    def test_a_cr_lf_split_between_packets_makes_no_empty_frame(self) -> None:
        framer = Framer()
        assert framer.feed(b"941\r") == [b"941"]
        assert framer.feed(b"\n940\r") == [b"940"]

    def test_a_peer_that_never_ends_its_message_is_an_error(self) -> None:
        framer = Framer(max_frame=100)
        framer.feed(b"9" * 60)
        with pytest.raises(SIP2DecodeError, match="terminator"):
            framer.feed(b"9" * 60)
        assert framer.pending == 0

    @settings(max_examples=200)
    @given(st.lists(st.binary(min_size=1, max_size=30).filter(lambda b: b"\r" not in b
                                                               and b"\n" not in b), max_size=6),
           st.data())  # fmt: skip
    def test_any_packet_split_yields_the_same_frames(
        self, messages: list[bytes], data: st.DataObject
    ) -> None:
        stream = b"".join(m + data.draw(st.sampled_from([b"\r", b"\r\n", b"\n"])) for m in messages)
        cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=8)))
        framer = Framer()
        frames = []
        for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
            frames += framer.feed(stream[start:end])
        assert frames == messages


class TestTrace:
    def test_pins_passwords_and_people_are_masked(self) -> None:
        login = encode(Login(login_user_id="kiosk-7", login_password="hemligt"), sequence=0)
        assert mask_frame(login) == "9300CO****|CN****|AY0AZ" + login[-5:-1].decode()
        reply = PatronInformationResponse(
            patron_identifier="2150000001", personal_name="Åsa Öberg", valid_patron="Y",
            e_mail_address="asa@example.se", home_phone_number="0701234567", institution_id="X",
        )  # fmt: skip
        text = format_trace("<-", encode(reply, charset="cp850"), charset="cp850")
        assert text.startswith("<- 64")
        for secret in ("2150000001", "Åsa", "Öberg", "asa@example.se", "0701234567"):
            assert secret not in text
        assert "AA******0001" in text and "BLY" in text

    def test_short_identifiers_keep_at_most_half_of_their_characters(self) -> None:
        """The kiosk's one masking rule (kiosk.privacy): a 6-digit card shows 3, not 4."""
        reply = PatronStatusResponse(patron_identifier="123456", institution_id="X")
        text = format_trace("<-", encode(reply))
        assert "AA***456" in text and "123456" not in text

    def test_a_secret_last_field_before_the_checksum_is_masked(self) -> None:
        frame = b"6300020261122    103005          AOX|AA1|AD9876AY1AZ0000"
        assert "9876" not in mask_frame(frame) and mask_frame(frame).endswith("AD****AY1AZ0000")

    def test_an_unknown_message_shows_only_its_length(self) -> None:
        assert mask_frame(b"XXCO1234|AD5678|\r") == "<unknown message, 17 bytes>"

    def test_a_message_cut_inside_its_fixed_part(self) -> None:
        assert mask_frame(b"64  ") == "64<truncated, 4 bytes>"


class TestDates:
    def test_local_time_has_a_blank_zone(self) -> None:
        assert format_sip_date(datetime(2026, 11, 22, 9, 5, 1)) == "20261122    090501"

    def test_aware_times_are_sent_in_utc(self) -> None:
        cet = timezone(timedelta(hours=1))
        assert format_sip_date(datetime(2026, 11, 22, 9, 5, 1, tzinfo=cet)) == "20261122   Z080501"
        assert parse_sip_date("20261122   Z080501") == datetime(2026, 11, 22, 8, 5, 1, tzinfo=UTC)

    def test_blanks_are_none_both_ways(self) -> None:
        assert parse_sip_date(" " * 18) is None and format_sip_date(None) == " " * 18

    @pytest.mark.parametrize("text", ["2026112     090501", "20261322    090501", "abc", "x" * 18])
    def test_invalid_dates_are_decode_errors(self, text: str) -> None:
        with pytest.raises(SIP2DecodeError):
            parse_sip_date(text)

    def test_a_date_field_needs_a_datetime(self) -> None:
        with pytest.raises(SIP2EncodeError, match="nb_due_date"):
            encode(Checkout(nb_due_date="2026-11-22"))

    @given(st.datetimes(min_value=datetime(1000, 1, 1)).map(lambda d: d.replace(microsecond=0)))
    def test_round_trip(self, value: datetime) -> None:
        assert parse_sip_date(format_sip_date(value)) == value


SECRETS = {"AD": "9876", "AC": "termpw", "CN": "loginname", "CO": "loginpw"}
PEOPLE = {"AA": "2150000001", "AE": "Åsa Öberg", "BD": "Storgatan 1", "CY": "2150000009"}


@pytest.mark.parametrize("code", sorted(LAYOUTS))
def test_secrets_are_masked_by_field_whatever_the_fixed_part(code: str) -> None:
    """Issue 15.14: a short fixed part used to show AD and the whole AA in traces."""
    width = LAYOUTS[code].fixed_width
    fields = "|".join(f"{tag}{value}" for tag, value in {**PEOPLE, **SECRETS}.items()) + "|"
    for fixed_length in range(width + 4):
        for first in ("", "AOSE-BOL|"):
            body = f"{code}{'0' * fixed_length}{first}{fields}AY1AZ".encode()
            frame = body + checksum(body).encode() + b"\r"
            shown = mask_frame(frame)
            for value in (*SECRETS.values(), *PEOPLE.values(), "Åsa"):
                assert value not in shown, (code, fixed_length, first, shown)
