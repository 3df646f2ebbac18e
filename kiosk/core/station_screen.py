"""The return station's display, seen through the screens' port.

Why: the return-station screen shows the station's events (each item, where it went, the
bins) and offers staff the same tools as at a kiosk. It gets exactly the
:class:`~kiosk.core.port.ScreenPort` a kiosk's screen gets, with no patron commands (nobody
borrows at a return chute), so the UI needs no second way of talking to the core.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from kiosk.core import events as ev
from kiosk.core.modes import Command, Mode, allowed
from kiosk.core.port import EventCallback, PatronCommands
from kiosk.core.staff import StaffCommandSet, StaffDesk
from kiosk.core.station import ReturnStation

__all__ = ["StationScreen"]

log = logging.getLogger(__name__)


_ALWAYS_OPEN = ev.ServiceChanged(open=True)


class StationScreen(StaffCommandSet):
    """A :class:`~kiosk.core.port.ScreenPort` over one return station: IDLE or STAFF."""

    def __init__(self, station: ReturnStation) -> None:
        self.station = station
        self._mode = Mode.IDLE

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def library_system_online(self) -> bool:
        return self.station.library_system_online

    @property
    def service(self) -> ev.ServiceChanged:
        """A return station takes items back whenever it runs: it keeps no opening hours."""
        return _ALWAYS_OPEN

    @property
    def patron(self) -> PatronCommands | None:
        return None

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        return self.station.subscribe(callback)

    async def wait_idle(self) -> None:
        await self.station.wait_idle()

    def _may(self, command: Command) -> bool:
        if allowed(command, self._mode, patron=False):
            return True
        log.info("%s not taken in mode %s", command.value, self._mode.value)
        self.station.announce(ev.CommandRefused(command=command, mode=self._mode))
        return False

    def _set_mode(self, mode: Mode) -> None:
        if mode is not self._mode:
            previous, self._mode = self._mode, mode
            self.station.announce(ev.ModeChanged(mode=mode, previous=previous))

    def touch(self) -> None:
        """Nothing times out at the station."""

    def set_language(self, language: str) -> None:
        """The screen's language only; the station has no patron session."""

    @property
    def staff_desk(self) -> StaffDesk:
        return self.station.staff

    def _announce(self, event: ev.KioskEvent) -> None:
        self.station.announce(event)

    async def _enter_staff(self) -> None:
        self._set_mode(Mode.STAFF)
        self.station.announce(ev.StaffModeEntered())

    async def _leave_staff(self) -> None:
        self._set_mode(Mode.IDLE)
