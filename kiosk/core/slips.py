"""Slips the return station prints for staff: holds, transits and exceptions.

A slip goes with the item into its bin (or lies on top of it in the tray) and tells whoever
empties the bin what to do: whose hold shelf (no patron name, only the library system's own
short print lines), which library the van takes it to, or why staff must look at it. The item's
barcode is printed as Code 128 so a hand scanner finds the item record at once.
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from datetime import datetime

from drivers.printer.contract import Document, Line
from kiosk.core.model import ReturnKind, ReturnOutcome, TransferKind
from kiosk.core.printing import Printing
from kiosk.core.sorting import SortDecision
from kiosk.core.station_bins import StationBin

__all__ = ["Slip", "SlipKind", "SlipQueue", "slip_document", "slip_for"]


class SlipKind(enum.Enum):
    HOLD = "hold"  # a patron waits for it (here or elsewhere)
    TRANSIT = "transit"  # the van takes it to another library
    EXCEPTION = "exception"  # staff must look at it


_TITLES = {
    SlipKind.HOLD: "HOLD",
    SlipKind.TRANSIT: "TRANSIT",
    SlipKind.EXCEPTION: "STAFF: PLEASE CHECK",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Slip:
    kind: SlipKind
    item_id: str
    title: str
    bin_label: str
    destination_name: str | None = None
    lines: tuple[str, ...] = ()  # the reason, the library system's print lines
    station: str = ""
    created: datetime = field(default_factory=datetime.now)


def slip_document(slip: Slip) -> Document:
    """The slip for the printer driver."""
    lines = [Line(_TITLES[slip.kind], bold=True, size="large", align="center")]
    if slip.destination_name:
        lines.append(Line(slip.destination_name, bold=True, size="large", align="center"))
    lines.append(Line(""))
    if slip.title:
        lines.append(Line(slip.title, bold=True))
    lines.append(Line(slip.item_id))
    lines.extend(Line(text) for text in slip.lines if text)
    lines.append(Line(""))
    lines.append(Line(f"Bin: {slip.bin_label}"))
    footer = " ".join(part for part in (slip.station, f"{slip.created:%Y-%m-%d %H:%M}") if part)
    lines.append(Line(footer, align="center"))
    return Document(lines=lines, barcode=slip.item_id or None)


def slip_for(
    item_id: str,
    title: str,
    outcome: ReturnOutcome,
    decision: SortDecision,
    *,
    target: StationBin,
    routed: StationBin,
    holds: bool = True,
    transits: bool = True,
    station: str = "",
) -> Slip | None:
    """The slip for an item sorted into ``target`` (``routed``: the bin its decision named,
    another one when that was full), or None when it needs none.

    Exceptions and overflows always get one (staff must look, or move it); holds and transits
    as the station is configured (``holds``, ``transits``).
    """
    kind: SlipKind | None = None
    overflow = target.id != routed.id
    if decision.exception or overflow:
        kind = SlipKind.EXCEPTION
    elif outcome.kind is ReturnKind.HOLD_HERE or outcome.transfer is TransferKind.HOLD:
        kind = SlipKind.HOLD if holds else None
    elif outcome.transfer is TransferKind.TRANSIT:
        kind = SlipKind.TRANSIT if transits else None
    if kind is None:
        return None
    lines: tuple[str, ...] = outcome.slip.lines if outcome.slip else ()
    if overflow:
        lines = (f"overflow: belongs in {routed.name}", *lines)
    if decision.exception:
        lines = (decision.reason.replace("_", " "), *lines)
    return Slip(
        kind=kind,
        item_id=item_id,
        title=title,
        bin_label=target.name,
        destination_name=outcome.destination_name if kind is not SlipKind.EXCEPTION else None,
        lines=lines,
        station=station,
    )


class SlipQueue:
    """Slips printed one after the other, so a slow or failing printer never holds up the
    sorter (a slip that cannot be printed is logged; the item is in its bin regardless)."""

    def __init__(self, printing: Printing) -> None:
        self.printing = printing
        self._queue: asyncio.Queue[Slip] = asyncio.Queue()

    def add(self, slip: Slip) -> None:
        self._queue.put_nowait(slip)

    async def run(self) -> None:
        while True:
            slip = await self._queue.get()
            if self.printing.printer is not None:
                await self.printing.print(slip_document(slip), what=f"slip for {slip.item_id}")
