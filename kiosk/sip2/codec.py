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
  from the last field;
* the few variable fields whose length the spec fixes (BL, CQ, BO, BI: Y/N; BZ, CA, CB: 4 digits;
  BX: 16 flags; BH, CK: 3; BT, CV: 2; BY: 1) must have that length; the numeric ones among them
  (BZ, CA, CB, BT, CV, CK, BY) are zero-padded when given fewer digits (``"10"`` -> ``"0010"``).

Input is tolerant: CR, CR LF or LF terminators, a missing last ``|``, unknown and repeated tags,
blank dates, ``Y``/``N`` vs ``1``/``0`` mix-ups in flags, bytes invalid in the charset (replaced
by U+FFFD and flagged), and NFD text (normalised to NFC). Everything else that cannot be read
raises :class:`SIP2DecodeError`, whose text names positions and tags but never values.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from kiosk.sip2.dates import format_sip_date, parse_sip_date
from kiosk.sip2.errors import SIP2DecodeError, SIP2EncodeError
from kiosk.sip2.fields import FIELD_WIDTHS, FREE_TEXT_TAGS
from kiosk.sip2.layouts import LAYOUTS, FixedField, Layout
from kiosk.sip2.messages import MESSAGE_CLASSES, Message

#: Character sets seen at Nordic ACSs; any codec Python knows is accepted.
CHARSETS = ("cp850", "iso-8859-1", "utf-8", "ascii")
MAX_FIELD_LENGTH = 255
# Passwords that must not end a message: some servers strip trailing punctuation of the last field.
_PASSWORD_TAGS = frozenset({"AD", "AC", "CO"})
# Fixed-length variable fields holding numbers: shorter digit strings are zero-padded.
_NUMERIC_TAGS = frozenset({"BZ", "CA", "CB", "BT", "CV", "CK", "BY"})
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


_FLAG_TEXT = {True: "Y", False: "N"}
_OK_TEXT = {True: "1", False: "0"}
_YNU_TEXT = {True: "Y", False: "N", None: "U"}


def _flag_encoder(table: dict[Any, str]) -> Callable[[FixedField, Any], str]:
    def encode_flag(spec: FixedField, value: Any) -> str:
        # `type(value) is bool` keeps 1/0 (which hash like True/False) out
        if type(value) is bool or value is None:
            text = table.get(value)
            if text is not None:
                return text
        allowed = "True, False or None" if None in table else "True or False"
        raise SIP2EncodeError(f"fixed field {spec.name} needs {allowed}")

    return encode_flag


def _encode_date(spec: FixedField, value: Any) -> str:
    try:
        return format_sip_date(value)
    except SIP2EncodeError as exc:
        raise SIP2EncodeError(f"fixed field {spec.name}: {exc}") from None


def _encode_int(spec: FixedField, value: Any) -> str:
    if value is None:
        return " " * spec.width
    if type(value) is not int or not 0 <= value < 10**spec.width:
        raise SIP2EncodeError(
            f"fixed field {spec.name} needs a whole number of {spec.width} digits"
        )
    return str(value).zfill(spec.width)


def _encode_text(spec: FixedField, value: Any) -> str:
    if (
        type(value) is not str
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
    "yn": _flag_encoder(_FLAG_TEXT),
    "01": _flag_encoder(_OK_TEXT),
    "ynu": _flag_encoder(_YNU_TEXT),
    "date": _encode_date,
    "int": _encode_int,
    "text": _encode_text,
}
_ENCODE_PLANS = {
    code: tuple((spec.name, _FIXED_ENCODERS[spec.kind], spec) for spec in layout.fixed)
    for code, layout in LAYOUTS.items()
}
_NEEDS_CARE = re.compile(r"[|\r\n]")
_FIELD_WIDTH_TAGS = frozenset(FIELD_WIDTHS)


