"""A small SIP2 server with fault knobs, to test the client against real sockets.

It is not the embedded library system (kiosk.acs): it knows one patron and a few items, and its
purpose is misbehaving on request. Faults are queued per response (``acs.faults.append("drop")``)
and taken one per request, in order:

``drop``     close the connection instead of answering
``silent``   read the request and answer nothing (the client must time out and resend)
``delay:S``  wait S seconds before answering
``corrupt``  answer with a wrong checksum (the client must send 97)
``resend``   answer 96 (the client must send the request again)
``split``    send the answer in 3-byte packets
``stale``    first send a reply with the wrong AY, then the right one
``crlf``     end the answer with CR LF
``garbage``  answer with bytes that are no SIP2 message
``noterm``   answer without the CR at the end (a server that forgets its terminator)

Every received frame is kept in ``acs.received`` (raw bytes) for assertions.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from dataclasses import dataclass, field

from kiosk.closing import close_stream
from kiosk.sip2 import (
    ACSStatus,
    AskResend,
    CheckinResponse,
    CheckoutResponse,
    Close,
    EndSessionResponse,
    FeePaidResponse,
    Framer,
    HoldResponse,
    ItemInformationResponse,
    ItemStatusUpdateResponse,
    LoginResponse,
    Message,
    PatronEnableResponse,
    PatronInformationResponse,
    PatronStatusResponse,
    RenewAllResponse,
    RenewResponse,
    Replay,
    RequestSCResend,
    ServerConnection,
    SIP2DecodeError,
    decode,
    encode,
)

USER, PASSWORD = "kiosk1", "s3cret"
PATRON, PIN = "21000123456789", "4321"


@dataclass
class FakeACS:
    charset: str = "utf-8"
    timeout_period: int = 300  # tenths of seconds, as announced in 98
    retries_allowed: int = 3
    idle_close: float | None = None  # close connections idle this long
    sessions: int | None = None  # serve this many connections at a time; the others wait unread
    tls: ssl.SSLContext | None = None
    faults: deque[str] = field(default_factory=deque)
    received: list[bytes] = field(default_factory=list)
    connections: int = 0
    in_flight: int = 0  # requests being answered right now, over all connections
    max_in_flight: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)
    _session_slots: asyncio.Semaphore | None = None

    async def start(self) -> FakeACS:
        if self.sessions is not None:
            self._session_slots = asyncio.Semaphore(self.sessions)
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self.tls)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for writer in list(self._writers):
            writer.close()
        await self._server.wait_closed()

    def drop_all(self) -> None:
        """Close every open connection, as an ACS restart or a firewall would."""
        for writer in list(self._writers):
            writer.close()

    def codes_received(self) -> list[str]:
        return [frame[:2].decode() for frame in self.received]

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        if self._session_slots is None:
            await self._session(reader, writer)
            return
        async with self._session_slots:  # like a server that forks one worker at a time
            await self._session(reader, writer)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        framer = Framer()
        rules = ServerConnection(charset=self.charset, retries=self.retries_allowed)
        logged_in = False
        try:
            while True:
                try:
                    async with asyncio.timeout(self.idle_close):
                        data = await reader.read(4096)
                except TimeoutError:
                    return
                if not data:
                    return
                for frame in framer.feed(data):
                    self.received.append(frame)
                    fault = self.faults.popleft() if self.faults else ""
                    if fault == "drop":
                        return
                    if fault == "silent":
                        continue
                    if fault.startswith("delay:"):
                        self.in_flight += 1
                        self.max_in_flight = max(self.max_in_flight, self.in_flight)
                        await asyncio.sleep(float(fault.split(":", 1)[1]))
                        self.in_flight -= 1
                    event = rules.receive(frame)
                    if isinstance(event, Close):
                        return
                    if isinstance(event, AskResend):
                        reply = encode(RequestSCResend(), charset=self.charset, sequence=0)
                    elif isinstance(event, Replay):
                        reply = event.data  # a 97 or a retransmission: answer as before
                    else:
                        decoded = event.request
                        if decoded.message.code == "93":
                            logged_in = self._login_ok(decoded.message)
                        if decoded.message.code == "99" and not logged_in:
                            return  # like servers that drop a 99 before 93
                        response = self.respond(decoded.message)
                        reply = encode(response, charset=self.charset, sequence=decoded.sequence)
                        rules.answered(frame, reply)
                    await self._send(writer, reply, fault, frame)
        except (ConnectionError, SIP2DecodeError):
            return
        finally:
            self._writers.discard(writer)
            await close_stream(writer)

    async def _send(
        self, writer: asyncio.StreamWriter, reply: bytes, fault: str, frame: bytes
    ) -> None:
        if fault == "corrupt":
            reply = reply[:-5] + (b"0000" if reply[-5:-1] != b"0000" else b"1111") + b"\r"
        elif fault == "resend":
            reply = encode(RequestSCResend(), charset=self.charset, sequence=0)
        elif fault == "garbage":
            reply = b"\x00\xffnot sip\r"
        elif fault == "crlf":
            reply = reply[:-1] + b"\r\n"
        elif fault == "noterm":
            reply = reply[:-1]
        elif fault == "stale" and b"AY" in reply[-10:]:
            decoded = decode(reply, charset=self.charset)
            wrong = ((decoded.sequence or 0) + 5) % 10
            writer.write(encode(decoded.message, charset=self.charset, sequence=wrong))
        if fault == "split":
            for start in range(0, len(reply), 3):
                writer.write(reply[start : start + 3])
                await writer.drain()
                await asyncio.sleep(0.001)
        else:
            writer.write(reply)
        await writer.drain()

    @staticmethod
    def _login_ok(login: Message) -> bool:
        return login.login_user_id == USER and login.login_password == PASSWORD

    def respond(self, request: Message) -> Message:
        """The ACS's answer to one request (a tiny library: one patron, any item exists)."""
        code = request.code
        if code == "93":
            return LoginResponse(ok=self._login_ok(request))
        if code == "99":
            return ACSStatus(
                timeout_period=self.timeout_period,
                retries_allowed=self.retries_allowed,
                institution_id="TEST",
                supported_messages="YYYYYYYYYYYYYYYY",
                library_name="Testbiblioteket i Söderhamn",
            )
        patron = request.patron_identifier or ""
        known = patron == PATRON
        pin_ok = request.patron_password in (None, PIN)
        if code == "63":
            return PatronInformationResponse(
                patron_status=" " * 14 if known else "Y" * 14,
                language="006",
                charged_items_count=1,
                institution_id=request.institution_id,
                patron_identifier=patron,
                personal_name="Åsa Öberg" if known else "",
                valid_patron="Y" if known else "N",
                valid_patron_password="Y" if known and pin_ok else "N",
                charged_items=["39000111"] if known else [],
                screen_message=["Välkommen!"] if known else ["Okänt kort"],
            )
        if code == "23":
            return PatronStatusResponse(
                institution_id=request.institution_id,
                patron_identifier=patron,
                personal_name="Åsa Öberg" if known else "",
                valid_patron="Y" if known else "N",
            )
        if code == "11":
            ok = known and pin_ok
            return CheckoutResponse(
                ok=ok,
                desensitize=ok,
                magnetic_media=False,
                institution_id=request.institution_id,
                patron_identifier=patron,
                item_identifier=request.item_identifier,
                title_identifier="Pippi Långstrump",
                due_date="20261220    235900" if ok else "",
            )
        if code == "09":
            return CheckinResponse(
                ok=True,
                resensitize=True,
                magnetic_media=False,
                alert=False,
                institution_id=request.institution_id,
                item_identifier=request.item_identifier,
                permanent_location="Söderhamn",
                title_identifier="Pippi Långstrump",
                sort_bin="A1",
            )
        if code == "29":
            return RenewResponse(
                ok=known,
                renewal_ok=known,
                institution_id=request.institution_id,
                patron_identifier=patron,
                item_identifier=request.item_identifier or "",
                title_identifier="Pippi Långstrump",
                due_date="20270110    235900",
            )
        if code == "65":
            return RenewAllResponse(
                ok=known,
                renewed_count=1 if known else 0,
                institution_id=request.institution_id,
                renewed_items=["39000111"] if known else [],
            )
        if code == "17":
            return ItemInformationResponse(
                circulation_status="03",
                item_identifier=request.item_identifier,
                title_identifier="Pippi Långstrump",
                owner="SÖD",
                permanent_location="Söderhamn",
            )
        if code == "15":
            return HoldResponse(
                ok=known,
                institution_id=request.institution_id,
                patron_identifier=patron,
                queue_position="2",
            )
        if code == "19":
            return ItemStatusUpdateResponse(
                item_properties_ok=True,
                item_identifier=request.item_identifier,
                item_properties=request.item_properties,
            )
        if code == "37":
            return FeePaidResponse(
                payment_accepted=known,
                institution_id=request.institution_id,
                patron_identifier=patron,
                transaction_id=request.transaction_id,
            )
        if code in ("01", "25"):
            cls = PatronStatusResponse if code == "01" else PatronEnableResponse
            return cls(
                patron_status="Y" * 14 if code == "01" else " " * 14,
                institution_id=request.institution_id,
                patron_identifier=patron,
                personal_name="Åsa Öberg" if known else "",
                valid_patron="Y" if known else "N",
            )
        if code == "35":
            return EndSessionResponse(
                institution_id=request.institution_id, patron_identifier=patron
            )
        raise AssertionError(f"the fake ACS does not answer {code}")
