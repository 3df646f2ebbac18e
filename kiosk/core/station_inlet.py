"""The return station's slot: open unless something needs it closed.

Why its own small module: many things close the slot (full bins, a jam, the sorter or the
chute reader not answering, the library system down with no offline returns, the station
stopping), each with a message for staff, and the slot opens again only when every one of them
is gone. Keeping the reasons in one place makes "why is it closed?" one dictionary away.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from drivers.sorter.contract import Sorter, SorterError
from kiosk.core import station_events as sev
from kiosk.core.events import KioskEvent

__all__ = ["Inlet"]

log = logging.getLogger(__name__)


class Inlet:
    """The reasons the slot is closed, and the sorter told to match them."""

    def __init__(self, sorter: Sorter, emit: Callable[[KioskEvent], None]) -> None:
        self.sorter = sorter
        self._emit = emit
        self.pauses: dict[sev.PauseReason, str] = {}
        self.machine_paused: bool | None = None  # what the machine last reported / was told
        self._lock = asyncio.Lock()

    def pause(self, reason: sev.PauseReason, message: str) -> None:
        """Close the slot for ``reason`` (call :meth:`apply` to tell the machine)."""
        if self.pauses.get(reason) != message:
            self.pauses[reason] = message
            log.warning("inlet paused: %s", message)
            self._emit(sev.InletPaused(reason=reason, message=message))

    def lift(self, reason: sev.PauseReason) -> bool:
        """``reason`` is gone; True when it had closed the slot."""
        return self.pauses.pop(reason, None) is not None

    async def apply(self) -> None:
        """Tell the sorter to open or close the slot when that differs from what it shows."""
        async with self._lock:
            want = bool(self.pauses)
            if self.machine_paused is want:
                return
            try:
                if want:
                    await self.sorter.pause_inlet()
                else:
                    await self.sorter.resume_inlet()
            except SorterError as error:
                log.warning("could not %s the inlet: %s", "pause" if want else "open", error)
                return
            if not want and self.machine_paused is not None:
                log.info("inlet open again")
                self._emit(sev.InletResumed())
            self.machine_paused = want
