"""SIP2's connection rules, written once and without I/O (like h11's ``Connection``).

Two small state machines, one per side of a SIP2 connection. They own no socket and no clock:
the caller feeds them what happened (a frame arrived, the reply timer ran out, a request is to
go out) and they answer with what to do. The kiosk's asyncio client, the embedded library
system's server and the tests' fake ACS all drive these, so the rules below live nowhere else.

Client side (:class:`ClientConnection`, the spec's self-check rules):

* every request gets the next sequence number ``AY`` (0-9, wrapping) and a checksum ``AZ``;
* the reply timer runs out -> the identical bytes (same AY, same AZ) go out again, up to the
  retry count, then :class:`SIP2TimeoutError`;
* a reply with a bad checksum, or one that cannot be decoded -> ``97`` (please resend);
* a ``96`` -> our last frame again: the request, or the 97 when that was the last thing sent
  (a 96 answers the frame it could not read);
* a reply with a valid checksum but another AY, or another message code -> stale: discarded
  (except right after a 97, since some servers renumber their replay);
* after a reconnect the pending request goes out again byte for byte, so that the server can
  recognise it as a retransmission (see :class:`ServerConnection`) rather than a new request.

Server side (:class:`ServerConnection`, the spec's library-system rules):

* an undecodable frame or a bad checksum -> ``96``;
* ``97`` -> the last response again, byte for byte; a ``97`` before any response -> ``96``;
* a frame identical to the previous request on this connection (so the same AY and the same AZ:
  a retransmission after a timeout) -> the last response again instead of a second execution;
* consecutive ``96``s and retransmissions beyond the retry count -> close the connection.

Anything else is a new request for the server to carry out (:class:`Handle`), after which it
tells the state machine what it answered (:meth:`ServerConnection.answered`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from kiosk.sip2.catalog import RequestACSResend
from kiosk.sip2.codec import Decoded, decode, encode
from kiosk.sip2.errors import (
    SIP2CharsetError,
    SIP2DecodeError,
    SIP2ProtocolError,
    SIP2TimeoutError,
)
from kiosk.sip2.messages import Message

__all__ = [
    "AskResend",
    "ClientConnection",
    "ClientEvent",
    "Close",
    "Deliver",
    "Discard",
    "Handle",
    "Replay",
    "Send",
    "ServerConnection",
    "ServerEvent",
]

# --- what the client is told to do -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Send:
    """Send ``data`` (nothing when None) and wait a full reply timeout again."""

    data: bytes | None
    why: str


@dataclass(frozen=True, slots=True)
class Deliver:
    """The answer to the pending request: give it to the caller."""

    reply: Decoded


@dataclass(frozen=True, slots=True)
class Discard:
    """A frame that answers nothing pending (stale): keep waiting, the timer goes on."""

    why: str


ClientEvent = Send | Deliver | Discard


@dataclass(slots=True)
class _Pending:
    wire: bytes
    code: str
    expected: str | None
    sequence: int | None


class ClientConnection:
    """The self-check side of one SIP2 connection: sequence numbers, resends, 96/97, staleness.

    ``peer`` and ``timeout`` only make the error texts precise. ``retries`` may be lowered after
    the ACS status (98) names its own retry count.
    """

    def __init__(
        self,
        *,
        charset: str = "utf-8",
        error_detection: bool = True,
        terminator: bytes = b"\r",
        retries: int = 3,
        peer: str = "the ACS",
        timeout: float | None = None,
    ) -> None:
        self.charset = charset
        self.error_detection = error_detection
        self.terminator = terminator
        self.retries = retries
        self.peer = peer
        self.timeout = timeout
        #: Set when a reply looked like another character set than ``charset``.
        self.charset_suspect = False
        self._sequence = -1
        self._pending: _Pending | None = None
        self._held: _Pending | None = None  # cut off by a drop: goes out again after login
        self._last_sent = b""
        self._attempts = 0
        self._bad_frames = 0
        self._suspect_now = False
        self._resend_request = (
            encode(RequestACSResend(), charset=charset, sequence=0, terminator=terminator)
            if error_detection
            else None
        )  # always the same bytes: `97AZFEF5`

    @property
    def pending(self) -> bool:
        """Whether a request is waiting for its reply (or for a reconnect, to go out again)."""
        return self._pending is not None or self._held is not None

    def reset(self) -> None:
        """A new connection: sequence numbers start again at 0, and a request that was waiting
        for its reply is held back for :meth:`resend_pending` (after the login)."""
        self._sequence = -1
        if self._pending is not None:
            self._held, self._pending = self._pending, None

    def send(self, message: Message) -> bytes:
        """Start a request: the wire bytes to send (the previous one is given up, if any)."""
        sequence: int | None = None
        if self.error_detection:
            self._sequence = (self._sequence + 1) % 10
            sequence = self._sequence
        wire = encode(message, charset=self.charset, sequence=sequence, terminator=self.terminator)
        self._pending = _Pending(wire, message.code, message.layout.response, sequence)
        self._start(wire)
        return wire

    def resend_pending(self) -> bytes:
        """After a reconnect: the held request's bytes, unchanged (same AY, same AZ)."""
        if self._held is not None:
            self._pending, self._held = self._held, None
        pending = self._require_pending()
        self._start(pending.wire)
        return pending.wire

    def give_up(self) -> None:
        """Forget the pending request (it was answered, failed, or the caller gave up)."""
        self._pending = self._held = None

    def _start(self, wire: bytes) -> None:
        self._last_sent = wire
        self._attempts = 0
        self._bad_frames = 0
        self._suspect_now = False

    def timed_out(self) -> bytes:
        """The reply timer ran out: the bytes to send again, or SIP2TimeoutError."""
        pending = self._require_pending()
        self._attempts += 1
        if self._attempts > self.retries:
            self._pending = None
            within = f" within {self.timeout:g} s" if self.timeout is not None else ""
            raise SIP2TimeoutError(
                f"no reply to message {pending.code} from {self.peer}{within} "
                f"({self.retries} resends)"
            )
        self._last_sent = pending.wire
        return pending.wire

    def receive(self, frame: bytes) -> ClientEvent:
        """One frame from the ACS: what to do about it.

        Raises :class:`SIP2ProtocolError` (or :class:`SIP2CharsetError`) when the retry count
        is spent on unreadable replies or 96s.
        """
        pending = self._require_pending()
        try:
            decoded: Decoded | None = decode(frame, charset=self.charset)
        except SIP2DecodeError:
            decoded = None
        if decoded is not None and decoded.charset_suspect:
            self._suspect_now = self.charset_suspect = True
        if decoded is None or decoded.checksum_ok is False:
            self._bad_frames += 1
            self._count_attempt_or_fail(
                SIP2CharsetError(
                    f"replies from {self.peer} do not decode as {self.charset}: "
                    "wrong charset suspected"
                )
                if self._suspect_now
                else SIP2ProtocolError(
                    f"{self._bad_frames} unreadable or corrupted replies to message "
                    f"{pending.code} from {self.peer}"
                )
            )
            why = "undecodable reply" if decoded is None else "bad checksum"
            if self._resend_request is None:
                return Send(None, why)
            self._last_sent = self._resend_request
            return Send(self._resend_request, why)
        reply = decoded.message
        if reply.code == "96":
            self._count_attempt_or_fail(
                SIP2ProtocolError(f"{self.peer} kept asking to resend message {pending.code}")
            )
            return Send(self._last_sent, "the ACS asked for a resend (96)")
        if pending.expected is not None and reply.code != pending.expected:
            return Discard(f"a {reply.code} while waiting for {pending.expected}")
        if (
            pending.sequence is not None
            and decoded.sequence is not None
            and decoded.sequence != pending.sequence
            and self._last_sent is pending.wire
        ):
            return Discard(f"a {reply.code} with sequence {decoded.sequence}")
        self._pending = None
        return Deliver(decoded)

    def _count_attempt_or_fail(self, error: SIP2ProtocolError) -> None:
        self._attempts += 1
        if self._attempts > self.retries:
            self._pending = None
            raise error

    def _require_pending(self) -> _Pending:
        if self._pending is None:
            raise RuntimeError("no request is pending")
        return self._pending


