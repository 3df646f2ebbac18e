"""A simulated FEIG ISO-host reader with virtual ISO 15693 tags, on the far end of a pty.

Speaks the same bytes as a FEIG ID ISC reader (see :mod:`drivers.rfid.feig_protocol`, which
follows FEIG's ID ISC system manuals and ISO/IEC 15693-3), so the real driver
:class:`drivers.rfid.feig.FeigReader` runs unchanged against it, in tests and in ``kiosk demo``::

    with FeigSimulator(timing=False) as sim:
        sim.place(tag_for_item("37001234", "SE-Hud"))
        async with FeigReader(sim.port) as reader:
            tags = await reader.inventory()

``sim.port`` is a pty path (``/dev/pts/N``) that pyserial opens like any serial port. The
simulator keeps its own handle on the pty's terminal side so a client may come and go (a
killed kiosk, a restarted one) while the tags and their security state live on.

Thread and loop safety: the simulator serves the pty from its own thread; :meth:`place`,
:meth:`remove`, :attr:`tags` and the fault knobs take one lock, so tests, an asyncio loop or
the control channel (:mod:`drivers.rfid.sim_control`) may call them from anywhere.

Timing (``timing=True``, the default) delays each reply by the time the request and the reply
take on an 8E1 serial line at ``baudrate`` plus the ISO 15693 air time of the tag traffic (see
:mod:`drivers.rfid.timing`); ``timing=False`` answers at once for fast unit tests. The reader's
line runs at ``baudrate`` (38400, or 115200 as FEIG readers can be configured): a client that
opens the pty at another speed gets no answer, as from a real reader at the wrong baud rate.

Run it as a process (for the crash test or a second terminal)::

    python -m drivers.rfid.simulator --pty --control 127.0.0.1:0 [--no-timing]

prints one JSON line ``{"port": "/dev/pts/N", "control": "127.0.0.1:PORT", "pid": ...}`` and
serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import select
import signal
import socket
import sys
import termios
import threading
import time
import tty
from collections.abc import Iterable
from dataclasses import dataclass, field

from drivers.rfid import feig_protocol as fp
from drivers.rfid import timing
from drivers.rfid.virtual_tag import TAGIT_HFI_PRO, TAGIT_HFI_STANDARD, VirtualTag

SOFTWARE_VERSION = bytes([0x03, 0x02, 0x00, 0x71, 0x80, 0x00, 0x08])  # SW 3.2, HW/SW type, ISO
EAS_SEQUENCE = bytes(range(0x20, 0x40))  # the 32-byte answer to EAS ALARM (content arbitrary)


@dataclass
class SimulatorFaults:
    """Fault knobs. Each counted fault fires on the next matching operations, then clears.

    Use the simulator's methods (e.g. ``sim.faults.miss_in_inventory(uid)``); they lock.
    """

    _lock: threading.RLock = field(repr=False, default_factory=threading.RLock)
    missed: dict[bytes, int] = field(default_factory=dict)
    corrupt: int = 0
    failing_writes: dict[bytes, int] = field(default_factory=dict)
    air_errors: dict[bytes, int] = field(default_factory=dict)
    removed_mid_write: set[bytes] = field(default_factory=set)
    lost_writes: dict[bytes, int] = field(default_factory=dict)
    _silent: bool = False

    def miss_in_inventory(self, uid: bytes, times: int = 1) -> None:
        """The tag does not show up in the next ``times`` inventories (collision lost it)."""
        with self._lock:
            self.missed[bytes(uid)] = times

    def corrupt_replies(self, count: int = 1) -> None:
        """The next ``count`` reply frames arrive with a wrong CRC (noise on the cable)."""
        with self._lock:
            self.corrupt = count

    def fail_writes(self, uid: bytes, times: int = 1) -> None:
        """The next ``times`` writes to the tag (blocks, AFI, EAS) fail with a write error."""
        with self._lock:
            self.failing_writes[bytes(uid)] = times

    def air_error(self, uid: bytes, times: int = 1) -> None:
        """The next ``times`` reads of the tag fail with a CRC error on the air interface."""
        with self._lock:
            self.air_errors[bytes(uid)] = times

    def lose_writes(self, uid: bytes, times: int = 1) -> None:
        """The next ``times`` security writes (AFI, EAS) to the tag are acknowledged but do not
        take: the tag keeps its old value (what read-back verification is there to catch)."""
        with self._lock:
            self.lost_writes[bytes(uid)] = times

    def remove_during_write(self, uid: bytes) -> None:
        """The tag is taken off the pad during its next write: only the first block lands."""
        with self._lock:
            self.removed_mid_write.add(bytes(uid))

    @property
    def silent(self) -> bool:
        """True: the reader stops answering (power or cable gone)."""
        return self._silent

    @silent.setter
    def silent(self, value: bool) -> None:
        with self._lock:
            self._silent = bool(value)

    def clear(self) -> None:
        with self._lock:
            self.missed.clear()
            self.failing_writes.clear()
            self.air_errors.clear()
            self.removed_mid_write.clear()
            self.lost_writes.clear()
            self.corrupt = 0
            self._silent = False

    def _take(self, counter: dict[bytes, int], uid: bytes) -> bool:
        left = counter.get(uid, 0)
        if left <= 0:
            return False
        if left == 1:
            del counter[uid]
        else:
            counter[uid] = left - 1
        return True


class FeigSimulator:
    """A FEIG ISO-host reader on a pty with virtual tags on its antenna (see module docs)."""

    def __init__(
        self,
        *,
        timing: bool = True,
        baudrate: int = 38400,
        com_adr: int = 0x00,
        max_inventory_sets: int = 24,
        transport: str = "pty",
    ) -> None:
        if transport not in ("pty", "tcp"):
            raise ValueError(f"transport must be 'pty' or 'tcp', not {transport!r}")
        self.transport = transport
        self.timing = timing
        self.baudrate = baudrate
        self.com_adr = com_adr
        self.max_inventory_sets = max_inventory_sets
        self._lock = threading.RLock()
        self.faults = SimulatorFaults(self._lock)
        self._field: dict[bytes, VirtualTag] = {}
        self._pending_inventory: list[VirtualTag] = []
        #: Tags the remove-during-write fault took off the pad, in their half-written state;
        #: place one again (``sim.place(sim.taken_off[uid])``) to model the patron putting it back.
        self.taken_off: dict[bytes, VirtualTag] = {}
        self._master: int | None = None
        self._slave: int | None = None
        self._listener: socket.socket | None = None
        self._port = ""
        self._thread: threading.Thread | None = None
        self._wake_r, self._wake_w = -1, -1
        self._stopping = threading.Event()
        self.frames_handled = 0
        self.frames_rejected = 0

    # --- lifecycle ----------------------------------------------------------------------------

    @property
    def port(self) -> str:
        """What to give the driver (``FeigReader(sim.port)``): a pty path, or with
        ``transport="tcp"`` a pyserial ``socket://127.0.0.1:PORT`` URL (like a LAN reader)."""
        if not self._port:
            raise RuntimeError("the simulator is not started")
        return self._port

    def start(self) -> FeigSimulator:
        if self._thread is not None:
            return self
        if self.transport == "tcp":
            self._listener = socket.create_server(("127.0.0.1", 0))
            self._port = f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        else:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)
            self._port = os.ttyname(self._slave)
        self._wake_r, self._wake_w = os.pipe()
        self._stopping.clear()
        self._thread = threading.Thread(target=self._serve, name="feig-simulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        os.write(self._wake_w, b"x")
        self._thread.join(timeout=5)
        self._thread = None
        for fd in (self._master, self._slave, self._wake_r, self._wake_w):
            if fd is not None and fd >= 0:
                os.close(fd)
        self._master = self._slave = None
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        self._wake_r = self._wake_w = -1

    def __enter__(self) -> FeigSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- the pad ------------------------------------------------------------------------------

    def place(self, *tags: VirtualTag) -> None:
        """Put tags on the antenna (a tag already there is replaced, keeping the new state)."""
        with self._lock:
            for tag in tags:
                self._field[bytes(tag.uid)] = tag.copy()

    def remove(self, uid: bytes) -> VirtualTag | None:
        """Take a tag off the antenna; returns its final state (None if it was not there)."""
        with self._lock:
            return self._field.pop(bytes(uid), None)

    def clear(self) -> list[VirtualTag]:
        """Take every tag off the antenna; returns them."""
        with self._lock:
            gone = list(self._field.values())
            self._field.clear()
            self._pending_inventory.clear()
            return gone

    @property
    def tags(self) -> list[VirtualTag]:
        """Copies of the tags on the antenna, in placement order."""
        with self._lock:
            return [t.copy() for t in self._field.values()]

    def tag(self, uid: bytes) -> VirtualTag | None:
        """A copy of one tag on the antenna, or None."""
        with self._lock:
            found = self._field.get(bytes(uid))
            return found.copy() if found else None

    # --- serving ------------------------------------------------------------------------------

    def _serve(self) -> None:
        if self._listener is None:
            assert self._master is not None
            self._serve_stream(self._master)
            return
        while not self._stopping.is_set():  # TCP: one client at a time, like a LAN reader
            listening = self._listener.fileno()
            ready, _, _ = select.select([listening, self._wake_r], [], [], 0.5)
            if listening not in ready:
                continue
            connection, _ = self._listener.accept()
            with connection:
                self._serve_stream(connection.fileno())

    def _serve_stream(self, fd: int) -> None:
        """Answer frames arriving on ``fd`` until stopped (or, for a socket, until it closes)."""
        decoder = fp.FrameDecoder(responses=False)
        while not self._stopping.is_set():
            ready, _, _ = select.select([fd, self._wake_r], [], [], 0.5)
            if fd not in ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # pty: no client side open right now; socket: reset
                if self._listener is not None:
                    return
                time.sleep(0.05)
                continue
            if not chunk:
                if self._listener is not None:
                    return  # the client closed the connection
                time.sleep(0.05)
                continue
            if not self._line_speed_matches():
                self.frames_rejected += 1  # at another baud rate the bytes are noise to it
                decoder.clear()
                continue
            decoder.feed(chunk)
            while (item := decoder.next_frame()) is not None:
                if isinstance(item, fp.FrameError):
                    self.frames_rejected += 1  # a real reader ignores a broken request
                    continue
                self._answer(fd, item, time.monotonic())

    def _line_speed_matches(self) -> bool:
        """False when the client set its side of the pty to another baud rate than this
        reader's: a real reader's UART would see only garbage and stay silent. (A pty carries
        no bits, but it keeps the speed the client asked for; over TCP there is none.)"""
        if self._slave is None:
            return True
        speed = getattr(termios, f"B{self.baudrate}", None)
        if speed is None:
            return True
        try:
            return bool(termios.tcgetattr(self._slave)[5] == speed)
        except termios.error:
            return True

    def _answer(self, fd: int, request: fp.Frame, started: float) -> None:
        reply, air = self._handle(request)
        if reply is None:
            return
        raw = self._maybe_corrupt(reply.encode())
        if self.timing:
            wire = timing.serial_seconds(len(request.encode()) + len(raw), self.baudrate)
            delay = started + air + wire - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        with contextlib.suppress(OSError):  # the client side closed meanwhile
            os.write(fd, raw)

    def _maybe_corrupt(self, raw: bytes) -> bytes:
        with self._lock:
            if self.faults.corrupt <= 0:
                return raw
            self.faults.corrupt -= 1
        return raw[:-1] + bytes([raw[-1] ^ 0x5A])

    def handle(self, request: fp.Frame) -> fp.Frame | None:
        """Answer one request frame (no timing); public for protocol-level tests."""
        return self._handle(request)[0]

    def _handle(self, request: fp.Frame) -> tuple[fp.Frame | None, float]:
        """(reply or None for silence, air time in seconds)."""
        if request.com_adr not in (self.com_adr, fp.BROADCAST):
            return None, 0.0
        with self._lock:
            if self.faults.silent:
                return None, 0.0
            self.frames_handled += 1
            return self._dispatch(request)

    def _reply(
        self, request: fp.Frame, status: int, data: bytes = b"", air: float = 0.0
    ) -> tuple[fp.Frame, float]:
        return fp.Frame(self.com_adr, request.cmd, data, status=status), air

    def _dispatch(self, request: fp.Frame) -> tuple[fp.Frame | None, float]:
        data = request.data
        if request.cmd == fp.CMD_GET_SOFTWARE_VERSION:
            return self._reply(request, fp.Status.OK, SOFTWARE_VERSION)
        if request.cmd == fp.CMD_RF_RESET:
            return self._reply(request, fp.Status.OK)
        if request.cmd == fp.CMD_ISO and data:
            handler = {
                fp.ISO_INVENTORY: self._inventory,
                fp.ISO_READ_MULTIPLE: self._read_multiple,
                fp.ISO_WRITE_MULTIPLE: self._write_multiple,
                fp.ISO_WRITE_AFI: self._write_afi,
                fp.ISO_SYSTEM_INFO: self._system_info,
            }.get(data[0])
            if handler is None:
                return self._reply(request, fp.Status.UNKNOWN_COMMAND)
            try:
                return handler(request)
            except IndexError:
                return self._reply(request, fp.Status.LENGTH_ERROR)
        if request.cmd == fp.CMD_CUSTOM and len(data) >= 3:
            return self._custom(request)
        return self._reply(request, fp.Status.UNKNOWN_COMMAND)

    def _addressed(self, request: fp.Frame) -> tuple[VirtualTag | None, int]:
        """The tag a command addresses and the offset of the bytes after MODE [UID]."""
        mode = request.data[1]
        if mode & 0x07 == fp.MODE_ADDRESSED:
            uid = bytes(request.data[2:10])
            if len(uid) != 8:
                raise IndexError
            return self._field.get(uid), 10
        only = list(self._field.values())  # non-addressed: works with exactly one tag
        return (only[0] if len(only) == 1 else None), 2

    @staticmethod
    def _afi_matches(requested: int, tag: VirtualTag) -> bool:
        if not tag.tag_type.supports_afi:
            return requested == 0
        if requested == 0 or requested == tag.afi:
            return True
        if requested & 0x0F == 0:
            return requested >> 4 == tag.afi >> 4
        if requested & 0xF0 == 0:
            return requested & 0x0F == tag.afi & 0x0F
        return False

    def _inventory(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        mode = request.data[1]
        air = 0.0
        if not mode & fp.INVENTORY_MORE or not self._pending_inventory:
            afi = request.data[2] if mode & fp.INVENTORY_AFI else None
            found = [
                tag
                for tag in self._field.values()
                if (afi is None or self._afi_matches(afi, tag))
                and not self.faults._take(self.faults.missed, tag.uid)
            ]
            air = timing.inventory_air_seconds((t.uid for t in found), afi is not None)
            self._pending_inventory = found
        batch = self._pending_inventory[: self.max_inventory_sets]
        self._pending_inventory = self._pending_inventory[self.max_inventory_sets :]
        if not batch:
            return self._reply(request, fp.Status.NO_TRANSPONDER, air=air)
        body = bytes([len(batch)]) + b"".join(
            bytes([fp.TR_TYPE_ISO15693, t.dsfid]) + t.uid for t in batch
        )
        status = fp.Status.MORE_DATA if self._pending_inventory else fp.Status.OK
        return self._reply(request, status, body, air)

    def _read_multiple(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        tag, at = self._addressed(request)
        first, count = request.data[at], request.data[at + 1]
        if tag is None:
            return self._reply(request, fp.Status.NO_TRANSPONDER)
        size = tag.tag_type.block_size
        security = bool(request.data[1] & fp.MODE_SEC)
        air = timing.read_air_seconds(count, size, security=security)
        if self.faults._take(self.faults.air_errors, tag.uid):
            return self._reply(request, fp.Status.DATA_FALSE, air=air)
        if count == 0 or count * size > fp.MAX_READ_BYTES:
            return self._reply(request, fp.Status.PARAMETER_RANGE_ERROR)
        if first + count > tag.tag_type.block_count:
            return self._reply(request, fp.Status.ISO_ERROR, bytes([0x10]), air)
        body = bytearray([count, size])
        for block in range(first, first + count):
            body.append(1 if security and block in tag.locked_blocks else 0)
            body += tag.memory[block * size : (block + 1) * size]
        return self._reply(request, fp.Status.OK, bytes(body), air)

    def _write_fault(
        self, request: fp.Frame, tag: VirtualTag, first: int | None
    ) -> tuple[fp.Frame, float] | None:
        """A failed-write fault for ``tag``, if one is armed (DB-ADR-E given for block writes)."""
        where = bytes([first]) if first is not None else b""
        if self.faults._take(self.faults.failing_writes, tag.uid):
            return self._reply(request, fp.Status.WRITE_ERROR, where, timing.PROGRAM_TIME)
        return None

    def _write_multiple(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        tag, at = self._addressed(request)
        first, count, size = request.data[at], request.data[at + 1], request.data[at + 2]
        payload = request.data[at + 3 :]
        if len(payload) != count * size or count == 0:
            return self._reply(request, fp.Status.LENGTH_ERROR)
        if tag is None:
            return self._reply(request, fp.Status.NO_TRANSPONDER)
        if size != tag.tag_type.block_size:
            return self._reply(request, fp.Status.ISO_ERROR, bytes([first, 0x03]))
        if first + count > tag.tag_type.block_count:
            return self._reply(request, fp.Status.ISO_ERROR, bytes([first, 0x10]))
        fault = self._write_fault(request, tag, first)
        if fault:
            return fault
        for i in range(count):
            block = first + i
            if block in tag.locked_blocks:
                air = timing.write_air_seconds(i + 1, size)
                return self._reply(request, fp.Status.ISO_ERROR, bytes([block, 0x12]), air)
            tag.memory[block * size : (block + 1) * size] = payload[i * size : (i + 1) * size]
            if tag.uid in self.faults.removed_mid_write:
                self._take_off(tag)
                air = timing.write_air_seconds(i + 1, size)
                return self._reply(request, fp.Status.NO_TRANSPONDER, bytes([block + 1]), air)
        return self._reply(request, fp.Status.OK, air=timing.write_air_seconds(count, size))

    def _write_one(
        self,
        request: fp.Frame,
        tag: VirtualTag,
        air: float,
        *,
        afi: int | None = None,
        eas: bool | None = None,
    ) -> tuple[fp.Frame, float]:
        """A write of one setting (the AFI or the EAS bit). The armed write faults apply as to
        block writes: a failed write, the tag leaving in the middle, a write the tag
        acknowledges but does not keep."""
        fault = self._write_fault(request, tag, None)
        if fault:
            return fault
        if self._leaves_mid_write(tag):
            return self._reply(request, fp.Status.NO_TRANSPONDER, air=air)
        if not self.faults._take(self.faults.lost_writes, tag.uid):
            if afi is not None:
                tag.afi = afi
            if eas is not None:
                tag.eas = eas
        return self._reply(request, fp.Status.OK, air=air)

    def _leaves_mid_write(self, tag: VirtualTag) -> bool:
        if tag.uid not in self.faults.removed_mid_write:
            return False
        self._take_off(tag)
        return True

    def _take_off(self, tag: VirtualTag) -> None:
        self.faults.removed_mid_write.discard(tag.uid)
        self._field.pop(tag.uid, None)
        self.taken_off[tag.uid] = tag.copy()

    def _write_afi(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        tag, at = self._addressed(request)
        afi = request.data[at]
        if tag is None:
            return self._reply(request, fp.Status.NO_TRANSPONDER)
        air = timing.short_command_air_seconds()
        if not tag.tag_type.supports_afi:
            return self._reply(request, fp.Status.ISO_ERROR, bytes([0x01]), air)
        if tag.afi_locked:
            return self._reply(request, fp.Status.ISO_ERROR, bytes([0x12]), air)
        return self._write_one(request, tag, air, afi=afi)

    def _system_info(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        tag, _ = self._addressed(request)
        if tag is None:
            return self._reply(request, fp.Status.NO_TRANSPONDER)
        air = timing.read_air_seconds(3)
        kind = tag.tag_type
        if kind in (TAGIT_HFI_STANDARD, TAGIT_HFI_PRO):
            # Tag-it HF-I Standard/Pro do not implement Get System Information.
            return self._reply(request, fp.Status.ISO_ERROR, bytes([0x01]), air)
        body = (
            bytes([tag.dsfid])
            + tag.uid
            + bytes([tag.afi, kind.block_size - 1, kind.block_count - 1, kind.ic_reference])
        )
        return self._reply(request, fp.Status.OK, body, air)

    def _custom(self, request: fp.Frame) -> tuple[fp.Frame, float]:
        manufacturer, command, mode = request.data[0], request.data[1], request.data[2]
        if mode & 0x07 == fp.MODE_NON_ADDRESSED and command == fp.NXP_EAS_ALARM:
            return self._eas_alarm_all(request, manufacturer)
        uid = bytes(request.data[3:11])
        if mode & 0x07 != fp.MODE_ADDRESSED or len(uid) != 8:
            return self._reply(request, fp.Status.PARAMETER_RANGE_ERROR)
        if command not in (fp.NXP_SET_EAS, fp.NXP_RESET_EAS, fp.NXP_EAS_ALARM):
            return self._reply(request, fp.Status.UNKNOWN_COMMAND)
        tag = self._field.get(uid)
        air = timing.short_command_air_seconds()
        # Tags of another make, or without EAS, ignore NXP custom commands: silence on air.
        if (
            tag is None
            or manufacturer != fp.NXP
            or tag.tag_type.manufacturer != fp.NXP
            or not tag.tag_type.supports_eas
        ):
            return self._reply(request, fp.Status.NO_TRANSPONDER, air=air)
        if command == fp.NXP_EAS_ALARM:
            if not tag.eas:
                return self._reply(request, fp.Status.NO_TRANSPONDER, air=air)
            return self._reply(request, fp.Status.OK, EAS_SEQUENCE, air)
        return self._write_one(request, tag, air, eas=command == fp.NXP_SET_EAS)

    def _eas_alarm_all(self, request: fp.Frame, manufacturer: int) -> tuple[fp.Frame, float]:
        """EAS ALARM to every tag: the NXP tags with EAS set answer, several at once collide."""
        answering = [
            tag
            for tag in self._field.values()
            if manufacturer == fp.NXP
            and tag.tag_type.manufacturer == fp.NXP
            and tag.tag_type.supports_eas
            and tag.eas
        ]
        air = timing.eas_alarm_air_seconds(bool(answering))
        if not answering:
            return self._reply(request, fp.Status.NO_TRANSPONDER, air=air)
        if len(answering) > 1:
            return self._reply(request, fp.Status.DATA_FALSE, air=air)
        return self._reply(request, fp.Status.OK, EAS_SEQUENCE, air)


def main(argv: Iterable[str] | None = None) -> int:
    """``python -m drivers.rfid.simulator``: serve a simulated reader until SIGTERM/SIGINT."""
    from drivers.rfid.sim_control import ControlServer

    parser = argparse.ArgumentParser(prog="python -m drivers.rfid", description=__doc__)
    parser.add_argument("--pty", action="store_true", help="serve on a new pty (the default)")
    parser.add_argument("--tcp", action="store_true", help="serve socket://127.0.0.1:PORT")
    parser.add_argument("--control", default="127.0.0.1:0", help="HOST:PORT, or 'none'")
    parser.add_argument("--no-timing", action="store_true", help="answer without delays")
    parser.add_argument("--baud", type=int, default=38400)
    parser.add_argument("--com-adr", type=lambda s: int(s, 0), default=0)
    args = parser.parse_args(list(argv) if argv is not None else None)
    sim = FeigSimulator(
        timing=not args.no_timing,
        baudrate=args.baud,
        com_adr=args.com_adr,
        transport="tcp" if args.tcp else "pty",
    )
    sim.start()
    server = None
    info: dict[str, object] = {"port": sim.port, "pid": os.getpid()}
    if args.control != "none":
        host, _, port = args.control.rpartition(":")
        server = ControlServer(sim, host or "127.0.0.1", int(port))
        server.start()
        info["control"] = f"{server.address[0]}:{server.address[1]}"
    done = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: done.set())
    # Only now: whoever reads this line may stop the simulator at once, and must find it ready
    # to stop cleanly (a SIGTERM before the handlers ended it with the signal, not 0).
    print(json.dumps(info), flush=True)
    while not done.wait(0.1):
        pass
    if server:
        server.stop()
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
