"""ISO 28560-2: elements, compaction schemes, every data element, published and vendor bytes.

Test bytes and where they come from (facts, quoted as test data):

* ``STANDARD_EXAMPLE``: the complete worked example at the end of ISO 28560-2 as adopted in
  GB/T 35660.2-2017 (item 123456789012, set information 1203, shelf location QA268.L55, owner
  institution US-InU-Mu in the ISIL compaction, the first element aligned with an offset byte),
  as quoted in DigitalPlatform/dp2 ``UnitTestRFID/TestChip.cs`` (Test_chip_example_from);
* ``STANDARD_EXAMPLE_WITH_TITLE``: the same data laid out by dp2 with a title "test" (relative
  OID 17, written with the precursor 0x7F and the OID byte 02), ``TestChip.cs``
  (Test_chip_layout_3);
* ``VENDOR_TAGS``: tags from three Chinese library RFID vendors read by dp2's users, quoted in
  DigitalPlatform/dp2 ``TestDp2Library/TestRfid.cs`` (test_logicChip_1, _3 and _6).
"""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers import tags
from drivers.tags.compaction import (
    APPLICATION,
    FIVE_BIT,
    INTEGER,
    NUMERIC,
    OCTETS,
    SEVEN_BIT,
    SIX_BIT,
    UTF8,
    compact,
    compact_as,
    compact_isil,
    expand,
)
from drivers.tags.iso28560_2 import bytes_needed, element_oid, iter_elements

STANDARD_EXAMPLE = bytes.fromhex(
    "91 00 05 1c be 99 1a 14 02 01 d0 14 02 04 b3 46 07 44 1c b6"
    "e2 e3 35 d6 83 02 07 ac c0 9e ba a0 6f 6b 00 00"
)
STANDARD_EXAMPLE_WITH_TITLE = bytes.fromhex(
    "91 00 05 1c be 99 1a 14 02 02 d0 02 14 02 04 b3 c6 02 07 44 1c b6 e2 e3 35 d6 00 00"
    "03 07 ac c0 9e ba a0 6f 6b 7f 02 04 74 65 73 74"
)
VENDOR_TAGS = {
    "zhiyan": "C102071100B0C30C30CA00000203A80008830203D6593F0000250110370210405F080599A713063F",
    "jingyuan": "11030AA8AE" + "00" * 35,
    "ganchuang": "9101040142214B000201B80300650110660100670100" + "00" * 90,
}


def element(oid: int, scheme: int, data: bytes) -> bytes:
    """One element without offset, for hand-made tags."""
    head = bytes([scheme << 4 | oid]) if oid < 15 else bytes([scheme << 4 | 0x0F, oid - 15])
    return head + bytes([len(data)]) + data


def test_the_standard_s_worked_example_decodes_without_a_dsfid() -> None:
    tag = tags.decode(STANDARD_EXAMPLE)
    assert tag.ok and tag.model is tags.TagModel.ISO28560_2 and not tag.warnings
    assert tag.primary_item_id == "123456789012"
    assert tag.owner_library == tags.OwnerLibrary("US", "InU-Mu")
    assert (tag.parts, tag.part_number) == (12, 3)
    assert tag.shelf_location == "QA268.L55"
    assert tag.oids == (1, 2, 4, 6, 3)
    assert [(e.oid, e.compaction, e.value) for e in tag.elements] == [
        (1, "integer", "123456789012"),
        (2, "application-defined", "3,4,6"),
        (4, "integer", "1203"),
        (6, "6-bit", "QA268.L55"),
        (3, "isil", "US-InU-Mu"),
    ]


def test_the_standard_s_example_elements_are_what_the_encoder_writes() -> None:
    # Our layout differs (OID order, no offsets), the compacted data does not.
    ours = {
        e.oid: e.data
        for e in tags.decode(
            tags.encode(tags.decode(STANDARD_EXAMPLE).to_item(), "iso28560-2")
        ).elements
    }
    theirs = {e.oid: e.data for e in tags.decode(STANDARD_EXAMPLE).elements}
    assert {oid: ours[oid] for oid in (1, 3, 4, 6)} == {oid: theirs[oid] for oid in (1, 3, 4, 6)}
    assert ours[2] == bytes([0b1111_0000])  # 3, 4, 6 and the type of usage (5) we add


