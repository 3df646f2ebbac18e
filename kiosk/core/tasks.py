"""The loops a kiosk or a return station runs until it stops (the pad, the sorter, replay...).

Why a small class: both owners start several long-running tasks and must stop them all for
sure, and a loop that ends by itself (a bug, a device gone) must be logged, not vanish.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

__all__ = ["BackgroundTasks"]

log = logging.getLogger(__name__)


class BackgroundTasks:
    """Tasks started by one owner, cancelled together."""

    def __init__(self) -> None:
        self._tasks: list[asyncio.Task[None]] = []

    def start(self, coroutine: Coroutine[Any, Any, None], name: str) -> None:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        task.add_done_callback(_report_end)
        self._tasks = [t for t in self._tasks if not t.done()]  # short ones (an item) end
        self._tasks.append(task)

    async def stop(self, timeout_s: float = 5.0) -> None:
        """Cancel every task and wait for them to end, cancelling again those that did not: on
        Python 3.11 ``asyncio.wait_for`` can swallow a cancellation that arrives as its inner
        awaitable finishes, and a loop around it would then run on."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        pending = {task for task in self._tasks if not task.done()}
        while pending and loop.time() < deadline:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=0.5)
        for task in pending:
            log.error("task %s did not stop", task.get_name())
        self._tasks.clear()


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("task %s ended", task.get_name(), exc_info=task.exception())
