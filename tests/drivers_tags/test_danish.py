"""ISO 28560-3 (Danish model): layout, CRC, vendor deviations, extension blocks."""

from __future__ import annotations

import pytest

from drivers import tags


def hand_made_tag() -> bytes:
    """A tag laid out byte by byte from the model's table, CRC filled in at 19-20."""
    image = bytearray(36)
    image[0] = 0x11  # version 1, circulation
    image[1] = 3  # parts
    image[2] = 2  # part number
    image[3:13] = b"3700123456"
    image[21:23] = b"NO"
    image[23:31] = b"02030000"
    crc = tags.crc16_ccitt_false(bytes(image[0:19]) + bytes(image[21:34]))
    image[19], image[20] = crc & 0xFF, crc >> 8
    return bytes(image)


def test_crc_is_ccitt_false_with_the_published_check_value() -> None:
    assert tags.crc16_ccitt_false(b"123456789") == 0x29B1


def test_a_hand_made_tag_decodes_field_by_field() -> None:
    tag = tags.decode(hand_made_tag())
    assert tag.ok and tag.model is tags.TagModel.DANISH and tag.crc_ok
    assert tag.primary_item_id == "3700123456"
    assert tag.owner_library == tags.OwnerLibrary("NO", "02030000")
    assert (tag.parts, tag.part_number) == (3, 2)
    assert tag.usage is tags.Usage.CIRCULATION
    assert tag.block_order is tags.BlockOrder.NORMAL and not tag.swapped_nibbles


def test_encode_produces_the_same_bytes_as_the_table() -> None:
    item = tags.ItemTag("3700123456", "NO-02030000", parts=3, part_number=2)
    assert tags.encode(item) == hand_made_tag()


def test_crc_stored_least_significant_byte_first() -> None:
    image = hand_made_tag()
    crc = tags.crc16_ccitt_false(image[:19] + image[21:34])
    assert image[19] == crc & 0xFF and image[20] == crc >> 8


def test_a_flipped_bit_is_a_crc_mismatch_that_still_shows_the_fields() -> None:
    image = bytearray(hand_made_tag())
    image[5] ^= 0x01
    tag = tags.decode(bytes(image))
    assert tag.model is tags.TagModel.DANISH
    assert tag.crc_ok is False and tag.problem is tags.TagProblem.CRC_MISMATCH and not tag.ok
    assert "CRC" in tag.detail
    assert tag.owner_library == tags.OwnerLibrary("NO", "02030000")


def test_block_reversed_tags_decode_and_report_their_order() -> None:
    reversed_image = tags.reverse_blocks(hand_made_tag())
    tag = tags.decode(reversed_image)
    assert tag.ok and tag.block_order is tags.BlockOrder.REVERSED
    assert tag.primary_item_id == "3700123456"
    # written back in the order it was found, the bytes are identical
    assert tags.encode(tag.to_item(), block_order=tag.block_order) == reversed_image


def test_swapped_nibble_vendor_is_read_right_and_can_be_written_the_same_way() -> None:
    item = tags.ItemTag("1234", "DK-761500", usage=tags.Usage.NOT_FOR_CIRCULATION)
    image = tags.encode(item, swapped_nibbles=True)
    assert image[0] == 0x21
    tag = tags.decode(image)
    assert tag.ok and tag.swapped_nibbles and tag.usage is tags.Usage.NOT_FOR_CIRCULATION
    assert tags.encode(tag.to_item(), swapped_nibbles=True) == image


def test_32_byte_tags_hold_nine_library_characters_and_compute_the_crc_padded() -> None:
    item = tags.ItemTag("12345678", "SE-123456789", parts=1, part_number=1)
    image = tags.encode(item, memory_size=32)
    assert len(image) == 32
    tag = tags.decode(image)
    assert tag.ok and tag.owner_library == tags.OwnerLibrary("SE", "123456789")
    with pytest.raises(tags.TagEncodeError, match="longer than 9"):
        tags.encode(tags.ItemTag("1", "SE-1234567890"), memory_size=32)


def test_parts_and_part_number_are_bytes_1_and_2_and_the_identifier_is_16_bytes() -> None:
    image = tags.encode(tags.ItemTag("ABCDEFGHIJKLMNOP", "SE-Hud", parts=9, part_number=4))
    assert image[1] == 9 and image[2] == 4 and image[3:19] == b"ABCDEFGHIJKLMNOP"
    assert tags.decode(image).primary_item_id == "ABCDEFGHIJKLMNOP"
    with pytest.raises(tags.TagEncodeError, match="longer than 16"):
        tags.encode(tags.ItemTag("ABCDEFGHIJKLMNOPQ"))


