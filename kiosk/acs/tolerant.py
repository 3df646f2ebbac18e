"""Requests that other vendors' clients send short, read as the servers they are used to do.

The project's codec reads a message by its layout and refuses one that ends inside a fixed field.
Some self-service clients leave out the one fixed field of a Renew All (65), its transaction date,
and start the variable fields right after the code (``65AO...|AA...|``). The library systems
they work against read that as a request without a date and carry it out, and the embedded
library system does the same: the missing date reads as 18 blanks (no date), which the renewal
does not use anyway.

Error detection still holds: a checksum that was right for the bytes as sent stays right, and a
wrong one stays wrong.
"""

from __future__ import annotations

import re

from kiosk import sip2
from kiosk.sip2.dates import BLANK_DATE

# A 65 whose first bytes after the code are a field tag, not the 18-character date.
_RENEW_ALL_WITHOUT_DATE = re.compile(rb"65[A-Z]{2}")
_TRAILER = re.compile(rb"(?:AY[0-9])?AZ([0-9A-Fa-f]{4})$")


def decode_request(frame: bytes, *, charset: str) -> sip2.Decoded:
    """``sip2.decode``, plus the short requests of the module's docstring."""
    try:
        return sip2.decode(frame, charset=charset)
    except sip2.SIP2DecodeError:
        patched = _with_blank_date(frame)
        if patched is None:
            raise
        return sip2.decode(patched, charset=charset)


def _with_blank_date(frame: bytes) -> bytes | None:
    frame = frame.rstrip(b"\r\n")
    if _RENEW_ALL_WITHOUT_DATE.match(frame) is None:
        return None
    patched = frame[:2] + BLANK_DATE.encode() + frame[2:]
    trailer = _TRAILER.search(frame)
    if trailer is None:
        return patched
    given = trailer.group(1)
    if sip2.checksum(frame[: -len(given)]).upper() != given.decode().upper():
        return patched  # wrong before, wrong after: the server asks for a resend
    body = patched[: -len(given)]
    return body + sip2.checksum(body).encode()
