"""The receipt printer contract: a small document model and a printer that prints it.

The document model knows nothing of libraries: the kiosk turns its receipt into lines.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from typing import Literal

from drivers.device import Device


class PrinterError(Exception):
    """The printer failed (offline, paper out, cover open); the message says which."""


@dataclass(frozen=True, slots=True)
class Line:
    text: str = ""
    bold: bool = False
    size: Literal["normal", "large"] = "normal"
    align: Literal["left", "center", "right"] = "left"


@dataclass(frozen=True, slots=True)
class Document:
    lines: list[Line] = field(default_factory=list)
    barcode: str | None = None  # printed as Code 128 under the lines when given
    cut: bool = True


@dataclass(frozen=True, slots=True)
class PrinterStatus:
    online: bool
    paper: Literal["ok", "low", "out", "unknown"]
    detail: str = ""


class ReceiptPrinter(Device):
    @abc.abstractmethod
    async def status(self) -> PrinterStatus: ...

    @abc.abstractmethod
    async def print_document(self, document: Document) -> None:
        """Print the whole document or raise PrinterError (e.g. paper out before the cut)."""
