"""How the kiosk and the return station hand their events out: callbacks or ``async for``."""

from __future__ import annotations

import abc
import asyncio
import logging
from collections.abc import Callable
from typing import Self

from kiosk.core import events as ev

__all__ = ["EventCallback", "EventHub", "EventStream", "Service"]

log = logging.getLogger(__name__)

EventCallback = Callable[[ev.KioskEvent], None]


class EventHub:
    """Subscribers and streams of one event source (a :class:`~kiosk.core.Kiosk`, a return
    station). A subscriber that raises is logged and never stops the others or the source."""

    def __init__(self) -> None:
        self._subscribers: list[EventCallback] = []
        self._queues: list[asyncio.Queue[ev.KioskEvent]] = []

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on the loop); returns an unsubscriber."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    def events(self) -> EventStream:
        """Every event from now on (from this call, not from the first ``await``), as an async
        iterator; ``await stream.aclose()`` (or leaving ``async with``) stops it."""
        return EventStream(self._queues)

    def emit(self, event: ev.KioskEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed on %s", type(event).__name__)
        for queue in self._queues:
            queue.put_nowait(event)


class EventStream:
    """An async iterator over the kiosk's events, registered the moment it is created."""

    def __init__(self, queues: list[asyncio.Queue[ev.KioskEvent]]) -> None:
        self._queues = queues
        self._queue: asyncio.Queue[ev.KioskEvent] = asyncio.Queue()
        queues.append(self._queue)

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> ev.KioskEvent:
        if self._queue not in self._queues:
            raise StopAsyncIteration
        return await self._queue.get()

    async def aclose(self) -> None:
        if self._queue in self._queues:
            self._queues.remove(self._queue)

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


class Service(abc.ABC):
    """A kiosk or a return station as its owner runs it: :meth:`start` and :meth:`stop` (or
    ``async with``), and its events handed out through one :class:`EventHub`, which the
    constructor makes first (the kiosk's parts get it too)."""

    _hub: EventHub

    @abc.abstractmethod
    async def start(self) -> None: ...

    @abc.abstractmethod
    async def stop(self) -> None: ...

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on the loop); returns an unsubscriber."""
        return self._hub.subscribe(callback)

    def events(self) -> EventStream:
        """Every event from now on (from this call, not from the first ``await``), as an async
        iterator; ``await stream.aclose()`` (or leaving ``async with``) stops it."""
        return self._hub.events()
