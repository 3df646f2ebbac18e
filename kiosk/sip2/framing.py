"""A sans-I/O framer: feed it bytes as they arrive, take out complete SIP2 frames.

One ``recv`` is not one message: a reply can arrive in several packets, or two replies in one.
Frames end at CR, CR LF or LF (servers differ); empty lines between frames are skipped.
"""

from __future__ import annotations

import re

from kiosk.sip2.errors import SIP2DecodeError

_TERMINATORS = re.compile(rb"[\r\n]")
#: Longer than any sane SIP2 message (a patron with hundreds of loans is ~40 kB).
DEFAULT_MAX_FRAME = 256 * 1024


class Framer:
    """Collects bytes and hands out complete frames, without their terminators."""

    __slots__ = ("_buffer", "max_frame")

    def __init__(self, max_frame: int = DEFAULT_MAX_FRAME) -> None:
        self._buffer = b""
        self.max_frame = max_frame

    def feed(self, data: bytes) -> list[bytes]:
        """Add received bytes; return every frame they complete (maybe none).

        Raises :class:`SIP2DecodeError` (and forgets the buffer) when a frame grows past
        ``max_frame`` bytes without a terminator: a peer that never ends its message.
        """
        buffer = self._buffer + data if self._buffer else bytes(data)
        if b"\r" not in data and b"\n" not in data:
            self._buffer = buffer
            if len(buffer) > self.max_frame:
                self._buffer = b""
                raise SIP2DecodeError(f"no message terminator within {self.max_frame} bytes")
            return []
        *frames, rest = _TERMINATORS.split(buffer)
        self._buffer = rest if len(rest) <= self.max_frame else b""
        return [frame for frame in frames if frame]

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a complete frame."""
        return len(self._buffer)

    def clear(self) -> None:
        """Forget a partial frame (after a reconnect)."""
        self._buffer = b""
