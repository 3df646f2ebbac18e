"""The pad watcher: what lies on the RFID pad, decoded, with arrivals and departures.

Why a separate loop: patrons put stacks down, add to them and take items away whenever they like.
One task inventories the pad over and over, reads and decodes each *new* tag once, and reports
arrivals and departures; the pipelines react to those reports. A tag counts as gone only after
it missed ``absent_rounds`` inventories in a row, because a stack inventory now and then misses
a tag that is still there (collisions, a tag at the antenna's edge).

The reader is shared with the security writer, and serial readers take one command at a time, so
every use goes through :class:`SharedReader`, which serialises the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from drivers.rfid.contract import ReaderError, RfidReader, SystemInfo, TagError, TagInfo
from drivers.tags import BlockOrder, DecodedTag, TagModel, TagProblem, Usage, decode

__all__ = ["PadTag", "PadWatcher", "SharedReader"]

log = logging.getLogger(__name__)

#: Blocks read when a tag does not report its size (ICODE SLIX: 28 blocks of 4 bytes).
DEFAULT_BLOCKS = 28
#: The smallest library tag (TI Tag-it HF-I Standard: 8 blocks, 32 bytes).
SMALLEST_BLOCKS = 8
#: First read: the Danish model's fixed part (bytes 0-33) plus the first extension length byte.
#: Most tags are complete in these 9 blocks, and every block read costs air and serial time.
FIRST_READ_BLOCKS = 9
#: Offset of the first Danish-model extension block (its length byte; 0 = no extensions).
DANISH_EXTENSIONS_AT = 34
#: Tags that could not be read this many times in a row are reported unreadable.
UNREADABLE_AFTER = 3


class SharedReader:
    """Serialises calls to one reader (one command on the wire at a time).

    Security writes and their read-backs count as *urgent*: while one waits, the pad watcher
    skips its next inventory, so a patron's item is finished before the pad is polled again.
    """

    def __init__(self, reader: RfidReader) -> None:
        self.reader = reader
        self._lock = asyncio.Lock()
        self._urgent = 0

    @property
    def urgent_pending(self) -> bool:
        return self._urgent > 0

    @contextlib.asynccontextmanager
    async def _turn(self, urgent: bool) -> AsyncIterator[None]:
        if urgent:
            self._urgent += 1
        try:
            async with self._lock:
                yield
        finally:
            if urgent:
                self._urgent -= 1

    async def inventory(self, afi: int | None = None) -> list[TagInfo]:
        async with self._turn(False):
            return await self.reader.inventory(afi)

    async def system_info(self, uid: bytes) -> SystemInfo:
        async with self._turn(True):
            return await self.reader.system_info(uid)

    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        async with self._turn(False):
            return await self.reader.read_blocks(uid, first, count)

    async def write_afi(self, uid: bytes, afi: int) -> None:
        async with self._turn(True):
            await self.reader.write_afi(uid, afi)

    async def set_eas(self, uid: bytes) -> None:
        async with self._turn(True):
            await self.reader.set_eas(uid)

    async def reset_eas(self, uid: bytes) -> None:
        async with self._turn(True):
            await self.reader.reset_eas(uid)

    async def check_eas(self, uid: bytes) -> bool:
        async with self._turn(True):
            return await self.reader.check_eas(uid)


@dataclass(frozen=True, slots=True)
class PadTag:
    """One tag on the pad with its decoded library data."""

    uid: bytes
    data: DecodedTag
    afi: int | None = None

    @property
    def uid_hex(self) -> str:
        return self.uid.hex().upper()

    @property
    def item_id(self) -> str:
        """The barcode, or the UID in hex for a tag that could not be decoded."""
        return self.data.primary_item_id or self.uid_hex

    @property
    def parts(self) -> int:
        return max(1, self.data.parts or 1)

    @property
    def part_number(self) -> int:
        return self.data.part_number or 1

    @property
    def is_patron_card(self) -> bool:
        return self.data.ok and self.data.usage is Usage.PATRON_CARD


TagCallback = Callable[[PadTag], Awaitable[None] | None]
ErrorCallback = Callable[[ReaderError], Awaitable[None] | None]


async def _call(callback: Callable[..., Awaitable[None] | None] | None, *args: object) -> None:
    if callback is None:
        return
    result = callback(*args)
    if result is not None:
        await result


class PadWatcher:
    """Inventories the pad in a loop and reports arrivals and departures.

    ``on_arrive`` gets each new tag once (decoded; ``data.ok`` False when unreadable after
    retries); ``on_leave`` gets it again when it left. ``on_error`` hears of reader failures
    (the loop keeps trying, with a pause, because a reader that was unplugged may come back).
    """

    def __init__(
        self,
        reader: SharedReader,
        *,
        interval_s: float = 0.05,
        absent_rounds: int = 2,
        on_arrive: TagCallback | None = None,
        on_leave: TagCallback | None = None,
        on_error: ErrorCallback | None = None,
        error_pause_s: float = 1.0,
    ) -> None:
        self.reader = reader
        self.interval_s = interval_s
        self.absent_rounds = max(1, absent_rounds)
        self.on_arrive = on_arrive
        self.on_leave = on_leave
        self.on_error = on_error
        self.error_pause_s = error_pause_s
        self.present: dict[bytes, PadTag] = {}
        self._missed: dict[bytes, int] = {}
        self._read_failures: dict[bytes, int] = {}
        self._rounds = 0
        self._round_event = asyncio.Event()
        self.healthy = True

    @property
    def rounds(self) -> int:
        """Completed inventories; tests and benchmarks wait on it."""
        return self._rounds

    async def wait_rounds(self, count: int = 1) -> None:
        """Wait until ``count`` more inventories have completed (and been acted on)."""
        target = self._rounds + count
        while self._rounds < target:
            self._round_event.clear()
            await self._round_event.wait()

    async def run(self) -> None:
        while True:
            if self.reader.urgent_pending:
                await asyncio.sleep(self.interval_s)
                continue
            try:
                await self.scan_once()
                self.healthy = True
            except ReaderError as error:
                self.healthy = False
                log.warning("pad reader failed: %s", error)
                await _call(self.on_error, error)
                await asyncio.sleep(self.error_pause_s)
            await asyncio.sleep(self.interval_s)

    async def scan_once(self) -> None:
        """One inventory: report the tags that arrived and the ones that left."""
        seen = await self.reader.inventory()
        seen_uids = {info.uid for info in seen}
        for info in seen:
            self._missed.pop(info.uid, None)
            if info.uid not in self.present:
                tag = await self._read(info)
                if tag is not None:
                    self.present[info.uid] = tag
                    await _call(self.on_arrive, tag)
        for uid in list(self.present):
            if uid in seen_uids:
                continue
            self._missed[uid] = self._missed.get(uid, 0) + 1
            if self._missed[uid] >= self.absent_rounds:
                tag = self.present.pop(uid)
                self._missed.pop(uid, None)
                await _call(self.on_leave, tag)
        self._rounds += 1
        self._round_event.set()

    def forget(self, uid: bytes) -> None:
        """Treat the tag as new when it is seen next (e.g. after its content changed)."""
        self.present.pop(uid, None)
        self._missed.pop(uid, None)

    async def _read(self, info: TagInfo) -> PadTag | None:
        """Read and decode a new tag; None to try again next round (a read can fail on a pad)."""
        try:
            data, afi = await self._read_memory(info)
        except TagError as error:
            failures = self._read_failures.get(info.uid, 0) + 1
            self._read_failures[info.uid] = failures
            if failures < UNREADABLE_AFTER:
                return None
            log.info("tag %s unreadable: %s", info.uid.hex().upper(), error)
            self._read_failures.pop(info.uid, None)
            data = DecodedTag(TagModel.UNKNOWN, problem=TagProblem.EMPTY, detail=str(error))
            return PadTag(info.uid, data, info.afi)
        self._read_failures.pop(info.uid, None)
        return PadTag(info.uid, data, afi)

    async def _read_memory(self, info: TagInfo) -> tuple[DecodedTag, int | None]:
        """A short read first; the whole memory only when the tag needs it (ISO 28560-2,
        Danish extension blocks, a small or odd tag)."""
        with contextlib.suppress(TagError):
            head = await self.reader.read_blocks(info.uid, 0, FIRST_READ_BLOCKS)
            data = decode(head, info.dsfid)
            # Byte 34 sits in block 8; a block-reversed tag holds it at index 33 of the read.
            at = DANISH_EXTENSIONS_AT - (data.block_order is BlockOrder.REVERSED)
            if data.ok and data.model is TagModel.DANISH and len(head) > at and head[at] == 0:
                return data, info.afi
        system = await self.reader.system_info(info.uid)
        if system.block_count:
            memory = await self.reader.read_blocks(info.uid, 0, system.block_count)
        else:  # no size reported (Tag-it HF-I has no Get System Information): try the sizes
            try:
                memory = await self.reader.read_blocks(info.uid, 0, DEFAULT_BLOCKS)
            except TagError:
                memory = await self.reader.read_blocks(info.uid, 0, SMALLEST_BLOCKS)
        dsfid = system.dsfid if system.dsfid is not None else info.dsfid
        afi = system.afi if system.afi is not None else info.afi
        return decode(memory, dsfid), afi
