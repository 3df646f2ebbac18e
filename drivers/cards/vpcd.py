"""A virtual contactless card speaking the vpcd wire protocol (stdlib only).

Protocol document: vsmartcard's "Creating a virtual smart card" (virtualsmartcard docs, the
vpcd/vpicc protocol). The vpcd driver inside pcscd listens on TCP (35963 by default, one port per
slot); a virtual card *is* a connection to that port. Every message in both directions is a
2-byte big-endian length and a payload. From vpcd, a 1-byte payload is a control code
(0 power off, 1 power on, 2 reset, 4 "send your ATR", the only one answered); a longer payload is a
command APDU, answered by a response APDU. Closing the connection takes the card away.

:class:`VirtualCard` answers the PC/SC GET DATA pseudo-APDU ``FF CA 00 00 00`` (see
:mod:`drivers.cards.apdu`) with its UID and ``90 00``, like a contactless reader does for a
MIFARE or ISO 15693 library card. Fault knob: ``get_data_sw`` makes GET DATA fail with that status
word. Used by the tests against real pcscd and by ``kiosk demo`` with a virtual reader.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import threading
import time

from . import apdu

log = logging.getLogger(__name__)

DEFAULT_PORT = 35963
# ATR of a PC/SC contactless storage card (PC/SC part 3, 3.1.3.2.3.2): ISO 15693 part 3, no name.
CONTACTLESS_ATR = bytes.fromhex("3B8F8001804F0CA0000003060B00140000000077")

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4


class VirtualCard:
    """One virtual card; ``insert()`` places it on the vpcd reader, ``remove()`` takes it away.

    ``uid`` is written as on the card's label and in the library system (ISO 15693: ``E0 ...``).
    """

    def __init__(
        self,
        uid: bytes,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        atr: bytes = CONTACTLESS_ATR,
        get_data_sw: int | None = None,
    ) -> None:
        self.uid = bytes(uid)
        self.host = host
        self.port = port
        self.atr = atr
        self.get_data_sw = get_data_sw
        self.apdus: list[bytes] = []  # every command APDU received, for tests to inspect
        self._socket: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def inserted(self) -> bool:
        return self._socket is not None

    def insert(self, timeout: float = 10.0) -> None:
        """Connect to vpcd (retrying while pcscd starts up), then answer it on a thread."""
        if self._socket is not None:
            return
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError as error:
                if time.monotonic() > deadline:
                    raise ConnectionError(
                        f"vpcd is not listening on {self.host}:{self.port}: {error}"
                    ) from error
                time.sleep(0.05)
        sock.settimeout(None)
        self._socket = sock
        self._thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
        self._thread.start()

    def remove(self) -> None:
        """Close the connection: vpcd reports the card as gone."""
        sock, self._socket = self._socket, None
        if sock is None:
            return
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None

    def __enter__(self) -> VirtualCard:
        self.insert()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def respond(self, command: bytes) -> bytes:
        """The response APDU to one command APDU (pure; the protocol thread calls it)."""
        if command[:2] == b"\xff\xca" and len(command) >= 4:
            if self.get_data_sw is not None:
                return self.get_data_sw.to_bytes(2, "big")
            if command[2:4] != b"\x00\x00":
                return b"\x6b\x00"  # P1 01 asks for historical bytes: not for this card
            le = command[4] if len(command) > 4 else 0
            if le not in (0, len(self.uid)):
                return bytes([0x6C, len(self.uid)])
            # As a real reader does: the UID in air-interface order (ISO 15693: least significant
            # byte first). Reversing is its own inverse, so the driver's reading restores it.
            return apdu.uid_as_written(self.uid, self.atr) + b"\x90\x00"
        if command[:1] == b"\xff":
            return b"\x6a\x81"  # other reader pseudo-APDUs: function not supported
        return b"\x6e\x00"  # this card has no ISO 7816-4 applications

    def _serve(self, sock: socket.socket) -> None:
        try:
            while True:
                header = _read_exact(sock, 2)
                if header is None:
                    return
                (length,) = struct.unpack(">H", header)
                payload = _read_exact(sock, length)
                if payload is None:
                    return
                if length == 1:
                    if payload[0] == CTRL_ATR:
                        _send(sock, self.atr)
                    continue  # power off/on and reset need no answer
                self.apdus.append(payload)
                _send(sock, self.respond(payload))
        except OSError:
            return  # removed (socket closed under us) or pcscd stopped


def _read_exact(sock: socket.socket, count: int) -> bytes | None:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)
