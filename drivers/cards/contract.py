"""Contracts for patron identification hardware: card readers and barcode scanners.

A card reader reports cards placed and taken away; a scanner reports decoded barcodes. Both are
async iterators of events so the kiosk can wait on several devices at once.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal

from drivers.device import Device


class DeviceError(Exception):
    """A card reader or scanner failed; the message says what staff should check."""


@dataclass(frozen=True, slots=True)
class CardEvent:
    """A card was presented to (``inserted``) or taken from (``removed``) a reader."""

    kind: Literal["inserted", "removed"]
    reader: str
    uid: bytes | None  # the card's UID as the reader returns it (GET DATA), None on removal
    # Set (and uid None) when a card was inserted but its UID could not be read, e.g.
    # "card answered 6A81: GET DATA not supported": the kiosk can ask the patron to try again.
    error: str | None = None

    def __repr__(self) -> str:
        # Library cards often use the UID as the card number: keep it out of logged reprs.
        uid = "None" if self.uid is None else f"'…{self.uid[-2:].hex().upper()}'"
        error = "" if self.error is None else f", error={self.error!r}"
        return f"CardEvent(kind={self.kind!r}, reader={self.reader!r}, uid={uid}{error})"


class CardReader(Device):
    @abc.abstractmethod
    def events(self) -> AsyncIterator[CardEvent]:
        """Cards coming and going, until close()."""


class BarcodeScanner(Device):
    @abc.abstractmethod
    def barcodes(self) -> AsyncIterator[str]:
        """Each barcode scanned, decoded to text without its terminator, until close()."""
