"""Ending asyncio things for good: a task cancelled and awaited, a stream closed and awaited.

Why wait: a stop that only cancels (or only closes) returns while the task may still run up to
its next await, or the transport still flushes, so whatever the caller tears down next (a
socket, the loop) can still be in use.
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["cancel_and_wait", "close_stream"]


async def cancel_and_wait(task: asyncio.Task[None] | None) -> None:
    """Cancel ``task`` (None: nothing to stop) and wait for it; its cancellation is not raised."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def close_stream(writer: asyncio.StreamWriter) -> None:
    """Close the connection and wait until it is closed. A peer that is gone already, or a
    TLS shutdown it does not answer, is not an error here: the connection ends either way."""
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
