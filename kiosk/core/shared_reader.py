"""One RFID reader shared by the pad watcher and the security writer, one command at a time.

Why turns with an order: a serial reader takes one command at a time, and what waits for it is
not all equally urgent. A new tag's read starts its loan or return (the library system's answer
then takes longer than anything the reader does, so it should start first); a security write
finishes an item; reading security back confirms it; the pad watcher's next inventory only looks
for changes. When the reader comes free, the waiting caller of the most urgent kind goes next
(first come, first served within a kind), so a poll of a full pad never holds up a patron's item.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import heapq
import itertools
from collections.abc import AsyncIterator

from drivers.rfid.contract import RfidReader, SystemInfo, TagInfo

__all__ = ["SharedReader", "Turn"]


class Turn(enum.IntEnum):
    """What a reader command is for; lower goes first when several wait."""

    READ = 0  # reading a tag that just arrived: its loan or return waits for the data
    WRITE = 1  # changing an item's security
    VERIFY = 2  # reading security back (one check for many tags waits for the writes)
    POLL = 3  # the pad watcher's inventory, looking for changes


class _TurnQueue:
    """An asyncio lock handed to the most urgent waiter first."""

    def __init__(self) -> None:
        self._busy = False
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def waiting(self, below: Turn) -> bool:
        """True when a caller more urgent than ``below`` waits."""
        return any(turn < below and not f.done() for turn, _, f in self._waiting)

    async def acquire(self, turn: Turn) -> None:
        if not self._busy and not self._waiting:
            self._busy = True
            return
        granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (int(turn), next(self._order), granted))
        try:
            await granted
        except asyncio.CancelledError:
            if granted.done() and not granted.cancelled():
                self.release()  # handed over just as the caller gave up: pass it on
            raise

    def release(self) -> None:
        while self._waiting:
            _, _, granted = heapq.heappop(self._waiting)
            if not granted.done():
                granted.set_result(None)  # the reader stays busy, now for this waiter
                return
        self._busy = False


class SharedReader:
    """Serialises calls to one reader, most urgent kind first (see :class:`Turn`).

    Each method takes one turn; :meth:`turn` holds the reader for several commands in a row.
    ``field_size`` is how many tags the last unfiltered inventory found (what a filtered one
    costs at most).
    """

    def __init__(self, reader: RfidReader) -> None:
        self.reader = reader
        self._queue = _TurnQueue()
        self.field_size = 0

    def waiting(self, below: Turn) -> bool:
        """True when a caller more urgent than ``below`` waits for the reader."""
        return self._queue.waiting(below)

    @contextlib.asynccontextmanager
    async def turn(self, turn: Turn) -> AsyncIterator[RfidReader]:
        """The reader itself, for several commands in one turn (use no other method inside)."""
        await self._queue.acquire(turn)
        try:
            yield self.reader
        finally:
            self._queue.release()

    async def inventory(self, afi: int | None = None, *, turn: Turn = Turn.POLL) -> list[TagInfo]:
        return (await self.timed_inventory(afi, turn=turn))[1]

    async def timed_inventory(
        self, afi: int | None = None, *, turn: Turn = Turn.POLL
    ) -> tuple[float, list[TagInfo]]:
        """An inventory, and the loop time it went out (after its wait for the reader): the
        tags found were in the field then."""
        async with self.turn(turn) as reader:
            started = asyncio.get_running_loop().time()
            found = await reader.inventory(afi)
        if afi is None:
            self.field_size = len(found)
        return started, found

    async def system_info(self, uid: bytes, *, turn: Turn = Turn.VERIFY) -> SystemInfo:
        async with self.turn(turn) as reader:
            return await reader.system_info(uid)

    async def read_blocks(
        self, uid: bytes, first: int, count: int, *, turn: Turn = Turn.READ
    ) -> bytes:
        async with self.turn(turn) as reader:
            return await reader.read_blocks(uid, first, count)

    async def write_afi(self, uid: bytes, afi: int) -> None:
        async with self.turn(Turn.WRITE) as reader:
            await reader.write_afi(uid, afi)

    async def set_eas(self, uid: bytes) -> None:
        async with self.turn(Turn.WRITE) as reader:
            await reader.set_eas(uid)

    async def reset_eas(self, uid: bytes) -> None:
        async with self.turn(Turn.WRITE) as reader:
            await reader.reset_eas(uid)

    async def check_eas(self, uid: bytes) -> bool:
        async with self.turn(Turn.VERIFY) as reader:
            return await reader.check_eas(uid)
