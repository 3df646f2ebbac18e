"""Stopping a background task: cancel it, then wait until it has really ended.

Why wait: a stop that only cancels returns while the task may still run up to its next await,
so whatever the caller closes next (a socket, the loop) can still be used by it.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["cancel_and_wait"]


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` (None: nothing to stop) and wait for it; its cancellation is not raised."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
