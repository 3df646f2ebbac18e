"""FEIG ISO-host protocol, sans I/O: frames, CRC, status codes, command layouts.

Follows: FEIG ELECTRONIC "OBID i-scan / ID ISC" system manuals for the ISO-host protocol
(ID ISC.MR101/MR102/LR200/LRM/CPR, chapters "Protocol frames", "[0xB0] ISO 15693 host
commands", "[0xB1] custom and proprietary commands" and "Index of status bytes"), and
ISO/IEC 15693-3 for the tag commands tunnelled under 0xB0. Used by both the real driver
(:mod:`drivers.rfid.feig`) and the simulator (:mod:`drivers.rfid.simulator`), so both ends of the
wire share one codec.

Frames (all multi-byte numbers most significant byte first, except the CRC)::

    host -> reader   LEN COM-ADR CMD [DATA] CRC-LSB CRC-MSB            (LEN counts the frame)
    reader -> host   LEN COM-ADR CMD STATUS [DATA] CRC-LSB CRC-MSB
    long frames      0x02 LEN-MSB LEN-LSB COM-ADR CMD [STATUS] [DATA] CRC-LSB CRC-MSB

A short frame is at least 5 bytes long, so a first byte of 0x02 always starts a long frame.
CRC-16/MCRF4XX (poly 0x8408 reflected, preset 0xFFFF, no final XOR) over everything before it.

Layouts used (REQUEST-DATA after CMD 0xB0 / RESPONSE-DATA after STATUS):

* 0x01 inventory: ``01 MODE [AFI]`` (MODE bit 7 MORE, bit 4 AFI) ->
  ``DATA-SETS {TR-TYPE DSFID UID[8]}*``; STATUS 0x94 = more data sets waiting (ask with MORE).
* 0x23 read multiple: ``23 MODE UID DB-ADR DB-N`` (MODE 0x01 addressed, 0x08 SEC) ->
  ``DB-N DB-SIZE {SEC-STATUS DB}*``; at most 128 data bytes per command. SEC-STATUS is always
  in the reply; without MODE.SEC the tag is not asked for it (less air time) and it reads 0x00.
* 0x24 write multiple: ``24 MODE UID DB-ADR DB-N DB-SIZE DB*`` -> nothing; on STATUS 0x03 or
  0x95 this implementation returns ``DB-ADR-E`` (the failing block) and then the ISO error.
* 0x27 write AFI: ``27 MODE UID AFI``.
* 0x2B system information: ``2B MODE UID`` -> ``DSFID UID AFI MEM-SIZE[2] IC-REF``, MEM-SIZE
  as block size - 1 (low 5 bits) then block count - 1.
* STATUS 0x95: the tag answered with an ISO 15693 error; one ISO-ERROR byte follows.
* 0xB1 (custom): ``MFR CMD MODE UID`` with MFR 0x04 (NXP): A2 set EAS, A3 reset EAS,
  A5 EAS alarm (answers only while EAS is set; a 32-byte EAS sequence). EAS alarm also goes to
  every tag at once (``MFR A5 00``, MODE 0x00 non-addressed, no UID), as a gate asks: STATUS
  0x01 (no transponder) means that no tag in the field has its EAS bit set; any other answer
  means at least one has (several answering at once collide on the air).
* 0x65 get software version: -> ``SW-REV[2] D-REV HW-TYPE SW-TYPE TR-TYPE[2]``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

BROADCAST = 0xFF
STX = 0x02
MAX_SHORT_FRAME = 255
MAX_READ_BYTES = 128  # data bytes a read multiple blocks may return
TR_TYPE_ISO15693 = 0x03
NXP = 0x04

CMD_GET_SOFTWARE_VERSION = 0x65
CMD_RF_RESET = 0x69
CMD_ISO = 0xB0
CMD_CUSTOM = 0xB1

ISO_INVENTORY = 0x01
ISO_READ_MULTIPLE = 0x23
ISO_WRITE_MULTIPLE = 0x24
ISO_WRITE_AFI = 0x27
ISO_SYSTEM_INFO = 0x2B
NXP_SET_EAS = 0xA2
NXP_RESET_EAS = 0xA3
NXP_EAS_ALARM = 0xA5

MODE_NON_ADDRESSED = 0x00
MODE_ADDRESSED = 0x01
MODE_SEC = 0x08
INVENTORY_MORE = 0x80
INVENTORY_AFI = 0x10


class Status(enum.IntEnum):
    """Reader status bytes (FEIG "Index of status bytes")."""

    OK = 0x00
    NO_TRANSPONDER = 0x01
    DATA_FALSE = 0x02
    WRITE_ERROR = 0x03
    ADDRESS_ERROR = 0x04
    WRONG_TRANSPONDER_TYPE = 0x05
    EEPROM_FAILURE = 0x10
    PARAMETER_RANGE_ERROR = 0x11
    UNKNOWN_COMMAND = 0x80
    LENGTH_ERROR = 0x81
    COMMAND_NOT_AVAILABLE = 0x82
    RF_COMMUNICATION_ERROR = 0x83
    RF_WARNING = 0x84
    DATA_BUFFER_OVERFLOW = 0x93
    MORE_DATA = 0x94
    ISO_ERROR = 0x95


#: Plain meaning of each status, phrased for the staff member who has to act on it.
STATUS_MESSAGES: dict[int, str] = {
    Status.OK: "OK",
    Status.NO_TRANSPONDER: (
        "no answer from the tag: it has left the field (moved off the pad or shielded by other "
        "items); place it on the pad again"
    ),
    Status.DATA_FALSE: (
        "CRC error on the air interface (interference or the tag at the edge of the field); "
        "move it to the centre of the pad and retry"
    ),
    Status.WRITE_ERROR: (
        "write not confirmed by the tag (read-only area, tag too far from the antenna or "
        "noise); keep the item flat on the pad and retry"
    ),
    Status.ADDRESS_ERROR: "block address outside the tag's memory",
    Status.WRONG_TRANSPONDER_TYPE: "this tag type does not support the command",
    Status.EEPROM_FAILURE: "the reader's configuration memory failed: reader needs service",
    Status.PARAMETER_RANGE_ERROR: "the reader rejected a parameter as out of range",
    Status.UNKNOWN_COMMAND: "the reader's firmware does not know this command",
    Status.LENGTH_ERROR: "the reader rejected the frame length",
    Status.COMMAND_NOT_AVAILABLE: "the command is not available in the reader's current mode",
    Status.RF_COMMUNICATION_ERROR: (
        "the reader's RF front end failed: check the antenna cable and keep metal away from "
        "the antenna"
    ),
    Status.RF_WARNING: "antenna mismatch or RF noise: check the antenna and its tuning",
    Status.DATA_BUFFER_OVERFLOW: "the reader's data buffer overflowed",
    Status.MORE_DATA: "more data waiting",
    Status.ISO_ERROR: "the tag answered with an ISO 15693 error",
}

#: ISO/IEC 15693-3 error codes (after STATUS 0x95).
ISO_ERROR_MESSAGES: dict[int, str] = {
    0x01: "the tag does not support this command",
    0x02: "the tag did not recognise the command",
    0x03: "the tag does not support this option",
    0x0F: "the tag reported an unknown error",
    0x10: "the block is not available on this tag",
    0x11: "the block is already locked",
    0x12: "the block (or AFI) is locked and cannot be changed",
    0x13: "the block was not programmed successfully",
    0x14: "the block was not locked successfully",
}

#: Status bytes that concern one tag, not the reader.
TAG_STATUSES = frozenset(
    {
        Status.NO_TRANSPONDER,
        Status.DATA_FALSE,
        Status.WRITE_ERROR,
        Status.ADDRESS_ERROR,
        Status.WRONG_TRANSPONDER_TYPE,
        Status.ISO_ERROR,
    }
)


def status_message(status: int, iso_error: int | None = None) -> str:
    """Plain message for a status byte (and the tag's ISO error, when there is one)."""
    text = STATUS_MESSAGES.get(status, f"undocumented reader status {status:#04x}")
    if status == Status.ISO_ERROR and iso_error is not None:
        detail = ISO_ERROR_MESSAGES.get(iso_error, "an unlisted error")
        text = f"{detail} (ISO 15693 error {iso_error:#04x})"
    return text


def _mcrf4xx_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_MCRF4XX_TABLE = _mcrf4xx_table()


def crc16_mcrf4xx(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/MCRF4XX: poly 0x8408 (reflected 0x1021), preset 0xFFFF, no final XOR."""
    table = _MCRF4XX_TABLE
    for byte in data:
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


class FrameError(ValueError):
    """A frame on the wire is broken (bad CRC, impossible length)."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One decoded frame. ``status`` is None for host-to-reader frames."""

    com_adr: int
    cmd: int
    data: bytes = b""
    status: int | None = None

    def encode(self) -> bytes:
        body = bytes([self.com_adr, self.cmd])
        if self.status is not None:
            body += bytes([self.status])
        body += self.data
        if len(body) + 3 <= MAX_SHORT_FRAME:
            head = bytes([len(body) + 3])
        else:
            total = len(body) + 5
            head = bytes([STX, total >> 8, total & 0xFF])
        frame = head + body
        crc = crc16_mcrf4xx(frame)
        return frame + bytes([crc & 0xFF, crc >> 8])


class FrameDecoder:
    """Splits a byte stream into frames; ``responses`` says whether a STATUS byte is present.

    Feed bytes as they arrive; :meth:`frames` yields complete frames or a FrameError for a
    frame whose CRC fails (that frame's bytes are dropped; the stream continues after it).
    """

    def __init__(self, *, responses: bool) -> None:
        self._buffer = bytearray()
        self._min = 6 if responses else 5
        self._responses = responses

    def feed(self, data: bytes) -> None:
        self._buffer += data

    @property
    def pending(self) -> int:
        return len(self._buffer)

    def clear(self) -> None:
        self._buffer.clear()

    def _frame_length(self) -> int | None:
        if not self._buffer:
            return None
        if self._buffer[0] == STX:
            if len(self._buffer) < 3:
                return None
            return (self._buffer[1] << 8) | self._buffer[2]
        return self._buffer[0]

    def next_frame(self) -> Frame | FrameError | None:
        """The next complete frame, a FrameError for a broken one, or None (need more bytes)."""
        length = self._frame_length()
        if length is None:
            return None
        header = 3 if self._buffer[0] == STX else 1
        if length < self._min + header - 1 or length > 0xFFFF:
            bad = self._buffer[0]
            del self._buffer[:1]
            return FrameError(f"impossible frame length {length} (first byte {bad:#04x})")
        if len(self._buffer) < length:
            return None
        raw = bytes(self._buffer[:length])
        del self._buffer[:length]
        crc = crc16_mcrf4xx(raw[:-2])
        if raw[-2] != crc & 0xFF or raw[-1] != crc >> 8:
            return FrameError(
                f"CRC mismatch in a {length}-byte frame (got {raw[-1]:02X}{raw[-2]:02X}, "
                f"computed {crc:04X})"
            )
        body = raw[header:-2]
        if self._responses:
            return Frame(body[0], body[1], bytes(body[3:]), status=body[2])
        return Frame(body[0], body[1], bytes(body[2:]))


# --- request builders (host side) -------------------------------------------------------------


def inventory_request(com_adr: int, *, more: bool = False, afi: int | None = None) -> Frame:
    mode = (INVENTORY_MORE if more else 0) | (INVENTORY_AFI if afi is not None else 0)
    data = bytes([ISO_INVENTORY, mode]) + (bytes([afi]) if afi is not None else b"")
    return Frame(com_adr, CMD_ISO, data)


def read_multiple_request(
    com_adr: int, uid: bytes, first: int, count: int, *, security: bool = False
) -> Frame:
    """Read ``count`` blocks; ``security`` asks the tag for the blocks' lock status as well."""
    mode = MODE_ADDRESSED | (MODE_SEC if security else 0)
    data = bytes([ISO_READ_MULTIPLE, mode]) + uid + bytes([first, count])
    return Frame(com_adr, CMD_ISO, data)


def write_multiple_request(
    com_adr: int, uid: bytes, first: int, block_size: int, data: bytes
) -> Frame:
    count = len(data) // block_size
    head = bytes([ISO_WRITE_MULTIPLE, MODE_ADDRESSED]) + uid + bytes([first, count, block_size])
    return Frame(com_adr, CMD_ISO, head + data)


def write_afi_request(com_adr: int, uid: bytes, afi: int) -> Frame:
    return Frame(com_adr, CMD_ISO, bytes([ISO_WRITE_AFI, MODE_ADDRESSED]) + uid + bytes([afi]))


def system_info_request(com_adr: int, uid: bytes) -> Frame:
    return Frame(com_adr, CMD_ISO, bytes([ISO_SYSTEM_INFO, MODE_ADDRESSED]) + uid)


def nxp_eas_request(com_adr: int, command: int, uid: bytes) -> Frame:
    return Frame(com_adr, CMD_CUSTOM, bytes([NXP, command, MODE_ADDRESSED]) + uid)


def nxp_eas_alarm_all_request(com_adr: int) -> Frame:
    """EAS ALARM to every tag in the field (non-addressed): does any tag have EAS set?"""
    return Frame(com_adr, CMD_CUSTOM, bytes([NXP, NXP_EAS_ALARM, MODE_NON_ADDRESSED]))


# --- response parsers (host side) -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InventoryRecord:
    tr_type: int
    dsfid: int
    uid: bytes


def parse_inventory(data: bytes) -> list[InventoryRecord]:
    if not data:
        raise FrameError("inventory reply without a DATA-SETS byte")
    count = data[0]
    if len(data) != 1 + 10 * count:
        raise FrameError(f"inventory reply announces {count} data sets in {len(data) - 1} bytes")
    return [
        InventoryRecord(data[i], data[i + 1], bytes(data[i + 2 : i + 10]))
        for i in range(1, len(data), 10)
    ]


@dataclass(frozen=True, slots=True)
class BlockRead:
    block_size: int
    data: bytes
    security: bytes  # one SEC-STATUS byte per block (bit 0: locked)


def parse_read_multiple(data: bytes, expected_blocks: int) -> BlockRead:
    if len(data) < 2:
        raise FrameError("read reply shorter than DB-N and DB-SIZE")
    count, size = data[0], data[1]
    if count != expected_blocks or size == 0 or len(data) != 2 + count * (size + 1):
        raise FrameError(
            f"read reply announces {count} blocks of {size} bytes in {len(data) - 2} bytes "
            f"({expected_blocks} asked)"
        )
    body = data[2:]
    step = size + 1
    return BlockRead(
        size,
        b"".join(body[i + 1 : i + step] for i in range(0, len(body), step)),
        bytes(body[i] for i in range(0, len(body), step)),
    )


def parse_system_info(data: bytes) -> tuple[int, bytes, int, int, int, int]:
    """(dsfid, uid, afi, block_size, block_count, ic_reference)."""
    if len(data) != 13:
        raise FrameError(f"system information reply has {len(data)} bytes, not 13")
    return data[0], bytes(data[1:9]), data[9], (data[10] & 0x1F) + 1, data[11] + 1, data[12]
