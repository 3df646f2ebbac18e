"""Slips the return station prints for staff: holds, transits and exceptions.

A slip goes with the item into its bin (or lies on top of it in the tray) and tells whoever
empties the bin what to do: whose hold shelf (no patron name, only the library system's own
short print lines), which library the van takes it to, or why staff must look at it. The item's
barcode is printed as Code 128 so a hand scanner finds the item record at once.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from drivers.printer.contract import Document, Line

__all__ = ["Slip", "SlipKind", "slip_document"]


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
