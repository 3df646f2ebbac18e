"""The codec, specified: checksums, round trips, tolerant input, strict output, privacy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.sip2 import (
    LAYOUTS,
    ACSStatus,
    CheckinResponse,
    Checkout,
    CheckoutResponse,
    Login,
    PatronInformation,
    PatronInformationResponse,
    PatronStatusResponse,
    RequestACSResend,
    SIP2DecodeError,
    SIP2EncodeError,
    check_charset,
    checksum,
    decode,
    encode,
)
from tests.sip2.strategies import messages

WHEN = datetime(2026, 11, 22, 10, 30, 5)


class TestChecksum:
    def test_the_guides_worked_example(self) -> None:
        assert checksum(b"990 402.00AY1AZ") == "FCB4"

    def test_the_request_acs_resend_of_the_spec(self) -> None:
        assert encode(RequestACSResend(), sequence=0) == b"97AZFEF5\r"

    def test_is_computed_over_the_wire_bytes_of_the_charset(self) -> None:
        reply = PatronStatusResponse(
            transaction_date=WHEN, institution_id="X", patron_identifier="1", personal_name="Åsa"
        )
        utf8 = encode(reply, charset="utf-8", sequence=1)
        cp850 = encode(reply, charset="cp850", sequence=1)
        assert utf8[-5:-1] != cp850[-5:-1]
        assert decode(utf8, charset="utf-8").checksum_ok is True
        assert decode(cp850, charset="cp850").checksum_ok is True

    def test_a_wrong_checksum_is_reported_not_raised(self) -> None:
        frame = encode(ACSStatus(institution_id="X", supported_messages="Y" * 16), sequence=4)
        broken = frame[:-5] + b"0000\r"
        decoded = decode(broken)
        assert decoded.checksum_ok is False
        assert decoded.sequence == 4

    def test_frames_without_error_detection_have_no_verdict(self) -> None:
        decoded = decode(b"941\r")
        assert decoded.checksum_ok is None and decoded.sequence is None

    def test_lowercase_checksum_digits_are_accepted(self) -> None:
        frame = encode(Login(login_user_id="u", login_password="p"), sequence=2)
        assert decode(frame[:-5] + frame[-5:-1].lower()).checksum_ok is True


class TestRoundTrips:
    @pytest.mark.parametrize("code", sorted(LAYOUTS))
    @pytest.mark.parametrize("charset", ["utf-8", "cp850", "iso-8859-1"])
    @settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data())
    def test_every_message_type_survives_encode_and_decode(
        self, code: str, charset: str, data: st.DataObject
    ) -> None:
        message = data.draw(messages(code, latin1=charset != "cp850"))
        sequence = data.draw(st.one_of(st.none(), st.integers(0, 9)))
        decoded = decode(encode(message, charset=charset, sequence=sequence), charset=charset)
        assert decoded.message == message
        if code in ("96", "97"):
            assert decoded.sequence is None
        else:
            assert decoded.sequence == sequence
        assert decoded.checksum_ok is (None if sequence is None else True)


class TestTolerantInput:
    def test_cr_lf_and_lf_terminators(self) -> None:
        for ending in (b"\r", b"\r\n", b"\n", b""):
            assert decode(b"941" + ending).message.ok is True

    def test_a_missing_last_delimiter(self) -> None:
        frame = b"101YNN20261122    103005AOBIB|ABit1|AQSOD|CT HUD"
        message = decode(frame).message
        assert message.permanent_location == "SOD"
        assert message.destination_location == " HUD"

    def test_a_missing_delimiter_before_the_error_detection_block(self) -> None:
        body = b"941AOx"  # not a 94 field, but kept
        frame = body + b"AY3AZ" + checksum(body + b"AY3AZ").encode()
        decoded = decode(frame)
        assert decoded.checksum_ok is True and decoded.message.get("AO") == "x"

    def test_unknown_and_repeated_tags_are_kept_in_order(self) -> None:
        frame = b"64              00620261122    103005" + b"0000" * 2 + b"0001" + b"0000" * 3
        frame += b"AOX|AA1|AEN|"
        frame += b"AUa|XIvendor|AUb|AFone|AFtwo|"
        message = decode(frame).message
        assert message.charged_items == ["a", "b"]
        assert message.screen_message == ["one", "two"]
        assert message.get("XI") == "vendor"
        assert list(message.fields) == ["AO", "AA", "AE", "AU", "XI", "AF"]

    def test_blank_dates_read_as_none(self) -> None:
        frame = b"11YN20261122    103005" + b" " * 18 + b"AOX|AA1|AB2|AC|"
        message = decode(frame).message
        assert message.nb_due_date is None
        assert message.transaction_date == datetime(2026, 11, 22, 10, 30, 5)

    def test_utc_dates(self) -> None:
        message = decode(b"11YN20261122   Z10300520261201   Z235900AOX|AA1|AB2|AC|").message
        assert message.transaction_date == datetime(2026, 11, 22, 10, 30, 5, tzinfo=UTC)

    def test_decomposed_letters_are_normalised_to_nfc(self) -> None:
        nfd = "A\u030asa O\u0308berg"
        frame = b"24" + b" " * 14 + b"00620261122    103005AOX|AA1|AE" + nfd.encode() + b"|"
        assert decode(frame, charset="utf-8").message.personal_name == "Åsa Öberg"

    def test_bad_bytes_are_replaced_and_flag_a_charset_mismatch(self) -> None:
        frame = b"24" + b" " * 14 + b"00620261122    103005AOX|AA1|AE\xc5sa|"  # latin-1 Å
        decoded = decode(frame, charset="utf-8")
        assert decoded.message.personal_name == "\ufffdsa"
        assert decoded.charset_suspect is True

    def test_utf8_read_as_cp850_is_flagged(self) -> None:
        frame = b"24" + b" " * 14 + b"00620261122    103005AOX|AA1|AE" + "Åsa".encode() + b"|"
        assert decode(frame, charset="cp850").charset_suspect is True
        assert decode(frame, charset="utf-8").charset_suspect is False

    def test_valid_utf8_that_holds_a_replacement_character_is_not_suspect(self) -> None:
        """Issue 15.16: a title with U+FFFD in the library's data is valid UTF-8."""
        text = "Åsa \ufffd Öberg"
        frame = b"24" + b" " * 14 + b"00620261122    103005AOX|AA1|AE" + text.encode() + b"|"
        decoded = decode(frame, charset="utf-8")
        assert decoded.message.personal_name == text and decoded.charset_suspect is False

    @pytest.mark.parametrize("name", ["base64", "rot13", "hex", "uu", "idna", "punycode", "utf-16"])
    def test_only_ascii_compatible_text_encodings_are_charsets(self, name: str) -> None:
        with pytest.raises(ValueError, match="not a character set SIP2 can use"):
            check_charset(name)

    @pytest.mark.parametrize("name", ["cp850", "latin-1", "UTF8", "ascii", "cp1252", "iso8859-15"])
    def test_the_charsets_of_real_acss_are_accepted(self, name: str) -> None:
        assert check_charset(name)

    def test_flags_in_the_other_convention(self) -> None:
        message = decode(b"12YY  20261122    103005AOX|AA1|AB2|AJt|AH|").message
        assert message.ok is True and message.renewal_ok is True
        assert message.magnetic_media is None and message.desensitize is None


