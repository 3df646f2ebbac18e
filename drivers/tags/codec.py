"""Model detection and the two entry points, :func:`decode` and :func:`encode`.

Detection, in this order (what it relies on):

1. no bytes -> ``empty``; all 0x00 or all 0xFF -> ``blank``;
2. a Danish-model CRC that matches in either block order -> ISO 28560-3. A CRC match is strong
   evidence (1 in 65536 by chance), and Danish tags carry all sorts of DSFIDs (often 0x00);
3. the DSFID, when the reader reported one: 0x06 and 0x3E mean ISO 28560-2, and the tag is
   decoded as such (with a ``malformed`` problem when its elements are broken);
4. without a telling DSFID: a clean ISO 28560-2 parse (OID 1 first, consistent lengths);
5. a Danish version-1 header in byte 0 (either nibble, either block order) -> ISO 28560-3 with
   ``crc-mismatch``: a damaged or half-written Danish tag, worth showing staff;
6. otherwise ``foreign``.
"""

from __future__ import annotations

from drivers.tags.danish import crc_valid_order, decode_danish, encode_danish, looks_danish
from drivers.tags.iso28560_2 import DEFAULT_DSFID, DSFIDS, decode_iso28560_2, encode_iso28560_2
from drivers.tags.model import (
    BlockOrder,
    DecodedTag,
    ItemTag,
    TagEncodeError,
    TagModel,
    TagProblem,
)

#: DSFID written with each model (the Danish model does not use the DSFID; 0x00 is common).
DSFID_FOR_MODEL = {TagModel.DANISH: 0x00, TagModel.ISO28560_2: DEFAULT_DSFID}


def decode(memory: bytes, dsfid: int | None = None) -> DecodedTag:
    """Decode a tag's user memory (as read, whole blocks); never raises for any content."""
    memory = bytes(memory)
    if not memory:
        return DecodedTag(TagModel.UNKNOWN, problem=TagProblem.EMPTY, detail="no data read")
    if memory.count(0) == len(memory) or memory.count(0xFF) == len(memory):
        return DecodedTag(
            TagModel.UNKNOWN,
            problem=TagProblem.BLANK,
            detail="the tag is blank (never programmed)",
        )
    order = crc_valid_order(memory)
    if order is not None:
        return decode_danish(memory, order)
    second = decode_iso28560_2(memory)
    if dsfid in DSFIDS or second.ok:
        return second
    if looks_danish(memory):
        return decode_danish(memory)
    dsfid_text = f"DSFID {dsfid:02X}, " if dsfid is not None else ""
    return DecodedTag(
        TagModel.UNKNOWN,
        problem=TagProblem.FOREIGN,
        detail=(
            f"not a library tag this kiosk knows ({dsfid_text}first bytes "
            f"{memory[:4].hex().upper()}): neither ISO 28560-3 nor ISO 28560-2"
        ),
    )


def encode(
    item: ItemTag,
    model: TagModel | str = TagModel.DANISH,
    *,
    memory_size: int | None = None,
    block_size: int = 4,
    block_order: BlockOrder | str = BlockOrder.NORMAL,
    swapped_nibbles: bool = False,
) -> bytes:
    """The memory image of ``item`` in ``model``; raises TagEncodeError for unfit values.

    ``block_order``/``swapped_nibbles`` reproduce a vendor's deviation (Danish model only), so a
    tag can be written back the way it was found.
    """
    model = TagModel(model)
    order = BlockOrder(block_order)
    if model is TagModel.DANISH:
        return encode_danish(
            item,
            memory_size=memory_size,
            block_order=order,
            block_size=block_size,
            swapped_nibbles=swapped_nibbles,
        )
    if model is TagModel.ISO28560_2:
        if order is not BlockOrder.NORMAL or swapped_nibbles:
            raise TagEncodeError("block order and nibble swaps only exist in the Danish model")
        return encode_iso28560_2(item, memory_size=memory_size, block_size=block_size)
    raise TagEncodeError(f"cannot encode the {model.value!r} model")
