"""ISO 28560-2: library data elements as ISO/IEC 15962 object identifiers, compacted.

Follows: ISO 28560-2:2011/2014 (data elements and relative OIDs) and ISO/IEC 15962 (encoding
rules: precursor, length, compaction), as far as their public outlines and the project's RFID
notes describe them. Where a detail could not be checked against the normative text, the choice
made here is written next to the code.

Memory layout (no-directory access method, DSFID 0x06 or 0x3E in practice):
``[precursor][OID-15 byte if OID > 14][pad count if offset flag][length][data][pad 0x00...]``,
repeated, ending in a 0x00 byte. Precursor: bit 7 offset flag, bits 6-4 compaction scheme,
bits 3-0 relative OID (1-14; 0xF means the next byte holds OID - 15). The length is one byte
(an EBV-8 with a continuation bit 0x80 is accepted on decode).

Data elements this module decodes and encodes:

* OID 1 primary item identifier (first element, required);
* OID 2 content parameter: a bit map of which OIDs 3.. are present (bit 7 of the first byte
  is OID 3, then downwards; our choice of bit order);
* OID 3 owner institution, an ISIL (``SE-Hud``). Encoded with the general compaction schemes;
  ISO 28560-2's own ISIL compaction (scheme 0, application defined) is not decoded: such a tag
  decodes with ``problem = malformed`` naming the OID and keeps its other fields;
* OID 4 set information: number of parts then part number, as one numeric string of two equal
  halves (``0201`` = part 1 of 2); a sound tag without it is a single item (1 of 1);
* OID 5 type of usage: one integer byte, the same codes as the Danish model's nibble;
* OID 15 local data A: the project's "not for loan while offline" flag is the 7-bit text
  ``NFLO`` (documented project convention; other systems show it as opaque local data).

Other OIDs are skipped over (their presence is reported in ``oids``).
"""

from __future__ import annotations

from collections.abc import Callable

from drivers.tags.model import (
    DecodedTag,
    ItemTag,
    OwnerLibrary,
    TagEncodeError,
    TagModel,
    TagProblem,
    Usage,
)

DSFIDS = frozenset({0x06, 0x3E})  # DSFIDs seen on ISO 28560-2 library tags
DEFAULT_DSFID = 0x06

OID_PRIMARY_ITEM_ID = 1
OID_CONTENT_PARAMETER = 2
OID_OWNER_INSTITUTION = 3
OID_SET_INFORMATION = 4
OID_TYPE_OF_USAGE = 5
OID_LOCAL_DATA_A = 15
NFLO_MARK = "NFLO"

# Compaction schemes (ISO/IEC 15962)
APPLICATION = 0
INTEGER = 1
NUMERIC = 2
FIVE_BIT = 3
SIX_BIT = 4
SEVEN_BIT = 5
OCTETS = 6
UTF8 = 7


class Malformed(ValueError):
    """Internal: the element structure is broken at a given point."""


# --- compaction -------------------------------------------------------------------------------


