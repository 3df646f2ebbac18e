"""A one-consumer event channel from any thread into asyncio.

Device drivers read hardware on worker threads (pyscard and pyserial block), but the kiosk waits
on devices with ``async for``. This channel is the one place where the hand-over happens:
producers on any thread call :meth:`EventChannel.put`, :meth:`EventChannel.fail` and
:meth:`EventChannel.close`, which are marshalled onto the loop with ``call_soon_threadsafe``,
so the asyncio queue is only ever touched by the loop's own thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, Generic, TypeVar

from .contract import DeviceError

T = TypeVar("T")


class _End:
    """The mark :meth:`EventChannel.close` queues: the stream ends here."""


_END = _End()


class EventChannel(Generic[T]):
    """Delivers items to one async consumer until closed, or until a failure is raised to it."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._queue: asyncio.Queue[T | BaseException | _End] = asyncio.Queue()
        self._closed = False
        self._lock = threading.Lock()

    @property
    def closed(self) -> bool:
        return self._closed

    def put(self, item: T) -> None:
        """Queue ``item`` for the consumer; safe from any thread; ignored once closed."""
        self._send(item)

    def fail(self, error: BaseException) -> None:
        """End the stream by raising ``error`` in the consumer; safe from any thread."""
        self._send(error, final=True)

    def close(self) -> None:
        """End the stream normally; safe from any thread and idempotent."""
        self._send(_END, final=True)

    def _send(self, item: T | BaseException | _End, final: bool = False) -> None:
        with self._lock:
            if self._closed:
                return
            if final:
                self._closed = True
        if self._loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._queue.put_nowait(item)
            return
        # RuntimeError: the loop closed meanwhile, so nobody is left to receive the item.
        with contextlib.suppress(RuntimeError):
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)

    async def __aiter__(self) -> AsyncIterator[T]:
        while True:
            item = await self._queue.get()
            if isinstance(item, _End):
                return
            if isinstance(item, BaseException):
                raise item
            yield item


class DeviceChannel(Generic[T]):
    """A device's channel over its life: made when the device opens (on the running loop) and
    ended when it closes; the stream of a device that was never opened is a DeviceError."""

    def __init__(self, device: str) -> None:
        self.device = device  # how an error names it: "barcode scanner on '/dev/ttyACM0'"
        self._channel: EventChannel[T] | None = None

    def open(self) -> EventChannel[T]:
        self._channel = EventChannel(asyncio.get_running_loop())
        return self._channel

    def close(self) -> None:
        if self._channel is not None:
            self._channel.close()

    def require(self) -> EventChannel[T]:
        """The channel, for the device's producers; DeviceError before the first open."""
        if self._channel is None:
            raise DeviceError(f"{self.device} is not open")
        return self._channel

    def stream(self) -> AsyncIterator[T]:
        """What the device's consumer iterates."""
        return aiter(self.require())


class ReadingThread:
    """A device's blocking reader thread over its life, feeding the device's channel.

    Why: pyscard and pyserial block, so the card reader and the serial scanner each read on a
    thread of their own that puts what it reads into the channel and watches :attr:`stopping`.
    Starting that thread with a fresh channel, and stopping it (wake it, wait for it, end the
    stream), is the same for each device and is written here once.
    """

    def __init__(self, events: DeviceChannel[Any]) -> None:
        self.events = events
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None

    def start(self, target: Callable[[], None], name: str) -> None:
        """Open the channel and run ``target`` on a daemon thread called ``name``."""
        self.events.open()
        self.stopping.clear()
        self._thread = threading.Thread(target=target, name=name, daemon=True)
        self._thread.start()

    async def stop(self, wake: Callable[[], None] | None = None) -> None:
        """Set :attr:`stopping`, call ``wake`` (it interrupts a blocking read), wait up to 5 s
        for the thread without blocking the loop, and end the channel's stream."""
        self.stopping.set()
        if wake is not None:
            wake()
        thread, self._thread = self._thread, None
        if thread is not None:
            await asyncio.to_thread(thread.join, 5.0)
        self.events.close()
