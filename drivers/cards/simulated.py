"""In-process simulated card reader and barcode scanner for ``kiosk demo`` and core tests.

They implement the same contracts as the real drivers (:class:`~drivers.cards.contract.CardReader`,
:class:`~drivers.cards.contract.BarcodeScanner`) so the kiosk cannot tell them apart. A demo
button or a test "presents" a card or "scans" a barcode; both methods are safe to call from any
thread (a UI thread, a test thread) once the device is open. Where the real byte-level path is
wanted, use :class:`~drivers.cards.vpcd.VirtualCard` with real pcscd instead.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Generic, TypeVar

from ._channel import DeviceChannel
from .contract import BarcodeScanner, CardEvent, CardReader, DeviceError
from .errors import ReaderNotFoundError

T = TypeVar("T")


class _Simulated(Generic[T]):
    """Both simulated devices: named, with an event channel that opens and closes with them."""

    def __init__(self, name: str, kind: str) -> None:
        self.name = name
        self._events = DeviceChannel[T](f"{kind} '{name}'")

    async def open(self) -> None:
        self._events.open()

    async def close(self) -> None:
        self._events.close()


class SimulatedCardReader(_Simulated[CardEvent], CardReader):
    """A card reader whose cards are placed and taken away by calls, not hands."""

    def __init__(self, name: str = "Simulated card reader") -> None:
        super().__init__(name, "card reader")
        self._present = False

    def events(self) -> AsyncIterator[CardEvent]:
        return self._events.stream()

    def present(self, uid: bytes) -> None:
        """Place a card with this UID on the reader (a card already there is taken away first)."""
        channel = self._events.require()
        if self._present:
            channel.put(CardEvent("removed", self.name, None))
        self._present = True
        channel.put(CardEvent("inserted", self.name, bytes(uid)))

    def present_unreadable(self, error: str = "card answered 6A81: GET DATA not supported") -> None:
        """Fault knob: a card is inserted but its UID cannot be read (as with a foreign card)."""
        channel = self._events.require()
        self._present = True
        channel.put(CardEvent("inserted", self.name, None, error=error))

    def take_away(self) -> None:
        """Remove the card; nothing happens when no card is on the reader."""
        channel = self._events.require()
        if self._present:
            self._present = False
            channel.put(CardEvent("removed", self.name, None))

    def unplug(self) -> None:
        """Fault knob: the reader disappears; the event stream ends with ReaderNotFoundError."""
        self._events.require().fail(
            ReaderNotFoundError(f"card reader '{self.name}' was unplugged (simulated)")
        )


class SimulatedBarcodeScanner(_Simulated[str], BarcodeScanner):
    """A barcode scanner whose barcodes are typed in by calls."""

    def __init__(self, name: str = "Simulated scanner") -> None:
        super().__init__(name, "barcode scanner")

    def barcodes(self) -> AsyncIterator[str]:
        return self._events.stream()

    def scan(self, barcode: str) -> None:
        """Deliver one barcode, as a scanner does after decoding it."""
        if not barcode:
            raise ValueError("a scanned barcode is never empty")
        self._events.require().put(barcode)

    def unplug(self) -> None:
        """Fault knob: the scanner disappears; the barcode stream ends with DeviceError."""
        self._events.require().fail(DeviceError(f"barcode scanner '{self.name}' was unplugged"))