# --- what the server is told to do ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handle:
    """A new request: carry it out, then report the answer (:meth:`ServerConnection.answered`)."""

    request: Decoded


@dataclass(frozen=True, slots=True)
class Replay:
    """Send ``data`` (an earlier response, byte for byte) and carry nothing out.

    ``retransmission``: the request came again (same AY, same AZ), rather than a 97 asking for
    the last response.
    """

    data: bytes
    why: str
    retransmission: bool = False


@dataclass(frozen=True, slots=True)
class AskResend:
    """Answer with a 96 (request SC resend) and carry nothing out."""

    why: str


@dataclass(frozen=True, slots=True)
class Close:
    """Close the connection (the retry count is spent)."""

    why: str


ServerEvent = Handle | Replay | AskResend | Close


class ServerConnection:
    """The library-system side of one SIP2 connection: 96, 97 and retransmissions.

    ``charset`` and ``retries`` change when a kiosk account logs in (accounts have their own).
    """

    def __init__(
        self,
        *,
        charset: str = "utf-8",
        retries: int = 3,
        decoder: Callable[..., Decoded] = decode,
    ) -> None:
        self.charset = charset
        self.retries = retries
        self._decode = decoder  # a server may also read other vendors' short requests
        self.last_response: bytes | None = None
        self._last_request: bytes | None = None
        self._repeats = 0  # consecutive 96s asked and retransmissions answered

    def receive(self, frame: bytes) -> ServerEvent:
        """One frame from the self-check (terminator optional): what to do about it."""
        frame = frame.rstrip(b"\r\n")
        try:
            decoded = self._decode(frame, charset=self.charset)
        except SIP2DecodeError as exc:
            return self._ask_resend(f"undecodable request ({exc})")
        code = decoded.message.code
        if decoded.checksum_ok is False:
            return self._ask_resend(f"bad checksum on a {code} request")
        if code == "97":
            if self.last_response is None:
                return self._ask_resend("a 97 before any response")
            return Replay(self.last_response, "97: the last response again")
        if (
            decoded.sequence is not None
            and frame == self._last_request
            and self.last_response is not None
        ):
            self._repeats += 1
            if self._repeats > self.retries:
                return Close(f"retry count {self.retries} exceeded")
            return Replay(
                self.last_response, f"a retransmitted {code} (same AY and AZ)", retransmission=True
            )
        return Handle(decoded)

    def answered(self, frame: bytes, response: bytes) -> None:
        """The server answered ``frame`` (a :class:`Handle`d request) with ``response``.

        ``response`` is what a 97 or a retransmission gets again: the intact bytes, also when a
        fault knob corrupts the copy on the wire.
        """
        frame = frame.rstrip(b"\r\n")
        self._last_request = frame
        self.last_response = response
        self._repeats = 0

    def _ask_resend(self, why: str) -> AskResend | Close:
        self._last_request = None  # the next frame is the resend: a request of its own
        self._repeats += 1
        if self._repeats > self.retries:
            return Close(f"retry count {self.retries} exceeded ({why})")
        return AskResend(why)
