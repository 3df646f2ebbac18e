"""ISO/IEC 15962 compaction schemes, and the ISIL compaction ISO 28560-2 defines for its ISILs.

Why a module of its own: the schemes are pure bit packing, shared by every data element of an
ISO 28560-2 tag, and the part of the codec most worth testing against published bytes.

Schemes (the 3-bit code in a data element's precursor):

== =================== ===================================================================
0  application defined  ISO 28560-2 uses it for the ISIL compaction of OIDs 3 and 11
1  integer              a decimal string without leading zero as a big-endian binary number
2  numeric              BCD digits, an odd count padded with the nibble 0xF
3  5-bit                0x41-0x5F (A-Z [ \\ ] ^ _) as their low 5 bits, padded with 0 bits
4  6-bit                0x20-0x5F as their low 6 bits, padded with the bits ``10...0``
5  7-bit                ASCII as 7 bits, padded with 1 bits
6  octets               bytes as they are
7  UTF-8                text as UTF-8
== =================== ===================================================================

ISIL compaction (ISO 28560-2, annex on ISIL encoding): three character sets, upper case (5-bit
codes: ``-`` 0, A-Z 1-26, ``:`` 27), lower case (``-`` 0, a-z 1-26, ``/`` 27) and digits
(4-bit codes: 0-9, ``-`` 10, ``:`` 11). The remaining codes switch sets: in the 5-bit sets 28
latches to the other letter set, 29 shifts to it for one character, 30 latches to digits and 31
shifts to them; in the digit set 12/13 latch/shift to upper case and 14/15 to lower case.
Decoding starts in upper case; the last byte is padded with 1 bits (which read as a shift with
nothing after it). The pads and the code tables were checked against the standard's worked
example (``US-InU-Mu`` -> ``AC C0 9E BA A0 6F 6B``) and the test bytes of DigitalPlatform/dp2, an
open implementation of GB/T 35660 (the Chinese adoption of ISO 28560), see the tests.
"""

from __future__ import annotations

from collections.abc import Callable

APPLICATION = 0
INTEGER = 1
NUMERIC = 2
FIVE_BIT = 3
SIX_BIT = 4
SEVEN_BIT = 5
OCTETS = 6
UTF8 = 7

SCHEME_NAMES = {
    APPLICATION: "application-defined",
    INTEGER: "integer",
    NUMERIC: "numeric",
    FIVE_BIT: "5-bit",
    SIX_BIT: "6-bit",
    SEVEN_BIT: "7-bit",
    OCTETS: "octets",
    UTF8: "utf-8",
}

#: Integer compaction is chosen for at most this many digits (the largest 64-bit value has 20;
#: other implementations stop at 19, so a tag we write reads back everywhere).
MAX_INTEGER_DIGITS = 19


class Malformed(ValueError):
    """Tag data that breaks the encoding rules; the message says where and how."""


# --- general schemes ---------------------------------------------------------------------------