def _clean_value(tag: str, value: str) -> str:
    """Check or escape one variable-field value (see the module's rules)."""
    if type(value) is not str:
        raise SIP2EncodeError(f"field {tag} needs text, got {type(value).__name__}")
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    if len(value) > MAX_FIELD_LENGTH or _NEEDS_CARE.search(value):
        if tag not in FREE_TEXT_TAGS:
            raise SIP2EncodeError(
                f"field {tag} may not contain '|' or line breaks, nor exceed 255 characters"
            )
        value = value.replace("|", "/").replace("\r\n", " ").replace("\r", " ")
        value = value.replace("\n", " ")[:MAX_FIELD_LENGTH]
    width = FIELD_WIDTHS.get(tag)
    if width is not None and len(value) != width:
        if tag in _NUMERIC_TAGS and value.isdigit() and value.isascii() and len(value) < width:
            return value.zfill(width)  # a limit of "10" is "0010" on the wire
        raise SIP2EncodeError(f"field {tag} has exactly {width} characters in SIP2")
    return value


def _careful_variable(pairs: list[tuple[str, str]]) -> str:
    """The variable part, value by value, escaping or refusing what needs it (the rare path)."""
    for tag, _ in pairs:
        if len(tag) != 2 or not tag.isascii() or not tag.isprintable() or "|" in tag:
            raise SIP2EncodeError("a variable-field tag is two printable ASCII characters")
    return "|".join([tag + _clean_value(tag, value) for tag, value in pairs])


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
    for name, encoder, spec in _ENCODE_PLANS[layout.code]:
        parts.append(encoder(spec, fixed_values[name]))
    fields = message._fields
    if fields:
        tags = layout.tags
        ordered = [tag for tag in tags if tag in fields]
        if len(ordered) != len(fields):
            ordered += [tag for tag in fields if tag not in tags]
        last = ordered[-1]
        if last in _PASSWORD_TAGS and any(fields[last]):
            public = [tag for tag in ordered if tag not in _PASSWORD_TAGS]
            if public:  # move the last non-secret field to the end
                ordered.remove(public[-1])
                ordered.append(public[-1])
        pairs = [(tag, value) for tag in ordered for value in fields[tag]]
        try:
            variable = "|".join([tag + value for tag, value in pairs])
        except TypeError:
            variable = None  # a value that is not text: the careful path names it
        if (
            variable is None
            or variable.count("|") != len(pairs) - 1
            or "\r" in variable
            or "\n" in variable
            or (
                len(variable) > MAX_FIELD_LENGTH
                and max(len(value) for _, value in pairs) > MAX_FIELD_LENGTH
            )
            or any(
                len(value) != FIELD_WIDTHS[tag]
                for tag in _FIELD_WIDTH_TAGS.intersection(ordered)
                for value in fields[tag]
            )
        ):
            variable = _careful_variable(pairs)
        if pairs:
            parts.append(variable)
            parts.append("|")
    text = "".join(parts)
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    data = text.encode(charset, "sip2-transliterate")
    if sequence is not None:
        if type(sequence) is not int or not 0 <= sequence <= 9:
            raise SIP2EncodeError("the AY sequence number is one digit, 0 to 9")
        if layout.code in _NO_CHECKSUM_CODES:
            data += b"AZ"
        else:
            data += b"AY%dAZ" % sequence
        data += b"%04X" % (-sum(data) & 0xFFFF)
    return data + terminator


# --- decoding ---------------------------------------------------------------------------------

_FLAGS = {"Y": True, "y": True, "1": True, "N": False, "n": False, "0": False}


def _decode_flag(spec: FixedField, raw: str) -> bool | None:
    return _FLAGS.get(raw)  # 'U', blank or unknown: "not known"


def _decode_date(spec: FixedField, raw: str) -> datetime | None:
    try:
        return parse_sip_date(raw)
    except SIP2DecodeError as exc:
        raise SIP2DecodeError(f"fixed field {spec.name}: {exc}") from None


def _decode_int(spec: FixedField, raw: str) -> int | None:
    if raw.isdigit() and raw.isascii():
        return int(raw)
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


def _decode_plan(layout: Layout) -> tuple[tuple[str, int, int, Any, FixedField], ...]:
    plan = []
    position = 2
    for spec in layout.fixed:
        plan.append((spec.name, position, position + spec.width, _FIXED_DECODERS[spec.kind], spec))
        position += spec.width
    return tuple(plan)


