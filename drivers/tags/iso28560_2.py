"""ISO 28560-2: library data elements as ISO/IEC 15962 object identifiers, compacted.

Follows ISO 28560-2:2014 (data elements, relative OIDs, the ISIL compaction) and ISO/IEC 15962
(precursor, length, compaction schemes, see :mod:`drivers.tags.compaction`) as far as their
public outlines, the standard's worked example and other open implementations show them (the
normative text was not available; choices made here are written next to the code).

Memory layout (no-directory access method, DSFID 0x06)::

    [precursor][OID - 15 if OID > 14][pad count if offset flag][length][data][pad bytes] ...
    ... 0x00 (or the end of memory)

Precursor: bit 7 offset flag, bits 6-4 compaction scheme, bits 3-0 relative OID 1-14 (0xF: the
next byte holds OID - 15). The pad count says how many bytes follow the data before the next
element (writers use it to align elements to blocks, so locked blocks hold whole elements). The
length is one byte (a continuation bit 0x80, EBV-8, is accepted on decode).

Data elements (ISO 28560-1 numbering); the kiosk reads and writes them all:

* 1 primary item identifier: first, required;
* 2 content parameter: a bit map of the OIDs present from 3 on (bit 7 of the first byte is OID 3);
  written second, in compaction 0, trailing zero bytes left out;
* 3 owner institution and 11 ILL borrowing institution: ISILs, written in the ISIL compaction;
  read in every scheme;
* 4 set information: number of parts then part number, two equal halves (``1203``: part 3 of 12);
* 5 type of usage, 19 media format (other), 20 supply chain stage: one-byte codes shown as two hex
  digits; type of usage's first digit is the main type (the Danish model's codes), the second a
  subtype (``10`` circulation);
* 6 shelf location, 17 title and the rest: text in the densest scheme that holds it;
* 15 local data A holding ``NFLO``: this project's "not for loan while offline" mark.
"""

from __future__ import annotations

from collections.abc import Iterator