class TestUndecodableInput:
    @pytest.mark.parametrize(
        "frame",
        [b"", b"\r\n", b"XX123", b"12", b"121Y", b"11YN20261399    103005", b"64" + b" " * 30,
         b"941|A|", b"98YYYYNNabc"],
    )  # fmt: skip
    def test_raises_the_codec_error(self, frame: bytes) -> None:
        with pytest.raises(SIP2DecodeError):
            decode(frame)

    @settings(max_examples=2000)
    @given(st.binary(max_size=300), st.sampled_from(["utf-8", "cp850", "ascii", "iso-8859-1"]))
    def test_arbitrary_bytes_never_raise_anything_else(self, frame: bytes, charset: str) -> None:
        try:
            decoded = decode(frame, charset=charset)
        except SIP2DecodeError as error:
            assert str(error)  # a readable reason, always
            return
        assert frame.startswith(decoded.message.code.encode())

    @settings(max_examples=500)
    @given(st.sampled_from(sorted(LAYOUTS)), st.binary(max_size=80))
    def test_valid_codes_with_random_tails_never_raise_anything_else(
        self, code: str, tail: bytes
    ) -> None:
        try:
            decoded = decode(code.encode() + tail)
        except SIP2DecodeError as error:
            assert str(error)
            return
        assert decoded.message.code == code

    @settings(max_examples=300)
    @given(st.integers(1, 60), st.sampled_from(["AD", "CO", "CN"]))
    def test_the_error_text_never_contains_a_pin_or_password(self, cut: int, tag: str) -> None:
        secret = "9876SECRET"
        request = Login(login_user_id="kiosk", login_password=secret, location_code="X")
        if tag == "AD":
            request = PatronInformation(
                institution_id="X", patron_identifier="1", patron_password=secret
            )
        frame = encode(request)
        broken = frame[:2] + frame[2 : 2 + cut // 3] + frame[2 + cut :]
        try:
            decode(broken)
        except SIP2DecodeError as error:
            assert "SECRET" not in str(error) and "9876" not in str(error)


class TestStrictOutput:
    def test_fixed_fields_must_have_their_width(self) -> None:
        with pytest.raises(SIP2EncodeError, match="language"):
            encode(PatronInformation(language="6", institution_id="X", patron_identifier="1"))

    def test_non_ascii_is_refused_in_fixed_fields(self) -> None:
        with pytest.raises(SIP2EncodeError, match=r"summary .* ASCII"):
            encode(PatronInformation(summary="Å" + " " * 9))

    def test_flags_must_be_booleans(self) -> None:
        with pytest.raises(SIP2EncodeError, match="ok"):
            encode(CheckoutResponse(ok="Y"))

    def test_the_sequence_is_one_digit(self) -> None:
        with pytest.raises(SIP2EncodeError, match="sequence"):
            encode(Login(), sequence=10)

    def test_a_delimiter_in_an_identifier_is_refused(self) -> None:
        with pytest.raises(SIP2EncodeError, match="AB"):
            encode(Checkout(item_identifier="123|AA999"))

    def test_a_delimiter_or_line_break_in_free_text_is_escaped(self) -> None:
        reply = CheckinResponse(screen_message=["Lämna | här\r\nnu"], permanent_location="X")
        frame = encode(reply, charset="cp850")
        assert decode(frame, charset="cp850").message.screen_message == ["Lämna / här nu"]

    def test_letters_missing_from_the_charset_are_transliterated(self) -> None:
        reply = CheckinResponse(screen_message=["Ærlig Ødegård Åsa"], permanent_location="X")
        frame = encode(reply, charset="ascii")
        assert decode(frame, charset="ascii").message.screen_message == ["AErlig Odegard Asa"]

    def test_text_is_sent_in_nfc(self) -> None:
        reply = CheckinResponse(screen_message=["A\u030asa"], permanent_location="X")
        assert "Åsa".encode("cp850") in encode(reply, charset="cp850")

    def test_fixed_length_variable_fields_are_checked_and_numbers_padded(self) -> None:
        reply = PatronInformationResponse(hold_items_limit="10", valid_patron="Y")
        assert b"|BZ0010|" in encode(reply)
        with pytest.raises(SIP2EncodeError, match="BL"):
            encode(reply.replace(valid_patron="yes"))
        with pytest.raises(SIP2EncodeError, match="BZ"):
            encode(reply.replace(hold_items_limit="12345"))

    def test_the_pin_is_never_the_last_field(self) -> None:
        request = PatronInformation(
            institution_id="X", patron_identifier="1", terminal_password="t", patron_password="9"
        )
        assert not encode(request).rstrip(b"\r").rstrip(b"|").split(b"|")[-1].startswith(b"AD")
        login = Login(login_user_id="u", login_password="p")
        assert encode(login).endswith(b"CNu|\r")

    def test_required_fields_are_always_sent_optional_ones_only_when_set(self) -> None:
        frame = encode(Checkout(transaction_date=WHEN, nb_due_date=None))
        assert frame == b"11YN20261122    103005" + b" " * 18 + b"AO|AA|AB|AC|\r"


class TestMessageObjects:
    def test_named_fixed_fields_and_readable_variable_fields(self) -> None:
        reply = decode(
            b"121NNY20261122    103005AOBIB|AA2100|AB39000|AJPippi|AH20261220    235900|"
            b"AFLycka till|AGKvitto|"
        ).message
        assert isinstance(reply, CheckoutResponse)
        assert (reply.ok, reply.renewal_ok, reply.magnetic_media, reply.desensitize) == (
            True, False, False, True,
        )  # fmt: skip
        assert reply.item_identifier == "39000" and reply.title == "Pippi"
        assert reply.due_date == "20261220    235900"
        assert reply.screen_message == ["Lycka till"] and reply.print_line == ["Kvitto"]
        assert reply.fee_amount is None

    def test_replace_returns_a_changed_copy(self) -> None:
        request = Checkout(patron_identifier="1", item_identifier="2")
        changed = request.replace(no_block=True, fee_acknowledged="Y")
        assert changed.no_block is True and changed.get("BO") == "Y"
        assert request.no_block is False and request.get("BO") is None

    def test_variable_flags_may_be_given_as_booleans(self) -> None:
        reply = PatronInformationResponse(valid_patron=True, valid_patron_password=False)
        assert (reply.valid_patron, reply.valid_patron_password) == ("Y", "N")

    def test_unknown_names_are_refused(self) -> None:
        with pytest.raises(TypeError, match="pin"):
            Checkout(pin="1234")

    def test_repr_masks_secrets_and_shortens_card_numbers(self) -> None:
        text = repr(Checkout(patron_identifier="21000123456789", patron_password="4321"))
        assert "4321" not in text.replace("6789", "") and "21000123456789" not in text
        assert "6789" in text

    def test_acs_status_supported_messages(self) -> None:
        status = ACSStatus(supported_messages="YYYYYYYYYNYYYYYY")
        assert status.supports("11") and not status.supports("37")


class TestTags:
    @pytest.mark.parametrize("tag", ["A|", "Å1", "A\r", "ABC", "A"])
    def test_a_vendor_tag_is_two_ascii_letters_or_digits(self, tag: str) -> None:
        with pytest.raises(TypeError, match="tag"):
            CheckinResponse(fields={tag: "x"})

    def test_vendor_tags_are_encoded_after_the_known_ones(self) -> None:
        reply = CheckinResponse(permanent_location="HB", fields={"XI": ["1", "2"]})
        frame = encode(reply, charset="utf-8")
        assert frame.endswith(b"|AQHB|XI1|XI2|\r")
        assert decode(frame).message == reply
