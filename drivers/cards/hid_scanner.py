"""Barcode scanners in USB-HID keyboard mode, read through the Linux input subsystem (evdev).

The device is *grabbed* (EVIOCGRAB) so its keystrokes reach only the kiosk, never the focused
window or a text field. Documents: Linux Documentation/input/input.rst and event-codes.rst
(struct input_event, EV_KEY), python-evdev's API documentation; key decoding lives in
:mod:`drivers.cards.keymap`. CI has no ``/dev/input``: pass ``event_source`` (any async iterable
of objects with ``type``, ``code`` and ``value``, e.g. ``evdev.InputEvent``) to feed events in.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any, Protocol

from ._channel import DeviceChannel
from .contract import BarcodeScanner, DeviceError
from .errors import name_matcher, no_device_matching
from .keymap import KeyDecoder

log = logging.getLogger(__name__)


class InputEventLike(Protocol):
    type: int
    code: int
    value: int


def find_input_device(name_pattern: str) -> str:
    """Path of the first /dev/input/event* device whose name matches (regex, no case)."""
    import evdev  # Linux only; imported here so other platforms can use injected events

    matcher = name_matcher(name_pattern, "scanner")
    names: list[str] = []
    for path in evdev.list_devices():
        with contextlib.suppress(OSError):
            device = evdev.InputDevice(path)
            names.append(device.name)
            device.close()
            if matcher.search(device.name):
                return path
    raise no_device_matching(
        "input device",
        name_pattern,
        names,
        when_none="no readable /dev/input/event* devices"
        " (is the scanner plugged in and the kiosk user in the 'input' group?)",
        present="found",
    )


class HidBarcodeScanner(BarcodeScanner):
    """A keyboard-wedge barcode scanner, by device path or by name pattern."""

    def __init__(
        self,
        device: str | None = None,
        *,
        name_pattern: str | None = None,
        layout: str = "us",
        terminator: str = "ENTER",
        grab: bool = True,
        event_source: AsyncIterable[InputEventLike] | None = None,
    ) -> None:
        if device is None and name_pattern is None and event_source is None:
            raise ValueError("give a device path, a name pattern or an event source")
        self.device = device
        self.name_pattern = name_pattern
        self.grab = grab
        self._decoder = KeyDecoder(layout, terminator)  # validates layout and terminator now
        self._source = event_source
        self._input_device: Any = None
        self._events = DeviceChannel[str](f"barcode scanner {self.description!r}")
        self._task: asyncio.Task[None] | None = None

    @property
    def description(self) -> str:
        return self.device or self.name_pattern or "injected events"

    async def open(self) -> None:
        if self._task is not None:
            return
        source = self._source if self._source is not None else self._open_device()
        self._events.open()
        self._task = asyncio.create_task(self._pump(source), name=f"hid:{self.description}")

    def _open_device(self) -> AsyncIterable[InputEventLike]:
        import evdev

        path = self.device or find_input_device(self.name_pattern or "")
        try:
            device = evdev.InputDevice(path)
        except OSError as error:
            raise DeviceError(
                f"cannot open scanner input device {path}: {error.strerror}"
                " (the kiosk user needs the 'input' group)"
            ) from error
        if self.grab:
            try:
                device.grab()
            except OSError as error:
                device.close()
                raise DeviceError(
                    f"cannot grab scanner {device.name!r} at {path}: {error.strerror}"
                    " (another program holds it; its keystrokes would leak)"
                ) from error
        self._input_device = device
        log.info("HID scanner %r open at %s (grabbed: %s)", device.name, path, self.grab)
        return device.async_read_loop()

    async def close(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        device, self._input_device = self._input_device, None
        if device is not None:
            with contextlib.suppress(OSError):
                if self.grab:
                    device.ungrab()
            device.close()
        self._events.close()

    def barcodes(self) -> AsyncIterator[str]:
        return self._events.stream()

    async def _pump(self, source: AsyncIterable[InputEventLike]) -> None:
        channel = self._events.require()
        try:
            async for event in source:
                barcode = self._decoder.feed(event.type, event.code, event.value)
                if barcode is not None:
                    channel.put(barcode)
        except OSError as error:
            channel.fail(DeviceError(f"scanner {self.description!r} disconnected: {error}"))
            return
        except Exception as error:  # never leave the consumer waiting on a dead pump
            log.exception("scanner %r failed", self.description)
            channel.fail(DeviceError(f"scanner {self.description!r} failed: {error}"))
            return
        if self._source is None:  # a real device never ends its stream by itself
            channel.fail(DeviceError(f"scanner {self.description!r} stopped sending events"))
        else:
            channel.close()
