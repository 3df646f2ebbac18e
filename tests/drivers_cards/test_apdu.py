"""Reading GET DATA answers (PC/SC part 3) and what the virtual card answers."""

from __future__ import annotations

import pytest

from drivers.cards import CardCommandError, VirtualCard
from drivers.cards.apdu import (
    contactless_standard,
    describe_sw,
    get_uid_command,
    parse_uid_response,
    uid_as_written,
)
from drivers.cards.vpcd import CONTACTLESS_ATR

# PC/SC part 3 ATRs of contactless storage cards: ... A0 00 00 03 06 SS NN NN ...
MIFARE_ATR = bytes.fromhex("3B8F8001804F0CA000000306030001000000006A")  # ISO 14443A part 3
ICODE_ATR = CONTACTLESS_ATR  # SS = 0B: ISO 15693 part 3
LIBRARY_CARD = bytes.fromhex("E004015000000001")  # as the library system writes it


def test_a_uid_followed_by_9000_is_the_uid() -> None:
    assert parse_uid_response(bytes.fromhex("04A1B2C3D4E5F69000")) == bytes.fromhex(
        "04A1B2C3D4E5F6"
    )


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("6A81", "card answered 6A81: GET DATA not supported"),
        ("6300", "card answered 6300: no information given: the card did not answer the reader"),
        ("6C07", "card answered 6C07: wrong length, the card has 7 bytes for Le"),
    ],
)
def test_a_failing_status_word_is_raised_with_its_meaning(answer: str, message: str) -> None:
    with pytest.raises(CardCommandError) as raised:
        parse_uid_response(bytes.fromhex(answer))
    assert str(raised.value) == message
    assert raised.value.sw == int(answer, 16)


def test_an_answer_without_a_status_word_is_an_error_not_a_uid() -> None:
    with pytest.raises(CardCommandError, match="not even a status word"):
        parse_uid_response(b"\x90")
    with pytest.raises(CardCommandError, match="no UID bytes"):
        parse_uid_response(b"\x90\x00")


def test_an_unknown_status_word_points_to_iso_7816_4() -> None:
    assert describe_sw(0x6F00) == "6F00: unknown status word (see ISO/IEC 7816-4)"


def test_get_data_asks_for_the_whole_uid_unless_told_the_length() -> None:
    assert get_uid_command() == bytes.fromhex("FFCA000000")
    assert get_uid_command(7) == bytes.fromhex("FFCA000007")


def test_the_virtual_card_answers_like_a_contactless_reader_does() -> None:
    card = VirtualCard(b"\x11\x22\x33\x44", atr=MIFARE_ATR)
    assert card.respond(bytes.fromhex("FFCA000000")) == bytes.fromhex("112233449000")
    assert card.respond(bytes.fromhex("FFCA000004")) == bytes.fromhex("112233449000")
    assert card.respond(bytes.fromhex("FFCA000002")) == bytes.fromhex("6C04")
    assert card.respond(bytes.fromhex("00A4040000")) == bytes.fromhex("6E00")
    assert VirtualCard(b"\x01", get_data_sw=0x6A81).respond(get_uid_command()) == b"\x6a\x81"


def test_the_atr_tells_which_standard_the_card_follows() -> None:
    assert contactless_standard(MIFARE_ATR) == 0x03
    assert contactless_standard(ICODE_ATR) == 0x0B
    assert contactless_standard(bytes.fromhex("3B6800000073C84013009000")) is None  # contact card


def test_an_iso_15693_uid_arrives_lsb_first_and_is_read_as_the_library_writes_it() -> None:
    on_the_air = bytes.fromhex("01000000500104E0")
    assert uid_as_written(on_the_air, ICODE_ATR) == LIBRARY_CARD
    card = VirtualCard(LIBRARY_CARD)  # the default ATR: an ISO 15693 library card
    assert card.respond(get_uid_command()) == on_the_air + b"\x90\x00"


def test_other_cards_keep_the_byte_order_the_reader_gave() -> None:
    uid = bytes.fromhex("04A1B2C3D4E5F6")
    assert uid_as_written(uid, MIFARE_ATR) == uid
    assert uid_as_written(uid, b"") == uid  # no ATR to go by
