"""The return station's bins: capacities, counts, full sensors, and where a full bin's items go.

Plain bookkeeping the station loop consults for every item: a bin is *full* when its count
plus the items already on their way to it reach its capacity, or when the sorter's full sensor
is on. With ``when_full = "overflow"`` an item for a full bin goes on down the bin's overflow
chain to the first bin with room; with ``"pause"`` (or at the end of the chain) there is no
room and the station closes its inlet until staff empty a bin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = ["BinBook", "StationBin"]


@dataclass(frozen=True, slots=True, kw_only=True)
class StationBin:
    """One configured bin (``number``: the sorter output it stands at)."""

    id: str
    number: int
    label: str = ""
    capacity: int = 100
    overflow: str | None = None

    @property
    def name(self) -> str:
        return self.label or self.id


class BinBook:
    """Counts and sensors of every bin, in memory (the ledger keeps the durable copy)."""

    def __init__(
        self,
        bins: Iterable[StationBin],
        *,
        when_full: str = "overflow",
        counts: Mapping[str, int] | None = None,
        en_route: Mapping[str, int] | None = None,
    ) -> None:
        self.bins: dict[str, StationBin] = {b.id: b for b in bins}
        self._by_number = {b.number: b for b in self.bins.values()}
        if when_full not in ("overflow", "pause"):
            raise ValueError(f"when_full must be 'overflow' or 'pause', not {when_full!r}")
        self.when_full = when_full
        self.counts: dict[str, int] = {b: int((counts or {}).get(b, 0)) for b in self.bins}
        self.en_route: dict[str, int] = {b: int((en_route or {}).get(b, 0)) for b in self.bins}
        self.sensor: dict[str, bool] = dict.fromkeys(self.bins, False)

    def bin(self, bin_id: str) -> StationBin:
        return self.bins[bin_id]

    def by_number(self, number: int) -> StationBin | None:
        return self._by_number.get(number)

    def full(self, bin_id: str) -> bool:
        b = self.bins[bin_id]
        return self.sensor[bin_id] or self.counts[bin_id] + self.en_route[bin_id] >= b.capacity

    def room_for(self, bin_id: str) -> StationBin | None:
        """The bin an item routed to ``bin_id`` can go to now: itself, or the first overflow
        with room; None when there is none (the inlet must pause)."""
        seen: set[str] = set()
        current: str | None = bin_id
        while current is not None and current not in seen:
            seen.add(current)
            if not self.full(current):
                return self.bins[current]
            if self.when_full == "pause":
                return None
            current = self.bins[current].overflow
        return None

    def blocking(self, bin_id: str) -> list[StationBin]:
        """The full bins standing in the way of ``bin_id`` (for the pause message)."""
        found: list[StationBin] = []
        current: str | None = bin_id
        while current is not None and current not in {b.id for b in found}:
            found.append(self.bins[current])
            if self.when_full == "pause":
                break
            current = self.bins[current].overflow
        return found

    # -------------------------------------------------------------------- what happened

    def diverted(self, bin_id: str, items: int) -> None:
        self.en_route[bin_id] += items

    def delivered(self, bin_id: str, items: int) -> None:
        self.en_route[bin_id] = max(0, self.en_route[bin_id] - items)
        self.counts[bin_id] += items

    def lost(self, bin_id: str, items: int) -> None:
        """Items on their way that will never be counted (taken out, unconfirmed)."""
        self.en_route[bin_id] = max(0, self.en_route[bin_id] - items)

    def emptied(self, bin_id: str) -> None:
        self.counts[bin_id] = 0

    def set_sensor(self, bin_id: str, full: bool) -> None:
        self.sensor[bin_id] = full
