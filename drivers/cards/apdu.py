"""Sans-I/O half of the PC/SC card reader: the GET DATA command and its status words.

Follows the PC/SC Workgroup specification, part 3 ("Requirements for PC-Connected Interface
Devices"), section 3.2.2.1.3 GET DATA: the pseudo-APDU ``FF CA 00 00 00`` asks the *reader*
for the UID of the contactless card in its field (``P1 = 00``; ``Le = 00`` means "all of it"), and
ISO/IEC 7816-4 for the meaning of status words. No I/O here, so the pcsc driver, the virtual card
and the tests share one reading of the bytes.
"""

from __future__ import annotations

from .errors import CardCommandError

GET_UID = bytes([0xFF, 0xCA, 0x00, 0x00, 0x00])
SW_OK = 0x9000

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
