"""The FEIG ISO-host reader driver (ID ISC.MR101/MR102/LR/LRM/CPR) over pyserial.

Follows: FEIG ELECTRONIC ID ISC system manuals, ISO-host protocol ("Protocol frames",
"[0xB0] ISO 15693 host commands", "[0xB1] NXP custom commands", "Index of status bytes"), via
the shared codec :mod:`drivers.rfid.feig_protocol`; ISO/IEC 15693-3 for the tag commands; NXP
ICODE SLI/SLIX data sheets for EAS (SET A2, RESET A3, ALARM A5, manufacturer 0x04).

The port is any pyserial URL (``serial.serial_for_url``): a device (``/dev/ttyUSB0``), a pty
from the simulator, ``socket://host:10001`` for a LAN reader. Default 38400 baud, 8E1.

Why a thread and not non-blocking I/O: pyserial's blocking API works the same for every
URL handler (ttys, ptys, sockets, ``loop://``) whereas selector-based asyncio serial adapters
only cover file descriptors. Each public operation (an inventory with its MORE follow-ups, a
chunked read) runs start to finish in ONE dedicated worker thread, so request/reply pairs can
never interleave on the half-duplex line, even when the awaiting task is cancelled, and the
event loop (and Kivy on it) never blocks on the serial port.
"""

from __future__ import annotations

import asyncio
import logging
import os
import termios
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

import serial

from drivers.rfid import feig_protocol as fp
from drivers.rfid.contract import ReaderError, RfidReader, SystemInfo, TagError, TagInfo

log = logging.getLogger(__name__)

T = TypeVar("T")

MANUFACTURERS = {0x02: "ST", 0x04: "NXP", 0x05: "Infineon", 0x07: "Texas Instruments", 0x16: "EM"}


POLL_INTERVAL = 0.02  # serial read timeout; a read returns as soon as a byte is there


class _NoAnswer(Exception):
    pass


class _Garbled(Exception):
    pass


