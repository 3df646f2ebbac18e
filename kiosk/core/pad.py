"""The pad watcher: what lies on the RFID pad, decoded, with arrivals and departures.

Why a separate loop: patrons put stacks down, add to them and take items away whenever they like.
One task inventories the pad over and over, reads and decodes each *new* tag once, and reports
arrivals and departures; the pipelines react to those reports. A tag counts as gone only after
it missed ``absent_rounds`` inventories in a row, because a stack inventory now and then misses
a tag that is still there (collisions, a tag at the antenna's edge).

Why arrivals go out one by one: each read tag is reported as soon as it is decoded, so the first
item's loan is under way while the rest of the stack is still being read. Reads take their turn
before security writes and polls (:class:`~kiosk.core.shared_reader.SharedReader`), and only the
blocks that hold a tag's data are read: the Danish model's fixed part (and its extension blocks
when it has some), an ISO 28560-2 element chain up to its terminator.

The reader is shared with the security writer, and serial readers take one command at a time, so
every use goes through :class:`SharedReader`, which serialises the calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from drivers.rfid.contract import ReaderError, TagError, TagInfo
from drivers.tags import (
    DecodedTag,
    TagModel,
    TagProblem,
    Usage,
    danish,
    decode,
    iso28560_2,
)
from kiosk.core.shared_reader import SharedReader, Turn

__all__ = ["PadTag", "PadWatcher", "SharedReader", "Turn"]

log = logging.getLogger(__name__)

#: Blocks read when a tag does not report its size (ICODE SLIX: 28 blocks of 4 bytes).
DEFAULT_BLOCKS = 28
#: The smallest library tag (TI Tag-it HF-I Standard: 8 blocks, 32 bytes).
SMALLEST_BLOCKS = 8
#: First read: the Danish model's fixed part (bytes 0-33) plus the first extension length byte.
#: Most tags are complete in these 9 blocks, and every block read costs air and serial time.
FIRST_READ_BLOCKS = 9
#: First read of a tag whose DSFID says ISO 28560-2: its elements are compacted, and an item id,
#: the owner's ISIL and the content parameter usually fit in 24 bytes (longer chains read on).
FIRST_READ_BLOCKS_ISO28560_2 = 6
#: Tags that could not be read this many times in a row are reported unreadable.
UNREADABLE_AFTER = 3
#: Reads after the first one, at most, before the whole memory is read instead.
MORE_READS = 3


@dataclass(frozen=True, slots=True)
class PadTag:
    """One tag on the pad with its decoded library data."""

    uid: bytes
    data: DecodedTag
    afi: int | None = None
    seen_at: float = 0.0  # loop time the inventory that first found it went out

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
    ``hold`` (optional) says that security work is on its way (items being lent or taken back):
    polls then wait, up to ``max_hold_s`` since the last one, because an inventory of a full pad
    takes the reader for longer than the write it would hold up. ``active`` (optional) says
    that a patron is about to put items down: the pad is then polled every ``active_interval_s``
    instead of ``interval_s``, so a stack is seen sooner without polling an idle kiosk as often.
    ``urgent_after_s`` (optional): a poll that comes this long after the last one goes before
    writes and checks (a return station's conveyor brings an item to identify every moment).
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
        hold: Callable[[], bool] | None = None,
        max_hold_s: float = 1.0,
        active: Callable[[], bool] | None = None,
        active_interval_s: float | None = None,
        urgent_after_s: float | None = None,
    ) -> None:
        self.reader = reader
        self.interval_s = interval_s
        self.absent_rounds = max(1, absent_rounds)
        self.on_arrive = on_arrive
        self.on_leave = on_leave
        self.on_error = on_error
        self.error_pause_s = error_pause_s
        self.hold = hold
        self.max_hold_s = max_hold_s
        self.active = active
        self.active_interval_s = active_interval_s if active_interval_s is not None else interval_s
        self.urgent_after_s = urgent_after_s
        self._round_started = 0.0  # when the last completed round's inventory started
        self.present: dict[bytes, PadTag] = {}
        self._missed: dict[bytes, int] = {}
        self._read_failures: dict[bytes, int] = {}
        self._rounds = 0
        self._round_event = asyncio.Event()
        self._last_scan = 0.0
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

    async def wait_round_after(self, moment: float) -> None:
        """Wait until an inventory that started after ``moment`` (loop time) has completed and
        been acted on: everything in the field at ``moment`` has had its turn."""
        while self._round_started <= moment:
            self._round_event.clear()
            await self._round_event.wait()

    def _held(self) -> bool:
        """Security work is coming and the last poll is recent enough: wait."""
        if self.hold is None or not self.hold():
            return False
        return asyncio.get_running_loop().time() - self._last_scan < self.max_hold_s

    @property
    def pause_s(self) -> float:
        """The pause between two polls now."""
        if self.active is not None and self.active():
            return self.active_interval_s
        return self.interval_s

    async def run(self) -> None:
        while True:
            if self._held():
                await asyncio.sleep(self.pause_s)
                continue
            try:
                await self.scan_once()
                self.healthy = True
            except ReaderError as error:
                self.healthy = False
                log.warning("pad reader failed: %s", error)
                await _call(self.on_error, error)
                await asyncio.sleep(self.error_pause_s)
            await asyncio.sleep(self.pause_s)

    async def scan_once(self) -> None:
        """One inventory: report the tags that arrived and the ones that left.

        New tags are read in inventory order, each reported as soon as it is decoded."""
        now = asyncio.get_running_loop().time()
        urgent = self.urgent_after_s is not None and now - self._last_scan > self.urgent_after_s
        started, seen = await self.reader.timed_inventory(turn=Turn.READ if urgent else Turn.POLL)
        self._last_scan = asyncio.get_running_loop().time()
        seen_uids = {info.uid for info in seen}
        for info in seen:
            self._missed.pop(info.uid, None)
        new = [info for info in seen if info.uid not in self.present]
        # All reads queue at once: each takes the reader's next turn for reads, so no poll or
        # security write slips in between, while each arrival is reported as its read ends.
        reads = [asyncio.ensure_future(self._read(info, started)) for info in new]
        try:
            for info, read in zip(new, reads, strict=True):
                tag = await read
                if tag is not None:
                    self.present[info.uid] = tag
                    await _call(self.on_arrive, tag)
        finally:
            for read in reads:
                read.cancel()
        for uid in list(self.present):
            if uid in seen_uids:
                continue
            self._missed[uid] = self._missed.get(uid, 0) + 1
            if self._missed[uid] >= self.absent_rounds:
                tag = self.present.pop(uid)
                self._missed.pop(uid, None)
                await _call(self.on_leave, tag)
        self._rounds += 1
        self._round_started = started
        self._round_event.set()

    def forget(self, uid: bytes) -> None:
        """Treat the tag as new when it is seen next (e.g. after its content changed)."""
        self.present.pop(uid, None)
        self._missed.pop(uid, None)

    async def _read(self, info: TagInfo, seen_at: float) -> PadTag | None:
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
            return PadTag(info.uid, data, info.afi, seen_at)
        self._read_failures.pop(info.uid, None)
        return PadTag(info.uid, data, afi, seen_at)

    async def _read_memory(self, info: TagInfo) -> tuple[DecodedTag, int | None]:
        """Only the blocks that hold the data: a first read, more blocks while the data runs
        on; the whole memory only when the structure is not known (or the tag is small)."""
        first = (
            FIRST_READ_BLOCKS_ISO28560_2 if info.dsfid in iso28560_2.DSFIDS else FIRST_READ_BLOCKS
        )
        with contextlib.suppress(TagError):
            head = await self.reader.read_blocks(info.uid, 0, first)
            block = len(head) // first
            for more in range(MORE_READS + 1):
                data = decode(head, info.dsfid)
                end = _data_end(head, data)
                if data.ok and end is not None and end <= len(head):
                    return data, info.afi
                # As far as the data is known to run, and at least the Danish model's fixed
                # part (a Danish tag under an ISO 28560-2 DSFID: one more read, not three).
                wanted = max(end or 0, FIRST_READ_BLOCKS * block)
                blocks = -(-wanted // block) - len(head) // block
                if blocks <= 0 or more == MORE_READS:
                    break
                head += await self.reader.read_blocks(info.uid, len(head) // block, blocks)
        system = await self.reader.system_info(info.uid, turn=Turn.READ)
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


def _data_end(head: bytes, data: DecodedTag) -> int | None:
    """Where the tag's data ends (exact, or a lower bound when ``head`` ends before it), by the
    data model ``head`` decodes as; None when no structure is recognised."""
    if data.model is TagModel.DANISH and data.crc_ok:
        return danish.bytes_needed(head, data.block_order)
    return iso28560_2.bytes_needed(head)
