"""Model detection and the two entry points, :func:`decode` and :func:`encode`.

Detection, in this order (what it relies on):

1. no bytes -> ``empty``; all 0x00 or all 0xFF -> ``blank``;
2. a *clean* ISO 28560-2 parse with a content parameter -> ISO 28560-2, whatever the DSFID.
   Clean is: no problem and no warning from :func:`~drivers.tags.iso28560_2.decode_iso28560_2`,
   i.e. the element chain fits the memory, the primary item identifier comes first and is
   printable text of at most 24 characters, no OID twice, every element reads in its
   compaction scheme with the scheme's padding (integers in at most 8 bytes without a leading
   zero byte, as writers make them), a content parameter follows the primary item identifier
   whenever more elements do and lists exactly the OIDs present, pad bytes and everything after
   the terminator are 0x00;
3. a Danish-model CRC that matches in either block order -> ISO 28560-3, whatever the DSFID;
4. a clean parse of a primary item identifier alone -> ISO 28560-2;
5. the DSFID, when the reader reported one: 0x06 and 0x3E mean ISO 28560-2, decoded as such
   (``malformed`` when its elements are broken, doubts as ``warnings``), unless the chain is
   broken or has doubts and the memory has the Danish fixed layout (text fields printable then
   NUL padded, the country two capitals; one damaged byte allowed): then it is a damaged
   Danish tag, reported as ``crc-mismatch`` (Danish tags carry all sorts of DSFIDs);
6. a Danish version-1 header in byte 0 (either nibble, either block order) -> ISO 28560-3 with
   ``crc-mismatch``: a damaged or half-written Danish tag, worth showing staff;
7. an ISO 28560-2 chain that holds but has doubts -> ISO 28560-2, ``malformed``: without a DSFID
   nothing confirms the model (the doubts are named), and the kiosk does not act on a guess;
8. otherwise ``foreign``.

Why a clean ISO 28560-2 parse wins when a Danish CRC matches too (both readings fit): the Danish
CRC is 16 bits, so about 2 in 65,536 ISO 28560-2 images match it by chance in one block order or
the other (measured: 13 of 450,000 random items encoded by this module), and each such item
would be misread on every visit, some as a sound Danish tag with a garbage barcode. A Danish tag,
on the other hand, does not parse cleanly: its barcode bytes would have to start a content
parameter whose bit map lists exactly the elements its CRC, country and library bytes happen to
form (measured: 0 of 450,000 random Danish images, and 0 of them with one byte damaged; before
the content parameter and the other checks above counted, 1 % of the Danish images did). The
DSFID does not decide either: Danish tags carry all sorts of DSFIDs, and a clean structure is
stronger evidence than a DSFID of 0x00 on a tag whose writer never set it. A primary item
identifier alone has no content parameter to vouch for it, and a Danish tag can read as one
(the vendor writing type of usage 4 in the high nibble makes byte 0 a 6-bit precursor whose
length is the parts byte), so for those the Danish CRC comes first. What remains: a damaged
Danish tag of that vendor with 15-24 parts, no owner library and a 16-character barcode can
still read as a lone identifier (1 in 1,000 such damaged tags in a trial); no such tag is known.
"""

from __future__ import annotations

from dataclasses import replace

from drivers.tags.danish import (
    crc_valid_order,
    danish_layout,
    decode_danish,
    encode_danish,
    looks_danish,
)
from drivers.tags.iso28560_2 import (
    DEFAULT_DSFID,
    DSFIDS,
    OID_CONTENT_PARAMETER,
    decode_iso28560_2,
    encode_iso28560_2,
    may_be_clean,
)
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
    if not memory.strip(b"\x00") or not memory.strip(b"\xff"):
        return DecodedTag(
            TagModel.UNKNOWN,
            problem=TagProblem.BLANK,
            detail="the tag is blank (never programmed)",
        )
    second = None
    if may_be_clean(memory):
        second = decode_iso28560_2(memory)
        if second.ok and not second.warnings and OID_CONTENT_PARAMETER in second.oids:
            return second
    order = crc_valid_order(memory)
    if order is not None:
        return decode_danish(memory, order)
    if second is None:
        second = decode_iso28560_2(memory)
    if second.ok and not second.warnings:
        return second  # a primary item identifier alone, and no Danish CRC matched
    if dsfid in DSFIDS:
        # The reader says ISO 28560-2: only the Danish fixed layout itself (a damaged Danish
        # tag that happens to chain, or not) outweighs that, and only when the chain has doubts.
        if (second.warnings or not second.ok) and danish_layout(memory):
            return decode_danish(memory)
        return second  # doubts stay warnings; a broken chain is reported as such
    if looks_danish(memory):
        return decode_danish(memory)  # a damaged Danish tag rather than a broken 28560-2 one
    if second.ok:  # the chain holds, but with doubts and no DSFID to confirm the model
        return replace(
            second,
            problem=TagProblem.MALFORMED,
            detail="reads as ISO 28560-2 only with doubts and no DSFID 06 to confirm it: "
            + "; ".join(second.warnings),
        )
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
    tag can be written back the way it was found. ``block_size`` rounds the image up to whole
    blocks.
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
