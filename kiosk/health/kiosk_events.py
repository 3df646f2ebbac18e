"""Metrics from the kiosk core's own events: no extra calls scattered through the core.

Why an event subscriber: the core already announces every session, loan, return and refusal to
the UI as events; counting the same events keeps the metrics true to what patrons saw, and keeps
the core free of any monitoring code (arrows point down: health -> core, never back).

Only enum values and fixed words become labels; item ids, titles, masked cards and names in
the events are never read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from kiosk.core import events as ev

from .metrics import Metrics

__all__ = ["observe_kiosk", "record_event"]


class _Observable(Protocol):
    def subscribe(self, callback: Callable[[ev.KioskEvent], None]) -> Callable[[], None]: ...


def observe_kiosk(metrics: Metrics, kiosk: _Observable) -> Callable[[], None]:
    """Count the kiosk's events in ``metrics`` from now on; returns the unsubscriber."""
    return kiosk.subscribe(lambda event: record_event(metrics, event))


def record_event(metrics: Metrics, event: ev.KioskEvent) -> None:
    """Update ``metrics`` for one core event (events without a metric are ignored)."""
    match event:
        case ev.SessionStarted():
            metrics.session_started()
        case ev.SessionEnded(reason=reason):
            metrics.session_ended(reason.value)
        case ev.ItemBorrowed(renewed=renewed, offline=offline):
            metrics.transaction("renew" if renewed else "checkout", "offline" if offline else "ok")
        case ev.ItemRenewed():
            metrics.transaction("renew", "ok")
        case ev.ItemRefused(action=action, reason=reason):
            metrics.transaction(_KIND.get(action, action.value), reason.value)
        case ev.ItemReturned(outcome=outcome, offline=offline):
            metrics.transaction("checkin", "offline" if offline else outcome.kind.value)
        case ev.IdentifyRefused(reason=reason):
            metrics.transaction("identify", reason.value)
        case ev.PinRefused():
            metrics.transaction("identify", "pin_wrong")
        case ev.SecurityNotCleared(action=action):
            metrics.error("security", f"not_changed_{action.value}")
        case ev.LibrarySystemStatus(online=online):
            metrics.set_ils_state(online)
        case ev.ReceiptDelivered(how=how):
            metrics.transaction("receipt", how)
        case ev.ReceiptFailed(how=how):
            metrics.error("receipt", f"{how}_failed")
        case _:
            pass


_KIND = {ev.Action.BORROW: "checkout", ev.Action.RETURN: "checkin"}
