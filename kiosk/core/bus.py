"""The kiosk's event stream for consumers that prefer ``async for`` to callbacks."""

from __future__ import annotations

import asyncio

from kiosk.core import events as ev

__all__ = ["EventStream"]


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
