"""ISO 28560-3, the Danish data model (DS/INF 163), with the vendor deviations found on shelves.

Follows: DS/INF 163-1 "RFID Data Model for Libraries" (2005, 2009) and ISO 28560-3:2011 as
summarised in the project's RFID notes. Fixed layout in tag user memory:

====== =====================================================================================
bytes  field
====== =====================================================================================
0      high nibble version (1), low nibble type of usage
1      number of parts in the set
2      this part's number
3-18   primary item identifier, ASCII, NUL padded (16 bytes)
19-20  CRC-16/CCITT-FALSE over bytes 0-18 then 21-33, least significant byte at 19
21-22  country of the owner library (ISO 3166 alpha-2)
23-33  owner library (ISIL library part), ASCII, NUL padded (11 bytes)
34...  extension blocks ``[len][id lo][id hi][xor][data]`` (XOR of the block is 0; len 0 ends
       the list, len 1 is a filler byte)
====== =====================================================================================

Deviations handled on decode (see RFID-NOTES): 32-byte tags (Tag-it HF-I: bytes 32-33 read as
0x00 for the CRC), block-reversed tags (each 4-byte block stored backwards; both orders are
tried and the one whose CRC matches wins; the order is reported so a write-back keeps it), and
the vendor that put type of usage in the high nibble and the version in the low one.

"Not for loan while offline" has no field in the model, so this project stores it in an
extension block with id :data:`~drivers.tags.model.NFLO_EXTENSION_ID` (one data byte, bit 0).
"""

from __future__ import annotations

import binascii

from drivers.tags.model import (
    NFLO_EXTENSION_ID,
    BlockOrder,
    DecodedTag,
    ExtensionBlock,
    ItemTag,
    OwnerLibrary,
    TagEncodeError,
    TagModel,
    TagProblem,
    Usage,
)

FIXED_SIZE = 34  # bytes 0..33
SHORT_TAG_SIZE = 32  # Tag-it HF-I: 8 blocks of 4 bytes
ID_FIELD = slice(3, 19)
COUNTRY_FIELD = slice(21, 23)
LIBRARY_FIELD = slice(23, 34)
VERSION = 1
#: For counting printable bytes with bytes.translate (deleting them), much faster than a loop.
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_USAGES = {usage.value: usage for usage in Usage}