def _pack(codes: list[int], width: int, pad_bits: str) -> bytes:
    """Pack ``width``-bit codes most significant bit first; fill the last byte from ``pad_bits``.

    ``pad_bits`` is the padding pattern of the scheme (``"0"``, ``"1"`` or ``"10"``: a 1 then 0s).
    """
    acc = 0
    for code in codes:
        acc = (acc << width) | code
    nbits = len(codes) * width
    free = -nbits % 8
    if free:
        if pad_bits == "1":
            pad = (1 << free) - 1
        elif pad_bits == "10":
            pad = 1 << (free - 1)
        else:
            pad = 0
        acc = (acc << free) | pad
    return acc.to_bytes((nbits + free) // 8, "big")


def _unpack(data: bytes, width: int) -> list[int]:
    total = len(data) * 8
    acc = int.from_bytes(data, "big")
    mask = (1 << width) - 1
    return [(acc >> (total - (i + 1) * width)) & mask for i in range(total // width)]


def fits_integer(text: str) -> bool:
    """A decimal string that integer compaction keeps intact (no leading zero, not too long)."""
    return (
        1 < len(text) <= MAX_INTEGER_DIGITS and text.isascii() and text.isdigit() and text[0] != "0"
    )


def fits_numeric(text: str) -> bool:
    return bool(text) and text.isascii() and text.isdigit()


def fits_five_bit(text: str) -> bool:
    return bool(text) and all("A" <= c <= "_" for c in text)


def fits_six_bit(text: str) -> bool:
    # A trailing space would read as the 6-bit pad ("100000") and be dropped.
    return bool(text) and all(" " <= c <= "_" for c in text) and text[-1] != " "


def fits_seven_bit(text: str) -> bool:
    return bool(text) and all("\x01" <= c <= "~" for c in text)


_FITS: dict[int, Callable[[str], bool]] = {
    INTEGER: fits_integer,
    NUMERIC: fits_numeric,
    FIVE_BIT: fits_five_bit,
    SIX_BIT: fits_six_bit,
    SEVEN_BIT: fits_seven_bit,
    UTF8: lambda text: True,
}


def compact_as(scheme: int, text: str) -> bytes:
    """``text`` compacted with ``scheme``; ValueError when the scheme cannot hold it."""
    if scheme in _FITS and not _FITS[scheme](text):
        name = SCHEME_NAMES[scheme]
        raise ValueError(f"{text!r} cannot be compacted with the {name} scheme")
    if scheme == INTEGER:
        value = int(text)
        return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if scheme == NUMERIC:
        return bytes.fromhex(text + "f" if len(text) % 2 else text)  # BCD, 0xF pads an odd count
    if scheme == FIVE_BIT:
        return _pack([ord(c) & 0x1F for c in text], 5, "0")
    if scheme == SIX_BIT:
        return _pack([ord(c) & 0x3F for c in text], 6, "10")
    if scheme == SEVEN_BIT:
        return _pack([ord(c) for c in text], 7, "1")
    if scheme == UTF8:
        return text.encode("utf-8")
    if scheme == OCTETS:
        return text.encode("latin-1")
    raise ValueError(f"compaction scheme {scheme} does not hold text")


#: The order compaction candidates are tried in; on equal length the earlier one wins (the
#: standard's own example writes "1203" as an integer, though numeric is as short).
_PREFERENCE = (INTEGER, NUMERIC, FIVE_BIT, SIX_BIT, SEVEN_BIT, UTF8)


def compact(text: str) -> tuple[int, bytes]:
    """The shortest compaction of ``text``: (scheme, bytes). Never octets: UTF-8 holds any text."""
    best: tuple[int, bytes] | None = None
    for scheme in _PREFERENCE:
        if _FITS[scheme](text):
            data = compact_as(scheme, text)
            if best is None or len(data) < len(best[1]):
                best = (scheme, data)
    assert best is not None  # UTF-8 fits everything
    return best


def _expand_numeric(data: bytes) -> str:
    text = data.hex()
    if text.isdigit():
        return text
    if text[:-1].isdigit() and text[-1] == "f":
        return text[:-1]
    raise Malformed(f"numeric compaction holds the nibbles {data.hex().upper()}")


def _expand_five_bit(data: bytes) -> str:
    codes = _unpack(data, 5)
    if codes and codes[-1] == 0 and len(data) * 8 - 5 * (len(codes) - 1) < 8:
        codes.pop()  # a whole 0 code inside the last byte's padding
    if 0 in codes:
        raise Malformed("5-bit compaction holds the code 0 between characters")
    return "".join([chr(0x40 | c) for c in codes])


def _expand_six_bit(data: bytes) -> str:
    codes = _unpack(data, 6)
    if codes and codes[-1] == 0x20 and (len(data) * 8) % 6 == 0:
        codes.pop()  # the pad "100000"
    return "".join([chr(c if c >= 0x20 else 0x40 | c) for c in codes])


def _expand_seven_bit(data: bytes) -> str:
    codes = _unpack(data, 7)
    if codes and codes[-1] == 0x7F:
        codes.pop()  # the pad "1111111"
    return "".join(map(chr, codes))


def expand(scheme: int, data: bytes) -> str:
    """Decompact ``data`` to text; raises Malformed for bytes the scheme cannot have produced.

    Octets are read as UTF-8 when they are valid UTF-8 (printable text written without
    compaction), otherwise as Latin-1 so every byte shows.
    """
    if scheme == INTEGER:
        if not data:
            raise Malformed("integer compaction with no bytes")
        return str(int.from_bytes(data, "big"))
    if scheme == NUMERIC:
        return _expand_numeric(data)
    if scheme == FIVE_BIT:
        return _expand_five_bit(data)
    if scheme == SIX_BIT:
        return _expand_six_bit(data)
    if scheme == SEVEN_BIT:
        return _expand_seven_bit(data)
    if scheme == OCTETS:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return data.decode("latin-1")
    if scheme == UTF8:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise Malformed("UTF-8 compaction holds invalid UTF-8") from None
    raise Malformed(f"compaction scheme {scheme} is application defined")


_PAD_PATTERN = {FIVE_BIT: (5, "0"), SIX_BIT: (6, "10"), SEVEN_BIT: (7, "1")}


def pad_conforms(scheme: int, data: bytes, text: str) -> bool:
    """Whether the bits after the last character of ``text`` are the scheme's padding.

    Decoding ignores them; a wrong pad is a sign of data that was never written in this scheme.
    """
    if scheme not in _PAD_PATTERN or not data:
        return True
    width, pattern = _PAD_PATTERN[scheme]
    free = len(data) * 8 - width * len(text)
    if free <= 0:
        return free == 0
    pad = int.from_bytes(data, "big") & ((1 << free) - 1)
    if pattern == "0":
        return pad == 0
    if pattern == "1":
        return pad == (1 << free) - 1
    return pad == 1 << (free - 1)


# --- ISIL compaction (ISO 28560-2) -------------------------------------------------------------

_UPPER, _LOWER, _DIGIT = 0, 1, 2
_WIDTH = (5, 5, 4)
_CHARS = (
    "-ABCDEFGHIJKLMNOPQRSTUVWXYZ:",
    "-abcdefghijklmnopqrstuvwxyz/",
    "0123456789-:",
)
_CODE = [{c: i for i, c in enumerate(chars)} for chars in _CHARS]
#: (latch, shift) code from a set to another
_SWITCH = {
    (_UPPER, _LOWER): (28, 29),
    (_UPPER, _DIGIT): (30, 31),
    (_LOWER, _UPPER): (28, 29),
    (_LOWER, _DIGIT): (30, 31),
    (_DIGIT, _UPPER): (12, 13),
    (_DIGIT, _LOWER): (14, 15),
}
#: decoding: code -> (target set, is a shift), per set
_CONTROL: list[dict[int, tuple[int, bool]]] = [{}, {}, {}]
for (_source, _target), (_latch, _shift) in _SWITCH.items():
    _CONTROL[_source][_latch] = (_target, False)
    _CONTROL[_source][_shift] = (_target, True)
ISIL_CHARACTERS = frozenset("".join(_CHARS))


def fits_isil(text: str) -> bool:
    """Text the ISIL compaction can hold (the ISIL character set of ISO 15511)."""
    return bool(text) and all(c in ISIL_CHARACTERS for c in text)


def compact_isil(text: str) -> bytes:
    """The ISIL compaction of ``text`` with the fewest bits.

    A small dynamic programme over (position, character set): a character the current set holds
    is written in it; for any other the cheaper of a shift (one character) and a latch is taken,
    the shift on equal cost. Switching only when needed reproduces the standard's worked example
    and other implementations' bytes; switching early could save a bit now and then, no more.
    """
    if not fits_isil(text):
        raise ValueError(f"{text!r} holds characters outside the ISIL character set")
    n = len(text)
    inf = 1 << 30
    # cost[i][s]: fewest bits for text[i:] with set s latched before character i;
    # plan[i][s]: (switch code or None, target set, character code, set latched afterwards)
    cost = [[0, 0, 0] for _ in range(n + 1)]
    plan: list[list[tuple[int | None, int, int, int]]] = [[] for _ in range(n)]
    for i in range(n - 1, -1, -1):
        char = text[i]
        for s in (_UPPER, _LOWER, _DIGIT):
            best = inf
            choice: tuple[int | None, int, int, int] = (None, s, 0, s)
            if char in _CODE[s]:
                cost[i][s] = _WIDTH[s] + cost[i + 1][s]
                plan[i].append((None, s, _CODE[s][char], s))
                continue
            for t in (_UPPER, _LOWER, _DIGIT):
                if t == s or char not in _CODE[t]:
                    continue
                latch, shift = _SWITCH[(s, t)]
                shifted = _WIDTH[s] + _WIDTH[t] + cost[i + 1][s]
                if shifted < best:
                    best, choice = shifted, (shift, t, _CODE[t][char], s)
                latched = _WIDTH[s] + _WIDTH[t] + cost[i + 1][t]
                if latched < best:
                    best, choice = latched, (latch, t, _CODE[t][char], t)
            cost[i][s] = best
            plan[i].append(choice)
    acc = 0
    nbits = 0
    s = _UPPER
    for i in range(n):
        switch, target, code, after = plan[i][s]
        if switch is not None:
            acc, nbits = (acc << _WIDTH[s]) | switch, nbits + _WIDTH[s]
        acc, nbits = (acc << _WIDTH[target]) | code, nbits + _WIDTH[target]
        s = after
    free = -nbits % 8
    acc = (acc << free) | ((1 << free) - 1)  # pad with 1 bits
    return acc.to_bytes((nbits + free) // 8, "big")


def expand_isil(data: bytes) -> str:
    """Decode ISIL compaction; trailing 1 bits (a shift or a partial code) are the pad."""
    total = len(data) * 8
    acc = int.from_bytes(data, "big")
    out: list[str] = []
    pos = 0
    latched = current = _UPPER
    while True:
        width = _WIDTH[current]
        pos += width
        if pos > total:
            break
        code = (acc >> (total - pos)) & ((1 << width) - 1)
        control = _CONTROL[current].get(code)
        if control is None:
            out.append(_CHARS[current][code])
            current = latched
            continue
        if current != latched:
            raise Malformed("ISIL compaction switches sets right after a shift")
        current, is_shift = control
        if not is_shift:
            latched = current
    return "".join(out)
