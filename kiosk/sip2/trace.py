"""Wire traces that are safe to log: secrets masked, personal data shortened.

Used by the client's ``--trace`` and the embedded ACS's log. PINs and passwords (AD, AC, CN, CO)
become ``****``; identifiers of people (AA, CY) keep only their last four characters; names,
addresses, e-mail and phone numbers are hidden entirely. A frame whose layout is unknown is shown
only by its code and length, because without the layout we cannot tell where its secrets are.
"""

from __future__ import annotations

from kiosk.sip2.fields import PERSONAL_TAGS, SECRET_TAGS
from kiosk.sip2.layouts import LAYOUTS
from kiosk.sip2.messages import mask_personal

_SHORTENED = frozenset({"AA", "CY"})  # identifiers: last 4 characters help staff match a trace


def _mask_value(tag: str, value: str) -> str:
    if tag in SECRET_TAGS:
        return "****"
    if tag in PERSONAL_TAGS:
        return mask_personal(value) if tag in _SHORTENED else "***"
    return value


def mask_frame(frame: bytes, *, charset: str = "utf-8") -> str:
    """The frame as text with every secret and personal value masked (terminator dropped)."""
    text = bytes(frame).rstrip(b"\r\n").decode(charset, "replace")
    layout = LAYOUTS.get(text[:2])
    if layout is None:
        return f"<unknown message, {len(frame)} bytes>"
    start = 2 + layout.fixed_width
    if len(text) < start:
        return text[:2] + f"<truncated, {len(frame)} bytes>"
    pieces = text[start:].split("|")
    masked = []
    for piece in pieces:
        tag = piece[:2]
        if tag in SECRET_TAGS or tag in PERSONAL_TAGS:
            # a trailing AY/AZ block may follow the last value without a delimiter
            value, trailer = piece[2:], ""
            at = value.rfind("AY")
            if (
                at >= 0
                and value[at : at + 3].removeprefix("AY")[:1].isdigit()
                and "AZ" in value[at:]
            ):
                value, trailer = value[:at], value[at:]
            piece = tag + _mask_value(tag, value) + trailer
        masked.append(piece)
    return text[:start] + "|".join(masked)


def format_trace(direction: str, frame: bytes, *, charset: str = "utf-8") -> str:
    """One trace line: ``direction`` (e.g. ``"->"`` or ``"<-"``) and the masked frame."""
    return f"{direction} {mask_frame(frame, charset=charset)}"
