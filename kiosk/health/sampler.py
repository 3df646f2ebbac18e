"""Periodic readings of what events do not tell: library-system latency, queue depth, paper.

Why polling for these: the offline queue grows and shrinks inside the journal, the printer runs
out of paper between two patrons, and the library system's latency is a property of the client.
A reading every few seconds is what a Prometheus scrape interval needs, and it costs one SQLite
COUNT (and one of the staff's reconciliation list), one attribute read and one printer status
query.

The RFID pad is not polled here: the pad loop owns the reader, and a second inventory from the
sampler would compete with it on the serial line. Whoever sees a reader fail reports it with
``Metrics.set_reader_state``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from kiosk.closing import cancel_and_wait

from .metrics import Metrics, PaperState

__all__ = ["KioskSampler"]

log = logging.getLogger(__name__)

_PAPER: dict[str, PaperState] = {"ok": "ok", "low": "near_end", "out": "out"}


class KioskSampler:
    """Reads a running kiosk (``kiosk.assembly.RunningKiosk``) into ``metrics`` every interval.

    Duck-typed on purpose (``ils.online``, ``ils.last_latency``, the journal's queue depth,
    ``await printer.status()``), so that a part missing from a kiosk is simply not reported.
    """

    def __init__(self, metrics: Metrics, running: Any, interval_s: float = 10.0) -> None:
        self.metrics = metrics
        self.running = running
        self.interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    async def sample_once(self) -> None:
        ils = getattr(self.running, "ils", None)
        if ils is not None:
            self.metrics.set_ils_state(bool(ils.online))
            latency = getattr(ils, "last_latency", None)
            if latency is not None:
                self.metrics.set_ils_latency(latency)
            pool = getattr(ils, "pool", None)  # SIP2: the connections that really logged in
            if pool is not None:
                self.metrics.set_ils_connections(pool.logged_in, pool.configured)
        journal = getattr(self.running, "journal", None)
        if journal is not None:
            # On the journal's writer thread, as every journal call from the loop.
            self.metrics.set_offline_queue_depth(await journal.call(journal.offline_queue_depth))
            self.metrics.set_reconciliation_entries(len(await journal.call(journal.reconciliation)))
        printer = getattr(self.running, "printer", None)
        if printer is not None:
            try:
                status = await asyncio.wait_for(printer.status(), timeout=5)
            except Exception as exc:  # a printer that fails to answer is a fact, not a crash
                log.warning(
                    "printer status failed", extra={"fields": {"error": type(exc).__name__}}
                )
                self.metrics.set_printer_state(False)
            else:
                paper = _PAPER.get(status.paper, "unknown")
                self.metrics.set_printer_state(bool(status.online), paper)

    async def run(self) -> None:
        while True:
            try:
                await self.sample_once()
            except Exception:
                log.exception("sampling the kiosk failed")
            await asyncio.sleep(self.interval_s)

    def start(self) -> asyncio.Task[None]:
        self._task = asyncio.get_running_loop().create_task(self.run(), name="kiosk-sampler")
        return self._task

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