def test_a_title_behind_the_extension_byte_and_padded_elements_decode() -> None:
    tag = tags.decode(STANDARD_EXAMPLE_WITH_TITLE)
    assert tag.ok and not tag.warnings
    assert tag.title == "test" and tag.shelf_location == "QA268.L55"
    assert tag.owner_library is not None and tag.owner_library.isil == "US-InU-Mu"
    assert tag.oids == (1, 2, 4, 6, 3, 17)


@pytest.mark.parametrize(
    ("vendor", "expected"),
    [
        ("zhiyan", {"id": "DPB000002", "owner": "ZYLS", "usage": tags.Usage.CIRCULATION,
                    "elements": {7: "BA", 23: "Lib01"}}),
        ("jingyuan", {"id": "698542", "owner": None, "usage": None, "elements": {}}),
        ("ganchuang", {"id": "21111115", "owner": None, "usage": tags.Usage.CIRCULATION,
                       "elements": {6: "\x00", 7: "\x00"}}),
    ],
)  # fmt: skip
def test_vendor_tags_decode_without_a_dsfid(vendor: str, expected: dict[str, object]) -> None:
    tag = tags.decode(bytes.fromhex(VENDOR_TAGS[vendor]))
    assert tag.ok and tag.model is tags.TagModel.ISO28560_2, tag.detail
    assert tag.primary_item_id == expected["id"]
    assert (tag.owner_library.isil if tag.owner_library else None) == expected["owner"]
    assert tag.usage is expected["usage"]
    others = {e.oid: e.value for e in tag.elements if e.oid not in (1, 2, 3, 5)}
    assert others == expected["elements"]


@pytest.mark.parametrize(
    ("scheme", "data", "isil"),
    [
        (APPLICATION, compact_isil("FI-Hy"), "FI-Hy"),
        (INTEGER, compact_as(INTEGER, "761500"), "761500"),
        (NUMERIC, compact_as(NUMERIC, "0203000"), "0203000"),
        (FIVE_BIT, compact_as(FIVE_BIT, "ZYLS"), "ZYLS"),
        (SIX_BIT, compact_as(SIX_BIT, "SE-HUD"), "SE-HUD"),
        (SEVEN_BIT, compact_as(SEVEN_BIT, "SE-Hud"), "SE-Hud"),
        (OCTETS, b"NO-0203000", "NO-0203000"),
        (UTF8, "DK-Køb".encode(), "DK-Køb"),
    ],
)
def test_the_owner_institution_decodes_in_every_compaction_scheme(
    scheme: int, data: bytes, isil: str
) -> None:
    memory = element(1, NUMERIC, b"\x12\x34") + element(2, APPLICATION, b"\x80")
    tag = tags.decode(memory + element(3, scheme, data) + b"\x00")
    assert tag.ok and not tag.warnings, tag.detail
    assert tag.owner_library == tags.OwnerLibrary.parse(isil)


def test_the_ill_borrowing_institution_is_an_isil_too() -> None:
    item = tags.ItemTag("1234", elements=((11, "SE-Hud"),))
    tag = tags.decode(tags.encode(item, "iso28560-2"))
    assert [(e.compaction, e.value) for e in tag.elements if e.oid == 11] == [("isil", "SE-Hud")]
    assert tag.to_item() == tags.ItemTag(
        "1234", usage=tags.Usage.CIRCULATION, elements=((11, "SE-Hud"),)
    )


@pytest.mark.parametrize(
    ("scheme", "data", "usage", "subtype"),
    [
        (OCTETS, b"\x10", tags.Usage.CIRCULATION, 0),  # dp2 and the "ganchuang" vendor
        (NUMERIC, b"\x10", tags.Usage.CIRCULATION, 0),  # the "zhiyan" vendor
        (OCTETS, b"\x82", tags.Usage.PATRON_CARD, 2),
        (OCTETS, b"\x2a", tags.Usage.NOT_FOR_CIRCULATION, 10),
        (INTEGER, b"\x01", tags.Usage.CIRCULATION, 0),  # this project's tags before 2026
        (INTEGER, b"\x0c", tags.Usage.CIRCULATION, 2),  # "12" as an integer
    ],
)
def test_type_of_usage_is_main_type_then_subtype_in_any_scheme(
    scheme: int, data: bytes, usage: tags.Usage, subtype: int
) -> None:
    memory = element(1, NUMERIC, b"\x12\x34") + element(2, APPLICATION, b"\x20")
    tag = tags.decode(memory + element(5, scheme, data) + b"\x00", dsfid=0x06)
    assert tag.ok and tag.usage is usage and tag.usage_subtype == subtype


