"""ISO/IEC 15962 compaction and the ISIL compaction of ISO 28560-2, against published bytes.

Where the bytes come from (facts, reproduced here as test data):

* "GB/T 35660.2-2017 page 31/32/39": the worked examples of GB/T 35660.2, the Chinese adoption
  of ISO 28560-2 (the same example as the ISO text: item 123456789012, set 1203, shelf location
  QA268.L55, owner US-InU-Mu), as quoted in DigitalPlatform/dp2,
  ``TestDp2Library/TestRfid.cs`` and ``UnitTestRFID/TestChip.cs``;
* "dp2 TestRfid2": further vectors from DigitalPlatform/dp2 ``UnitTestRFID/TestRfid2.cs`` and
  ``TestDp2Library/TestRfid.cs`` (an open implementation of GB/T 35660 / ISO 28560-2).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.tags.compaction import (
    FIVE_BIT,
    INTEGER,
    NUMERIC,
    SEVEN_BIT,
    SIX_BIT,
    UTF8,
    Malformed,
    compact,
    compact_as,
    compact_isil,
    expand,
    expand_isil,
    fits_isil,
    pad_conforms,
)

PUBLISHED = [
    # (scheme, text, bytes, source)
    (INTEGER, "123456789012", "1cbe991a14", "GB/T 35660.2-2017 page 31"),
    (INTEGER, "1203", "04b3", "GB/T 35660.2-2017 page 32"),
    (INTEGER, "256", "0100", "dp2 TestRfid2"),
    (INTEGER, "9999999999999999999", "8ac7230489e7ffff", "dp2 TestRfid2"),
    (NUMERIC, "1203", "1203", "dp2 TestRfid2"),
    (NUMERIC, "091", "091f", "dp2 TestRfid2"),
    (NUMERIC, "1234567", "1234567f", "dp2 TestRfid2"),
    (NUMERIC, "100000000000000000001", "10000000000000000000" + "1f", "dp2 TestRfid2"),
    (FIVE_BIT, "ABC", "0886", "dp2 TestRfid"),
    (FIVE_BIT, "AHQZ", "0a23a0", "dp2 TestRfid2"),
    (FIVE_BIT, "ZYXWV", "d6717b00", "dp2 TestRfid2"),
    (FIVE_BIT, "[\\]^_", "df3bef80", "dp2 TestRfid2"),
    (SIX_BIT, "QA268.L55", "441cb6e2e335d6", "GB/T 35660.2-2017 page 32"),
    (SIX_BIT, "ABC123456", "0420f1cb3d35da", "GB/T 35660.2-2017 page 39"),
    (SIX_BIT, "ABC1234", "0420f1cb3d20", "dp2 TestRfid (a whole 6-bit pad)"),
    (SIX_BIT, "K825.6=76/Z780", "2f8cb5bb6f77daf6b7e308", "dp2 TestRfid2"),
    (SIX_BIT, "I17(198.4)/Y498", "271de8c79e2ed29bd9d39e20", "dp2 TestRfid2"),
    (SEVEN_BIT, "12345678", "62c99b46ad9bb8", "dp2 TestRfid"),
    (SEVEN_BIT, "123456781234567", "62c99b46ad9bb862c99b46ad9bff", "dp2 TestRfid (7-bit pad)"),
    (SEVEN_BIT, "hijk9876{/?}~", "d1a756b72e1bb6f6bdffdfdf", "dp2 TestRfid2"),
]


@pytest.mark.parametrize(("scheme", "text", "hexdata", "source"), PUBLISHED)
def test_published_vectors_compact_and_expand_byte_for_byte(
    scheme: int, text: str, hexdata: str, source: str
) -> None:
    data = bytes.fromhex(hexdata)
    assert compact_as(scheme, text) == data, source
    assert expand(scheme, data) == text, source
    assert pad_conforms(scheme, data, text)


ISIL_PUBLISHED = [
    ("US-InU-Mu", "acc09ebaa06f6b", "GB/T 35660.2-2017 page 32, the standard's worked example"),
    ("DE-Heu1", "21408e16bf1f", "dp2 TestRfid"),
    ("CN-110108-1-NLC", "1b81e110108a1ac7307f", "dp2 TestRfid2"),
    ("CN-120104-C-YBL", "1b81e120104ac1832267", "dp2 TestRfid2 (latching back to upper case)"),
]


@pytest.mark.parametrize(("isil", "hexdata", "source"), ISIL_PUBLISHED)
def test_isil_compaction_matches_published_bytes(isil: str, hexdata: str, source: str) -> None:
    assert compact_isil(isil) == bytes.fromhex(hexdata), source
    assert expand_isil(bytes.fromhex(hexdata)) == isil, source


def test_an_isil_written_with_a_shift_instead_of_a_latch_reads_the_same() -> None:
    # dp2 TestRfid2 Test_isil_4: the same ISIL as above, with the "C" after the digits shifted.
    assert expand_isil(bytes.fromhex("1b81e120104ad1d6644c")) == "CN-120104-C-YBL"


def test_isil_compaction_uses_the_digit_set_s_own_hyphen_and_shifts_for_one_character() -> None:
    # Upper case: "-" 00000; a shift to lower case (11101) for one letter, then upper again.
    assert compact_isil("-") == bytes([0b00000_111])
    assert compact_isil("a") == bytes([0b11101_000, 0b01_111111])  # shift, "a", pad 1s
    assert expand_isil(bytes([0b11101_000, 0b01_111111])) == "a"


def test_a_shift_right_after_a_shift_is_malformed() -> None:
    with pytest.raises(Malformed, match="after a shift"):
        expand_isil(bytes([0b11111_110, 0b1_0000000]))  # shift to digits, then a digit-set shift


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("123456789012", INTEGER),
        ("1203", INTEGER),  # as short as numeric: the standard's example writes an integer
        ("0012345", NUMERIC),  # an integer would lose the leading zeros
        ("7", NUMERIC),
        ("ABCXYZ", FIVE_BIT),
        ("QA268.L55", SIX_BIT),
        ("SE-Hud", SEVEN_BIT),
        ("Bollnäs", UTF8),
        ("A ", SEVEN_BIT),  # a trailing space would read as 6-bit padding
    ],
)
def test_compact_picks_the_shortest_scheme(text: str, scheme: int) -> None:
    chosen, data = compact(text)
    assert chosen == scheme
    assert expand(chosen, data) == text


@pytest.mark.parametrize(
    ("scheme", "data", "message"),
    [
        (NUMERIC, b"\xab", "nibbles"),
        (NUMERIC, b"\xf1", "nibbles"),  # the pad nibble only at the very end
        (FIVE_BIT, b"\x00\x86", "code 0"),
        (INTEGER, b"", "no bytes"),
        (UTF8, b"\xff", "invalid UTF-8"),
        (0, b"\x01", "application defined"),
    ],
)
def test_bytes_a_scheme_cannot_produce_are_malformed(
    scheme: int, data: bytes, message: str
) -> None:
    with pytest.raises(Malformed, match=message):
        expand(scheme, data)


def test_a_wrong_pad_is_noticed_but_decodes() -> None:
    data = bytes.fromhex("441cb6e2e335d5")  # QA268.L55 with the 6-bit pad "01" instead of "10"
    assert expand(SIX_BIT, data) == "QA268.L55"
    assert not pad_conforms(SIX_BIT, data, "QA268.L55")


@pytest.mark.parametrize(
    ("scheme", "text"), [(INTEGER, "0123"), (FIVE_BIT, "abc"), (SIX_BIT, "ab"), (SEVEN_BIT, "ä")]
)
def test_compact_as_refuses_text_the_scheme_cannot_hold(scheme: int, text: str) -> None:
    with pytest.raises(ValueError, match="cannot be compacted"):
        compact_as(scheme, text)


ALPHABETS = {
    NUMERIC: st.text(string.digits, min_size=1, max_size=30),
    FIVE_BIT: st.text("".join(map(chr, range(0x41, 0x60))), min_size=1, max_size=30),
    SIX_BIT: st.text("".join(map(chr, range(0x20, 0x60))), min_size=1, max_size=30).filter(
        lambda t: not t.endswith(" ")
    ),
    SEVEN_BIT: st.text("".join(map(chr, range(0x01, 0x7F))), min_size=1, max_size=30),
    UTF8: st.text(max_size=30),
}


@given(data=st.data(), scheme=st.sampled_from(sorted(ALPHABETS)))
def test_every_scheme_round_trips_its_alphabet(data: st.DataObject, scheme: int) -> None:
    text = data.draw(ALPHABETS[scheme])
    packed = compact_as(scheme, text)
    assert expand(scheme, packed) == text
    assert pad_conforms(scheme, packed, text)


@given(text=st.integers(10, 10**19 - 1).map(str))
def test_integers_round_trip(text: str) -> None:
    assert expand(INTEGER, compact_as(INTEGER, text)) == text


@given(text=st.text(string.ascii_letters + string.digits + "-:/", min_size=1, max_size=16))
def test_isil_compaction_round_trips_any_isil_characters(text: str) -> None:
    assert fits_isil(text)
    assert expand_isil(compact_isil(text)) == text


@pytest.mark.parametrize(
    ("isil", "isil_bytes", "seven_bit_bytes"),
    [("SE-Hud", 5, 6), ("NO-0203000", 6, 9), ("DK-761500", 6, 8), ("FI-Hy", 4, 5)],
)
def test_isil_compaction_is_shorter_than_seven_bits_for_nordic_isils(
    isil: str, isil_bytes: int, seven_bit_bytes: int
) -> None:
    assert len(compact_isil(isil)) == isil_bytes
    assert len(compact_as(SEVEN_BIT, isil)) == seven_bit_bytes


@given(text=st.text(min_size=1, max_size=40))
def test_compact_always_round_trips(text: str) -> None:
    scheme, packed = compact(text)
    assert expand(scheme, packed) == text
