"""The Modbus TCP sorter driver: a return-station controller (PLC) with the register map of
:mod:`drivers.sorter.registers` (map version 1; read that module for the map).

How it talks: every ``poll_interval_s`` it reads the 60 input registers in one request (an
atomic snapshot of the machine) and turns what changed into :class:`~drivers.sorter.contract`
events; commands go through the holding-register mailbox (one function-16 write of sequence,
code and arguments) and are confirmed by polling the acknowledgement registers. One connection,
one request at a time (a lock), so polls and commands never interleave on a PLC that serves one
request per connection at a time.

When the connection drops, the driver reports :class:`SorterConnection` (``up=False``), keeps
trying every ``reconnect_s``, and on success reports ``up=True`` and whatever changed meanwhile
(drops included, from the controller's delivery log). Commands while it is down raise
:class:`SorterUnavailable`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from drivers.sorter import registers as reg
from drivers.sorter.contract import (
    BinEmptied,
    BinFullChanged,
    BinStatus,
    ControllerRestarted,
    ConveyorTiming,
    Delivered,
    DeliveriesLost,
    Delivery,
    DivertRefusal,
    DivertRefused,
    InletChanged,
    ItemAtReader,
    JamChanged,
    Sorter,
    SorterConnection,
    SorterError,
    SorterEvent,
    SorterStatus,
    SorterUnavailable,
)

__all__ = ["ModbusSorter"]

log = logging.getLogger(__name__)

_REFUSALS = {
    reg.Result.UNKNOWN_COMMAND: DivertRefusal.UNKNOWN_COMMAND,
    reg.Result.NO_SUCH_ITEM: DivertRefusal.NO_SUCH_ITEM,
    reg.Result.NO_SUCH_BIN: DivertRefusal.NO_SUCH_BIN,
    reg.Result.JAMMED: DivertRefusal.JAMMED,
    reg.Result.BIN_FULL: DivertRefusal.BIN_FULL,
    reg.Result.STOPPED: DivertRefusal.STOPPED,
    reg.Result.STILL_JAMMED: DivertRefusal.STILL_JAMMED,
    reg.Result.LATE: DivertRefusal.LATE,
}

_TRANSPORT_ERRORS = (ModbusException, OSError, asyncio.TimeoutError)


class ModbusSorter(Sorter):
    """A sorter controller at ``host:port`` (Modbus unit ``unit``)."""

    def __init__(
        self,
        host: str,
        port: int = 502,
        *,
        unit: int = 1,
        poll_interval_s: float = 0.02,
        timeout_s: float = 2.0,
        command_timeout_s: float = 10.0,
        reconnect_s: float = 1.0,
    ) -> None:
        self.host = host
        self.port = port
        self.unit = unit
        self.poll_interval_s = poll_interval_s
        self.timeout_s = timeout_s
        self.command_timeout_s = command_timeout_s
        self.reconnect_s = reconnect_s
        self._client: AsyncModbusTcpClient | None = None
        self._io = asyncio.Lock()
        self._commands = asyncio.Lock()
        self._queue: asyncio.Queue[SorterEvent] = asyncio.Queue()
        self._last: list[int] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._bins = 0
        self._run = 0
        self._up = False

    # -------------------------------------------------------------------------- lifecycle

    async def open(self) -> None:
        await self._connect()
        block = await self._read_block()
        if block[reg.IR_MAP_VERSION] != reg.MAP_VERSION:
            await self.close()
            raise SorterError(
                f"the controller at {self.host}:{self.port} speaks register map "
                f"{block[reg.IR_MAP_VERSION]:#06x}, not {reg.MAP_VERSION:#06x}: check its program"
            )
        self._bins = block[reg.IR_BIN_COUNT]
        if not 1 <= self._bins <= reg.MAX_BINS:
            await self.close()
            raise SorterError(f"the controller reports {self._bins} bins (1..16 expected)")
        self._run = block[reg.IR_CONTROLLER_RUN]
        self._up = True
        self._changes(None, block)
        self._last = block
        self._poller = asyncio.get_running_loop().create_task(self._poll(), name="sorter-poll")

    async def close(self) -> None:
        poller, self._poller = self._poller, None
        if poller is not None:
            # Cancel until it ends: on Python 3.11 a wait_for inside pymodbus can swallow one
            # cancellation that arrives just as its request completes.
            while not poller.done():
                poller.cancel()
                await asyncio.wait({poller}, timeout=0.5)
        if self._client is not None:
            self._client.close()
            self._client = None
        self._up = False

    @property
    def bin_count(self) -> int:
        return self._bins

    @property
    def controller_run(self) -> int:
        return self._run

    @property
    def up(self) -> bool:
        return self._up

    @property
    def conveyor(self) -> ConveyorTiming | None:
        block = self._last
        if block is None:
            return None
        found = reg.conveyor_from_register(block[reg.IR_CONVEYOR])
        return ConveyorTiming(*found) if found else None

    # ----------------------------------------------------------------------------- reading

    async def status(self) -> SorterStatus:
        block = await self._read_block()
        return _status(block)

    async def events(self) -> AsyncIterator[SorterEvent]:
        while True:
            yield await self._queue.get()

    # ---------------------------------------------------------------------------- commands

    async def divert(self, item: int, bin: int) -> None:
        await self._command(reg.Command.DIVERT, item, bin)

    async def pause_inlet(self) -> None:
        await self._command(reg.Command.PAUSE_INLET)

    async def resume_inlet(self) -> None:
        await self._command(reg.Command.RESUME_INLET)

    async def reset_jam(self) -> None:
        await self._command(reg.Command.RESET_JAM)

    async def bin_emptied(self, bin: int) -> None:
        await self._command(reg.Command.BIN_EMPTIED, bin)

    async def _command(self, code: reg.Command, arg1: int = 0, arg2: int = 0) -> None:
        async with self._commands:
            # The sequence follows the mailbox, not our memory: a staff tool may have written
            # a command since (two masters on one PLC).
            [last] = await self._request("read_holding_registers", reg.HR_CMD_SEQ, 1)
            seq = reg.next_seq(last)
            await self._request("write_registers", reg.HR_CMD_SEQ, [seq, int(code), arg1, arg2])
            loop = asyncio.get_running_loop()
            deadline = loop.time() + self.command_timeout_s
            while True:
                ack, result = await self._request("read_input_registers", reg.IR_ACK_SEQ, 2)
                if ack == seq:
                    break
                if loop.time() > deadline:
                    raise SorterUnavailable(
                        f"the sorter did not carry out command {code.name.lower()} within "
                        f"{self.command_timeout_s:g} s"
                    )
                await asyncio.sleep(self.poll_interval_s)
        if result != reg.Result.DONE:
            try:
                refusal = _REFUSALS[reg.Result(result)]
            except ValueError:
                refusal = DivertRefusal.UNKNOWN_COMMAND
            raise DivertRefused(
                refusal,
                f"the sorter refused {code.name.lower()}: {refusal.value.replace('_', ' ')}",
            )

    # ------------------------------------------------------------------------------ polling

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval_s)
            try:
                block = await self._read_block()
            except SorterUnavailable as error:
                if self._up:
                    self._up = False
                    log.warning("sorter connection lost: %s", error)
                    self._queue.put_nowait(SorterConnection(False, str(error)))
                await asyncio.sleep(self.reconnect_s)
                with contextlib.suppress(SorterUnavailable):
                    await self._connect()
                continue
            except SorterError as error:  # an exception response: the PLC is up but unhappy
                log.warning("sorter poll failed: %s", error)
                continue
            if not self._up:
                self._up = True
                log.info("sorter connection back")
                self._queue.put_nowait(SorterConnection(True))
            self._changes(self._last, block)
            self._last = block

    def _changes(self, old: list[int] | None, new: list[int]) -> None:
        """Turn the difference between two snapshots into events."""
        put = self._queue.put_nowait
        state = new[reg.IR_STATE]
        before = old[reg.IR_STATE] if old else 0
        if bool(state & reg.JAMMED) != bool(before & reg.JAMMED):
            put(JamChanged(bool(state & reg.JAMMED), new[reg.IR_JAM_ITEM] or None))
        if bool(state & reg.INLET_PAUSED) != bool(before & reg.INLET_PAUSED):
            put(InletChanged(bool(state & reg.INLET_PAUSED)))
        run = new[reg.IR_CONTROLLER_RUN]
        first_seq: int | None = None
        restarted = False
        if old is not None:
            first_seq, restarted = old[reg.IR_DELIVERY_SEQ], old[reg.IR_CONTROLLER_RUN] != run
        elif self.deliveries_after is not None:
            last_run, first_seq = self.deliveries_after
            restarted = last_run != run
        if restarted:
            log.warning("the sorter's controller started afresh (run %d)", run)
            self._run = run
            put(ControllerRestarted(run))
            first_seq = 0  # its counters began at 0: every drop since is in its log
        if first_seq is not None:
            gap = (new[reg.IR_DELIVERY_SEQ] - first_seq) & 0xFFFF
            if gap > reg.LOG_SIZE:
                put(DeliveriesLost(gap - reg.LOG_SIZE))
            for step in range(max(0, gap - reg.LOG_SIZE) + 1, gap + 1):
                seq = (first_seq + step) & 0xFFFF
                at = reg.log_address(seq)
                put(Delivered(Delivery(seq, new[at], new[at + 1])))
        mask, mask_before = new[reg.IR_FULL_MASK], old[reg.IR_FULL_MASK] if old else 0
        for number in range(1, self._bins + 1):
            bit = 1 << (number - 1)
            if old is not None and not restarted:  # a restart zeroes these counters too
                at = reg.IR_BIN_EMPTIED + number - 1
                if new[at] != old[at]:
                    put(BinEmptied(number))
            if (mask & bit) != (mask_before & bit):
                put(BinFullChanged(number, bool(mask & bit)))
        item = new[reg.IR_ITEM_AT_READER]
        if item and (old is None or item != old[reg.IR_ITEM_AT_READER]):
            # On a conveyor two items can reach the read position between two polls: the
            # counter of items seen says how many did, and they are numbered in a row.
            seen = (new[reg.IR_ITEMS_SEEN] - old[reg.IR_ITEMS_SEEN]) & 0xFFFF if old else 1
            earlier: list[int] = []
            number = item
            for _ in range(min(seen, reg.LOG_SIZE) - 1):
                number = reg.previous_seq(number)
                if old is not None and number == old[reg.IR_ITEM_AT_READER]:
                    break
                earlier.append(number)
            for number in reversed(earlier):
                put(ItemAtReader(number))
            put(ItemAtReader(item))

    # -------------------------------------------------------------------------- transport

    async def _connect(self) -> None:
        if self._client is not None:
            self._client.close()
        # reconnect_delay=0: pymodbus does not reconnect behind our back; _poll does.
        self._client = AsyncModbusTcpClient(
            self.host, port=self.port, timeout=self.timeout_s, retries=1, reconnect_delay=0
        )
        try:
            connected = await self._client.connect()
        except _TRANSPORT_ERRORS as error:
            raise SorterUnavailable(self._where(str(error))) from None
        if not connected:
            raise SorterUnavailable(self._where("no connection"))

    async def _read_block(self) -> list[int]:
        return await self._request("read_input_registers", 0, reg.IR_BLOCK)

    async def _request(self, method: str, address: int, arg: int | list[int]) -> list[int]:
        client = self._client
        if client is None or not client.connected:
            raise SorterUnavailable(self._where("not connected"))
        async with self._io:
            try:
                if isinstance(arg, list):
                    reply = await getattr(client, method)(address, arg, device_id=self.unit)
                else:
                    reply = await getattr(client, method)(address, count=arg, device_id=self.unit)
            except _TRANSPORT_ERRORS as error:
                raise SorterUnavailable(self._where(str(error) or type(error).__name__)) from None
        if reply.isError():
            raise SorterError(
                f"the sorter at {self.host}:{self.port} answered {method} with Modbus exception "
                f"{getattr(reply, 'exception_code', '?')}"
            )
        return list(getattr(reply, "registers", []) or [])

    def _where(self, detail: str) -> str:
        return f"sorter at {self.host}:{self.port} (unit {self.unit}): {detail}"


def _status(block: list[int]) -> SorterStatus:
    state = block[reg.IR_STATE]
    conveyor = reg.conveyor_from_register(block[reg.IR_CONVEYOR])
    bins = tuple(
        BinStatus(
            number=n,
            count=block[reg.IR_BIN_ITEMS + n - 1],
            full=bool(block[reg.IR_FULL_MASK] & (1 << (n - 1))),
            emptied=block[reg.IR_BIN_EMPTIED + n - 1],
        )
        for n in range(1, block[reg.IR_BIN_COUNT] + 1)
    )
    return SorterStatus(
        running=bool(state & reg.RUNNING),
        jammed=bool(state & reg.JAMMED),
        inlet_paused=bool(state & reg.INLET_PAUSED),
        item_at_reader=block[reg.IR_ITEM_AT_READER] or None,
        ready=bool(state & reg.READY),
        bins=bins,
        jam_item=block[reg.IR_JAM_ITEM] or None,
        items_seen=block[reg.IR_ITEMS_SEEN],
        deliveries=block[reg.IR_DELIVERY_SEQ],
        conveyor=ConveyorTiming(*conveyor) if conveyor else None,
    )