def _pack_bits(codes: list[int], width: int) -> bytes:
    """Pack ``width``-bit codes MSB first; the tail of the last byte is padded with 0 bits."""
    acc = 0
    for code in codes:
        acc = (acc << width) | code
    nbits = len(codes) * width
    nbytes = -(-nbits // 8)
    return (acc << (nbytes * 8 - nbits)).to_bytes(nbytes, "big") if nbytes else b""


def _unpack_bits(data: bytes, width: int) -> list[int]:
    acc = int.from_bytes(data, "big")
    total = len(data) * 8
    return [(acc >> (total - (i + 1) * width)) & ((1 << width) - 1) for i in range(total // width)]


def _five_bit_ok(text: str) -> bool:
    return all(0x41 <= ord(c) <= 0x5F for c in text)  # A-Z [ \ ] ^ _ (code 0, '@', is the pad)


def _six_bit_ok(text: str) -> bool:
    return all(0x20 <= ord(c) <= 0x5F and c != "@" for c in text)


def _seven_bit_ok(text: str) -> bool:
    return all(0x01 <= ord(c) <= 0x7F for c in text)


def compact(text: str) -> tuple[int, bytes]:
    """Pick the densest scheme for ``text`` (as ISO/IEC 15962's compaction would) and apply it.

    Integer compaction is only used without a leading zero, since it would drop it.
    """
    if text.isascii() and text.isdigit():
        if len(text) > 1 and text[0] != "0" and len(text) <= 19:
            value = int(text)
            as_int = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
            bcd = _numeric(text)
            if len(as_int) < len(bcd):
                return INTEGER, as_int
        return NUMERIC, _numeric(text)
    if _five_bit_ok(text):
        return FIVE_BIT, _pack_bits([ord(c) & 0x1F for c in text], 5)
    if _six_bit_ok(text):
        return SIX_BIT, _pack_bits([ord(c) & 0x3F for c in text], 6)
    if _seven_bit_ok(text):
        return SEVEN_BIT, _pack_bits([ord(c) for c in text], 7)
    return UTF8, text.encode("utf-8")


def _numeric(text: str) -> bytes:
    nibbles = [int(c) for c in text]
    if len(nibbles) % 2:
        nibbles.append(0xF)
    return bytes((nibbles[i] << 4) | nibbles[i + 1] for i in range(0, len(nibbles), 2))


def _decode_numeric(data: bytes) -> str:
    digits: list[str] = []
    for i, byte in enumerate(data):
        for pos, nibble in enumerate((byte >> 4, byte & 0x0F)):
            if nibble <= 9:
                digits.append(str(nibble))
            elif nibble == 0xF and i == len(data) - 1 and pos == 1:
                pass  # pad nibble
            else:
                raise Malformed(f"numeric compaction holds the nibble {nibble:X}")
    return "".join(digits)


def _strip_pad(codes: list[int]) -> list[int]:
    while codes and codes[-1] == 0:
        codes.pop()
    return codes


def expand(scheme: int, data: bytes) -> str:
    """Decompact ``data`` to text; raises Malformed for schemes that are not text."""
    if scheme == INTEGER:
        return str(int.from_bytes(data, "big"))
    if scheme == NUMERIC:
        return _decode_numeric(data)
    if scheme == FIVE_BIT:
        return "".join(chr(0x40 | c) for c in _strip_pad(_unpack_bits(data, 5)))
    if scheme == SIX_BIT:
        return "".join(chr(c if c >= 0x20 else 0x40 | c) for c in _strip_pad(_unpack_bits(data, 6)))
    if scheme == SEVEN_BIT:
        return "".join(chr(c) for c in _strip_pad(_unpack_bits(data, 7)))
    if scheme == OCTETS:
        return data.decode("latin-1")
    if scheme == UTF8:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("UTF-8 compaction holds invalid UTF-8") from None
    raise Malformed(f"compaction scheme {scheme} is application defined")


# --- element framing --------------------------------------------------------------------------


def _element(oid: int, scheme: int, data: bytes) -> bytes:
    if len(data) > 127:
        raise TagEncodeError(f"OID {oid}: {len(data)} bytes is too long for one element")
    head = bytes([scheme << 4 | oid]) if oid <= 14 else bytes([scheme << 4 | 0x0F, oid - 15])
    return head + bytes([len(data)]) + data


def _read_ebv(memory: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= len(memory):
            raise Malformed("length runs past the end of memory")
        byte = memory[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise Malformed("length field is too long")


def iter_elements(memory: bytes) -> list[tuple[int, int, bytes]]:
    """(oid, scheme, compacted data) for each element up to the 0x00 terminator."""
    elements: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos < len(memory):
        precursor = memory[pos]
        pos += 1
        if precursor == 0:
            if not elements:
                raise Malformed("no data elements before the terminator")
            return elements
        scheme = (precursor >> 4) & 0x07
        oid = precursor & 0x0F
        if oid == 0:
            raise Malformed(f"precursor {precursor:02X} at byte {pos - 1} names OID 0")
        if oid == 0x0F:
            if pos >= len(memory):
                raise Malformed("extended OID byte missing at end of memory")
            oid = 15 + memory[pos]
            pos += 1
        pad = 0
        if precursor & 0x80:
            if pos >= len(memory):
                raise Malformed("offset byte missing at end of memory")
            pad = memory[pos]
            pos += 1
        length, pos = _read_ebv(memory, pos)
        if pos + length + pad > len(memory):
            raise Malformed(f"OID {oid} ({length} bytes) runs past the end of memory")
        elements.append((oid, scheme, memory[pos : pos + length]))
        pos += length + pad
    if not elements:
        raise Malformed("no data elements")
    return elements  # memory ended without a terminator: tolerated (memory is full)


# --- decode / encode --------------------------------------------------------------------------


def _set_information(text: str) -> tuple[int, int]:
    if not text.isdigit() or len(text) % 2 or not text:
        raise Malformed(f"set information {text!r} is not two equal numeric halves")
    half = len(text) // 2
    return int(text[:half]), int(text[half:])


def decode_iso28560_2(memory: bytes) -> DecodedTag:
    """Decode an ISO 28560-2 tag; never raises. OID 1 must come first."""
    memory = bytes(memory)
    fields: dict[str, object] = {}
    oids: list[int] = []
    problem: TagProblem | None = None
    detail = ""

    def expand_into(key: str, convert: Callable[[str], object], scheme: int, data: bytes) -> None:
        fields[key] = convert(expand(scheme, data))

    try:
        elements = iter_elements(memory)
        if elements[0][0] != OID_PRIMARY_ITEM_ID:
            raise Malformed(f"first element is OID {elements[0][0]}, not the primary item id")
        for oid, scheme, data in elements:
            oids.append(oid)
            try:
                if oid == OID_PRIMARY_ITEM_ID:
                    expand_into("primary_item_id", str, scheme, data)
                elif oid == OID_OWNER_INSTITUTION:
                    expand_into("owner_library", OwnerLibrary.parse, scheme, data)
                elif oid == OID_SET_INFORMATION:
                    fields["parts"], fields["part_number"] = _set_information(expand(scheme, data))
                elif oid == OID_TYPE_OF_USAGE:
                    if scheme != INTEGER or len(data) != 1:
                        raise Malformed("type of usage is not a one-byte integer")
                    fields["usage_code"] = data[0]
                elif oid == OID_LOCAL_DATA_A and scheme not in (APPLICATION, INTEGER):
                    fields["nflo"] = expand(scheme, data) == NFLO_MARK
            except Malformed as error:
                if problem is None:
                    problem, detail = TagProblem.MALFORMED, f"OID {oid}: {error}"
    except Malformed as error:
        problem, detail = TagProblem.MALFORMED, str(error)
    if problem is None and "parts" not in fields:
        fields["parts"], fields["part_number"] = 1, 1  # no set information: a single item
    usage_code = fields.get("usage_code")
    usage = None
    if isinstance(usage_code, int):
        main = usage_code >> 4 if usage_code > 0x0F else usage_code
        usage = Usage(main) if main in Usage._value2member_map_ else None
    return DecodedTag(
        model=TagModel.ISO28560_2,
        primary_item_id=fields.get("primary_item_id"),  # type: ignore[arg-type]
        owner_library=fields.get("owner_library"),  # type: ignore[arg-type]
        parts=fields.get("parts"),  # type: ignore[arg-type]
        part_number=fields.get("part_number"),  # type: ignore[arg-type]
        usage=usage,
        usage_code=usage_code if isinstance(usage_code, int) else None,
        crc_ok=None,
        not_for_loan_offline=bool(fields.get("nflo", False)),
        problem=problem,
        detail=detail,
        oids=tuple(oids),
    )


def encode_iso28560_2(
    item: ItemTag, *, memory_size: int | None = None, block_size: int = 4
) -> bytes:
    """The tag image of ``item`` in ISO 28560-2 (write DSFID :data:`DEFAULT_DSFID` with it)."""
    if not item.primary_item_id:
        raise TagEncodeError("primary item identifier is empty")
    if not 1 <= item.parts <= 999 or not 1 <= item.part_number <= 999:
        raise TagEncodeError("parts and part number must be 1-999 in ISO 28560-2")
    if item.part_number > item.parts:
        raise TagEncodeError(f"part number {item.part_number} exceeds parts {item.parts}")
    owner = item.owner
    optional: list[tuple[int, int, bytes]] = []
    if owner is not None and owner.isil:
        optional.append((OID_OWNER_INSTITUTION, *compact(owner.isil)))
    if item.parts > 1:
        width = 2 if item.parts < 100 else 3
        info = f"{item.parts:0{width}d}{item.part_number:0{width}d}"
        optional.append((OID_SET_INFORMATION, NUMERIC, _numeric(info)))
    optional.append((OID_TYPE_OF_USAGE, INTEGER, bytes([int(item.usage)])))
    if item.not_for_loan_offline:
        optional.append((OID_LOCAL_DATA_A, *compact(NFLO_MARK)))
    bitmap = 0
    for oid, _, _ in optional:
        bitmap |= 1 << (18 - oid)  # OID 3 -> bit 15 (first byte's bit 7) ... OID 15 -> bit 3
    out = _element(OID_PRIMARY_ITEM_ID, *compact(item.primary_item_id))
    out += _element(OID_CONTENT_PARAMETER, APPLICATION, bitmap.to_bytes(2, "big"))
    out += b"".join(_element(oid, scheme, data) for oid, scheme, data in optional)
    out += b"\x00"
    if memory_size is not None:
        if len(out) > memory_size:
            raise TagEncodeError(f"{len(out)} bytes of tag data exceed {memory_size} bytes")
        out = out.ljust(memory_size, b"\x00")
    return out.ljust(-(-len(out) // block_size) * block_size, b"\x00")
