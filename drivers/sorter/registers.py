"""The Modbus register map of a return-station sorter controller (map version 1).

One table shared by the driver (:mod:`drivers.sorter.modbus`) and the PLC simulator
(:mod:`drivers.sorter.plc`), so both sides cannot drift apart. A PLC programmer implements this
map; every value is one 16-bit register, counters wrap at 65536.

Input registers (function 04), read by the station as one block from address 0::

    0   MAP_VERSION     0x5301 ("S", version 1): the driver refuses anything else
    1   BIN_COUNT       number of bins, 1..16
    2   STATE           bit 0 running, 1 jammed, 2 inlet paused, 3 item at read position,
                        4 diverter ready for the next item, 5 stopped (emergency stop)
    3   ITEM_AT_READER  number (1..65535) of the item held at the read position, 0: none
    4   ITEMS_SEEN      items that reached the read position so far
    5   ACK_SEQ         CMD_SEQ of the last command carried out or refused
    6   ACK_RESULT      its result: 0 done, 1 unknown command, 2 no such item at the read
                        position, 3 no such bin, 4 jammed, 5 bin full, 6 stopped, 7 still
                        jammed, 8 late (a conveyor's item past the diverter)
    7   JAM_ITEM        the item stuck in the jam, 0: no jam
    8   DELIVERY_SEQ    drops into bins so far (the write pointer of the delivery log)
    9   FULL_MASK       bit b-1: the full sensor of bin b
    10  CONTROLLER_RUN  a number (1..65535) the controller picks at each start: when it
                        changes, the counters began again at 0 and items that were on their
                        way are no longer tracked
    11  CONVEYOR        0: items wait at the read position until diverted (stop and go).
                        Else a conveyor that does not stop for items: bits 0-7 the late
                        output (the bin an item without a divert goes to), bits 8-15 the
                        divert deadline in tenths of a second from the read position. Then
                        ITEM_AT_READER is the last item to reach the read position while in
                        the reader's field, a divert is taken at once for an item on its way
                        to the diverter, and refused with 8 (late) for one that passed it.
    12-27  DELIVERY_LOG the last 8 drops, 2 registers each (item, bin); the drop that set
                        DELIVERY_SEQ to s sits at 12 + 2 * (s % 8). Bin 0: staff took the item
                        out while clearing a jam.
    28-43  BIN_ITEMS    items in bin 1..16 since it was last emptied
    44-59  BIN_EMPTIED  how often bin 1..16 was emptied (staff pressed its button)

Holding registers (functions 03, 06, 16): a command mailbox::

    0   CMD_SEQ         a new value (1..65535) starts the command below
    1   CMD_CODE        1 divert (ARG1 item, ARG2 bin), 2 pause inlet, 3 resume inlet,
                        4 reset jam, 5 bin emptied (ARG1 bin)
    2   ARG1
    3   ARG2

The station writes all four in one function-16 request (so the PLC sees a whole command at
once) and polls ACK_SEQ until it equals CMD_SEQ; ACK_RESULT then says how it went. A divert
is acknowledged when the item has left the read position, which may be up to one "time per
item" later while the diverter is busy with the previous item.
"""

from __future__ import annotations

import enum

MAP_VERSION = 0x5301
MAX_BINS = 16
LOG_SIZE = 8

# input registers
IR_MAP_VERSION = 0
IR_BIN_COUNT = 1
IR_STATE = 2
IR_ITEM_AT_READER = 3
IR_ITEMS_SEEN = 4
IR_ACK_SEQ = 5
IR_ACK_RESULT = 6
IR_JAM_ITEM = 7
IR_DELIVERY_SEQ = 8
IR_FULL_MASK = 9
IR_CONTROLLER_RUN = 10
IR_CONVEYOR = 11
IR_DELIVERY_LOG = 12
IR_BIN_ITEMS = IR_DELIVERY_LOG + 2 * LOG_SIZE  # 28
IR_BIN_EMPTIED = IR_BIN_ITEMS + MAX_BINS  # 44
IR_BLOCK = IR_BIN_EMPTIED + MAX_BINS  # 60 registers in all

# STATE bits
RUNNING = 1 << 0
JAMMED = 1 << 1
INLET_PAUSED = 1 << 2
ITEM_PRESENT = 1 << 3
READY = 1 << 4
STOPPED = 1 << 5

# holding registers
HR_CMD_SEQ = 0
HR_CMD_CODE = 1
HR_ARG1 = 2
HR_ARG2 = 3
HR_BLOCK = 4


class Command(enum.IntEnum):
    DIVERT = 1
    PAUSE_INLET = 2
    RESUME_INLET = 3
    RESET_JAM = 4
    BIN_EMPTIED = 5


class Result(enum.IntEnum):
    DONE = 0
    UNKNOWN_COMMAND = 1
    NO_SUCH_ITEM = 2
    NO_SUCH_BIN = 3
    JAMMED = 4
    BIN_FULL = 5
    STOPPED = 6
    STILL_JAMMED = 7
    LATE = 8


def log_address(seq: int) -> int:
    """Input register of the (item, bin) pair of the drop that set DELIVERY_SEQ to ``seq``.

    65536 is a multiple of the log size, so the log stays in order across the counter's wrap.
    """
    return IR_DELIVERY_LOG + 2 * (seq % LOG_SIZE)


def next_seq(seq: int) -> int:
    """The 16-bit counter after ``seq``, skipping 0 (which means "none")."""
    return seq % 0xFFFF + 1


def previous_seq(seq: int) -> int:
    """The 16-bit counter before ``seq`` (1 comes after 65535), skipping 0."""
    return seq - 1 if seq > 1 else 0xFFFF


def conveyor_register(deadline_s: float | None, late_bin: int) -> int:
    """IR 11 for a machine: 0 for stop and go, else the late output and the deadline."""
    if deadline_s is None:
        return 0
    tenths = min(255, max(1, round(deadline_s * 10)))
    return tenths << 8 | late_bin


def conveyor_from_register(value: int) -> tuple[float, int] | None:
    """(deadline in seconds, late output) from IR 11; None for a stop-and-go machine."""
    if not value:
        return None
    return (value >> 8) / 10, value & 0xFF