@pytest.mark.parametrize(
    ("scheme", "text", "expected"),
    [(INTEGER, "1203", (12, 3)), (NUMERIC, "0302", (3, 2)), (NUMERIC, "120012", (120, 12))],
)
def test_set_information_is_two_equal_halves(
    scheme: int, text: str, expected: tuple[int, int]
) -> None:
    memory = element(1, NUMERIC, b"\x12\x34") + element(2, APPLICATION, b"\x40")
    tag = tags.decode(memory + element(4, scheme, compact_as(scheme, text)) + b"\x00")
    assert tag.ok and (tag.parts, tag.part_number) == expected


def test_octet_owner_set_information_and_usage_decode() -> None:
    memory = bytes([0x21, 0x02, 0x98, 0x76])  # OID 1 numeric "9876"
    memory += bytes([0x63, 0x06]) + b"SE-Hud"  # OID 3, octets
    memory += bytes([0x24, 0x02, 0x03, 0x02])  # OID 4, numeric "0302": part 2 of 3
    memory += bytes([0x15, 0x01, 0x01])  # OID 5, integer 1: circulation
    memory += b"\x00"
    tag = tags.decode(memory, dsfid=0x06)
    assert tag.ok
    assert tag.primary_item_id == "9876"
    assert tag.owner_library == tags.OwnerLibrary("SE", "Hud")
    assert (tag.parts, tag.part_number) == (3, 2)
    assert tag.usage is tags.Usage.CIRCULATION
    assert tag.oids == (1, 3, 4, 5)
    assert tag.crc_ok is None


def test_extended_oid_and_offset_padding_are_walked_over() -> None:
    memory = bytes([0x21, 0x01, 0x42])  # "42"
    memory += bytes([0xEF, 17 - 15, 0x02, 0x03]) + b"abc" + b"\x00\x00"  # OID 17, 2 pad bytes
    memory += bytes([0x15, 0x01, 0x02, 0x00])
    elements = iter_elements(memory)
    assert [oid for oid, _, _ in elements] == [1, 17, 5]
    assert tags.decode(memory, 0x06).usage is tags.Usage.NOT_FOR_CIRCULATION


@pytest.mark.parametrize(
    ("text", "scheme"),
    [
        ("12345", INTEGER),
        ("0012345", NUMERIC),
        ("7", NUMERIC),
        ("ABCXYZ", FIVE_BIT),
        ("SE-HUD", SIX_BIT),
        ("SE-Hud", SEVEN_BIT),
        ("Bollnäs", UTF8),
    ],
)
def test_compaction_picks_the_scheme_and_expands_back(text: str, scheme: int) -> None:
    chosen, data = compact(text)
    assert chosen == scheme
    assert expand(chosen, data) == text


def test_round_trip_of_every_field_and_the_dsfid_to_write() -> None:
    item = tags.ItemTag(
        "30000012345678",
        "NO-02030000",
        parts=12,
        part_number=7,
        usage=tags.Usage.LOCAL_USE_3,
        not_for_loan_offline=True,
    )
    image = tags.encode(item, tags.TagModel.ISO28560_2)
    tag = tags.decode(image, tags.DSFID_FOR_MODEL[tags.TagModel.ISO28560_2])
    assert tag.ok and tag.model is tags.TagModel.ISO28560_2
    assert tag.to_item() == item
    assert tags.DSFID_FOR_MODEL[tags.TagModel.ISO28560_2] == 0x06


def test_a_single_part_item_carries_no_set_information() -> None:
    tag = tags.decode(tags.encode(tags.ItemTag("1", "SE-Hud"), "iso28560-2"), 0x06)
    assert 4 not in tag.oids and (tag.parts, tag.part_number) == (1, 1)


@pytest.mark.parametrize(
    ("memory", "detail"),
    [
        (bytes([0x21, 0x09, 0x12]), "past the end"),
        (bytes([0x63, 0x01, 0x41, 0x00]), "not the primary item id"),
        (bytes([0x00, 0x11]), "no data elements"),
        (bytes([0x21, 0x01, 0xAB, 0x00]), "nibble"),
    ],
)
def test_broken_structures_are_malformed_with_a_reason(memory: bytes, detail: str) -> None:
    tag = tags.decode(memory, dsfid=0x06)
    assert tag.model is tags.TagModel.ISO28560_2 and tag.problem is tags.TagProblem.MALFORMED
    assert detail in tag.detail


