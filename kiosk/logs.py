"""Structured log lines on standard output, with personal data and secrets redacted.

Why redaction lives in the handler and not at the call sites: a kiosk logs from many modules and
third-party libraries, and one careless ``log.info("patron %s", card)`` must not put a full card
number into journald, which keeps it for months. The handler's filter rewrites every record
before it is formatted, whoever created it:

- secrets by key (``pin=``, ``password``, ``staff_code`` ...) and SIP2 fields AD (PIN),
  CO (password) become ``***``;
- card numbers (9+ digit runs, ``YYMMDD-NNNN`` personal numbers, SIP2 AA, keys such as
  ``card``/``patron``) keep only their last four characters, never more than half
  (:mod:`kiosk.privacy`);
- patron names and contact details (keys ``name``/``patron_name``/``email``/``phone``/``address``,
  SIP2 AE/BD/BE/BF) become ``***``.

Usage::

    from kiosk.logs import configure_logging, fields
    configure_logging(level="info", fmt="kv")           # or fmt="json"; once, at start-up
    log = logging.getLogger("kiosk.core")
    log.info("checkout done", extra=fields(item="30123000456789", outcome="ok", ms=212))
    # level=info logger=kiosk.core msg="checkout done" item=30123000456789 outcome=ok ms=212

Under systemd (``JOURNAL_STREAM`` set) lines carry a ``<N>`` syslog priority prefix instead of a
timestamp, so journald records the level (``journalctl -p warning`` works) and adds its own time.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Mapping
from typing import Any, Literal, TextIO

from kiosk import privacy

__all__ = [
    "JsonFormatter",
    "KeyValueFormatter",
    "RedactingFilter",
    "configure_logging",
    "connected_to_journal",
    "fields",
    "mask_card",
    "redact",
    "redact_field",
]

MASK = privacy.SECRET_MASK

#: Keys whose values are secrets: never shown at all.
SECRET_KEYS = frozenset(
    {"pin", "password", "passwd", "pwd", "secret", "token", "staff_code", "api_key", "cookie"}
)
#: Keys whose values identify a patron's card: only the last 4 characters are kept.
CARD_KEYS = frozenset(
    {"card", "card_number", "cardnumber", "patron", "patron_id", "patron_identifier", "card_uid"}
)
#: Keys whose values are personal data of no use in a log: never shown.
PERSONAL_KEYS = frozenset(
    {"name", "patron_name", "personal_name", "email", "phone", "address", "birth_date"}
)
#: Keys whose values are known not to be personal even though they look like numbers (items).
SAFE_KEYS = frozenset({"item", "item_id", "item_identifier", "barcode", "tag_uid"})

_SIP2_SECRET = re.compile(r"(?<=[|\d])(AD|CO)[^|\r\n]*")
_SIP2_PERSONAL = re.compile(r"(?<=[|\d])(AE|BD|BE|BF)[^|\r\n]*")
_SIP2_PATRON = re.compile(r"(?<=[|\d])AA([^|\r\n]*)")
_KEYED_SECRET = re.compile(
    r"""(?P<key>["']?\b(?:pin|password|passwd|pwd|secret|token|staff_code)\b["']?\s*[=:]\s*)"""
    r"""(?P<value>"[^"]*"|'[^']*'|[^\s,;}&]+)""",
    re.IGNORECASE,
)
_PERSONAL_NUMBER = re.compile(r"(?<![\w-])\d{6}(?:\d{2})?[-+]\d{4}(?![\w-])")
# 9+ digits: library card numbers are 9-14 digits in practice; 8 would also hit YYYYMMDD dates.
# Not a run that ends in a SIP2 date ("YYYYMMDD" + 4-char zone + "HHMMSS", glued to fixed fields).
_CARD_NUMBER = re.compile(r"(?<![\w-])\d{9,19}(?![\w-])(?![ A-Z]{4}\d{6})")


def mask_card(value: str) -> str:
    """A card number or UID as a log line may show it (:func:`kiosk.privacy.mask_card`'s rule,
    in ASCII): ``2001234567`` -> ``******4567``."""
    return privacy.mask_card(str(value), fill="*")


def redact(text: str) -> str:
    """Mask secrets, card numbers and personal data in free text (see the module docstring)."""
    text = _SIP2_SECRET.sub(lambda m: m.group(1) + MASK, text)
    text = _SIP2_PERSONAL.sub(lambda m: m.group(1) + MASK, text)
    text = _SIP2_PATRON.sub(lambda m: "AA" + mask_card(m.group(1)), text)
    text = _KEYED_SECRET.sub(lambda m: m.group("key") + MASK, text)
    text = _PERSONAL_NUMBER.sub(lambda m: mask_card(m.group(0)), text)
    return _CARD_NUMBER.sub(lambda m: mask_card(m.group(0)), text)


def redact_field(key: str, value: Any) -> Any:
    """Redact one structured field by its name, then by its content."""
    name = key.lower()
    if name in SECRET_KEYS or name.endswith(("_password", "_pin", "_secret", "_token")):
        return MASK
    if name in PERSONAL_KEYS or name.endswith(("_name", "_email", "_phone")):
        return MASK
    if name in CARD_KEYS or name.endswith(("_card", "_card_number")):
        return mask_card(str(value))
    if name in SAFE_KEYS:
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 9:
        return mask_card(str(value))
    return value


def fields(**values: Any) -> dict[str, Any]:
    """Structured fields for a log call: ``log.info("msg", extra=fields(outcome="ok"))``."""
    return {"fields": values}


# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def _extra_fields(record: logging.LogRecord) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for key, value in vars(record).items():
        if key == "fields" and isinstance(value, Mapping):
            found.update(value)
        elif key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
            found[key] = value
    return found


class RedactingFilter(logging.Filter):
    """Rewrites each record in place: message, arguments, extra fields and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the line
            message = f"{record.msg!r} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        clean = {key: redact_field(key, value) for key, value in _extra_fields(record).items()}
        for key in list(vars(record)):
            if key not in _RECORD_ATTRIBUTES and not key.startswith("_"):
                delattr(record, key)
        record.fields = clean
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


# syslog priorities for journald's "<N>" line prefix
_PRIORITY = {"DEBUG": 7, "INFO": 6, "WARNING": 4, "ERROR": 3, "CRITICAL": 2}
_BARE = re.compile(r"^[A-Za-z0-9_.:/@+*-]+$")


def _kv_value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    if text and _BARE.match(text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _timestamp(record: logging.LogRecord) -> str:
    seconds = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
    return f"{seconds}.{int(record.msecs):03d}Z"


class KeyValueFormatter(logging.Formatter):
    """``ts=... level=info logger=kiosk.core msg="..." key=value`` lines (logfmt)."""

    def __init__(self, *, journald: bool = False) -> None:
        super().__init__()
        self.journald = journald

    def format(self, record: logging.LogRecord) -> str:
        parts = [] if self.journald else [f"ts={_timestamp(record)}"]
        parts += [
            f"level={record.levelname.lower()}",
            f"logger={_kv_value(record.name)}",
            f"msg={_kv_value(record.getMessage())}",
        ]
        extra: Mapping[str, Any] = getattr(record, "fields", None) or _extra_fields(record)
        parts += [f"{key}={_kv_value(value)}" for key, value in extra.items()]
        if record.exc_text:
            parts.append(f"exc={_kv_value(record.exc_text)}")
        line = " ".join(parts)
        return f"<{_PRIORITY.get(record.levelname, 6)}>{line}" if self.journald else line


class JsonFormatter(logging.Formatter):
    """One JSON object per line, for log shippers that prefer JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        extra: Mapping[str, Any] = getattr(record, "fields", None) or _extra_fields(record)
        entry.update({k: v for k, v in extra.items() if k not in entry})
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


def connected_to_journal(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """Whether ``stream`` is the journal connection systemd gave us (``JOURNAL_STREAM=dev:ino``).

    Compared with the stream's own device and inode, as systemd.exec(5) advises, so that output
    redirected elsewhere by a shell in between gets ordinary timestamped lines.
    """
    value = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    device, _, inode = value.partition(":")
    if not (device.isdigit() and inode.isdigit()):
        return False
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, AttributeError):  # io.StringIO has no file descriptor
        return False
    return (info.st_dev, info.st_ino) == (int(device), int(inode))


class _KioskHandler(logging.StreamHandler[TextIO]):
    """Marks the handler this module installed, so configuring twice replaces it."""


def configure_logging(
    level: Literal["debug", "info", "warning", "error"] | str = "info",
    fmt: Literal["kv", "json"] = "kv",
    stream: TextIO | None = None,
    *,
    journald: bool | None = None,
) -> logging.Handler:
    """Send all log records (the kiosk's and libraries') through redaction to ``stream``.

    ``journald`` defaults to whether systemd connected ``stream`` to the journal
    (:func:`connected_to_journal`). Safe to call again (e.g. after the config is loaded): the
    previous handler installed here is replaced. Returns the handler (tests read from it).
    """
    stream = stream if stream is not None else sys.stdout
    if journald is None:
        journald = connected_to_journal(stream)
    handler = _KioskHandler(stream)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else KeyValueFormatter(journald=journald))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _KioskHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    return handler