def test_extension_blocks_round_trip_and_carry_not_for_loan_offline() -> None:
    extra = tags.ExtensionBlock(0x0001, b"shelf 12")
    item = tags.ItemTag("555", "FI-Hki", not_for_loan_offline=True, extensions=(extra,))
    image = tags.encode(item, memory_size=112)
    tag = tags.decode(image)
    assert tag.ok and tag.not_for_loan_offline
    assert extra in tag.extensions
    assert tags.ExtensionBlock(tags.NFLO_EXTENSION_ID, b"\x01") in tag.extensions
    for_loan = tags.decode(tags.encode(tags.ItemTag("555", "FI-Hki"), memory_size=112))
    assert for_loan.ok and not for_loan.not_for_loan_offline


def test_filler_bytes_between_extension_blocks_are_skipped() -> None:
    base = bytearray(tags.encode(tags.ItemTag("555", "FI-Hki"), memory_size=48))
    block = bytes([5, 0x01, 0x00, 5 ^ 0x01 ^ 0x42, 0x42])
    base[34:41] = b"\x01\x01" + block
    assert tags.decode(bytes(base)).extensions == (tags.ExtensionBlock(1, b"\x42"),)


def test_a_broken_extension_block_is_reported_without_losing_the_item() -> None:
    image = bytearray(
        tags.encode(tags.ItemTag("555", "FI-Hki", not_for_loan_offline=True), memory_size=48)
    )
    image[38] ^= 0xFF  # the flag byte of the NFLO block
    tag = tags.decode(bytes(image))
    assert tag.problem is tags.TagProblem.BAD_EXTENSION and "checksum" in tag.detail
    assert tag.primary_item_id == "555"


def test_an_unsupported_version_with_a_good_crc_is_named() -> None:
    image = bytearray(hand_made_tag())
    image[0] = 0x32  # version 3, type of usage 2 (a low nibble of 1 would read as swapped)
    crc = tags.crc16_ccitt_false(bytes(image[:19]) + bytes(image[21:34]))
    image[19], image[20] = crc & 0xFF, crc >> 8
    tag = tags.decode(bytes(image))
    assert tag.problem is tags.TagProblem.UNSUPPORTED_VERSION and tag.version == 3


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (tags.ItemTag("åäö"), "ASCII"),
        (tags.ItemTag(""), "empty"),
        (tags.ItemTag("1", parts=2, part_number=3), "exceeds"),
        (tags.ItemTag("1", parts=300), "one byte"),
        (tags.ItemTag("1", "SE-ABCDEFGHIJKL"), "owner library .* longer than 11"),
    ],
)
def test_unfit_item_data_is_refused_with_the_field_named(item: tags.ItemTag, message: str) -> None:
    with pytest.raises(tags.TagEncodeError, match=message):
        tags.encode(item)


def test_a_reversed_tag_whose_crc_also_matches_in_normal_order_reads_reversed() -> None:
    # Found by the property test: the normal-order bytes 19-20 happen to equal the CRC.
    image = bytes.fromhex(
        "4e012e81524f68763551366100000000980000006e49464900346632000000004b0500000001014e"
    ).ljust(64, b"\x00")
    tag = tags.decode(image)
    assert tag.ok and tag.block_order is tags.BlockOrder.REVERSED and tag.swapped_nibbles
    assert tag.primary_item_id == "NvhORa6Q5" and tag.usage is tags.Usage.PATRON_CARD


@pytest.mark.parametrize("order", [tags.BlockOrder.NORMAL, tags.BlockOrder.REVERSED])
def test_bytes_needed_counts_the_fixed_part_the_extension_blocks_and_their_end(
    order: tags.BlockOrder,
) -> None:
    from drivers.tags.danish import bytes_needed

    plain = tags.encode(tags.ItemTag("3700123456", "SE-Hud"), memory_size=112, block_order=order)
    flagged = tags.encode(
        tags.ItemTag("3700123456", "SE-Hud", not_for_loan_offline=True),
        memory_size=112,
        block_order=order,
    )
    assert bytes_needed(plain, order) == 35  # bytes 0-33, then the 0 that ends the list
    assert bytes_needed(flagged, order) == 40  # one 5-byte extension block before the 0
    assert bytes_needed(flagged[:36], order) == 40  # from the first nine blocks already
    assert bytes_needed(plain[:20], order) == 35  # less than the fixed part: a lower bound
