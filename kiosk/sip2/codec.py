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
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, NamedTuple

from kiosk.sip2.dates import _formatted as _FORMATTED_DATES
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


class Decoded(NamedTuple):
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


_ASCII = "".join(map(chr, range(128)))


def check_charset(charset: str) -> str:
    """The canonical codec name for ``charset``; ValueError for anything SIP2 cannot run on.

    SIP2's frames are ASCII at heart (codes, fixed fields, ``|``, CR), so only a text encoding
    that writes ASCII as ASCII will do: cp850, latin-1, UTF-8 and the like. Python's other
    codecs (base64, rot13, hex, uu, zlib, idna, punycode, UTF-16, EBCDIC...) are refused here,
    with the reason, rather than failing in the middle of a message.
    """
    try:
        info = codecs.lookup(charset)
    except (LookupError, TypeError, ValueError):
        raise ValueError(
            f"unknown character set {charset!r} (use one of {', '.join(CHARSETS)})"
        ) from None
    if _ascii_compatible(info):
        return info.name
    raise ValueError(
        f"{charset!r} is not a character set SIP2 can use: it must be a text encoding that "
        f"keeps ASCII as it is (use one of {', '.join(CHARSETS)})"
    )


def _ascii_compatible(info: codecs.CodecInfo) -> bool:
    if not getattr(info, "_is_text_encoding", True):  # bytes-to-bytes or str-to-str codecs
        return False
    try:
        return (
            info.encode(_ASCII)[0] == _ASCII.encode("ascii")
            and info.decode(_ASCII.encode("ascii"))[0] == _ASCII
        )
    except Exception:  # a codec that cannot even carry ASCII (idna refuses control characters)
        return False


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
_FLAG_TABLES = {"yn": _FLAG_TEXT, "01": _OK_TEXT, "ynu": _YNU_TEXT}
_ENCODE_PLANS = {
    code: tuple(
        (spec.name, _FLAG_TABLES.get(spec.kind), _FIXED_ENCODERS[spec.kind], spec)
        for spec in layout.fixed
    )
    for code, layout in LAYOUTS.items()
}


def _compile_fixed_encoder(layout: Layout) -> Callable[[dict[str, Any]], str | None]:
    """One generated function per layout writing all fixed fields in one expression.

    Generated from the table (as dataclasses generates ``__init__``) because this is the hot
    path: no loop, no per-field call for flags. It returns ``None`` for any value it cannot
    write, and :func:`encode` then takes the field-by-field path, which names the bad field.
    """
    namespace: dict[str, Any] = {}
    terms = []
    for i, spec in enumerate(layout.fixed):
        value = f"values[{spec.name!r}]"
        if spec.kind in _FLAG_TABLES:
            namespace[f"t{i}"] = _FLAG_TABLES[spec.kind]
            terms.append(f"t{i}[{value}]")
        elif spec.kind == "date":
            terms.append(f"(dates.get({value}) or format_date({value}))")
        else:
            namespace[f"e{i}"] = partial(_FIXED_ENCODERS[spec.kind], spec)
            terms.append(f"e{i}({value})")
    body = " + ".join(terms) or '""'
    source = (
        f"def encode_fixed_{layout.code}(values):\n"
        f"    try:\n        return {body}\n"
        f"    except (KeyError, TypeError, SIP2EncodeError):\n        return None\n"
    )
    namespace.update(
        dates=_FORMATTED_DATES, format_date=format_sip_date, SIP2EncodeError=SIP2EncodeError
    )
    exec(source, namespace)  # the source is built above from the layout table only
    encoder: Callable[[dict[str, Any]], str | None] = namespace[f"encode_fixed_{layout.code}"]
    return encoder


_FIXED_ENCODERS_BY_CODE = {code: _compile_fixed_encoder(layout) for code, layout in LAYOUTS.items()}
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


def _careful_variable(fields: Mapping[str, list[str]]) -> str:
    """The variable part, value by value, escaping or refusing what needs it (the rare path)."""
    for tag in fields:
        if len(tag) != 2 or not tag.isascii() or not tag.isprintable() or "|" in tag:
            raise SIP2EncodeError("a variable-field tag is two printable ASCII characters")
    return "|".join(
        [tag + _clean_value(tag, value) for tag, values in fields.items() for value in values]
    )


def _password_not_last(fields: dict[str, list[str]]) -> dict[str, list[str]]:
    """Reorder so that a PIN or password does not end the message (servers strip its end)."""
    last = next(reversed(fields))
    public = [tag for tag, values in fields.items() if tag not in _PASSWORD_TAGS and values]
    if not public or not any(fields[last]):
        return fields
    moved = dict(fields)
    moved[public[-1]] = moved.pop(public[-1])
    return moved


def _too_long(fields: Mapping[str, list[str]]) -> bool:
    return any(len(value) > MAX_FIELD_LENGTH for values in fields.values() for value in values)


