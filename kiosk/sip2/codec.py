"""The sans-I/O SIP2 codec: message objects <-> wire bytes.

Pure functions, no sockets: the client, the embedded ACS, ``kiosk sip2 decode``, the fuzz tests
and the benchmarks share it.

Output is strict:

* fixed fields must have their exact width and be ASCII; flags must be booleans;
* variable values are NFC-normalised, then encoded in the connection's charset; a character the
  charset lacks is transliterated (``Å`` -> ``A``, ``Æ`` -> ``AE``, else ``?``) rather than
  failing, as Evergreen's SIPServer does for ASCII ACSs;
* ``|``, CR and LF in a value: in free-text fields (screen message AF, print line AG, title AJ,
  names, addresses, call number, item properties) ``|`` becomes ``/`` and line breaks become
  blanks, and values longer than 255 characters are cut to 255; in every other field (identifiers,
  passwords, codes) they raise :class:`SIP2EncodeError`, because changing an identifier silently
  would act on the wrong patron or item;
* a PIN or password (AD, CO) is never the last field: some servers strip trailing punctuation
  from the last field.

Input is tolerant: CR, CR LF or LF terminators, a missing last ``|``, unknown and repeated tags,
blank dates, ``Y``/``N`` vs ``1``/``0`` mix-ups in flags, bytes invalid in the charset (replaced
by U+FFFD and flagged), and NFD text (normalised to NFC). Everything else that cannot be read
raises :class:`SIP2DecodeError`, whose text names positions and tags but never values.
"""

from __future__ import annotations

import codecs
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.sip2.dates import format_sip_date, parse_sip_date
from kiosk.sip2.errors import SIP2DecodeError, SIP2EncodeError
from kiosk.sip2.fields import FREE_TEXT_TAGS
from kiosk.sip2.layouts import LAYOUTS, FixedField
from kiosk.sip2.messages import MESSAGE_CLASSES, Message

#: Character sets seen at Nordic ACSs; any codec Python knows is accepted.
CHARSETS = ("cp850", "iso-8859-1", "utf-8", "ascii")
MAX_FIELD_LENGTH = 255
# Passwords that must not end a message: some servers strip trailing punctuation of the last field.
_PASSWORD_TAGS = frozenset({"AD", "AC", "CO"})
_NO_CHECKSUM_CODES = frozenset({"96", "97"})  # error detection is AZ only: `97AZFEF5`


@dataclass(frozen=True, slots=True)
class Decoded:
    """A decoded frame: the message, its AY sequence number and whether its AZ checksum held.

    ``checksum_ok`` is ``None`` when the frame had no checksum. ``charset_suspect`` is true when
    the bytes look like another character set than the one configured (invalid bytes, or valid
    UTF-8 read as a single-byte charset): the usual cause of broken ÆØÅ.
    """

    message: Message
    sequence: int | None
    checksum_ok: bool | None
    charset_suspect: bool = False

    def to_json(self, *, mask_secrets: bool = False) -> dict[str, Any]:
        """The JSON form of ``kiosk sip2``: the message's plus sequence and checksum_ok."""
        data = self.message.to_json(mask_secrets=mask_secrets)
        data["sequence"] = self.sequence
        data["checksum_ok"] = self.checksum_ok
        return data


def checksum(data: bytes) -> str:
    """The SIP2 checksum of the bytes up to and including ``AZ``: 4 uppercase hex digits."""
    return f"{-sum(data) & 0xFFFF:04X}"


def check_charset(charset: str) -> str:
    """The canonical codec name for ``charset``; ValueError for a charset Python does not know."""
    try:
        return codecs.lookup(charset).name
    except LookupError:
        raise ValueError(
            f"unknown character set {charset!r} (use one of {', '.join(CHARSETS)})"
        ) from None


# --- encoding ---------------------------------------------------------------------------------

_TRANSLIT = {"Æ": "AE", "æ": "ae", "Ø": "O", "ø": "o", "ß": "ss", "Þ": "Th", "þ": "th",
             "Ð": "D", "ð": "d", "Œ": "OE", "œ": "oe", "Ł": "L", "ł": "l", "–": "-", "—": "-",
             "‘": "'", "’": "'", "“": '"', "”": '"', "€": "EUR"}  # fmt: skip


