"""The exceptions of the SIP2 package.

One base class, :class:`SIP2Error`, so callers can catch everything SIP2 with one clause, and one
precise subclass per thing that can go wrong, so the CLI and the kiosk can say in plain words what
happened. Texts never carry a PIN or password: the codec builds them from positions and tags only,
never from field values.
"""

from __future__ import annotations


class SIP2Error(Exception):
    """Anything that went wrong in SIP2: codec, transport or session."""


class SIP2DecodeError(SIP2Error, ValueError):
    """Bytes that are not a SIP2 message we can read (the codec's one error for bad input).

    The text names the message code and the position of the problem, never field values, so it is
    safe to log even when the frame carried a PIN (AD) or a password (CO).
    """


class SIP2EncodeError(SIP2Error, ValueError):
    """A message object that cannot be put on the wire as it is (wrong width, bad character...)."""


class SIP2ConnectionError(SIP2Error, ConnectionError):
    """The ACS could not be reached, or the connection broke and could not be re-established.

    ``request_sent``: the request had gone out before the connection failed for good, so the ACS
    may have carried it out; False when it never left (e.g. the ACS refused the connection).
    """

    request_sent: bool = False


class SIP2TLSError(SIP2ConnectionError):
    """The TLS handshake failed: untrusted or mismatched certificate, or no TLS on the port."""


class SIP2TimeoutError(SIP2Error, TimeoutError):
    """The ACS did not answer within the request timeout, after every permitted retry."""


class SIP2LoginError(SIP2Error):
    """The ACS refused the login (94 with ok=0): wrong user, password or location.

    ``request_sent``: the refusal came while reconnecting to resend a request that had already
    gone out, so the ACS may have carried that request out (as for a connection error).
    """

    request_sent: bool = False


class SIP2ProtocolError(SIP2Error):
    """The ACS answered, but not with anything the protocol allows (wrong code, bad checksums)."""


class SIP2CharsetError(SIP2ProtocolError):
    """The ACS's replies do not decode cleanly in the configured character set.

    Usually the kiosk's ``charset`` setting differs from the ACS's (UTF-8 vs CP850 is the common
    mix-up that turns ÆØÅ into garbage).
    """