from drivers.tags.compaction import (
    APPLICATION,
    FIVE_BIT,
    INTEGER,
    OCTETS,
    SCHEME_NAMES,
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
from drivers.tags.model import (
    NFLO_MARK,
    NFLO_OID,
    TYPED_OIDS,
    DataElement,
    DecodedTag,
    ItemTag,
    OwnerLibrary,
    TagEncodeError,
    TagModel,
    TagProblem,
    Usage,
)

__all__ = [
    "DEFAULT_DSFID",
    "DSFIDS",
    "ELEMENT_NAMES",
    "bytes_needed",
    "decode_iso28560_2",
    "element_oid",
    "encode_iso28560_2",
    "expand",
    "iter_elements",
    "may_be_clean",
]

DSFIDS = frozenset({0x06, 0x3E})  # DSFIDs seen on ISO 28560-2 library tags
DEFAULT_DSFID = 0x06

OID_PRIMARY_ITEM_ID = 1
OID_CONTENT_PARAMETER = 2
OID_OWNER_INSTITUTION = 3
OID_SET_INFORMATION = 4
OID_TYPE_OF_USAGE = 5
OID_SHELF_LOCATION = 6
OID_ILL_BORROWING_INSTITUTION = 11
OID_LOCAL_DATA_A = NFLO_OID
OID_TITLE = 17
OID_MEDIA_FORMAT = 19
OID_SUPPLY_CHAIN_STAGE = 20

#: ISO 28560-1's data elements by relative OID (27-31 are reserved for future use).
ELEMENT_NAMES = {
    1: "primary_item_identifier",
    2: "content_parameter",
    3: "owner_institution",
    4: "set_information",
    5: "type_of_usage",
    6: "shelf_location",
    7: "onix_media_format",
    8: "marc_media_format",
    9: "supplier_identifier",
    10: "order_number",
    11: "ill_borrowing_institution",
    12: "ill_borrowing_transaction_number",
    13: "gs1_product_identifier",
    14: "alternative_unique_item_identifier",
    15: "local_data_a",
    16: "local_data_b",
    17: "title",
    18: "product_identifier_local",
    19: "media_format_other",
    20: "supply_chain_stage",
    21: "supplier_invoice_number",
    22: "alternative_item_identifier",
    23: "alternative_owner_institution",
    24: "subsidiary_of_owner_institution",
    25: "alternative_ill_borrowing_institution",
    26: "local_data_c",
}
ISIL_OIDS = frozenset({OID_OWNER_INSTITUTION, OID_ILL_BORROWING_INSTITUTION})
CODE_OIDS = frozenset({OID_TYPE_OF_USAGE, OID_MEDIA_FORMAT, OID_SUPPLY_CHAIN_STAGE})
#: Elements whose unreadable value makes the whole tag unusable: the kiosk acts on them, or
#: (the content parameter) they are the structure's one cross-check.
ESSENTIAL_OIDS = frozenset(
    {
        OID_PRIMARY_ITEM_ID,
        OID_CONTENT_PARAMETER,
        OID_OWNER_INSTITUTION,
        OID_SET_INFORMATION,
        OID_TYPE_OF_USAGE,
    }
)
MAX_OID = 15 + 0x70  # one extension byte; other implementations stop at 127 too
MAX_ELEMENT_BYTES = 127  # one length byte without the EBV-8 continuation bit
#: Longer primary item identifiers are a doubt (a DSFID still confirms them): barcodes in use
#: are shorter (the Danish model holds 16 characters), and a longer one is more likely other
#: data read as an element: a Danish tag whose parts byte (19 or more) reads as the length of
#: a 6-bit identifier spanning its barcode and CRC yields 25 characters and up.
MAX_PLAUSIBLE_ID = 24
_HEX_DIGITS = frozenset("0123456789ABCDEFabcdef")


def element_oid(name: str | int) -> int:
    """A relative OID from its number or its name (``title``, ``onix-media-format``, ``17``)."""
    if isinstance(name, int) or str(name).strip().isdigit():
        oid = int(name)
    else:
        key = str(name).strip().lower().replace("-", "_").replace(" ", "_")
        found = [oid for oid, known in ELEMENT_NAMES.items() if known == key]
        if not found:
            raise ValueError(f"unknown ISO 28560-2 data element {name!r}")
        oid = found[0]
    if not 1 <= oid <= MAX_OID:
        raise ValueError(f"relative OID {oid} is outside 1-{MAX_OID}")
    return oid


# --- element framing ---------------------------------------------------------------------------


class _Chain:
    """The elements of a tag as framed, before their values are read."""

    __slots__ = ("dirty_pads", "elements", "end", "terminated")

    def __init__(self) -> None:
        self.elements: list[tuple[int, int, bytes]] = []  # (oid, scheme, compacted data)
        self.end = 0  # where the next precursor (or the terminator) would be
        self.terminated = False
        self.dirty_pads: list[int] = []  # OIDs whose pad bytes are not all 0x00


def _length(memory: bytes, pos: int) -> tuple[int, int]:
    """The length field at ``pos`` (EBV-8): (length, position after it)."""
    value = 0
    for _ in range(3):
        if pos >= len(memory):
            raise Malformed("a length runs past the end of memory")
        byte = memory[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise Malformed("a length field is longer than 3 bytes")


def _walk(memory: bytes) -> _Chain:
    """The element chain; Malformed if broken.

    An element with both an OID byte and a pad count is read with the OID byte first, as
    DigitalPlatform/dp2 writes and reads it (the ISO/IEC 15962 text was not at hand, and dp2's
    own padding helper assumes the other order); when that breaks the chain, the other order is
    tried before giving up.
    """
    try:
        return _frame(memory, pad_first=False)
    except Malformed as error:
        if not any(byte & 0x8F == 0x8F for byte in memory):
            raise
        try:
            return _frame(memory, pad_first=True)
        except Malformed:
            raise error from None


def _frame(memory: bytes, *, pad_first: bool) -> _Chain:
    """Walk the elements up to the 0x00 terminator or the end of memory; Malformed if broken."""
    chain = _Chain()
    elements = chain.elements
    pos = 0
    size = len(memory)
    while pos < size:
        precursor = memory[pos]
        if precursor == 0:
            chain.terminated = True
            break
        start = pos
        pos += 1
        oid = precursor & 0x0F
        pad = 0
        if oid == 0:
            raise Malformed(f"precursor {precursor:02X} at byte {start} names OID 0")
        if oid == 0x0F or precursor & 0x80:
            oid, pad, pos = _extension(memory, start, pad_first)
        if pos < size and memory[pos] < 0x80:  # the usual one-byte length
            length = memory[pos]
            pos += 1
        else:
            length, pos = _length(memory, pos)
        end = pos + length
        if end + pad > size:
            raise Malformed(f"OID {oid} ({length} bytes) runs past the end of memory")
        elements.append((oid, (precursor >> 4) & 0x07, memory[pos:end]))
        pos = end + pad
        if pad and memory[end:pos].count(0) != pad:
            chain.dirty_pads.append(oid)
    chain.end = pos
    if not elements:
        raise Malformed("no data elements before the terminator")
    return chain


def _extension(memory: bytes, start: int, pad_first: bool) -> tuple[int, int, int]:
    """(oid, pad count, position of the length) for a precursor with an OID byte, a pad-count
    byte, or both."""
    precursor = memory[start]
    extended = precursor & 0x0F == 0x0F
    offset = bool(precursor & 0x80)
    pos = start + 1
    if pos + extended + offset > len(memory):
        raise Malformed(f"the element at byte {start} runs past the end of memory")
    if extended and offset:
        oid_byte, pad = memory[pos], memory[pos + 1]
        if pad_first:
            oid_byte, pad = pad, oid_byte
        return 15 + oid_byte, pad, pos + 2
    if extended:
        return 15 + memory[pos], 0, pos + 1
    return precursor & 0x0F, memory[pos], pos + 1


def may_be_clean(memory: bytes) -> bool:
    """A constant-time look at the first two element heads: False when a *clean* parse (see
    :func:`decode_iso28560_2`) is impossible, so model detection can skip it for Danish tags.

    Clean needs the primary item identifier first, then the terminator, the end of memory or
    the content parameter (compaction 0, 1 or 6).
    """
    size = len(memory)
    if size < 2 or memory[0] & 0x0F != OID_PRIMARY_ITEM_ID:
        return False
    at = 2 if memory[0] & 0x80 else 1
    if at >= size or memory[at] & 0x80:
        return at < size  # a long (EBV-8) length: let the full parse decide
    after = at + 1 + memory[at] + (memory[1] if at == 2 else 0)
    if after >= size:
        return after == size
    second = memory[after]
    return second == 0 or (
        second & 0x0F == OID_CONTENT_PARAMETER and second & 0x70 in (0, 0x10, 0x60)
    )


def bytes_needed(head: bytes) -> int | None:
    """How much user memory an ISO 28560-2 tag's data takes, judged from its first bytes.

    For reading only the blocks that hold data: exact (up to and with the terminator) when
    ``head`` reaches the terminator; otherwise a lower bound, so read that many bytes and ask
    again. None when ``head`` does not start an element chain at all.
    """
    pos = 0
    size = len(head)
    while pos < size:
        precursor = head[pos]
        if precursor == 0:
            return pos + 1
        if precursor & 0x0F == 0:
            return None
        at = pos + 1 + (precursor & 0x0F == 0x0F) + (precursor >> 7)
        if at >= size:
            return at + 2  # the length byte and at least one more
        length = head[at]
        if length & 0x80:
            return None if at + 1 >= size else _walk_needed(head)
        pad = head[pos + 1 + (precursor & 0x0F == 0x0F)] if precursor & 0x80 else 0
        pos = at + 1 + length + pad
    return pos + 1  # an element ends at or past the end of head: one more byte at least


def _walk_needed(head: bytes) -> int | None:
    """bytes_needed for the rare long (EBV-8) length: the full framing decides."""
    try:
        chain = _walk(head)
    except Malformed:
        return None
    return chain.end + 1


def iter_elements(memory: bytes) -> list[tuple[int, int, bytes]]:
    """(oid, scheme, compacted data) for each element up to the terminator; Malformed if broken."""
    return _walk(bytes(memory)).elements


# --- element values ----------------------------------------------------------------------------


#: The bits set in each byte value, most significant first (bit 7 is position 0).
_BIT_POSITIONS = [tuple(bit for bit in range(8) if byte & 0x80 >> bit) for byte in range(256)]


def _content_oids(data: bytes) -> list[int]:
    """The OIDs a content parameter's bit map lists (bit 7 of the first byte is OID 3)."""
    return [3 + 8 * i + bit for i, byte in enumerate(data) for bit in _BIT_POSITIONS[byte]]


def _content_parameter(oids: list[int]) -> bytes:
    bitmap = bytearray((max(oids) - 3) // 8 + 1)
    for oid in oids:
        bitmap[(oid - 3) // 8] |= 0x80 >> ((oid - 3) % 8)
    return bytes(bitmap)


def _value(oid: int, scheme: int, data: bytes) -> str:
    """The element as text; Malformed when its bytes cannot be read."""
    if oid == OID_CONTENT_PARAMETER:
        if scheme not in (APPLICATION, INTEGER, OCTETS):
            raise Malformed(f"the content parameter is in the {SCHEME_NAMES[scheme]} scheme")
        return ""  # filled in by the caller, which needs the list of OIDs anyway
    if scheme == APPLICATION:
        if oid in ISIL_OIDS:
            return _ISILS.get(data) or _expand_isil(data)
        raise Malformed("its compaction is application defined")
    if oid in CODE_OIDS and scheme == OCTETS:
        return data.hex().upper()
    return expand(scheme, data)


#: Owner institutions seen, by their text: a consortium has few, and every tag names one.
_OWNERS: dict[str, OwnerLibrary] = {}


def _owner_library(isil: str) -> OwnerLibrary:
    owner = _OWNERS.get(isil)
    if owner is None:
        if len(_OWNERS) >= 1024:
            _OWNERS.clear()  # a bound, not an LRU: the next tags refill it with the few in use
        owner = _OWNERS[isil] = OwnerLibrary.parse(isil)
    return owner


#: (element name, compaction name) by (oid, scheme), filled as tags are read.
_LABELS: dict[tuple[int, int], tuple[str, str]] = {}


def _labels(oid: int, scheme: int) -> tuple[str, str]:
    """The names DataElement shows for an element; cached, as every decode asks for them."""
    name = ELEMENT_NAMES.get(oid) or f"oid_{oid}"
    compaction = "isil" if scheme == APPLICATION and oid in ISIL_OIDS else SCHEME_NAMES[scheme]
    _LABELS[(oid, scheme)] = (name, compaction)
    return name, compaction


#: ISILs read from their compacted bytes: as with the owners, few and on every tag.
_ISILS: dict[bytes, str] = {}


def _expand_isil(data: bytes) -> str:
    if len(_ISILS) >= 1024:
        _ISILS.clear()
    text = _ISILS[data] = expand_isil(data)
    return text


def _code_digits(text: str) -> tuple[int, int]:
    """(main, sub) of a one-byte code written as one or two (hex) digits: ``10`` -> (1, 0).

    One digit is the main type alone, as this project wrote type of usage before it followed
    the standard's two-digit form.
    """
    if len(text) == 2 and text[0] in _HEX_DIGITS and text[1] in _HEX_DIGITS:
        return int(text[0], 16), int(text[1], 16)
    if len(text) == 1 and text in _HEX_DIGITS:
        return int(text, 16), 0
    raise Malformed(f"OID 5: type of usage {text!r} is not one or two hex digits")


def _set_information(text: str) -> tuple[int, int]:
    if not text.isdigit() or len(text) % 2:
        raise Malformed(f"OID 4: set information {text!r} is not two equal numeric halves")
    half = len(text) // 2
    parts, part = int(text[:half]), int(text[half:])
    if not 1 <= part <= parts:
        raise Malformed(f"OID 4: set information {text!r} names part {part} of {parts}")
    return parts, part


# --- decode ------------------------------------------------------------------------------------


def decode_iso28560_2(memory: bytes) -> DecodedTag:
    """Decode an ISO 28560-2 tag; never raises.

    ``problem`` is set (``malformed``) when the element chain is broken, an element the kiosk
    acts on (1-5) cannot be read, or the content parameter disagrees with the elements.
    ``warnings`` lists doubts that leave the data usable: no content parameter, bytes after the
    end of the data, an unreadable element the kiosk does not need, padding that is not the
    scheme's. Model detection (:mod:`drivers.tags.codec`) trusts a tag without a DSFID only
    when there are neither.
    """
    memory = bytes(memory)
    try:
        chain = _walk(memory)
    except Malformed as error:
        return DecodedTag(TagModel.ISO28560_2, problem=TagProblem.MALFORMED, detail=str(error))
    problems: list[str] = []  # the first one becomes the detail
    warnings: list[str] = []
    elements: list[DataElement] = []
    oids: list[int] = []
    values: dict[int, str] = {}
    content: list[int] | None = None
    if chain.elements[0][0] != OID_PRIMARY_ITEM_ID:
        problems.append(
            f"the first element is OID {chain.elements[0][0]}, not the primary item identifier"
        )
    for oid, scheme, data in chain.elements:
        name, compaction = _LABELS.get((oid, scheme)) or _labels(oid, scheme)
        if oid in oids:
            problems.append(f"OID {oid} ({name}) appears twice")
        oids.append(oid)
        try:
            value: str | None = _value(oid, scheme, data)
        except Malformed as error:
            value = None
            (problems if oid in ESSENTIAL_OIDS else warnings).append(f"OID {oid} ({name}): {error}")
        if oid == OID_CONTENT_PARAMETER and value is not None:
            content = _content_oids(data)
            value = ",".join(map(str, content))
            if len(oids) != 2:
                warnings.append("the content parameter is not the second element")
        elements.append(_new_tuple(DataElement, (oid, name, compaction, value, data)))
        if value is None:
            continue
        values.setdefault(oid, value)
        if FIVE_BIT <= scheme <= SEVEN_BIT and not pad_conforms(scheme, data, value):
            warnings.append(f"OID {oid} ({name}): the padding bits are not the scheme's")
        elif scheme == INTEGER and (len(data) > 8 or (len(data) > 1 and data[0] == 0)):
            # Writers stop at 64 bits and drop leading zero bytes; anything else is more
            # likely other data read as elements, and a barcode must not come from a guess.
            unusual = f"OID {oid} ({name}): an integer in {len(data)} bytes is unusual"
            (problems if oid == OID_PRIMARY_ITEM_ID else warnings).append(unusual)
    present = sorted({oid for oid in oids if oid > OID_CONTENT_PARAMETER})
    # The content parameter is the one cross-check the element structure has. Writers put it
    # in whenever more than the primary item identifier follows (the standard's example, dp2,
    # the vendor tags in the tests): without it the structure alone does not prove the model
    # (a doubt), and one that disagrees means a half-written tag or other data (a problem).
    if content is None and present:
        warnings.append(f"no content parameter lists the elements {present}")
    elif content is not None and content != present:
        problems.append(
            f"the content parameter lists OIDs {content or 'none'} but the tag holds {present}"
        )
    if chain.dirty_pads:
        warnings.append(f"the pad bytes after OIDs {chain.dirty_pads} are not 0x00")
    if chain.terminated and memory[chain.end + 1 :].strip(b"\x00"):
        warnings.append(f"bytes other than 0x00 follow the end of the data at byte {chain.end}")
    item_id = values.get(OID_PRIMARY_ITEM_ID)
    if item_id is not None:
        if not item_id.isprintable():
            problems.append(f"the primary item identifier {item_id!r} is not printable text")
        elif not item_id:
            warnings.append("the primary item identifier is empty")
        elif len(item_id) > MAX_PLAUSIBLE_ID:
            warnings.append(f"a primary item identifier of {len(item_id)} characters is unusual")
        elif "@" in item_id and elements[0].compaction == "6-bit":
            # "@" is what zero bytes read as in 6-bit: the NUL padding of other data (a Danish
            # barcode field) read as an element, rather than a barcode with an "@" in it.
            warnings.append("the primary item identifier holds 6-bit code 0 (@)")
    parts = part_number = main = None
    try:
        if OID_SET_INFORMATION in values:
            parts, part_number = _set_information(values[OID_SET_INFORMATION])
    except Malformed as error:
        problems.append(str(error))
    try:
        if OID_TYPE_OF_USAGE in values:
            main = _code_digits(values[OID_TYPE_OF_USAGE])[0]
    except Malformed as error:
        problems.append(str(error))
    if parts is None and not problems:
        parts, part_number = 1, 1  # no set information: a single item
    owner = values.get(OID_OWNER_INSTITUTION)
    return DecodedTag(
        model=TagModel.ISO28560_2,
        primary_item_id=item_id,
        owner_library=_owner_library(owner) if owner else None,
        parts=parts,
        part_number=part_number,
        usage=_USAGES.get(main) if main is not None else None,
        usage_code=main,
        not_for_loan_offline=values.get(OID_LOCAL_DATA_A) == NFLO_MARK,
        problem=TagProblem.MALFORMED if problems else None,
        detail=problems[0] if problems else "",
        oids=tuple(oids),
        elements=tuple(elements),
        warnings=tuple(warnings),
    )


_USAGES = {usage.value: usage for usage in Usage}
#: Builds a DataElement without the named tuple's generated ``__new__`` (a decode makes several).
_new_tuple = tuple.__new__


# --- encode ------------------------------------------------------------------------------------


def _compact_value(oid: int, text: str) -> tuple[int, bytes]:
    """(scheme, data) for an element's text, as this project writes each kind of element."""
    if oid in ISIL_OIDS and fits_isil(text):
        return APPLICATION, compact_isil(text)
    if oid in CODE_OIDS:
        if len(text) != 2 or any(c not in _HEX_DIGITS for c in text):
            raise Malformed(f"{text!r} is not a one-byte code of two hex digits")
        return OCTETS, bytes.fromhex(text)
    if not text:
        return UTF8, b""
    return compact(text)


def _element(oid: int, scheme: int, data: bytes) -> bytes:
    if len(data) > MAX_ELEMENT_BYTES:
        name = ELEMENT_NAMES.get(oid, f"OID {oid}")
        raise TagEncodeError(f"{name}: {len(data)} bytes is too long for one element")
    if oid <= 14:
        return bytes([scheme << 4 | oid, len(data)]) + data
    return bytes([scheme << 4 | 0x0F, oid - 15, len(data)]) + data


def _optional_elements(item: ItemTag) -> Iterator[tuple[int, str]]:
    """(oid, text) of every element after the primary item identifier, before compaction."""
    owner = item.owner
    if owner is not None and owner.isil:
        yield OID_OWNER_INSTITUTION, owner.isil
    if item.parts > 1 or item.part_number != 1:
        width = 2 if item.parts < 100 else 3
        yield OID_SET_INFORMATION, f"{item.parts:0{width}d}{item.part_number:0{width}d}"
    yield OID_TYPE_OF_USAGE, f"{int(item.usage):X}{item.usage_subtype:X}"
    if item.shelf_location is not None:
        yield OID_SHELF_LOCATION, item.shelf_location
    if item.not_for_loan_offline:
        yield OID_LOCAL_DATA_A, NFLO_MARK
    if item.title is not None:
        yield OID_TITLE, item.title
    yield from item.elements


def _check(item: ItemTag) -> None:
    if not item.primary_item_id:
        raise TagEncodeError("primary item identifier is empty")
    if not 1 <= item.parts <= 999 or not 1 <= item.part_number <= 999:
        raise TagEncodeError("parts and part number must be 1-999 in ISO 28560-2")
    if item.part_number > item.parts:
        raise TagEncodeError(f"part number {item.part_number} exceeds parts {item.parts}")
    if not 0 <= int(item.usage) <= 15 or not 0 <= item.usage_subtype <= 15:
        raise TagEncodeError("type of usage and its subtype must be 0-15 (one hex digit each)")
    if item.extensions:
        raise TagEncodeError("extension blocks exist in the Danish model only")
    seen: set[int] = set()
    for oid, _ in item.elements:
        if not 1 <= oid <= MAX_OID:
            raise TagEncodeError(f"relative OID {oid} is outside 1-{MAX_OID}")
        if oid in TYPED_OIDS:
            raise TagEncodeError(f"OID {oid} ({ELEMENT_NAMES[oid]}) has a field of its own")
        if oid == OID_LOCAL_DATA_A and item.not_for_loan_offline:
            raise TagEncodeError("local data A (OID 15) holds the not-for-loan-offline mark")
        if oid in seen:
            raise TagEncodeError(f"OID {oid} is given twice")
        seen.add(oid)


def encode_iso28560_2(
    item: ItemTag, *, memory_size: int | None = None, block_size: int = 4
) -> bytes:
    """The tag image of ``item`` in ISO 28560-2 (write DSFID :data:`DEFAULT_DSFID` with it).

    Elements go in OID order after the primary item identifier and the content parameter,
    without pad bytes, and end with a 0x00 terminator; ``memory_size`` fills the rest with 0x00
    so the old content of a reused tag cannot follow the terminator.
    """
    _check(item)
    optional: list[tuple[int, int, bytes]] = []
    for oid, text in sorted(_optional_elements(item), key=lambda pair: pair[0]):
        try:
            optional.append((oid, *_compact_value(oid, text)))
        except Malformed as error:
            raise TagEncodeError(f"{ELEMENT_NAMES.get(oid, f'OID {oid}')}: {error}") from None
    scheme, data = compact(item.primary_item_id)
    if scheme == SIX_BIT and "@" in item.primary_item_id:
        # An "@" in 6-bit is code 0, which detection takes for zero bytes read as text
        # (see decode_iso28560_2); 7-bit keeps the tag recognisable without its DSFID.
        scheme, data = SEVEN_BIT, compact_as(SEVEN_BIT, item.primary_item_id)
    out = _element(OID_PRIMARY_ITEM_ID, scheme, data)
    if optional:
        bitmap = _content_parameter([oid for oid, _, _ in optional])
        out += _element(OID_CONTENT_PARAMETER, APPLICATION, bitmap)
    out += b"".join(_element(oid, scheme, data) for oid, scheme, data in optional)
    out += b"\x00"
    if memory_size is not None:
        if len(out) > memory_size:
            raise TagEncodeError(f"{len(out)} bytes of tag data exceed {memory_size} bytes")
        out = out.ljust(memory_size, b"\x00")
    return out.ljust(-(-len(out) // block_size) * block_size, b"\x00")
