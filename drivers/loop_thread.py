"""An asyncio service on an event loop of its own, in a daemon thread.

Simulated machines and embedded servers (the sorter simulator, the embedded library system) are
asyncio code, but the callers that start them often are not, or run another loop: a synchronous
test, Kivy, the benchmark. Starting one must wait until it serves and hand its start-up error
to the caller; stopping it must end its loop from any thread. :class:`LoopThread` does that
once; a subclass says what it opens (:meth:`LoopThread.open_on_loop`) and closes
(:meth:`LoopThread.close_on_loop`).

It lives with the drivers because they may not import :mod:`kiosk`, while the kiosk's own
services may import drivers.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["LoopThread"]

T = TypeVar("T")


class LoopThread:
    """Runs :meth:`open_on_loop`, then waits, then :meth:`close_on_loop`, on a thread of its own.

    :meth:`start_loop` returns once :meth:`open_on_loop` is done and raises what it raised;
    :meth:`stop_loop` ends the service from any thread. Both may be called again.
    """

    #: The thread's name, and what "did not start in time" says did not start.
    thread_name = "loop-thread"
    description = "the service"

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._stop: asyncio.Event | None = None
        self._error: BaseException | None = None

    async def open_on_loop(self) -> None:
        """Start serving (on the service's loop); what this raises reaches the caller."""
        raise NotImplementedError

    async def close_on_loop(self) -> None:
        """Stop serving (on the service's loop)."""
        raise NotImplementedError

    def start_loop(self, timeout: float) -> None:
        if self._thread is not None:
            return
        self._ready.clear()
        self._thread = threading.Thread(target=self._run, name=self.thread_name, daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError(f"{self.description} did not start in time")
        if self._error is not None:
            error, self._error = self._error, None
            self._thread = None
            raise error

    def stop_loop(self, timeout: float) -> None:
        if self._thread is None:
            return
        if self._loop is not None and self._stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has ended already
                self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
        self._thread = None

    def call_on_loop(self, coroutine: Coroutine[Any, Any, T], timeout: float = 5.0) -> T:
        """Run ``coroutine`` on the service's loop from another thread and return its result."""
        if self._loop is None:
            coroutine.close()
            raise RuntimeError(f"{self.description} is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        try:
            await self.open_on_loop()
        except BaseException as error:  # reported to the starting thread
            self._error = error
            self._ready.set()
            return
        self._ready.set()
        await self._stop.wait()
        await self.close_on_loop()