def _transliterate(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: replace what the charset lacks by its closest ASCII."""
    assert isinstance(error, UnicodeEncodeError)
    out = []
    for char in error.object[error.start : error.end]:
        if char in _TRANSLIT:
            out.append(_TRANSLIT[char])
            continue
        base = "".join(
            c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
        )
        out.append(base if base.isascii() and base else "?")
    return "".join(out), error.end


codecs.register_error("sip2-transliterate", _transliterate)


def _encode_yn(spec: FixedField, value: Any) -> str:
    if value is True:
        return "Y"
    if value is False:
        return "N"
    raise SIP2EncodeError(f"fixed field {spec.name} needs True or False")


def _encode_01(spec: FixedField, value: Any) -> str:
    if value is True:
        return "1"
    if value is False:
        return "0"
    raise SIP2EncodeError(f"fixed field {spec.name} needs True or False")


def _encode_ynu(spec: FixedField, value: Any) -> str:
    if value is None:
        return "U"
    return _encode_yn(spec, value)


def _encode_date(spec: FixedField, value: Any) -> str:
    try:
        return format_sip_date(value)
    except SIP2EncodeError as exc:
        raise SIP2EncodeError(f"fixed field {spec.name}: {exc}") from None


def _encode_int(spec: FixedField, value: Any) -> str:
    if value is None:
        return " " * spec.width
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 10**spec.width:
        raise SIP2EncodeError(
            f"fixed field {spec.name} needs a whole number of {spec.width} digits"
        )
    return f"{value:0{spec.width}d}"


def _encode_text(spec: FixedField, value: Any) -> str:
    if (
        not isinstance(value, str)
        or len(value) != spec.width
        or not value.isascii()
        or not value.isprintable()
        or "|" in value
    ):
        raise SIP2EncodeError(
            f"fixed field {spec.name} needs exactly {spec.width} printable ASCII characters"
        )
    return value


_FIXED_ENCODERS: dict[str, Callable[[FixedField, Any], str]] = {
    "yn": _encode_yn,
    "01": _encode_01,
    "ynu": _encode_ynu,
    "date": _encode_date,
    "int": _encode_int,
    "text": _encode_text,
}


def _clean_value(tag: str, value: str) -> str:
    if not isinstance(value, str):
        raise SIP2EncodeError(f"field {tag} needs text, got {type(value).__name__}")
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if "|" in value or "\r" in value or "\n" in value or len(value) > MAX_FIELD_LENGTH:
        if tag not in FREE_TEXT_TAGS:
            raise SIP2EncodeError(
                f"field {tag} may not contain '|' or line breaks, nor exceed 255 characters"
            )
        value = value.replace("|", "/").replace("\r\n", " ").replace("\r", " ")
        value = value.replace("\n", " ")[:MAX_FIELD_LENGTH]
    return value


def encode(
    message: Message,
    *,
    charset: str = "utf-8",
    sequence: int | None = None,
    terminator: bytes = b"\r",
) -> bytes:
    """The wire bytes of ``message``.

    ``sequence`` ``None`` sends no error detection; 0-9 appends ``AY<sequence>AZ<checksum>``,
    the checksum computed over the encoded bytes. Messages 96 and 97 carry only ``AZ<checksum>``
    (the spec's ``97AZFEF5``). Raises :class:`SIP2EncodeError` for a message that cannot be sent.
    """
    layout = message.layout
    fixed_values = message._fixed
    parts = [layout.code]
    for spec in layout.fixed:
        parts.append(_FIXED_ENCODERS[spec.kind](spec, fixed_values[spec.name]))
    fields = message._fields
    ordered = [tag for tag in layout.tags if tag in fields]
    if len(ordered) != len(fields):
        ordered += [tag for tag in fields if tag not in layout.tags]
    if ordered and ordered[-1] in _PASSWORD_TAGS and any(fields[ordered[-1]]):
        public = [tag for tag in ordered if tag not in _PASSWORD_TAGS]
        if public:  # move the last non-secret field to the end
            ordered.remove(public[-1])
            ordered.append(public[-1])
    for tag in ordered:
        for value in fields[tag]:
            parts.append(tag)
            parts.append(_clean_value(tag, value))
            parts.append("|")
    text = "".join(parts)
    data = text.encode(charset, "sip2-transliterate")
    if sequence is not None:
        if isinstance(sequence, bool) or not isinstance(sequence, int) or not 0 <= sequence <= 9:
            raise SIP2EncodeError("the AY sequence number is one digit, 0 to 9")
        if layout.code in _NO_CHECKSUM_CODES:
            data += b"AZ"
        else:
            data += b"AY%dAZ" % sequence
        data += checksum(data).encode("ascii")
    return data + terminator


# --- decoding ---------------------------------------------------------------------------------

_YES = frozenset("Yy1")
_NO = frozenset("Nn0")
_HEX = frozenset(b"0123456789ABCDEFabcdef")


def _decode_flag(spec: FixedField, raw: str) -> bool | None:
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    return None  # 'U', blank or unknown: "not known"


def _decode_date(spec: FixedField, raw: str) -> datetime | None:
    try:
        return parse_sip_date(raw)
    except SIP2DecodeError as exc:
        raise SIP2DecodeError(f"fixed field {spec.name}: {exc}") from None


def _decode_int(spec: FixedField, raw: str) -> int | None:
    stripped = raw.strip()
    if not stripped:
        return None
    if not (stripped.isdigit() and stripped.isascii()):
        raise SIP2DecodeError(f"fixed field {spec.name} should be {spec.width} digits")
    return int(stripped)


def _decode_text(spec: FixedField, raw: str) -> str:
    return raw


_FIXED_DECODERS: dict[str, Callable[[FixedField, str], Any]] = {
    "yn": _decode_flag,
    "01": _decode_flag,
    "ynu": _decode_flag,
    "date": _decode_date,
    "int": _decode_int,
    "text": _decode_text,
}
_PLANS = {
    code: tuple((spec.name, spec.width, _FIXED_DECODERS[spec.kind], spec) for spec in layout.fixed)
    for code, layout in LAYOUTS.items()
}
_SINGLE_BYTE = frozenset({"cp850", "iso8859-1", "latin-1", "ascii", "cp1252", "iso8859-15"})


def _split_error_detection(frame: bytes) -> tuple[bytes, int | None, bool | None]:
    """Remove a trailing ``AY<n>AZ<hex4>`` (or ``AZ<hex4>``) and check it."""
    n = len(frame)
    if n >= 6 and frame[n - 6 : n - 4] == b"AZ" and all(b in _HEX for b in frame[n - 4 :]):
        ok = checksum(frame[: n - 4]) == frame[n - 4 :].decode("ascii").upper()
        if n >= 9 and frame[n - 9 : n - 7] == b"AY" and 48 <= frame[n - 7] <= 57:
            return frame[: n - 9], frame[n - 7] - 48, ok
        return frame[: n - 6], None, ok
    return frame, None, None


def decode(frame: bytes, *, charset: str = "utf-8") -> Decoded:
    """Read one frame (terminator optional) into a :class:`Decoded`.

    Raises :class:`SIP2DecodeError` for anything that is not a readable SIP2 message.
    """
    if not isinstance(frame, bytes | bytearray | memoryview):
        raise SIP2DecodeError("a SIP2 frame is bytes")
    frame = bytes(frame).rstrip(b"\r\n")
    body, sequence, checksum_ok = _split_error_detection(frame)
    if body.isascii():
        text = body.decode("ascii")
        suspect = False
    else:
        try:
            text = body.decode(charset, "replace")
        except LookupError:
            raise SIP2DecodeError(f"unknown character set {charset!r}") from None
        suspect = "\ufffd" in text
        if not suspect and codecs.lookup(charset).name in _SINGLE_BYTE:
            try:
                body.decode("utf-8")
                suspect = True  # valid UTF-8 with non-ASCII bytes, read as a single-byte set
            except UnicodeDecodeError:
                pass
        text = unicodedata.normalize("NFC", text)
    code = text[:2]
    plan = _PLANS.get(code)
    if plan is None:
        if not frame:
            raise SIP2DecodeError("empty frame")
        raise SIP2DecodeError(
            f"unknown message code {code!r}"
            if code.isascii() and code.isprintable()
            else "unknown message code (not printable)"
        )
    position = 2
    fixed: dict[str, Any] = {}
    for name, width, reader, spec in plan:
        raw = text[position : position + width]
        if len(raw) != width:
            raise SIP2DecodeError(
                f"message {code} ends inside its fixed field {name} (position {position})"
            )
        fixed[name] = reader(spec, raw)
        position += width
    fields: dict[str, list[str]] = {}
    rest = text[position:]
    if rest:
        for piece in rest.split("|"):
            if not piece:
                continue
            if len(piece) < 2:
                raise SIP2DecodeError(
                    f"message {code}: a variable field is shorter than its two-letter tag"
                )
            tag = piece[:2]
            values = fields.get(tag)
            if values is None:
                fields[tag] = [piece[2:]]
            else:
                values.append(piece[2:])
    message = MESSAGE_CLASSES[code]._from_parts(fixed, fields)
    return Decoded(message, sequence, checksum_ok, suspect)
