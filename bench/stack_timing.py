"""Where a stack's time goes: the reader's commands by purpose, the library system, and the
air-interface floor for the same work. Used by ``bench/stack.py``.

The real FEIG driver and SIP2 port are subclassed only to note when each call starts and ends;
nothing else changes. A stack's wall time (tags on the pad -> last item done) is accounted as::

    wait for the first poll   the pad watcher's next inventory after the tags went down
    + reader busy             inventory, reads, security writes, verification (one command at
                              a time, so these add up)
    + reader idle             the reader had nothing to do: every item waited for the library
                              system (or the journal)
    + tail                    after the last reader command: journal, events

The air-interface floor is what the ISO 15693 air interface alone needs for the same work: one
inventory of the stack, reading the blocks that hold each tag's data, one write per security
element per tag, and one look at the field to verify (an inventory filtered by the AFI, and an
EAS alarm to all where EAS is used). No serial line, no pauses between frames, no library system.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from drivers.rfid import FeigReader, SystemInfo, TagInfo, VirtualTag, timing
from drivers.tags import TagModel, danish, decode, iso28560_2
from kiosk.core.settings import SecuritySettings
from kiosk.ils.port import CheckoutResult, LoanRequest
from kiosk.ils.sip2 import SIP2LibrarySystem

CATEGORIES = ("inventory", "reads", "security writes", "verification")


@dataclass
class Timeline:
    """Intervals noted by the timed reader and port (``time.perf_counter`` seconds)."""

    reader: list[tuple[str, float, float]] = field(default_factory=list)
    library: list[tuple[float, float]] = field(default_factory=list)
    written: set[bytes] = field(default_factory=set)

    def clear(self) -> None:
        self.reader.clear()
        self.library.clear()
        self.written.clear()


class TimedReader(FeigReader):
    """The FEIG driver, noting each command's purpose and duration in ``timeline``."""

    def __init__(self, port: str, timeline: Timeline, **options: Any) -> None:
        super().__init__(port, **options)
        self.timeline = timeline

    def _note(self, category: str, started: float) -> None:
        self.timeline.reader.append((category, started, time.perf_counter()))

    async def inventory(self, afi: int | None = None) -> list[TagInfo]:
        started = time.perf_counter()
        try:
            return await super().inventory(afi)
        finally:
            self._note("inventory" if afi is None else "verification", started)

    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        started = time.perf_counter()
        try:
            return await super().read_blocks(uid, first, count)
        finally:
            self._note("reads", started)

    async def system_info(self, uid: bytes) -> SystemInfo:
        started = time.perf_counter()
        try:
            return await super().system_info(uid)
        finally:
            written = uid in self.timeline.written
            self._note("verification" if written else "reads", started)

    async def _written(self, uid: bytes, write: Any) -> None:
        started = time.perf_counter()
        try:
            await write
        finally:
            self.timeline.written.add(uid)
            self._note("security writes", started)

    async def write_afi(self, uid: bytes, afi: int) -> None:
        await self._written(uid, super().write_afi(uid, afi))

    async def set_eas(self, uid: bytes) -> None:
        await self._written(uid, super().set_eas(uid))

    async def reset_eas(self, uid: bytes) -> None:
        await self._written(uid, super().reset_eas(uid))

    async def check_eas(self, uid: bytes) -> bool:
        started = time.perf_counter()
        try:
            return await super().check_eas(uid)
        finally:
            self._note("verification", started)

    async def eas_alarm_any(self) -> bool | None:
        started = time.perf_counter()
        try:
            return await super().eas_alarm_any()
        finally:
            self._note("verification", started)


class TimedSIP2(SIP2LibrarySystem):
    """The SIP2 port, noting each checkout's duration in ``timeline``."""

    timeline: Timeline

    async def checkout(self, request: LoanRequest) -> CheckoutResult:
        started = time.perf_counter()
        try:
            return await super().checkout(request)
        finally:
            self.timeline.library.append((started, time.perf_counter()))


def _union(intervals: Sequence[tuple[float, float]]) -> float:
    total, end = 0.0, float("-inf")
    for start, stop in sorted(intervals):
        if stop <= end:
            continue
        total += stop - max(start, end)
        end = stop
    return total


def account(timeline: Timeline, placed: float, done: float) -> dict[str, float]:
    """The wall time from ``placed`` to ``done`` by where it went (seconds, see module docs)."""
    calls = [(c, s, e) for c, s, e in timeline.reader if s >= placed and e <= done]
    polls = [s for c, s, _ in calls if c == "inventory"]
    first = min(polls) if polls else placed
    busy = {category: 0.0 for category in CATEGORIES}
    for category, start, end in calls:
        busy[category] += end - start
    last = max((e for _, _, e in calls), default=first)
    reader_busy = sum(busy.values())
    return {
        "wait_for_first_poll": first - placed,
        **{category: seconds for category, seconds in busy.items()},
        "reader_idle": max(0.0, (last - first) - reader_busy),
        "tail": done - last,
        "library_system_in_flight": _union([(s, e) for s, e in timeline.library if s >= placed]),
        "library_system_per_loan": (
            sum(e - s for s, e in timeline.library) / len(timeline.library)
            if timeline.library
            else 0.0
        ),
    }


def air_floor(tags: Sequence[VirtualTag], security: SecuritySettings) -> float:
    """Air time alone for the stack's work (see module docs): what no reader can beat."""
    uids = [tag.uid for tag in tags]
    total = timing.inventory_air_seconds(uids)
    for tag in tags:
        memory = bytes(tag.memory)
        data = decode(memory, tag.dsfid)
        if data.model is TagModel.DANISH:
            needed = danish.bytes_needed(memory, data.block_order)
        else:
            needed = iso28560_2.bytes_needed(memory) or len(memory)
        size = tag.tag_type.block_size
        total += timing.read_air_seconds(-(-needed // size), size)
    writes_per_tag = int(security.uses_afi) + int(security.uses_eas)
    total += len(tags) * writes_per_tag * timing.short_command_air_seconds()
    if security.uses_afi:
        total += timing.inventory_air_seconds(uids, with_afi=True)
    else:
        total += timing.inventory_air_seconds(uids)
    if security.uses_eas:
        total += timing.eas_alarm_air_seconds(False)
    return total
