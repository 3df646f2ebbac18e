"""Model detection, and the promise that no tag content ever makes decode raise."""

from __future__ import annotations

import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers.tags import (
    BlockOrder,
    ItemTag,
    TagModel,
    TagProblem,
    Usage,
    decode,
    encode,
    reverse_blocks,
)


def test_no_bytes_is_empty_and_unprogrammed_memory_is_blank() -> None:
    assert decode(b"").problem is TagProblem.EMPTY
    assert decode(b"\x00" * 112).problem is TagProblem.BLANK
    assert decode(b"\xff" * 32).problem is TagProblem.BLANK
    assert decode(b"\x00" * 112, dsfid=0x06).problem is TagProblem.BLANK


def test_a_foreign_tag_says_so_and_shows_its_first_bytes() -> None:
    tag = decode(bytes(range(100, 140)), dsfid=0x00)
    assert tag.model is TagModel.UNKNOWN and tag.problem is TagProblem.FOREIGN
    assert "646566" in tag.detail and not tag.ok


def test_a_short_danish_looking_read_is_too_short() -> None:
    image = encode(ItemTag("37001234", "SE-Hud"))
    tag = decode(image[:20])
    assert tag.model is TagModel.DANISH and tag.problem is TagProblem.TOO_SHORT
    assert "20 bytes read" in tag.detail


def test_danish_crc_wins_whatever_the_dsfid_says() -> None:
    image = encode(ItemTag("1234", "SE-Hud"))
    assert decode(image, dsfid=0x06).model is TagModel.DANISH


def test_iso28560_2_is_found_with_and_without_its_dsfid() -> None:
    image = encode(ItemTag("1234", "SE-Hud"), TagModel.ISO28560_2)
    assert decode(image, dsfid=0x06).model is TagModel.ISO28560_2
    assert decode(image, dsfid=0x3E).model is TagModel.ISO28560_2
    assert decode(image).model is TagModel.ISO28560_2


def test_a_damaged_danish_tag_is_reported_as_danish_with_a_crc_mismatch() -> None:
    image = bytearray(reverse_blocks(encode(ItemTag("37001234", "DK-761500"))))
    image[10] ^= 0x20
    tag = decode(bytes(image))
    assert tag.model is TagModel.DANISH and tag.problem is TagProblem.CRC_MISMATCH
    assert tag.block_order is BlockOrder.REVERSED


items = st.builds(
    ItemTag,
    primary_item_id=st.text(string.ascii_letters + string.digits + "-", min_size=1, max_size=16),
    owner_library=st.one_of(
        st.none(),
        st.builds(
            lambda c, lib: f"{c}-{lib}",
            st.sampled_from(["SE", "NO", "DK", "FI"]),
            st.text(string.ascii_letters + string.digits, min_size=1, max_size=11),
        ),
    ),
    parts=st.integers(1, 99),
    part_number=st.just(1),
    usage=st.sampled_from(list(Usage)),
    not_for_loan_offline=st.booleans(),
)


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(item=items, order=st.sampled_from(list(BlockOrder)), swapped=st.booleans())
def test_danish_round_trip(item: ItemTag, order: BlockOrder, swapped: bool) -> None:
    if swapped and int(item.usage) == 1:
        swapped = False  # 0x11 reads the same either way
    tag = decode(encode(item, block_order=order, swapped_nibbles=swapped, memory_size=64))
    assert tag.ok, tag.detail
    assert tag.to_item() == item
    assert tag.block_order is order and tag.swapped_nibbles is swapped


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(item=items)
def test_iso28560_2_round_trip(item: ItemTag) -> None:
    tag = decode(encode(item, TagModel.ISO28560_2), dsfid=0x06)
    assert tag.ok, tag.detail
    assert tag.to_item() == item


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(memory=st.binary(max_size=160), dsfid=st.one_of(st.none(), st.integers(0, 255)))
def test_arbitrary_bytes_never_raise(memory: bytes, dsfid: int | None) -> None:
    tag = decode(memory, dsfid)
    assert tag.ok or tag.problem is not None or tag.model is TagModel.UNKNOWN
    tag.to_json()


@settings(deadline=None)  # a loaded CI machine must not fail a property
@given(item=items, position=st.integers(0, 33), flip=st.integers(1, 255))
def test_any_single_corrupted_byte_is_never_accepted_as_sound(
    item: ItemTag, position: int, flip: int
) -> None:
    image = bytearray(encode(item))
    image[position] ^= flip
    tag = decode(bytes(image))
    # A CRC-16 detects every single-byte error, so the damage always shows.
    assert not (tag.ok and tag.model is TagModel.DANISH and tag.to_item() != item)
