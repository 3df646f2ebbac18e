"""The console's way into a running kiosk or return station, from the console's own thread.

Why a bridge: the core runs on one asyncio loop and its objects are not thread-safe; the console
serves browsers on a loop of its own in another thread, so that a slow browser never delays the
touch screen. Every call into the core goes through :meth:`KioskBridge.on_kiosk`, which runs a
coroutine on the kiosk's loop (``run_coroutine_threadsafe``) and waits for it without blocking
the console's loop. What is thread-safe by design is read directly: the health metrics (also
read by the health server's thread) and a statistics connection of the console's own.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk import __version__
from kiosk.core.model import PrintOutcome, StaffStatus, TagReading
from kiosk.logs import RedactingFilter

if TYPE_CHECKING:
    from kiosk.config import KioskConfig
    from kiosk.core.staff import StaffDesk
    from kiosk.core.statistics import Statistics
    from kiosk.health import Metrics

__all__ = ["ConsoleTarget", "KioskBridge", "Problem", "RecentProblems", "StatusView"]

T = TypeVar("T")

#: How long the console waits for the kiosk's loop to answer before it says so.
CALL_TIMEOUT_S = 15.0


@dataclass(frozen=True, slots=True)
class Problem:
    """One recent warning or error from the kiosk's log (already redacted)."""

    at: datetime
    level: str
    logger: str
    message: str


class RecentProblems(logging.Handler):
    """The last warnings and errors of the process, redacted like every log line (no PIN,
    password, patron name or whole card number), for the status page."""

    def __init__(self, capacity: int = 20) -> None:
        super().__init__(level=logging.WARNING)
        self.addFilter(RedactingFilter())
        self._items: collections.deque[Problem] = collections.deque(maxlen=capacity)
        self._items_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        problem = Problem(
            at=datetime.fromtimestamp(record.created),
            level=record.levelname.lower(),
            logger=record.name,
            message=str(record.msg)[:300],
        )
        with self._items_lock:
            self._items.append(problem)

    def latest(self) -> list[Problem]:
        with self._items_lock:
            return list(reversed(self._items))


@dataclass(frozen=True, slots=True)
class ConsoleTarget:
    """What one console serves: a checkout kiosk or a return station, as it runs.

    ``restart`` is called from the console's thread and must hand the request to the kiosk's
    loop itself (``loop.call_soon_threadsafe``); None: the console offers no restart.
    """

    config: KioskConfig
    loop: asyncio.AbstractEventLoop
    desk: StaffDesk
    config_path: Path | None = None
    metrics: Metrics | None = None
    restart: Callable[[], object] | None = None  # its result is not used
    started: float = field(default_factory=time.time)

    @property
    def kind(self) -> str:
        return "return station" if self.config.kiosk.mode == "return-station" else "kiosk"


@dataclass(frozen=True, slots=True)
class StatusView:
    """Everything the status page shows. No patron data."""

    staff: StaffStatus
    half_done: int
    latency_ms: float | None
    components: dict[str, tuple[str, str]]  # name -> (state, detail)
    overall: str
    problems: list[Problem]
    version: str
    uptime_s: float


class KioskBridge:
    """Calls into one running kiosk from the console's thread."""

    def __init__(self, target: ConsoleTarget, problems: RecentProblems) -> None:
        self.target = target
        self.problems = problems
        self._statistics: Statistics | None = None
        self._statistics_lock = threading.Lock()

    async def on_kiosk(self, make: Callable[[], Awaitable[T]]) -> T:
        """Run ``make()`` on the kiosk's loop and wait for its result here."""

        async def run() -> T:
            return await make()

        future = asyncio.run_coroutine_threadsafe(run(), self.target.loop)
        return await asyncio.wait_for(asyncio.wrap_future(future), CALL_TIMEOUT_S)

    async def status(self) -> StatusView:
        desk = self.target.desk

        async def gather() -> tuple[StaffStatus, int]:
            staff = await desk.status()
            journal = desk.journal
            half_done = len(await journal.call(journal.half_done))
            return staff, half_done

        staff, half_done = await self.on_kiosk(gather)
        components: dict[str, tuple[str, str]] = {}
        latency_ms = None
        overall = "ok"
        metrics = self.target.metrics
        if metrics is not None:
            report = metrics.health()
            overall = report.status
            components = {name: (c.state, c.detail) for name, c in report.components.items()}
            seconds = metrics.registry.get_sample_value("kiosk_ils_latency_seconds")
            latency_ms = None if seconds is None else round(seconds * 1000, 1)
        return StatusView(
            staff=staff,
            half_done=half_done,
            latency_ms=latency_ms,
            components=components,
            overall=overall,
            problems=self.problems.latest(),
            version=__version__,
            uptime_s=time.time() - self.target.started,
        )

    async def resolve(self, entry_id: str, note: str) -> None:
        desk = self.target.desk
        await self.on_kiosk(lambda: desk.resolve(entry_id, note or None))

    async def print_test(self) -> PrintOutcome:
        desk = self.target.desk
        return await self.on_kiosk(desk.print_test)

    async def reader_test(self) -> tuple[TagReading, ...]:
        desk = self.target.desk

        async def read() -> tuple[TagReading, ...]:
            return desk.reader_test()

        return await self.on_kiosk(read)

    def restart(self) -> bool:
        """Ask the kiosk to restart (it exits; systemd starts it again). False: not offered."""
        if self.target.restart is None:
            return False
        self.target.restart()
        return True

    def statistics(self) -> Statistics:
        """The console's own connection to the statistics file (blocking calls: use a worker
        thread). Opened on first use: an idle console holds none."""
        from kiosk.core.statistics import Statistics

        with self._statistics_lock:
            if self._statistics is None:
                self._statistics = Statistics(self.target.config.kiosk.statistics_file.expanduser())
            return self._statistics

    def close(self) -> None:
        with self._statistics_lock:
            if self._statistics is not None:
                self._statistics.close()
                self._statistics = None


def run_blocking(function: Callable[..., T], *args: Any) -> Awaitable[T]:
    """``function(*args)`` on a worker thread of the console's loop."""
    return asyncio.to_thread(function, *args)
