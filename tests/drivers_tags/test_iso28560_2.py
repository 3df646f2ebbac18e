"""ISO 28560-2: elements, compaction schemes, the OIDs a kiosk needs."""

from __future__ import annotations

import pytest

from drivers.tags import (
    DSFID_FOR_MODEL,
    ItemTag,
    OwnerLibrary,
    TagModel,
    TagProblem,
    Usage,
    decode,
    encode,
)
from drivers.tags.iso28560_2 import (
    FIVE_BIT,
    INTEGER,
    NUMERIC,
    SEVEN_BIT,
    SIX_BIT,
    UTF8,
    compact,
    expand,
    iter_elements,
)


def test_a_hand_made_tag_decodes() -> None:
    memory = bytes(
        [
            0x21,
            0x03,
            0x12,
            0x34,
            0x5F,  # OID 1, numeric: "12345"
            0x03,
            0x04,
            ord("F"),
            ord("I"),
            ord("-"),
            ord("H"),  # OID 3 as 8... see below
        ]
    )
    # OID 3 above uses scheme 0 (application defined ISIL compaction): not decodable here.
    tag = decode(memory + b"\x00", dsfid=0x06)
    assert tag.model is TagModel.ISO28560_2
    assert tag.primary_item_id == "12345"
    assert tag.problem is TagProblem.MALFORMED and "OID 3" in tag.detail


def test_octet_owner_set_information_and_usage_decode() -> None:
    memory = bytes([0x21, 0x02, 0x98, 0x76])  # OID 1 numeric "9876"
    memory += bytes([0x63, 0x06]) + b"SE-Hud"  # OID 3, octets
    memory += bytes([0x24, 0x02, 0x03, 0x02])  # OID 4, numeric "0302": part 2 of 3
    memory += bytes([0x15, 0x01, 0x01])  # OID 5, integer 1: circulation
    memory += b"\x00"
    tag = decode(memory, dsfid=0x06)
    assert tag.ok
    assert tag.primary_item_id == "9876"
    assert tag.owner_library == OwnerLibrary("SE", "Hud")
    assert (tag.parts, tag.part_number) == (3, 2)
    assert tag.usage is Usage.CIRCULATION
    assert tag.oids == (1, 3, 4, 5)
    assert tag.crc_ok is None


def test_extended_oid_and_offset_padding_are_walked_over() -> None:
    memory = bytes([0x21, 0x01, 0x42])  # "42"
    memory += bytes([0xEF, 17 - 15, 0x02, 0x03]) + b"abc" + b"\x00\x00"  # OID 17, 2 pad bytes
    memory += bytes([0x15, 0x01, 0x02, 0x00])
    elements = iter_elements(memory)
    assert [oid for oid, _, _ in elements] == [1, 17, 5]
    assert decode(memory, 0x06).usage is Usage.NOT_FOR_CIRCULATION


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
    item = ItemTag(
        "30000012345678",
        "NO-02030000",
        parts=12,
        part_number=7,
        usage=Usage.LOCAL_USE_3,
        not_for_loan_offline=True,
    )
    image = encode(item, TagModel.ISO28560_2)
    tag = decode(image, DSFID_FOR_MODEL[TagModel.ISO28560_2])
    assert tag.ok and tag.model is TagModel.ISO28560_2
    assert tag.to_item() == item
    assert DSFID_FOR_MODEL[TagModel.ISO28560_2] == 0x06


def test_a_single_part_item_carries_no_set_information() -> None:
    tag = decode(encode(ItemTag("1", "SE-Hud"), "iso28560-2"), 0x06)
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
    tag = decode(memory, dsfid=0x06)
    assert tag.model is TagModel.ISO28560_2 and tag.problem is TagProblem.MALFORMED
    assert detail in tag.detail
