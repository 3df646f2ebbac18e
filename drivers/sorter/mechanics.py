"""The simulated sorter's mechanics: slot, read position, diverter, conveyor, bins.

What it models (see :mod:`drivers.sorter.contract` for the picture): items put in the slot wait
in a queue and are fed to the read position (``feed_s``), where they are numbered. Two kinds of
machine:

* **stop and go** (``divert_deadline_s`` None, the default): one item at a time is held at the
  read position until diverted. The diverter takes at most one item per ``time_per_item_s`` (the
  machine's rated capacity: 1.5 s is 2,400 items an hour); a diverted item leaves the read
  position at once and drops into its bin ``travel_s`` later.
* **a conveyor that never stops for an item** (``divert_deadline_s`` set): the slot lets one
  item onto the belt per ``time_per_item_s``, so several are in flight. Each passes through the
  reader's field for ``read_zone_s`` after reaching the read position and reaches the diverter
  ``divert_deadline_s`` after it: its bin must be known by then (a divert is taken at any time
  before), else it goes on to the late output ``late_bin`` (the exceptions) -- counted, never
  lost. From the diverter it drops into its bin ``travel_s`` later.

Fault knobs: a jam stops the whole conveyor until staff free the item and reset; a full sensor
trips at ``bin_capacity`` items or when forced; an emergency stop halts everything.

Why separate from the controller: the mechanics are what the physical world does, the PLC
program (:mod:`drivers.sorter.plc`) is what the controller makes of it (registers, commands).
Every method takes one lock, so the simulator thread, tests and the demo may call it from
anywhere. Callbacks (``on_at_reader``, ``on_left_reader``) run after the lock is released: the
demo uses them to put the item's RFID tags into the simulated reader's field and take them out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from drivers.sorter.contract import TAKEN_OUT, DivertRefusal
from drivers.sorter.registers import next_seq

__all__ = ["Mechanics", "MechanicsTiming", "Parcel"]

Callback = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class MechanicsTiming:
    """How long the machine takes; the defaults are a 2,400 items/hour machine."""

    time_per_item_s: float = 1.5
    feed_s: float = 0.3
    travel_s: float = 2.0
    bin_capacity: int = 200  # the full sensor trips at this many items
    #: A conveyor that does not stop for an item: the seconds from the read position to the
    #: diverter (the bin must be known by then). None: items wait at the read position.
    divert_deadline_s: float | None = None
    #: On such a conveyor: how long an item stays in the reader's field after arriving.
    read_zone_s: float = 0.8
    #: On such a conveyor: the output an item without a bin goes to (0: the last bin).
    late_bin: int = 0

    def __post_init__(self) -> None:
        for name in ("time_per_item_s", "feed_s", "travel_s", "read_zone_s"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")
        if self.bin_capacity < 1:
            raise ValueError("bin_capacity must be at least 1")
        deadline = self.divert_deadline_s
        if deadline is not None and not 0 < self.read_zone_s <= deadline:
            raise ValueError("read_zone_s must be above 0 and at most divert_deadline_s")

    @property
    def conveyor(self) -> bool:
        """True for a conveyor with items in flight (see the module docs)."""
        return self.divert_deadline_s is not None


@dataclass(slots=True)
class Parcel:
    """One physical item in the machine; ``payload`` is whatever the world attached to it."""

    payload: Any
    number: int = 0  # given at the read position
    bin: int = 0
    remaining_s: float = 0.0
    jams: bool = False
    in_field_s: float = 0.0  # conveyor: time left in the reader's field


@dataclass(slots=True)
class _Bin:
    items: list[Any] = field(default_factory=list)  # payloads since last emptied
    forced_full: bool = False
    emptied: int = 0


@dataclass(frozen=True, slots=True)
class Drop:
    seq: int  # the delivery counter after this drop (16 bits, may wrap to 0)
    item: int
    bin: int  # 0: taken out by staff at a jam


class Mechanics:
    """The physical sorter (see module docs). ``clock`` returns seconds (monotonic)."""

    def __init__(
        self,
        bins: int = 8,
        timing: MechanicsTiming | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_at_reader: Callback | None = None,
        on_left_reader: Callback | None = None,
    ) -> None:
        if not 1 <= bins <= 16:
            raise ValueError("a sorter has 1 to 16 bins")
        self.timing = timing or MechanicsTiming()
        self.clock = clock
        self.on_at_reader = on_at_reader
        self.on_left_reader = on_left_reader
        self._lock = threading.RLock()
        self._bins = [_Bin() for _ in range(bins)]
        self._slot: deque[Parcel] = deque()
        self._feeding: Parcel | None = None
        self._at_reader: Parcel | None = None
        self._transit: list[Parcel] = []
        # The conveyor's belt: fed items on their way to the read position, and items past it
        # on their way to the diverter (several at once); the numbers sent on late, recently.
        self._feed: list[Parcel] = []
        self._flight: list[Parcel] = []
        self._released: float | None = None
        self._late: deque[int] = deque(maxlen=256)
        self.late = 0  # items that reached the diverter without a bin
        self._jam: Parcel | None = None
        self._jam_freed = False
        self._jam_taken_out = False
        self._jams_armed = 0
        self._inlet_paused = False
        self._stopped = False
        self._last_divert: float | None = None
        self._last_tick = clock()
        self._item_counter = 0
        self.items_seen = 0
        self.delivery_seq = 0
        self.drops: list[Drop] = []
        self.taken_out: list[Any] = []  # payloads staff took out at jams

    # ------------------------------------------------------------------ the physical world

    @property
    def bin_count(self) -> int:
        return len(self._bins)

    @property
    def lock(self) -> threading.RLock:
        """Hold it to read several sensors as one consistent snapshot (re-entrant)."""
        return self._lock

    def insert(self, payload: Any) -> bool:
        """A patron puts an item in the slot; False when the slot is closed (inlet paused)."""
        with self._lock:
            if self._inlet_paused or self._stopped:
                return False
            self._slot.append(Parcel(payload))
            return True

    @property
    def waiting(self) -> int:
        """Items in the slot and on their way to the read position."""
        with self._lock:
            return len(self._slot) + (self._feeding is not None) + len(self._feed)

    @property
    def in_machine(self) -> int:
        """Items anywhere between the slot and a bin."""
        with self._lock:
            return (
                len(self._slot)
                + (self._feeding is not None)
                + (self._at_reader is not None)
                + len(self._feed)
                + len(self._flight)
                + len(self._transit)
                + (self._jam is not None)
            )

    @property
    def late_output(self) -> int:
        """The output an item without a bin goes to on a conveyor (the last bin by default)."""
        return self.timing.late_bin or len(self._bins)

    def bin_items(self, number: int) -> list[Any]:
        """Payloads in the bin since it was last emptied."""
        with self._lock:
            return list(self._bins[number - 1].items)

    # ------------------------------------------------------------------------- fault knobs

    def jam_next(self, count: int = 1) -> None:
        """The next ``count`` diverted items jam halfway to their bins."""
        with self._lock:
            self._jams_armed += count

    def free_jam(self, *, taken_out: bool = False) -> None:
        """Staff open the door and free the jammed item: put back on the belt, or taken out."""
        with self._lock:
            if self._jam is not None:
                self._jam_freed = True
                self._jam_taken_out = taken_out

    def press_reset(self) -> DivertRefusal | None:
        """The reset button (or the reset command): restart after a jam was freed."""
        with self._lock:
            if self._jam is None:
                return None
            if not self._jam_freed:
                return DivertRefusal.STILL_JAMMED
            parcel, self._jam = self._jam, None
            if self._jam_taken_out:
                self.taken_out.append(parcel.payload)
                self._drop(parcel.number, TAKEN_OUT)
            else:
                parcel.jams = False
                self._transit.append(parcel)
            self._jam_freed = self._jam_taken_out = False
            self._last_tick = self.clock()
            return None

    def clear_jam(self, *, taken_out: bool = False) -> None:
        """Free the jam and press reset, as staff do in one go."""
        self.free_jam(taken_out=taken_out)
        self.press_reset()

    def set_full(self, number: int, full: bool = True) -> None:
        """Force the bin's full sensor on (something blocks it) or let it read normally."""
        with self._lock:
            self._bins[number - 1].forced_full = full

    def empty_bin(self, number: int) -> list[Any]:
        """Staff empty the bin and press its button; returns what was in it."""
        with self._lock:
            slot = self._bins[number - 1]
            items, slot.items = slot.items, []
            slot.forced_full = False
            slot.emptied = (slot.emptied + 1) & 0xFFFF
            return items

    def emergency_stop(self, stopped: bool = True) -> None:
        with self._lock:
            self._stopped = stopped
            self._last_tick = self.clock()

    # ------------------------------------------------------------------ what sensors show

    @property
    def jammed(self) -> bool:
        with self._lock:
            return self._jam is not None

    @property
    def jam_item(self) -> int:
        with self._lock:
            return self._jam.number if self._jam else 0

    @property
    def inlet_paused(self) -> bool:
        with self._lock:
            return self._inlet_paused

    @property
    def stopped(self) -> bool:
        with self._lock:
            return self._stopped

    @property
    def item_at_reader(self) -> int:
        """The item held at the read position; on a conveyor, the last one to reach it while
        it is still in the reader's field (0: none)."""
        with self._lock:
            if self.timing.conveyor:
                in_field = [p for p in self._flight if p.in_field_s > 0]
                return in_field[-1].number if in_field else 0
            return self._at_reader.number if self._at_reader else 0

    def full(self, number: int) -> bool:
        with self._lock:
            slot = self._bins[number - 1]
            return slot.forced_full or len(slot.items) >= self.timing.bin_capacity

    def count(self, number: int) -> int:
        with self._lock:
            return len(self._bins[number - 1].items)

    def emptied(self, number: int) -> int:
        with self._lock:
            return self._bins[number - 1].emptied

    def ready(self) -> bool:
        """The diverter can take an item now."""
        with self._lock:
            return self._ready(self.clock())

    def _ready(self, now: float) -> bool:
        if self._jam is not None or self._stopped:
            return False
        if self.timing.conveyor:
            return True  # the belt spaces the items; a bin is taken whenever it comes
        return self._last_divert is None or now - self._last_divert >= self.timing.time_per_item_s

    # -------------------------------------------------------------- what the controller does

    def pause_inlet(self, paused: bool = True) -> None:
        with self._lock:
            self._inlet_paused = paused

    def check_divert(self, item: int, number: int) -> DivertRefusal | None:
        """Why a divert of ``item`` to bin ``number`` cannot happen now (None: it can)."""
        with self._lock:
            if self._stopped:
                return DivertRefusal.STOPPED
            if self._jam is not None:
                return DivertRefusal.JAMMED
            if not 1 <= number <= len(self._bins):
                return DivertRefusal.NO_SUCH_BIN
            if self.timing.conveyor:
                if self._in_flight(item) is None:
                    late = item in self._late
                    return DivertRefusal.LATE if late else DivertRefusal.NO_SUCH_ITEM
            elif self._at_reader is None or self._at_reader.number != item:
                return DivertRefusal.NO_SUCH_ITEM
            if self.full(number):
                return DivertRefusal.BIN_FULL
            return None

    def _in_flight(self, item: int) -> Parcel | None:
        """The conveyor's item ``item`` on its way to the diverter, bin not yet given."""
        for parcel in self._flight:
            if parcel.number == item and not parcel.bin:
                return parcel
        return None

    def divert(self, item: int, number: int) -> DivertRefusal | None:
        """Send the item at the read position on its way, if the diverter is ready.

        Returns a refusal, or None when done. Raises :class:`BlockingIOError` when the
        diverter is still busy with the previous item (the controller retries next tick).
        """
        left: Any = None
        with self._lock:
            refusal = self.check_divert(item, number)
            if refusal is not None:
                return refusal
            if self.timing.conveyor:
                parcel = self._in_flight(item)
                assert parcel is not None
                parcel.bin = number  # taken at the diverter when the item gets there
                return None
            now = self.clock()
            if not self._ready(now):
                raise BlockingIOError("diverter busy")
            parcel = self._at_reader
            assert parcel is not None
            self._at_reader = None
            parcel.bin = number
            parcel.remaining_s = self.timing.travel_s
            if self._jams_armed > 0:
                self._jams_armed -= 1
                parcel.jams = True
            self._transit.append(parcel)
            self._last_divert = now
            left = parcel.payload
        if self.on_left_reader is not None:
            self.on_left_reader(left)
        return None

    def tick(self) -> None:
        """Move everything on by the time passed since the last tick."""
        if self.timing.conveyor:
            self._tick_conveyor()
            return
        arrived: Any = None
        with self._lock:
            moved = self._moved_on()
            if moved is None:
                return
            _, dt = moved
            if self._feeding is not None:
                self._feeding.remaining_s -= dt
                if self._feeding.remaining_s <= 0 and self._at_reader is None:
                    parcel, self._feeding = self._feeding, None
                    self._item_counter = next_seq(self._item_counter)
                    parcel.number = self._item_counter
                    self.items_seen = (self.items_seen + 1) & 0xFFFF
                    self._at_reader = parcel
                    arrived = parcel.payload
            if (
                self._feeding is None
                and self._at_reader is None
                and self._slot
                and not self._inlet_paused
            ):
                self._feeding = self._slot.popleft()
                self._feeding.remaining_s = self.timing.feed_s
        if arrived is not None and self.on_at_reader is not None:
            self.on_at_reader(arrived)

    def _moved_on(self) -> tuple[float, float] | None:
        """Under the lock: the time now and since the last tick, once the items between the
        diverter and their bins moved on by it; None when nothing else moves now (stopped,
        jammed, or an item in transit jammed just now: the conveyor stops there)."""
        now = self.clock()
        dt, self._last_tick = now - self._last_tick, now
        if self._stopped or self._jam is not None or self._move_transit(dt):
            return None
        return now, dt

    def _move_transit(self, dt: float) -> bool:
        """Items between the diverter and their bins move on; True when one jammed."""
        for parcel in list(self._transit):
            parcel.remaining_s -= dt
            if parcel.jams and parcel.remaining_s <= self.timing.travel_s / 2:
                self._transit.remove(parcel)
                self._jam = parcel
                return True
            if parcel.remaining_s <= 0:
                self._transit.remove(parcel)
                self._bins[parcel.bin - 1].items.append(parcel.payload)
                self._drop(parcel.number, parcel.bin)
        return False

    def _tick_conveyor(self) -> None:
        """The conveyor moves on: feed, read position, diverter (bin or late output), bins."""
        arrived: list[Any] = []
        left: list[Any] = []
        with self._lock:
            moved = self._moved_on()
            if moved is None:
                return
            now, dt = moved
            timing = self.timing
            assert timing.divert_deadline_s is not None
            for parcel in list(self._flight):
                parcel.remaining_s -= dt
                if parcel.in_field_s > 0:
                    parcel.in_field_s -= dt
                    if parcel.in_field_s <= 0:
                        left.append(parcel.payload)
                if parcel.remaining_s > 0:
                    continue
                self._flight.remove(parcel)  # at the diverter
                if not parcel.bin:
                    parcel.bin = self.late_output
                    self.late += 1
                    self._late.append(parcel.number)
                if self._jams_armed > 0:
                    self._jams_armed -= 1
                    parcel.jams = True
                parcel.remaining_s = timing.travel_s
                self._transit.append(parcel)
                self._last_divert = now
            for parcel in list(self._feed):
                parcel.remaining_s -= dt
                if parcel.remaining_s > 0:
                    continue
                self._feed.remove(parcel)  # at the read position
                self._item_counter = next_seq(self._item_counter)
                parcel.number = self._item_counter
                self.items_seen = (self.items_seen + 1) & 0xFFFF
                parcel.remaining_s = timing.divert_deadline_s
                parcel.in_field_s = timing.read_zone_s
                self._flight.append(parcel)
                arrived.append(parcel.payload)
            spaced = self._released is None or now - self._released >= timing.time_per_item_s
            if self._slot and spaced and not self._inlet_paused:
                parcel = self._slot.popleft()
                parcel.remaining_s = timing.feed_s
                self._feed.append(parcel)
                self._released = now
        for payload in left:
            if self.on_left_reader is not None:
                self.on_left_reader(payload)
        for payload in arrived:
            if self.on_at_reader is not None:
                self.on_at_reader(payload)

    def _drop(self, item: int, number: int) -> None:
        self.delivery_seq = (self.delivery_seq + 1) & 0xFFFF
        self.drops.append(Drop(self.delivery_seq, item, number))
        del self.drops[:-64]  # the controller keeps only a short log
