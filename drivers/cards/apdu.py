"""Sans-I/O half of the PC/SC card reader: the GET DATA command and its status words.

Follows the PC/SC Workgroup specification, part 3 ("Requirements for PC-Connected Interface
Devices"), section 3.2.2.1.3 GET DATA: the pseudo-APDU ``FF CA 00 00 00`` asks the *reader*
for the UID of the contactless card in its field (``P1 = 00``; ``Le = 00`` means "all of it"), and
ISO/IEC 7816-4 for the meaning of status words. No I/O here, so the pcsc driver, the virtual card
and the tests share one reading of the bytes.

Byte order of the UID: PC/SC part 3 section 3.1.3.2.3 says the ATR of a contactless storage card
carries the card's standard (``... 4F 0C A0 00 00 03 06 SS NN NN ...``, the RID of the PC/SC
Workgroup followed by the standard byte SS). GET DATA hands over the UID as it came over the air;
for ISO/IEC 15693 (SS 09 to 0C) that is least significant byte first, while library systems,
FEIG readers and tag labels write an ISO 15693 UID most significant byte first (``E0 04 ...``).
:func:`uid_as_written` turns the one into the other, so a library card reads the same on the pad
and on the card reader.
"""

from __future__ import annotations

from .errors import CardCommandError

GET_UID = bytes([0xFF, 0xCA, 0x00, 0x00, 0x00])
SW_OK = 0x9000
PCSC_RID = bytes.fromhex("A000000306")  # the PC/SC Workgroup's registered application provider
ISO15693_STANDARDS = range(0x09, 0x0D)  # ISO/IEC 15693 parts 1 to 4

# Status words the PC/SC part 3 GET DATA command can answer, in staff language.
_SW_MEANINGS: dict[int, str] = {
    0x6282: "end of data reached before Le bytes: the UID is shorter than asked for",
    0x6300: "no information given: the card did not answer the reader",
    0x6700: "wrong length",
    0x6A81: "GET DATA not supported",
    0x6A82: "file or application not found",
    0x6B00: "wrong parameters P1-P2",
    0x6D00: (
        "instruction not supported: the card itself received GET DATA, so this reader does not"
        " implement the PC/SC pseudo-APDU (use a contactless PC/SC reader, e.g. ACR122U, ACR1252)"
    ),
    0x6E00: (
        "class FF not supported: the card itself received the PC/SC pseudo-APDU, so this is not"
        " a contactless PC/SC reader"
    ),
}


def describe_sw(sw: int) -> str:
    """``6A81: GET DATA not supported`` style text for a status word."""
    if sw >> 8 == 0x6C:
        meaning = f"wrong length, the card has {sw & 0xFF} bytes for Le"
    else:
        meaning = _SW_MEANINGS.get(sw, "unknown status word (see ISO/IEC 7816-4)")
    return f"{sw:04X}: {meaning}"


def get_uid_command(le: int = 0) -> bytes:
    """GET DATA for the UID; ``le`` other than 0 only after a ``6Cxx`` answer asked for it."""
    if not 0 <= le <= 0xFF:
        raise ValueError(f"Le must be 0..255, not {le}")
    return GET_UID[:4] + bytes([le])


def parse_uid_response(response: bytes) -> bytes:
    """The UID from a GET DATA answer, or :class:`CardCommandError` naming the status word.

    A ``6Cxx`` answer is raised too (with ``sw`` set) so the caller can retry with ``Le = xx``.
    """
    if len(response) < 2:
        raise CardCommandError(
            f"card reader answered GET DATA with {len(response)} byte(s), not even a status word"
        )
    sw = int.from_bytes(response[-2:], "big")
    if sw != SW_OK:
        raise CardCommandError(f"card answered {describe_sw(sw)}", sw=sw)
    uid = bytes(response[:-2])
    if not uid:
        raise CardCommandError("card answered GET DATA with 9000 but no UID bytes", sw=sw)
    return uid


def contactless_standard(atr: bytes) -> int | None:
    """The standard byte SS of a PC/SC part 3 contactless ATR, or None for any other ATR."""
    at = atr.find(PCSC_RID)
    if at < 2 or atr[at - 2] != 0x4F or at + len(PCSC_RID) >= len(atr):
        return None
    return atr[at + len(PCSC_RID)]


def is_iso15693(atr: bytes) -> bool:
    """Whether the ATR says the card in the field is an ISO/IEC 15693 (vicinity) card."""
    return contactless_standard(atr) in ISO15693_STANDARDS


def uid_as_written(uid: bytes, atr: bytes) -> bytes:
    """The UID as library systems write it: an ISO 15693 UID from GET DATA (least significant
    byte first) reversed to ``E0 ...`` order; any other card's UID as the reader gave it."""
    return uid[::-1] if is_iso15693(atr) else uid
