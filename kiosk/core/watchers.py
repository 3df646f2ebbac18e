"""The kiosk's background loops: the inactivity timer, the opening hours, and the card reader
and scanner.

Why apart from the facade: each loop only turns something that happens by itself (time passing,
a card inserted, a barcode scanned) into one of the kiosk's commands; they hold no state of
their own beyond the warning already shown.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from drivers.cards.contract import BarcodeScanner, CardReader
from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import EndReason, Mode, Reason

__all__ = ["watch_cards", "watch_inactivity", "watch_opening_hours", "watch_scanner"]

log = logging.getLogger(__name__)


async def watch_inactivity(
    ctx: KioskContext, end: Callable[[EndReason], Awaitable[None]], *, tick_s: float = 0.25
) -> None:
    """Warn a patron who stopped touching the screen, then end their visit."""
    while True:
        await asyncio.sleep(tick_s)
        if ctx.mode.between_visits or ctx.busy:
            continue
        left = ctx.settings.inactivity_timeout_s - ctx.idle_for()
        if left <= 0:
            await end(EndReason.TIMEOUT)
            continue
        if left <= ctx.settings.inactivity_warning_s:
            seconds = math.ceil(left)
            if seconds != ctx.warned_at:
                ctx.warned_at = seconds
                ctx.emit(ev.InactivityWarning(seconds_left=seconds))


async def watch_opening_hours(ctx: KioskContext, *, tick_s: float = 15.0) -> None:
    """Close the kiosk when its opening hours end (between visits), open it when they begin."""
    while True:
        ctx.follow_opening_hours()
        await asyncio.sleep(tick_s)


async def watch_cards(
    ctx: KioskContext, reader: CardReader, identify: Callable[[bytes], Awaitable[None]]
) -> None:
    """Cards inserted in (or laid on) the PC/SC reader identify patrons, or open staff mode."""
    try:
        async for event in reader.events():
            if event.kind != "inserted":
                continue
            if event.uid is None:  # a card whose number cannot be read (foreign card)
                if ctx.mode is Mode.IDLE:
                    ctx.emit(ev.IdentifyRefused(reason=Reason.TAG_UNREADABLE))
                continue
            await identify(event.uid)
    except Exception as error:
        log.warning("card reader stopped: %s", error)


async def watch_scanner(
    scanner: BarcodeScanner, identify: Callable[[str], Awaitable[None]]
) -> None:
    """Scanned barcodes are card numbers."""
    try:
        async for barcode in scanner.barcodes():
            await identify(barcode)
    except Exception as error:
        log.warning("scanner stopped: %s", error)
