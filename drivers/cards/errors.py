"""Typed errors of the card reader and scanner drivers.

Every class is a :class:`~drivers.cards.contract.DeviceError`, so callers that only know the
contract still catch them; callers that want to react differently (show "card not readable, try
again" versus "call staff") can tell them apart. Messages are written for staff fixing hardware
and never contain a full card number.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .contract import DeviceError


class PcscUnavailableError(DeviceError):
    """The PC/SC service (pcscd) is not running or stopped while the kiosk was using it."""


class ReaderNotFoundError(DeviceError):
    """No connected device matches the configured name pattern (or the device was unplugged)."""


def name_matcher(pattern: str, what: str) -> re.Pattern[str]:
    """``pattern`` compiled for picking a ``what`` by its name (a regex, any case); an invalid
    one is a :class:`ReaderNotFoundError` that names it."""
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as error:
        raise ReaderNotFoundError(f"{what} name pattern {pattern!r} is invalid: {error}") from None


def no_device_matching(
    what: str, pattern: str, names: Sequence[str], *, when_none: str, present: str
) -> ReaderNotFoundError:
    """The error for a name pattern that matched none of ``names``: with none at all, what to
    check (``when_none``); else the names there are, so staff can correct the pattern."""
    if not names:
        return ReaderNotFoundError(f"no {what} matching {pattern!r}: {when_none}")
    seen = ", ".join(repr(name) for name in names)
    return ReaderNotFoundError(f"no {what} matching {pattern!r}; {present}: {seen}")


class CardCommandError(DeviceError):
    """A card (or the reader on its behalf) refused a command; ``sw`` is the status word."""

    def __init__(self, message: str, sw: int | None = None) -> None:
        super().__init__(message)
        self.sw = sw


def mask_uid(uid: bytes | None) -> str:
    """A card UID safe for logs: only the last two bytes, as many library cards use it as the
    card number and logs must never carry full card numbers."""
    if not uid:
        return "<none>"
    return "…" + uid[-2:].hex().upper()
