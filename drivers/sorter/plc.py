"""The simulated controller: the register map of :mod:`drivers.sorter.registers` over the
mechanics of :mod:`drivers.sorter.mechanics`.

This is the "PLC program": it answers register reads from the machine's sensors, takes commands
from the holding-register mailbox, and carries a divert out as soon as the diverter is free
(checked on every :meth:`PlcProgram.tick`). A real installation runs the same logic in its PLC;
the Modbus server in front of it is :mod:`drivers.sorter.modbus_server`.
"""

from __future__ import annotations

import random
import threading

from drivers.sorter import registers as reg
from drivers.sorter.contract import DivertRefusal
from drivers.sorter.mechanics import Mechanics

__all__ = ["IllegalAddress", "PlcProgram"]

_RESULTS = {
    DivertRefusal.UNKNOWN_COMMAND: reg.Result.UNKNOWN_COMMAND,
    DivertRefusal.NO_SUCH_ITEM: reg.Result.NO_SUCH_ITEM,
    DivertRefusal.NO_SUCH_BIN: reg.Result.NO_SUCH_BIN,
    DivertRefusal.JAMMED: reg.Result.JAMMED,
    DivertRefusal.BIN_FULL: reg.Result.BIN_FULL,
    DivertRefusal.STOPPED: reg.Result.STOPPED,
    DivertRefusal.STILL_JAMMED: reg.Result.STILL_JAMMED,
    DivertRefusal.LATE: reg.Result.LATE,
}


class IllegalAddress(Exception):
    """A register outside the map (Modbus exception 02)."""


class PlcProgram:
    """Registers and commands over one :class:`Mechanics` (thread-safe)."""

    def __init__(self, mechanics: Mechanics, *, run_id: int | None = None) -> None:
        self.mechanics = mechanics
        #: This start of the controller (see IR 10): counters are only comparable within one.
        self.run_id = run_id or random.randint(1, 0xFFFF)
        self._lock = threading.RLock()
        self._holding = [0] * reg.HR_BLOCK
        self._ack_seq = 0
        self._ack_result = reg.Result.DONE
        self._pending: tuple[int, int, int, int] | None = None  # seq, code, arg1, arg2
        self.commands_done = 0

    # ------------------------------------------------------------------------- registers

    def read_input(self, address: int, count: int) -> list[int]:
        if address < 0 or count < 1 or address + count > reg.IR_BLOCK:
            raise IllegalAddress(f"input registers {address}..{address + count - 1}")
        with self._lock:
            block = self._input_block()
        return block[address : address + count]

    def read_holding(self, address: int, count: int) -> list[int]:
        if address < 0 or count < 1 or address + count > reg.HR_BLOCK:
            raise IllegalAddress(f"holding registers {address}..{address + count - 1}")
        with self._lock:
            return self._holding[address : address + count]

    def write_holding(self, address: int, values: list[int]) -> None:
        if address < 0 or not values or address + len(values) > reg.HR_BLOCK:
            raise IllegalAddress(f"holding registers {address}..{address + len(values) - 1}")
        with self._lock:
            before = self._holding[reg.HR_CMD_SEQ]
            self._holding[address : address + len(values)] = [v & 0xFFFF for v in values]
            seq = self._holding[reg.HR_CMD_SEQ]
            if seq != before and seq != 0:
                _, code, arg1, arg2 = self._holding
                self._pending = (seq, code, arg1, arg2)
                self._run_pending()

    # ---------------------------------------------------------------------------- program

    def tick(self) -> None:
        """One scan cycle: the mechanics move on, a waiting divert goes when it can."""
        self.mechanics.tick()
        with self._lock:
            self._run_pending()

    def _run_pending(self) -> None:
        if self._pending is None:
            return
        seq, code, arg1, arg2 = self._pending
        m = self.mechanics
        refusal: DivertRefusal | None = None
        try:
            command = reg.Command(code)
        except ValueError:
            refusal = DivertRefusal.UNKNOWN_COMMAND
        else:
            if command is reg.Command.DIVERT:
                try:
                    refusal = m.divert(arg1, arg2)
                except BlockingIOError:
                    return  # the diverter is busy with the previous item: next scan
            elif command is reg.Command.PAUSE_INLET:
                m.pause_inlet(True)
            elif command is reg.Command.RESUME_INLET:
                m.pause_inlet(False)
            elif command is reg.Command.RESET_JAM:
                refusal = m.press_reset()
            elif command is reg.Command.BIN_EMPTIED:
                if 1 <= arg1 <= m.bin_count:
                    m.empty_bin(arg1)
                else:
                    refusal = DivertRefusal.NO_SUCH_BIN
        self._pending = None
        self._ack_seq = seq
        self._ack_result = reg.Result.DONE if refusal is None else _RESULTS[refusal]
        self.commands_done += 1

    def _input_block(self) -> list[int]:
        m = self.mechanics
        with m.lock:
            return self._snapshot(m)

    def _snapshot(self, m: Mechanics) -> list[int]:
        block = [0] * reg.IR_BLOCK
        block[reg.IR_MAP_VERSION] = reg.MAP_VERSION
        block[reg.IR_BIN_COUNT] = m.bin_count
        item = m.item_at_reader
        state = 0 if m.stopped else reg.RUNNING
        state |= reg.JAMMED if m.jammed else 0
        state |= reg.INLET_PAUSED if m.inlet_paused else 0
        state |= reg.ITEM_PRESENT if item else 0
        state |= reg.READY if m.ready() else 0
        state |= reg.STOPPED if m.stopped else 0
        block[reg.IR_STATE] = state
        block[reg.IR_ITEM_AT_READER] = item
        block[reg.IR_ITEMS_SEEN] = m.items_seen
        block[reg.IR_ACK_SEQ] = self._ack_seq
        block[reg.IR_ACK_RESULT] = int(self._ack_result)
        block[reg.IR_JAM_ITEM] = m.jam_item
        block[reg.IR_DELIVERY_SEQ] = m.delivery_seq
        mask = 0
        for number in range(1, m.bin_count + 1):
            if m.full(number):
                mask |= 1 << (number - 1)
            block[reg.IR_BIN_ITEMS + number - 1] = min(m.count(number), 0xFFFF)
            block[reg.IR_BIN_EMPTIED + number - 1] = m.emptied(number)
        block[reg.IR_FULL_MASK] = mask
        block[reg.IR_CONTROLLER_RUN] = self.run_id
        block[reg.IR_CONVEYOR] = reg.conveyor_register(m.timing.divert_deadline_s, m.late_output)
        for drop in m.drops[-reg.LOG_SIZE :]:
            at = reg.log_address(drop.seq)
            block[at] = drop.item
            block[at + 1] = drop.bin
        return block