_DECODE_PLANS = {code: (_decode_plan(layout), 2 + layout.fixed_width, MESSAGE_CLASSES[code])
                 for code, layout in LAYOUTS.items()}  # fmt: skip
_SINGLE_BYTE = frozenset({"cp850", "iso8859-1", "latin-1", "ascii", "cp1252", "iso8859-15"})
_HEX4 = re.compile(rb"[0-9A-Fa-f]{4}")
_CODEC_NAMES: dict[str, str | None] = {}


def _codec_name(charset: str) -> str:
    name = _CODEC_NAMES.get(charset)
    if name is None:
        try:
            name = _CODEC_NAMES[charset] = codecs.lookup(charset).name
        except LookupError:
            raise SIP2DecodeError(f"unknown character set {charset!r}") from None
    return name


def decode(frame: bytes, *, charset: str = "utf-8") -> Decoded:
    """Read one frame (terminator optional) into a :class:`Decoded`.

    Raises :class:`SIP2DecodeError` for anything that is not a readable SIP2 message.
    """
    if type(frame) is not bytes:
        if not isinstance(frame, bytes | bytearray | memoryview):
            raise SIP2DecodeError("a SIP2 frame is bytes")
        frame = bytes(frame)
    if frame[-1:] in (b"\r", b"\n"):
        frame = frame.rstrip(b"\r\n")
    # error detection: AY<digit>AZ<4 hex> (or AZ<4 hex> alone) at the very end
    body = frame
    sequence = checksum_ok = None
    n = len(frame)
    if n >= 6 and frame[n - 6 : n - 4] == b"AZ" and _HEX4.fullmatch(frame, n - 4):
        checksum_ok = (sum(frame[: n - 4]) + int(frame[n - 4 :], 16)) & 0xFFFF == 0
        if n >= 9 and frame[n - 9 : n - 7] == b"AY" and 48 <= frame[n - 7] <= 57:
            body, sequence = frame[: n - 9], frame[n - 7] - 48
        else:
            body = frame[: n - 6]
    suspect = False
    if body.isascii():
        text = body.decode("ascii")
    else:
        name = _codec_name(charset)
        text = body.decode(name, "replace")
        suspect = "\ufffd" in text
        if not suspect and name in _SINGLE_BYTE:
            try:
                body.decode("utf-8")
                suspect = True  # valid UTF-8 with non-ASCII bytes, read as a single-byte set
            except UnicodeDecodeError:
                pass
        text = unicodedata.normalize("NFC", text)
    plan = _DECODE_PLANS.get(text[:2])
    if plan is None:
        code = text[:2]
        if not frame:
            raise SIP2DecodeError("empty frame")
        raise SIP2DecodeError(
            f"unknown message code {code!r}"
            if code.isascii() and code.isprintable()
            else "unknown message code (not printable)"
        )
    steps, fixed_end, cls = plan
    if len(text) < fixed_end:
        code = text[:2]
        missing = next(name for name, _, end, _, _ in steps if end > len(text))
        raise SIP2DecodeError(f"message {code} ends inside its fixed field {missing}")
    fixed = {name: reader(spec, text[start:end]) for name, start, end, reader, spec in steps}
    fields: dict[str, list[str]] = {}
    if len(text) > fixed_end:
        pieces = [piece for piece in text[fixed_end:].split("|") if piece]
        if pieces:
            if min(map(len, pieces)) < 2:
                raise SIP2DecodeError(
                    f"message {text[:2]}: a variable field is shorter than its two-letter tag"
                )
            fields = {piece[:2]: [piece[2:]] for piece in pieces}
            if len(fields) != len(pieces):  # repeated tags: collect every value, in order
                fields = {}
                for piece in pieces:
                    values = fields.get(piece[:2])
                    if values is None:
                        fields[piece[:2]] = [piece[2:]]
                    else:
                        values.append(piece[2:])
    return Decoded(cls._from_parts(fixed, fields), sequence, checksum_ok, suspect)