def test_relative_oids_from_15_on_decode_and_encode_through_the_extension_byte() -> None:
    item = tags.ItemTag(
        "1234",
        "SE-Hud",
        title="Röda rummet",
        not_for_loan_offline=True,  # local data A, OID 15
        elements=((16, "B-data"), (26, "C-data"), (23, "Lib01"), (100, "x")),
    )
    image = tags.encode(item, "iso28560-2")
    heads = [(oid, image.find(bytes([scheme << 4 | 0x0F, oid - 15]))) for oid, scheme, _ in
             iter_elements(image) if oid >= 15]  # fmt: skip
    assert [oid for oid, _ in heads] == [15, 16, 17, 23, 26, 100]
    assert all(at > 0 for _, at in heads)
    tag = tags.decode(image)
    assert tag.ok and not tag.warnings and tag.to_item() == item
    # The content parameter lists them too: 15-18 in the second byte, 23 and 26 in the third.
    assert tag.elements[1].value == "3,5,15,16,17,23,26,100"


def test_an_extended_oid_with_pad_bytes_reads_in_either_byte_order() -> None:
    pii = element(1, NUMERIC, b"\x12\x34")
    content = element(2, APPLICATION, bytes([0x20, 0x02]))  # OIDs 5 and 17
    usage = element(5, OCTETS, b"\x10")
    # dp2's order: precursor, OID byte (17 - 15), pad count (1), length, data, pad byte
    dp2_order = bytes([0xFF, 2, 1, 2]) + b"ok" + b"\x00"
    other_order = bytes([0xFF, 1, 2, 2]) + b"ok" + b"\x00"
    for title in (dp2_order, other_order):
        tag = tags.decode(pii + content + title + usage + b"\x00")
        assert tag.ok and not tag.warnings and tag.title == "ok", tag.detail


def test_the_encoder_writes_usage_as_two_hex_digits_and_a_minimal_content_parameter() -> None:
    image = tags.encode(
        tags.ItemTag("1234", usage=tags.Usage.PATRON_CARD, usage_subtype=3), "iso28560-2"
    )
    assert iter_elements(image) == [
        (1, INTEGER, b"\x04\xd2"),
        (2, 0, b"\x20"),
        (5, OCTETS, b"\x83"),
    ]


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (tags.ItemTag("1", elements=((6, "A1"),)), "has a field of its own"),
        (
            tags.ItemTag("1", not_for_loan_offline=True, elements=((15, "x"),)),
            "not-for-loan-offline",
        ),
        (tags.ItemTag("1", elements=((19, "1"),)), "two hex digits"),
        (tags.ItemTag("1", elements=((7, "a"), (7, "b"))), "given twice"),
        (tags.ItemTag("1", elements=((200, "a"),)), "outside"),
        (tags.ItemTag("1", title="x" * 150), "too long"),
        (tags.ItemTag("1", usage_subtype=16), "one hex digit"),
    ],
)
def test_items_iso28560_2_cannot_hold_are_refused_with_the_reason(
    item: tags.ItemTag, message: str
) -> None:
    with pytest.raises(tags.TagEncodeError, match=message):
        tags.encode(item, "iso28560-2")


def test_element_names_and_numbers_are_both_accepted() -> None:
    assert element_oid("title") == element_oid("17") == element_oid(17) == 17
    assert element_oid("onix-media-format") == 7
    with pytest.raises(ValueError, match="unknown"):
        element_oid("colour")


texts = st.text(max_size=20)
isils = st.builds(
    lambda country, library: f"{country}-{library}",
    st.sampled_from(["SE", "NO", "DK", "FI", "US"]),
    st.text(string.ascii_letters + string.digits + "-:/", min_size=1, max_size=11),
)
iso_items = st.builds(
    tags.ItemTag,
    primary_item_id=st.text(string.printable.strip(), min_size=1, max_size=20),
    owner_library=st.one_of(st.none(), isils),
    parts=st.integers(1, 999),
    part_number=st.just(1),
    usage=st.sampled_from(list(tags.Usage)),
    not_for_loan_offline=st.booleans(),
    usage_subtype=st.integers(0, 15),
    shelf_location=st.one_of(st.none(), texts),
    title=st.one_of(st.none(), texts),
    elements=st.lists(
        st.one_of(
            st.tuples(
                st.sampled_from([7, 8, 9, 10, 12, 13, 14, 16, 18, 21, 22, 23, 24, 25]), texts
            ),
            st.tuples(st.just(11), isils),
            st.tuples(st.sampled_from([19, 20]), st.integers(0, 255).map("{:02X}".format)),
        ),
        max_size=4,
        unique_by=lambda pair: pair[0],
    ).map(tuple),
)