class FeigReader(RfidReader):
    """A FEIG reader in ISO-host mode. ``async with FeigReader("/dev/ttyUSB0") as reader: ...``

    ``com_adr`` 0xFF (the default) addresses whatever reader is on the line. ``timeout`` is
    how long to wait for a reply; ``retries`` how often a lost or garbled reply is retried
    (every command here is idempotent). ``frame_gap`` keeps FEIG's minimum pause between frames.
    """

    def __init__(
        self,
        port: str,
        *,
        baudrate: int = 38400,
        parity: str = serial.PARITY_EVEN,
        bytesize: int = 8,
        stopbits: float = 1,
        com_adr: int = fp.BROADCAST,
        timeout: float = 1.0,
        retries: int = 2,
        frame_gap: float = 0.005,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.parity = parity
        self.bytesize = bytesize
        self.stopbits = stopbits
        self.com_adr = com_adr
        self.timeout = timeout
        self.retries = retries
        self.frame_gap = frame_gap
        self.software_version: bytes | None = None
        self._serial: serial.Serial | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._last_frame_end = 0.0
        self._block_sizes: dict[bytes, int] = {}

    @property
    def line(self) -> str:
        """``/dev/ttyUSB0 at 38400 baud 8E1``, for messages."""
        stop = int(self.stopbits) if float(self.stopbits).is_integer() else self.stopbits
        return f"{self.port} at {self.baudrate} baud {self.bytesize}{self.parity}{stop}"

    # --- lifecycle ----------------------------------------------------------------------------

    async def open(self) -> None:
        if self._serial is not None:
            return
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="feig-io")
        try:
            await self._run(self._open_blocking)
            reply = await self._run(
                lambda: self._exchange(fp.Frame(self.com_adr, fp.CMD_GET_SOFTWARE_VERSION))
            )
        except BaseException:
            await self.close()
            raise
        self._raise_for_reader_status(reply, "software version query")
        self.software_version = reply.data
        log.info("FEIG reader on %s: firmware %s", self.line, reply.data.hex(" "))

    def _open_blocking(self) -> None:
        parity = self.parity
        if parity != serial.PARITY_NONE and _is_pty(self.port):
            # A pseudo-terminal has no parity bit; some kernels refuse PARENB on one (EINVAL).
            log.info("%s is a pseudo-terminal (simulator): parity does not apply", self.port)
            parity = serial.PARITY_NONE
        try:
            port = serial.serial_for_url(
                self.port,
                baudrate=self.baudrate,
                parity=parity,
                bytesize=self.bytesize,
                stopbits=self.stopbits,
                timeout=POLL_INTERVAL,  # fixed: changing it re-applies termios settings
                write_timeout=self.timeout,
            )
        except (serial.SerialException, ValueError, OSError, termios.error) as error:
            raise ReaderError(
                f"cannot open the RFID reader port {self.line}: {error}: check the device "
                "path, that the reader is plugged in, and the kiosk user's permission to it"
            ) from error
        port.reset_input_buffer()
        self._serial = port

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        port, self._serial = self._serial, None
        if executor is not None:
            if port is not None:
                await asyncio.get_running_loop().run_in_executor(executor, port.close)
            executor.shutdown(wait=False)
        elif port is not None:
            port.close()

    async def _run(self, fn: Callable[[], T]) -> T:
        if self._executor is None:
            raise ReaderError(f"the RFID reader on {self.line} is not open")
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn)

    # --- one request, one reply (worker thread) -----------------------------------------------

    def _exchange(self, request: fp.Frame) -> fp.Frame:
        """Send ``request`` and return the reply, retrying lost or garbled replies."""
        raw = request.encode()
        problem = ""
        for attempt in range(1 + self.retries):
            try:
                return self._exchange_once(raw, request.cmd)
            except _NoAnswer:
                problem = "no answer"
            except _Garbled as error:
                problem = f"garbled reply ({error})"
            log.warning(
                "RFID reader on %s: %s to command %02X (attempt %d)",
                self.line,
                problem,
                request.cmd,
                attempt + 1,
            )
        if problem == "no answer":
            raise ReaderError(
                f"no answer from reader on {self.line}: check cable/power/baud rate "
                f"(and that the reader is in ISO-host mode)"
            )
        raise ReaderError(
            f"{problem} from reader on {self.line}, {1 + self.retries} times: check the cable "
            "and its shielding, the baud rate and parity, and that no other program uses the port"
        )

    def _exchange_once(self, raw: bytes, cmd: int) -> fp.Frame:
        port = self._serial
        if port is None:
            raise ReaderError(f"the RFID reader on {self.line} is closed")
        wait = self._last_frame_end + self.frame_gap - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        decoder = fp.FrameDecoder(responses=True)
        try:
            port.reset_input_buffer()  # a late reply to an earlier, timed-out request
            port.write(raw)
            port.flush()
            deadline = time.monotonic() + self.timeout
            while True:
                if time.monotonic() >= deadline:
                    raise _NoAnswer
                chunk = port.read(max(1, port.in_waiting))
                if not chunk:
                    continue
                decoder.feed(chunk)
                while (item := decoder.next_frame()) is not None:
                    if isinstance(item, fp.FrameError):
                        raise _Garbled(str(item))
                    if item.cmd == cmd:
                        self._last_frame_end = time.monotonic()
                        return item
                    log.debug("RFID reader: dropped a stale reply to command %02X", item.cmd)
        except (serial.SerialException, OSError) as error:
            raise ReaderError(
                f"the serial port of the RFID reader {self.line} failed: {error}: "
                "check the USB/serial cable"
            ) from error

    # --- status handling ----------------------------------------------------------------------

    def _raise_for_reader_status(self, reply: fp.Frame, operation: str) -> None:
        if reply.status in (fp.Status.OK, fp.Status.MORE_DATA):
            return
        status = reply.status if reply.status is not None else -1
        raise ReaderError(
            f"reader on {self.line} refused the {operation}: {fp.status_message(status)} "
            f"(status {status:#04x})"
        )

    def _check(self, reply: fp.Frame, uid: bytes, operation: str, *, blocks: bool = False) -> None:
        """Raise TagError or ReaderError for a non-OK reply to a command addressing ``uid``."""
        status = reply.status
        if status == fp.Status.OK:
            return
        if status not in fp.TAG_STATUSES:
            self._raise_for_reader_status(reply, operation)
        data = reply.data
        where = ""
        if blocks and data:
            where = f" at block {data[0]} (blocks before it were written, it and later were not)"
            data = data[1:]
        iso_error = data[0] if status == fp.Status.ISO_ERROR and data else None
        message = fp.status_message(status or 0, iso_error)
        raise TagError(uid, f"{operation} failed{where}: {message}", status)

    # --- the contract -------------------------------------------------------------------------

    async def inventory(self, afi: int | None = None) -> list[TagInfo]:
        return await self._run(lambda: self._inventory_blocking(afi))

    def _inventory_blocking(self, afi: int | None) -> list[TagInfo]:
        found: dict[bytes, TagInfo] = {}
        more = False
        for _ in range(64):  # 64 x 24 data sets: far more tags than fit on any antenna
            reply = self._exchange(fp.inventory_request(self.com_adr, more=more, afi=afi))
            if reply.status == fp.Status.NO_TRANSPONDER:
                break
            self._raise_for_reader_status(reply, "inventory")
            try:
                records = fp.parse_inventory(reply.data)
            except fp.FrameError as error:
                raise ReaderError(f"reader on {self.line}: broken inventory: {error}") from None
            for record in records:
                found.setdefault(record.uid, TagInfo(record.uid, record.dsfid, None))
            if reply.status != fp.Status.MORE_DATA:
                break
            more = True
        return list(found.values())

    async def system_info(self, uid: bytes) -> SystemInfo:
        uid = _checked_uid(uid)
        reply = await self._run(lambda: self._exchange(fp.system_info_request(self.com_adr, uid)))
        if reply.status == fp.Status.ISO_ERROR and reply.data[:1] in (b"\x01", b"\x02"):
            # Not implemented by the chip (Tag-it HF-I Standard/Pro); their UID names them.
            size, count = _geometry_from_uid(uid)
            return SystemInfo(uid, None, None, size, count)
        self._check(reply, uid, "get system information")
        try:
            dsfid, _, afi, size, count, ic_ref = fp.parse_system_info(reply.data)
        except fp.FrameError as error:
            raise ReaderError(f"reader on {self.line}: {error}") from None
        self._block_sizes[uid] = size
        return SystemInfo(uid, dsfid, afi, size, count, ic_ref)

    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        uid = _checked_uid(uid)
        if first < 0 or count < 1 or first + count > 256:
            raise ValueError(f"cannot read {count} blocks from block {first}")
        return await self._run(lambda: self._read_blocking(uid, first, count))

    def _read_blocking(self, uid: bytes, first: int, count: int) -> bytes:
        out = bytearray()
        block = first
        end = first + count
        while block < end:
            per_command = max(1, fp.MAX_READ_BYTES // self._block_sizes.get(uid, 4))
            n = min(per_command, end - block)
            # Without MODE.SEC: the blocks' lock status costs a byte per block on the air and
            # nothing here uses it.
            reply = self._exchange(fp.read_multiple_request(self.com_adr, uid, block, n))
            self._check(reply, uid, f"reading blocks {block}-{block + n - 1}")
            try:
                result = fp.parse_read_multiple(reply.data, n)
            except fp.FrameError as error:
                raise ReaderError(f"reader on {self.line}: {error}") from None
            self._block_sizes[uid] = result.block_size
            out += result.data
            block += n
        return bytes(out)

    async def write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        uid = _checked_uid(uid)
        size = self._block_sizes.get(uid, 4)
        if not data or len(data) % size:
            raise ValueError(f"{len(data)} bytes are not whole {size}-byte blocks")
        await self._run(lambda: self._write_blocking(uid, first, bytes(data), size))

    def _write_blocking(self, uid: bytes, first: int, data: bytes, size: int) -> None:
        per_command = max(1, fp.MAX_READ_BYTES // size)
        for offset in range(0, len(data), per_command * size):
            chunk = data[offset : offset + per_command * size]
            block = first + offset // size
            reply = self._exchange(fp.write_multiple_request(self.com_adr, uid, block, size, chunk))
            last = block + len(chunk) // size - 1
            self._check(reply, uid, f"writing blocks {block}-{last}", blocks=True)

    async def write_afi(self, uid: bytes, afi: int) -> None:
        uid = _checked_uid(uid)
        if not 0 <= afi <= 0xFF:
            raise ValueError(f"AFI {afi} is not a byte")
        request = fp.write_afi_request(self.com_adr, uid, afi)
        reply = await self._run(lambda: self._exchange(request))
        if reply.status == fp.Status.ISO_ERROR and reply.data[:1] in (b"\x01", b"\x02"):
            raise TagError(
                uid,
                f"writing AFI {afi:02X} failed: this tag has no AFI ({_maker(uid)} chip, e.g. "
                "Tag-it HF-I Standard/Pro): secure it with EAS or re-tag the item",
                reply.status,
            )
        self._check(reply, uid, f"writing AFI {afi:02X}")

    async def set_eas(self, uid: bytes) -> None:
        await self._eas_write(uid, fp.NXP_SET_EAS, "setting EAS")

    async def reset_eas(self, uid: bytes) -> None:
        await self._eas_write(uid, fp.NXP_RESET_EAS, "resetting EAS")

    async def _eas_write(self, uid: bytes, command: int, operation: str) -> None:
        uid = _checked_uid(uid)
        if uid[1] != fp.NXP:
            raise TagError(
                uid,
                f"{operation} is impossible: NXP EAS needs an NXP ICODE chip and this is a "
                f"{_maker(uid)} chip; use the AFI for security on this item",
            )
        request = fp.nxp_eas_request(self.com_adr, command, uid)
        reply = await self._run(lambda: self._exchange(request))
        self._check(reply, uid, operation)

    async def check_eas(self, uid: bytes) -> bool:
        """True when the tag answers EAS ALARM. A tag that left the field also reads False."""
        uid = _checked_uid(uid)
        if uid[1] != fp.NXP:
            return False
        reply = await self._run(
            lambda: self._exchange(fp.nxp_eas_request(self.com_adr, fp.NXP_EAS_ALARM, uid))
        )
        if reply.status == fp.Status.NO_TRANSPONDER:
            return False
        self._check(reply, uid, "EAS alarm check")
        return True

    async def eas_alarm_any(self) -> bool | None:
        """EAS ALARM to every tag in the field at once, as a gate asks: False when no tag
        answers (none in the field has its EAS bit set), True when any does. Any answer but
        "no transponder" counts as one: several tags answering at once collide on the air,
        which the reader reports as a CRC error."""
        reply = await self._run(lambda: self._exchange(fp.nxp_eas_alarm_all_request(self.com_adr)))
        if reply.status == fp.Status.NO_TRANSPONDER:
            return False
        if reply.status not in (fp.Status.OK, *fp.TAG_STATUSES):
            self._raise_for_reader_status(reply, "EAS alarm check of the whole field")
        return True


def _checked_uid(uid: bytes) -> bytes:
    uid = bytes(uid)
    if len(uid) != 8:
        raise ValueError(f"UID {uid.hex().upper()} is not 8 bytes")
    return uid


#: Memory geometry of chips without Get System Information, by UID bytes 1-2 (TI product code:
#: Tag-it HF-I Standard 0xC0/0xC1, Pro 0xC4/0xC5): 8 blocks of 4 bytes.
_GEOMETRY_BY_UID = {(0x07, 0xC0): (4, 8), (0x07, 0xC4): (4, 8)}


def _geometry_from_uid(uid: bytes) -> tuple[int | None, int | None]:
    return _GEOMETRY_BY_UID.get((uid[1], uid[2] & 0xFE), (None, None))


def _is_pty(port: str) -> bool:
    """True for a Unix98 pty slave (major 136-143), e.g. the simulator's /dev/pts/N."""
    try:
        return 136 <= os.major(os.stat(port).st_rdev) <= 143
    except (OSError, ValueError):
        return False


def _maker(uid: bytes) -> str:
    return MANUFACTURERS.get(uid[1], f"manufacturer {uid[1]:02X}")
