"""SIP2 for the kiosk: a sans-I/O codec and a thin asyncio client.

The public surface (everything else in this package is private):

Codec (pure functions, no I/O)
    ``encode(message, *, charset, sequence=None, terminator=b"\\r") -> bytes``
    ``decode(frame, *, charset) -> Decoded`` (a named tuple: ``.message``, ``.sequence``,
    ``.checksum_ok``, ``.charset_suspect``; ``.to_json()`` is the ``kiosk sip2`` JSON form)
    ``Framer`` (feed bytes, get complete frames), ``checksum(bytes) -> str``
    ``LAYOUTS`` (the declarative table), ``TAGS`` (variable-field tags and names)
Messages (one class per row of the table; fixed fields and known tags as attributes;
``msg.get(tag)``, ``msg.get_all(tag)``, ``msg.fields``, ``msg.fixed``, ``msg.replace(...)``)
    ``Login``/``LoginResponse`` (93/94), ``SCStatus``/``ACSStatus`` (99/98),
    ``PatronInformation``/``...Response`` (63/64), ``PatronStatusRequest``/``...Response``
    (23/24), ``Checkout``/``CheckoutResponse`` (11/12), ``Checkin``/``CheckinResponse`` (09/10),
    ``Renew``/``RenewResponse`` (29/30), ``RenewAll``/``RenewAllResponse`` (65/66),
    ``ItemInformation``/``...Response`` (17/18), ``ItemStatusUpdate``/``...Response`` (19/20),
    ``EndPatronSession``/``EndSessionResponse`` (35/36), ``FeePaid``/``FeePaidResponse``
    (37/38), ``Hold``/``HoldResponse`` (15/16), ``BlockPatron`` (01),
    ``PatronEnable``/``PatronEnableResponse`` (25/26), ``RequestACSResend`` (97),
    ``RequestSCResend`` (96); ``message_class(code)``.
Dates
    ``parse_sip_date``, ``format_sip_date``, ``sip_now``
Traces
    ``format_trace(direction, frame, *, charset)``, ``mask_frame(frame, *, charset)``
Connection rules (sans-I/O, shared by the client, the embedded ACS and the tests' fake)
    ``ClientConnection``: ``send(message) -> bytes``, ``receive(frame) -> Send | Deliver |
    Discard``, ``timed_out() -> bytes``, ``reset()`` and ``resend_pending()`` after a reconnect.
    ``ServerConnection``: ``receive(frame) -> Handle | Replay | AskResend | Close``,
    ``answered(frame, response)``.
Client (asyncio)
    ``SIP2Client(ClientSettings(host=..., port=..., user=..., password=..., ...))``:
    ``async with SIP2Client(settings) as client: reply = await client.request(message)``
    (``await client.exchange(message)`` gives the whole ``Decoded`` reply);
    ``client.make(Checkout, patron_identifier=..., item_identifier=...)`` fills AO/AC/AP from
    the settings; health: ``client.state``, ``client.connected``, ``client.last_latency``,
    ``client.acs_status`` (last 98), ``client.supports(code)``, ``client.charset_suspect``.
Errors
    ``SIP2Error`` and its subclasses ``SIP2DecodeError`` (bad input), ``SIP2EncodeError``,
    ``SIP2ConnectionError``, ``SIP2TLSError``, ``SIP2TimeoutError``, ``SIP2LoginError``,
    ``SIP2ProtocolError``, ``SIP2CharsetError``.
"""

from __future__ import annotations

from kiosk.sip2.catalog import (
    ACSStatus,
    BlockPatron,
    Checkin,
    CheckinResponse,
    Checkout,
    CheckoutResponse,
    EndPatronSession,
    EndSessionResponse,
    FeePaid,
    FeePaidResponse,
    Hold,
    HoldResponse,
    ItemInformation,
    ItemInformationResponse,
    ItemStatusUpdate,
    ItemStatusUpdateResponse,
    Login,
    LoginResponse,
    PatronEnable,
    PatronEnableResponse,
    PatronInformation,
    PatronInformationResponse,
    PatronStatusRequest,
    PatronStatusResponse,
    Renew,
    RenewAll,
    RenewAllResponse,
    RenewResponse,
    RequestACSResend,
    RequestSCResend,
    SCStatus,
)
from kiosk.sip2.client import ClientSettings, ConnectionState, SIP2Client
from kiosk.sip2.codec import CHARSETS, Decoded, check_charset, checksum, decode, encode
from kiosk.sip2.connection import (
    AskResend,
    ClientConnection,
    Close,
    Deliver,
    Discard,
    Handle,
    Replay,
    Send,
    ServerConnection,
)
from kiosk.sip2.dates import format_sip_date, parse_sip_date, sip_now
from kiosk.sip2.errors import (
    SIP2CharsetError,
    SIP2ConnectionError,
    SIP2DecodeError,
    SIP2EncodeError,
    SIP2Error,
    SIP2LoginError,
    SIP2ProtocolError,
    SIP2TimeoutError,
    SIP2TLSError,
)
from kiosk.sip2.fields import LANGUAGES, MEDIA_TYPES, TAG_BY_NAME, TAGS, Tag
from kiosk.sip2.framing import Framer
from kiosk.sip2.layouts import LAYOUTS, FixedField, Layout
from kiosk.sip2.messages import MESSAGE_CLASSES, Message, Request, Response, message_class
from kiosk.sip2.trace import format_trace, mask_frame

__all__ = [
    "CHARSETS",
    "LANGUAGES",
    "LAYOUTS",
    "MEDIA_TYPES",
    "MESSAGE_CLASSES",
    "TAGS",
    "TAG_BY_NAME",
    "ACSStatus",
    "AskResend",
    "BlockPatron",
    "Checkin",
    "CheckinResponse",
    "Checkout",
    "CheckoutResponse",
    "ClientConnection",
    "ClientSettings",
    "Close",
    "ConnectionState",
    "Decoded",
    "Deliver",
    "Discard",
    "EndPatronSession",
    "EndSessionResponse",
    "FeePaid",
    "FeePaidResponse",
    "FixedField",
    "Framer",
    "Handle",
    "Hold",
    "HoldResponse",
    "ItemInformation",
    "ItemInformationResponse",
    "ItemStatusUpdate",
    "ItemStatusUpdateResponse",
    "Layout",
    "Login",
    "LoginResponse",
    "Message",
    "PatronEnable",
    "PatronEnableResponse",
    "PatronInformation",
    "PatronInformationResponse",
    "PatronStatusRequest",
    "PatronStatusResponse",
    "Renew",
    "RenewAll",
    "RenewAllResponse",
    "RenewResponse",
    "Replay",
    "Request",
    "RequestACSResend",
    "RequestSCResend",
    "Response",
    "SCStatus",
    "SIP2CharsetError",
    "SIP2Client",
    "SIP2ConnectionError",
    "SIP2DecodeError",
    "SIP2EncodeError",
    "SIP2Error",
    "SIP2LoginError",
    "SIP2ProtocolError",
    "SIP2TLSError",
    "SIP2TimeoutError",
    "Send",
    "ServerConnection",
    "Tag",
    "check_charset",
    "checksum",
    "decode",
    "encode",
    "format_sip_date",
    "format_trace",
    "mask_frame",
    "message_class",
    "parse_sip_date",
    "sip_now",
]