@given(item=iso_items)
def test_every_data_element_round_trips_and_reads_without_a_dsfid(item: tags.ItemTag) -> None:
    image = tags.encode(item, tags.TagModel.ISO28560_2)
    tag = tags.decode(image)  # no DSFID: the structure alone must say ISO 28560-2
    assert tag.model is tags.TagModel.ISO28560_2 and tag.ok and not tag.warnings, tag.detail
    assert tag.to_item() == item
    assert tags.encode(tag.to_item(), tags.TagModel.ISO28560_2) == image


@pytest.mark.parametrize(
    ("memory", "detail"),
    [
        (element(1, NUMERIC, b"\x12") + element(2, 0, b"\x80") + b"\x00", "lists OIDs [3]"),
        (element(1, NUMERIC, b"\x12") + element(2, FIVE_BIT, b"\x80") + b"\x00", "5-bit"),
        (element(1, NUMERIC, b"\x12") + element(1, NUMERIC, b"\x34") + b"\x00", "appears twice"),
        (element(1, OCTETS, b"12\x0734") + b"\x00", "not printable"),
        (element(1, INTEGER, bytes(range(1, 10))) + b"\x00", "integer in 9 bytes"),
        (element(1, NUMERIC, b"\x12") + element(2, 0, b"\x40") + element(4, NUMERIC, b"\x12")
         + b"\x00", "names part 2 of 1"),
    ],
)  # fmt: skip
def test_structures_that_cannot_be_trusted_are_malformed_even_with_the_dsfid(
    memory: bytes, detail: str
) -> None:
    tag = tags.decode(memory, dsfid=0x06)
    assert tag.model is tags.TagModel.ISO28560_2 and tag.problem is tags.TagProblem.MALFORMED
    assert detail in tag.detail


@pytest.mark.parametrize(
    ("memory", "warning"),
    [
        (element(1, NUMERIC, b"\x12") + element(5, OCTETS, b"\x10") + b"\x00", "no content"),
        (element(1, NUMERIC, b"\x12") + b"\x00\x00\x41\x42", "follow the end"),
        (bytes([0x91, 2, 1, 0x12, 0, 7]) + b"\x00", "pad bytes"),
        (element(1, SIX_BIT, bytes.fromhex("441cb6e2e335d5")) + b"\x00", "padding bits"),
    ],
)
def test_doubts_are_warnings_with_the_dsfid_and_not_enough_without_it(
    memory: bytes, warning: str
) -> None:
    confirmed = tags.decode(memory, dsfid=0x06)
    assert confirmed.ok and confirmed.model is tags.TagModel.ISO28560_2
    assert any(warning in w for w in confirmed.warnings)
    guessed = tags.decode(memory)
    assert (
        guessed.model is tags.TagModel.ISO28560_2 and guessed.problem is tags.TagProblem.MALFORMED
    )
    assert "no DSFID" in guessed.detail and warning in guessed.detail


def test_the_danish_model_refuses_what_only_iso28560_2_can_hold() -> None:
    for item in (
        tags.ItemTag("1", title="x"),
        tags.ItemTag("1", shelf_location="x"),
        tags.ItemTag("1", usage_subtype=1),
        tags.ItemTag("1", elements=((7, "BA"),)),
    ):
        with pytest.raises(tags.TagEncodeError, match="Danish model has no field"):
            tags.encode(item, tags.TagModel.DANISH)


@given(item=iso_items)
def test_the_blocks_that_hold_the_data_are_known_from_the_first_ones(item: tags.ItemTag) -> None:
    image = tags.encode(item, tags.TagModel.ISO28560_2, memory_size=320)  # an ICODE SLIX2 holds 320
    read = 4  # one block, then as many as bytes_needed asks for
    while (needed := bytes_needed(image[:read])) is not None and needed > read:
        read = -(-needed // 4) * 4
    exact = tags.encode(
        item, tags.TagModel.ISO28560_2, block_size=1
    )  # up to and with the terminator
    assert needed == len(exact)
    assert tags.decode(image[:read]).to_item() == tags.decode(image).to_item() == item


def test_bytes_needed_of_the_standard_s_example_and_of_other_data() -> None:
    assert bytes_needed(STANDARD_EXAMPLE[:4]) == 9  # the first element's 8 bytes, then more
    assert bytes_needed(STANDARD_EXAMPLE) == 37  # it fills its 36 bytes: one more to know
    assert bytes_needed(b"\x10\x01\x00\x00") is None  # OID 0: not an element chain
