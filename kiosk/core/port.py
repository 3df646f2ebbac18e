"""The port between the core and its screens: commands in, typed events out.

Why a port: the touch screen and the return station's display must not know how the kiosk is
built (drivers, the library system, SIP2) nor probe it for what it can do. They see exactly
these protocols; a screen that needs something asks the port for it. ``kiosk.ui`` imports the
core only through ``kiosk.core`` (these protocols, the events, the views and enums), and
``tests/test_architecture.py`` keeps it so.

Commands return quickly; their results arrive as events (:mod:`kiosk.core.events`) on the
asyncio loop, through :meth:`EventSource.subscribe`. A command the current mode does not take
(:mod:`kiosk.core.modes`) changes nothing and is answered with
:class:`~kiosk.core.events.CommandRefused`.

Two implementations: :class:`~kiosk.core.kiosk.Kiosk` (a patron kiosk, ``patron`` is itself)
and :class:`~kiosk.core.station_screen.StationScreen` (the return station's display: staff
commands and the station's events, no patron commands).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol

from kiosk.core.events import EndReason, KioskEvent, ServiceChanged
from kiosk.core.model import AccountView, PrintOutcome, StaffStatus, TagReading
from kiosk.core.modes import Mode
from kiosk.core.receipts import ReceiptChoice

__all__ = ["EventSource", "KioskPort", "PatronCommands", "ScreenPort", "StaffCommands"]

EventCallback = Callable[[KioskEvent], None]


class EventSource(Protocol):
    """The core's state as a screen may read it, and its events."""

    @property
    def mode(self) -> Mode: ...

    @property
    def library_system_online(self) -> bool: ...

    @property
    def service(self) -> ServiceChanged:
        """Whether patrons are served now and, when not, why and until when: the latest
        :class:`~kiosk.core.events.ServiceChanged`, for a screen that starts after it."""
        ...

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event, on the loop; returns an unsubscriber."""
        ...

    async def wait_idle(self) -> None:
        """Until every piece of work started so far has finished (scenarios, tests)."""
        ...


class StaffCommands(Protocol):
    """What the staff screen does, and what every screen reports (touches, its language)."""

    def touch(self) -> None:
        """Somebody touched the screen: restart the inactivity timer."""
        ...

    def set_language(self, language: str) -> None:
        """The screen's language (receipts and statistics follow it)."""
        ...

    async def staff_enter(self, code: str) -> bool: ...

    async def staff_exit(self) -> None: ...

    async def staff_status(self) -> StaffStatus | None:
        """The kiosk's health for the staff screen; None when not in staff mode."""
        ...

    async def staff_resolve(self, entry_id: str, note: str | None = None) -> bool: ...

    async def staff_print_test(self) -> PrintOutcome: ...

    def reader_test(self) -> tuple[TagReading, ...]:
        """What lies on the pad (or in the chute reader's field) now, decoded."""
        ...


class PatronCommands(Protocol):
    """A patron's visit: identify, borrow, return, the account, the receipt."""

    async def identify(self, card: str) -> None: ...

    async def enter_pin(self, pin: str) -> None: ...

    async def start_borrow(self) -> None: ...

    async def start_return(self) -> None: ...

    async def show_account(self) -> AccountView | None: ...

    async def renew(self, item_ids: Iterable[str]) -> None: ...

    async def renew_all(self) -> None: ...

    async def acknowledge_fee(self, item_id: str, accept: bool) -> None: ...

    async def retry(self) -> None: ...

    async def finish(self) -> None:
        """Offer the receipt, or end the visit; held (``FinishHeld``) while lent items still
        have their security on."""
        ...

    async def seek_staff(self) -> None:
        """The patron takes the items whose security stayed on to the staff (``SentToStaff``)."""
        ...

    async def confirm_left_items(self, borrow: bool) -> None:
        """The items left on the pad before this visit (``ItemLeftOnPad``): lend them
        (``borrow``) or leave them alone."""
        ...

    async def choose_receipt(self, choice: ReceiptChoice, email: str | None = None) -> None: ...

    async def end_session(self, reason: EndReason = EndReason.PATRON) -> None: ...


class ScreenPort(EventSource, StaffCommands, Protocol):
    """What every screen gets: events, staff commands, and the patron's commands where there
    are patrons (``None`` at a return station)."""

    @property
    def patron(self) -> PatronCommands | None: ...


class KioskPort(ScreenPort, PatronCommands, Protocol):
    """A patron kiosk: everything a screen may ask."""