def _wrong_width(fields: Mapping[str, list[str]]) -> bool:
    return any(
        len(value) != FIELD_WIDTHS[tag]
        for tag in _FIELD_WIDTH_TAGS.intersection(fields)
        for value in fields[tag]
    )


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
    head = _FIXED_ENCODERS_BY_CODE[layout.code](fixed_values)
    if head is None:  # something is wrong: the field-by-field path names it
        for name, _, encoder, spec in _ENCODE_PLANS[layout.code]:
            parts.append(encoder(spec, fixed_values[name]))
    else:
        parts.append(head)
    fields = message._fields
    if fields:
        # Fields go out in the message's own order (required ones first for built messages,
        # wire order for decoded ones); the spec leaves the order of variable fields free.
        if next(reversed(fields)) in _PASSWORD_TAGS:
            fields = _password_not_last(fields)
        count = sum(map(len, fields.values()))
        try:
            variable = "|".join(
                [
                    tag + values[0] if len(values) == 1 else "|".join([tag + v for v in values])
                    for tag, values in fields.items()
                    if values
                ]
            )
        except TypeError:
            variable = None  # a value that is not text: the careful path names it
        if (
            variable is None
            or variable.count("|") != count - 1
            or "\r" in variable
            or "\n" in variable
            or (len(variable) > MAX_FIELD_LENGTH and _too_long(fields))
            or (not _FIELD_WIDTH_TAGS.isdisjoint(fields) and _wrong_width(fields))
        ):
            variable = _careful_variable(fields)
        if count:
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


def _decoder(spec: FixedField) -> Callable[[str], Any]:
    """A one-argument reader for a fixed field (C-level where possible: this is the hot path)."""
    if spec.kind in ("yn", "01", "ynu"):
        return _FLAGS.get  # 'U', blank or unknown: None, "not known"
    if spec.kind == "text":
        return str

    if spec.kind == "date":

        def read_date(raw: str) -> datetime | None:
            try:
                return parse_sip_date(raw)
            except SIP2DecodeError as exc:
                raise SIP2DecodeError(f"fixed field {spec.name}: {exc}") from None

        return read_date

    def read_int(raw: str) -> int | None:
        if raw.isdigit() and raw.isascii():
            return int(raw)
        stripped = raw.strip()
        if not stripped:
            return None
        if not (stripped.isdigit() and stripped.isascii()):
            raise SIP2DecodeError(f"fixed field {spec.name} should be {spec.width} digits")
        return int(stripped)

    return read_int


def _decode_plan(layout: Layout) -> tuple[tuple[str, int, int, Callable[[str], Any]], ...]:
    plan = []
    position = 2
    for spec in layout.fixed:
        plan.append((spec.name, position, position + spec.width, _decoder(spec)))
        position += spec.width
    return tuple(plan)


def _compile_fixed_decoder(layout: Layout) -> Callable[[str], dict[str, Any]]:
    """One generated function per layout reading all fixed fields into a dict in one display
    (the hot path of :func:`decode`; see :func:`_compile_fixed_encoder` for why)."""
    namespace: dict[str, Any] = {}
    items = []
    for i, (name, start, end, read) in enumerate(_decode_plan(layout)):
        namespace[f"r{i}"] = read
        items.append(f"{name!r}: r{i}(text[{start}:{end}])")
    source = f"def decode_fixed_{layout.code}(text):\n    return {{{', '.join(items)}}}\n"
    exec(source, namespace)  # the source is built above from the layout table only
    decoder: Callable[[str], dict[str, Any]] = namespace[f"decode_fixed_{layout.code}"]
    return decoder


_DECODE_PLANS = {
    code: (
        _decode_plan(layout),
        2 + layout.fixed_width,
        MESSAGE_CLASSES[code],
        _compile_fixed_decoder(layout),
    )
    for code, layout in LAYOUTS.items()
}
_new = object.__new__
_new_tuple = tuple.__new__
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
        try:
            text = body.decode(name)  # valid text may hold U+FFFD itself: not a suspicion
        except UnicodeDecodeError:
            text = body.decode(name, "replace")
            suspect = True
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
    steps, fixed_end, cls, read_fixed = plan
    if len(text) < fixed_end:
        code = text[:2]
        missing = next(name for name, _, end, _ in steps if end > len(text))
        raise SIP2DecodeError(f"message {code} ends inside its fixed field {missing}")
    fixed = read_fixed(text)
    fields: dict[str, list[str]] = {}
    if len(text) > fixed_end:
        rest = text[fixed_end:]
        pieces = (rest[:-1] if rest[-1] == "|" else rest).split("|")
        if min(map(len, pieces)) < 2:  # empty fields ("||") or garbage
            pieces = [piece for piece in pieces if piece]
            if pieces and min(map(len, pieces)) < 2:
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
    message = _new(cls)
    message._fixed = fixed
    message._fields = fields
    return _new_tuple(Decoded, (message, sequence, checksum_ok, suspect))