def crc16_ccitt_false(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE: poly 0x1021, init 0xFFFF, not reflected, no final XOR.

    The standard library's ``binascii.crc_hqx`` is exactly this CRC (with the preset given).
    """
    return binascii.crc_hqx(data, crc)


def danish_crc(image: bytes) -> int:
    """The model's CRC of a tag image (bytes 32-33 count as 0x00 on a 32-byte tag)."""
    fixed = image[:FIXED_SIZE].ljust(FIXED_SIZE, b"\x00")
    return crc16_ccitt_false(fixed[:19] + fixed[21:FIXED_SIZE])


def reverse_blocks(data: bytes, block_size: int = 4) -> bytes:
    """Each block's bytes in reverse order; a trailing partial block is reversed as it is."""
    if block_size == 4 and len(data) % 4 == 0:
        out = bytearray(len(data))
        out[0::4], out[1::4], out[2::4], out[3::4] = data[3::4], data[2::4], data[1::4], data[0::4]
        return bytes(out)
    return b"".join(data[i : i + block_size][::-1] for i in range(0, len(data), block_size))


def _crc_matches(image: bytes) -> bool:
    return image[19] | (image[20] << 8) == danish_crc(image)


def _version_and_usage(first: int) -> tuple[int, int, bool]:
    """(version, usage code, swapped) from byte 0, recognising the swapped-nibble vendor."""
    high, low = first >> 4, first & 0x0F
    if high == VERSION:
        return VERSION, low, False
    if low == VERSION:
        return VERSION, high, True
    return high, low, False


def _plausible_header(image: bytes) -> bool:
    """Version 1 in a nibble of byte 0, a known usage code and a mostly printable identifier."""
    version, usage, _ = _version_and_usage(image[0])
    identifier = image[ID_FIELD].split(b"\x00", 1)[0]
    printable = len(identifier) - len(identifier.translate(None, _PRINTABLE_ASCII))
    return (
        version == VERSION
        and usage in Usage._value2member_map_
        and bool(identifier)
        and 0x20 <= identifier[0] < 0x7F
        and printable * 2 >= len(identifier)  # a damaged byte or two still reads as Danish
    )


def looks_danish(data: bytes) -> bool:
    """Used by model detection when the CRC fails: a plausible header in either block order.

    Works on truncated reads too (at least 4 bytes), so they can be reported as too short.
    """
    if len(data) < 4:
        return False
    return _plausible_header(data) or _plausible_header(reverse_blocks(data))


def _text_field_faults(raw: bytes) -> int:
    """Bytes that break "printable ASCII, then NUL padding" in a fixed text field.

    The fewer of two readings: the text ends at the first NUL (any non-NUL after it is a
    fault), or at the last non-NUL (any NUL or unprintable byte before it is a fault), so one
    damaged byte counts once wherever it is.
    """
    head, _, tail = raw.partition(b"\x00")
    at_first = sum(not 0x20 <= byte < 0x7F for byte in head) + len(tail) - tail.count(0)
    at_last = sum(not 0x20 <= byte < 0x7F for byte in raw.rstrip(b"\x00"))
    return min(at_first, at_last)


def _layout_faults(image: bytes) -> int:
    version, usage, _ = _version_and_usage(image[0])
    faults = int(version != VERSION or usage not in Usage._value2member_map_)
    faults += _text_field_faults(image[ID_FIELD])
    country = image[COUNTRY_FIELD]
    faults += 0 if country == b"\x00\x00" or (country.isalpha() and country.isupper()) else 1
    return faults + _text_field_faults(image[LIBRARY_FIELD])


def danish_layout(data: bytes) -> bool:
    """Whether ``data`` has the Danish model's fixed layout, one damaged byte allowed.

    Stricter than :func:`looks_danish`: every text field must be printable ASCII followed by NUL
    padding and the country two capital letters (or empty). Model detection uses it when the CRC
    fails but the reader's DSFID says ISO 28560-2: a damaged Danish tag keeps this layout, while
    compacted ISO 28560-2 data (precursors, lengths, packed bits) almost never has it.
    """
    if len(data) < SHORT_TAG_SIZE:
        return False
    flipped = reverse_blocks(data[:36] if len(data) >= 36 else data)
    return min(_layout_faults(data), _layout_faults(flipped)) <= 1


def crc_valid_order(data: bytes) -> BlockOrder | None:
    """The block order in which ``data`` carries a valid Danish-model CRC, if any.

    When both orders match (a 1 in 65536 coincidence, found by the property tests) the order
    whose header is plausible (version 1, known usage, printable identifier) wins.
    """
    if len(data) < SHORT_TAG_SIZE:
        return None
    normal_ok = _crc_matches(data)
    if normal_ok and _plausible_header(data):
        return BlockOrder.NORMAL
    flipped = reverse_blocks(data[:36] if len(data) >= 36 else data)
    if _crc_matches(flipped) and (not normal_ok or _plausible_header(flipped)):
        return BlockOrder.REVERSED
    return BlockOrder.NORMAL if normal_ok else None


def _text(raw: bytes) -> str:
    """ASCII field up to the first NUL; stray high bytes read as Latin-1 rather than failing."""
    return raw.split(b"\x00", 1)[0].decode("latin-1").strip()


def _parse_extensions(data: bytes) -> tuple[tuple[ExtensionBlock, ...], str]:
    """Extension blocks from byte 34; second item is an error sentence ('' when sound)."""
    blocks: list[ExtensionBlock] = []
    i = FIXED_SIZE
    while i < len(data):
        length = data[i]
        if length == 0:
            break
        if length == 1:  # filler
            i += 1
            continue
        if length < 4:
            return tuple(blocks), f"extension block at byte {i} has impossible length {length}"
        if i + length > len(data):
            return tuple(blocks), f"extension block at byte {i} runs past the end of memory"
        block = data[i : i + length]
        checksum = 0
        for b in block:
            checksum ^= b
        if checksum:
            return tuple(blocks), f"extension block at byte {i} fails its XOR checksum"
        blocks.append(ExtensionBlock(block[1] | (block[2] << 8), bytes(block[4:])))
        i += length
    return tuple(blocks), ""


def bytes_needed(head: bytes, order: BlockOrder = BlockOrder.NORMAL) -> int:
    """How much user memory a Danish-model tag's data takes, judged from its first bytes: the
    fixed part, the extension blocks and the 0 that ends them.

    For reading only the blocks that hold data (like :func:`drivers.tags.iso28560_2.
    bytes_needed`): exact once the terminator is in ``head``, a lower bound before. An
    impossible extension length ends the count where it stands (the decoder says what is wrong).
    """
    image = (
        bytes(head) if order is BlockOrder.NORMAL else reverse_blocks(head[: len(head) // 4 * 4])
    )
    i = FIXED_SIZE
    while i < len(image):
        length = image[i]
        if length == 0 or 1 < length < 4:
            return i + 1
        i += length
    return i + 1


def decode_danish(data: bytes, order: BlockOrder | None = None) -> DecodedTag:
    """Decode a Danish-model tag; never raises. Both block orders are tried (CRC decides).

    ``order`` is the result of :func:`crc_valid_order` when the caller already has it.
    """
    data = bytes(data)
    if len(data) < SHORT_TAG_SIZE:
        return DecodedTag(
            TagModel.DANISH,
            problem=TagProblem.TOO_SHORT,
            detail=f"{len(data)} bytes read; the Danish model needs at least {SHORT_TAG_SIZE}",
        )
    if order is None:
        order = crc_valid_order(data)
    crc_ok = order is not None
    if order is None:
        # Neither order matches: read in the order whose header looks like the Danish model.
        order = BlockOrder.NORMAL
        if not _plausible_header(data) and _plausible_header(reverse_blocks(data)):
            order = BlockOrder.REVERSED
    image = data if order is BlockOrder.NORMAL else reverse_blocks(data)
    version, usage_code, swapped = _version_and_usage(image[0])
    extensions, ext_error = _parse_extensions(image)
    owner = OwnerLibrary(_text(image[COUNTRY_FIELD]).upper(), _text(image[LIBRARY_FIELD]))
    usage = _USAGES.get(usage_code)
    problem: TagProblem | None = None
    detail = ""
    if not crc_ok:
        stored = image[19] | (image[20] << 8)
        problem = TagProblem.CRC_MISMATCH
        detail = (
            f"CRC {stored:04X} on the tag does not match the data (expected "
            f"{danish_crc(image):04X}) in either block order: the tag is damaged or half written"
        )
    elif version != VERSION:
        problem = TagProblem.UNSUPPORTED_VERSION
        detail = f"Danish-model version {version} is not supported (only version 1)"
    elif ext_error:
        problem = TagProblem.BAD_EXTENSION
        detail = ext_error
    nflo = bool(extensions) and any(
        e.block_id == NFLO_EXTENSION_ID and e.data[:1] == b"\x01" for e in extensions
    )
    return DecodedTag(
        model=TagModel.DANISH,
        primary_item_id=_text(image[ID_FIELD]),
        owner_library=owner if (owner.country or owner.library) else None,
        parts=image[1],
        part_number=image[2],
        usage=usage,
        usage_code=usage_code,
        crc_ok=crc_ok,
        not_for_loan_offline=nflo,
        block_order=order,
        swapped_nibbles=swapped,
        version=version,
        extensions=extensions,
        problem=problem,
        detail=detail,
    )


def _ascii_field(value: str, size: int, name: str) -> bytes:
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError:
        raise TagEncodeError(f"{name} {value!r} must be ASCII in the Danish model") from None
    if len(raw) > size:
        raise TagEncodeError(f"{name} {value!r} is longer than {size} bytes")
    if b"\x00" in raw:
        raise TagEncodeError(f"{name} must not contain NUL bytes")
    return raw.ljust(size, b"\x00")


def encode_extension(block: ExtensionBlock) -> bytes:
    """One extension block with its length and XOR checksum."""
    length = 4 + len(block.data)
    if length > 255 or not 0 <= block.block_id <= 0xFFFF:
        raise TagEncodeError(f"extension block {block.block_id:#x} is too long or has a bad id")
    head = bytes([length, block.block_id & 0xFF, block.block_id >> 8])
    checksum = 0
    for b in head + block.data:
        checksum ^= b
    return head + bytes([checksum]) + block.data


def encode_danish(
    item: ItemTag,
    *,
    memory_size: int | None = None,
    block_order: BlockOrder = BlockOrder.NORMAL,
    block_size: int = 4,
    swapped_nibbles: bool = False,
) -> bytes:
    """The tag image of ``item`` in the Danish model.

    ``memory_size`` pads the image with 0x00 to the tag's user memory (so stale bytes of an old
    encoding are overwritten); 32 makes a Tag-it-style image without bytes 32-33 and no room for
    extension blocks. Without it the image is the fixed part plus extensions, whole blocks.
    """
    if not 0 <= int(item.usage) <= 15:
        raise TagEncodeError(f"type of usage {item.usage} does not fit a nibble")
    iso_only = [
        name
        for name, present in (
            ("a type of usage subtype", item.usage_subtype != 0),
            ("a shelf location", item.shelf_location is not None),
            ("a title", item.title is not None),
            ("further data elements", bool(item.elements)),
        )
        if present
    ]
    if iso_only:
        raise TagEncodeError(
            f"the Danish model has no field for {', '.join(iso_only)} (ISO 28560-2 has)"
        )
    for name, value in (("number of parts", item.parts), ("part number", item.part_number)):
        if not 0 <= value <= 255:
            raise TagEncodeError(f"{name} {value} does not fit one byte (0-255)")
    if item.parts and item.part_number > item.parts:
        raise TagEncodeError(f"part number {item.part_number} exceeds parts {item.parts}")
    if not item.primary_item_id:
        raise TagEncodeError("primary item identifier is empty")
    owner = item.owner or OwnerLibrary("", "")
    short = memory_size is not None and memory_size < FIXED_SIZE
    if memory_size is not None and memory_size < SHORT_TAG_SIZE:
        raise TagEncodeError(f"{memory_size} bytes of memory cannot hold the Danish model")
    library_room = 9 if short else 11
    usage = int(item.usage)
    first = ((usage << 4) | VERSION) if swapped_nibbles else ((VERSION << 4) | usage)
    image = bytearray(FIXED_SIZE)
    image[0] = first
    image[1] = item.parts
    image[2] = item.part_number
    image[ID_FIELD] = _ascii_field(item.primary_item_id, 16, "primary item identifier")
    if owner.country and len(owner.country) != 2:
        raise TagEncodeError(f"country {owner.country!r} must be two letters (ISO 3166)")
    image[COUNTRY_FIELD] = _ascii_field(owner.country, 2, "country")
    image[LIBRARY_FIELD] = _ascii_field(owner.library, library_room, "owner library").ljust(
        11, b"\x00"
    )
    crc = danish_crc(bytes(image))
    image[19], image[20] = crc & 0xFF, crc >> 8
    extensions = list(item.extensions)
    if item.not_for_loan_offline:
        extensions.append(ExtensionBlock(NFLO_EXTENSION_ID, b"\x01"))
    if short:
        if extensions:
            raise TagEncodeError("a 32-byte tag has no room for extension blocks")
        out = bytes(image[:SHORT_TAG_SIZE])
    else:
        out = bytes(image) + b"".join(encode_extension(e) for e in extensions)
        if extensions:
            out += b"\x00"  # ends the list
        if memory_size is not None:
            if len(out) > memory_size:
                raise TagEncodeError(f"{len(out)} bytes of tag data exceed {memory_size} bytes")
            out = out.ljust(memory_size, b"\x00")
    out = out.ljust(-(-len(out) // block_size) * block_size, b"\x00")
    return reverse_blocks(out, block_size) if block_order is BlockOrder.REVERSED else out
