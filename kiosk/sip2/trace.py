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


_MASKED_TAGS = SECRET_TAGS | PERSONAL_TAGS


def _mask_piece(piece: str) -> str:
    """One variable field (tag + value, maybe followed by the AY/AZ trailer), masked."""
    tag = piece[:2]
    if tag not in _MASKED_TAGS:
        return piece
    # a trailing AY/AZ block may follow the last value without a delimiter
    value, trailer = piece[2:], ""
    at = value.rfind("AY")
    if at >= 0 and value[at : at + 3].removeprefix("AY")[:1].isdigit() and "AZ" in value[at:]:
        value, trailer = value[:at], value[at:]
    return tag + _mask_value(tag, value) + trailer


def _mask_head(head: str, fixed_width: int) -> tuple[str, bool]:
    """``head`` (the text before the first ``|``: fixed part and first field) masked, and
    whether it held a field at all.

    The first field starts at the layout's fixed width in a well-formed frame; but a frame whose
    fixed part is short, long or garbled has it elsewhere, so wherever a secret or personal tag
    appears in ``head`` the rest is masked as that field: masking a little too much (a currency
    code that happens to read ``CN``) beats showing a PIN.
    """
    at = next((i for i in range(len(head) - 1) if head[i : i + 2] in _MASKED_TAGS), None)
    start = min(fixed_width, len(head))
    if at is not None and at < start:
        return head[:at] + _mask_piece(head[at:]), True
    if at is not None and head[start : start + 2] not in _MASKED_TAGS:
        return head[:at] + _mask_piece(head[at:]), True
    return head[:start] + _mask_piece(head[start:]), start < len(head)


def mask_frame(frame: bytes, *, charset: str = "utf-8") -> str:
    """The frame as text with every secret and personal value masked (terminator dropped).

    Masking goes by field, whatever the fixed part looks like: every ``|``-separated field is
    masked by its tag, and so is the first one, wherever it begins.
    """
    text = bytes(frame).rstrip(b"\r\n").decode(charset, "replace")
    layout = LAYOUTS.get(text[:2])
    if layout is None:
        return f"<unknown message, {len(frame)} bytes>"
    head, bar, rest = text[2:].partition("|")
    masked_head, has_field = _mask_head(head, layout.fixed_width)
    if len(head) < layout.fixed_width and not has_field and not bar:
        return text[:2] + f"<truncated, {len(frame)} bytes>"
    if not bar:
        return text[:2] + masked_head
    return text[:2] + masked_head + "|" + "|".join(_mask_piece(p) for p in rest.split("|"))


def format_trace(direction: str, frame: bytes, *, charset: str = "utf-8") -> str:
    """One trace line: ``direction`` (e.g. ``"->"`` or ``"<-"``) and the masked frame."""
    return f"{direction} {mask_frame(frame, charset=charset)}"
