"""What a kiosk tells the fleet's monitoring: Prometheus metrics plus a health summary.

Why one object for both: the core reports a fact once (``metrics.set_ils_state(False)``) and the
Prometheus series and the ``/healthz`` verdict can never disagree. The registry is our own (not
prometheus_client's global one) so that tests, a second kiosk in one process, or a library
imported alongside cannot mix series.

No personal data: label values are restricted to short lower-case identifiers starting with a
letter (``checkout``, ``hold_here``, ``paper_out``), so a card number or a patron's name passed by
mistake is replaced by ``other`` and logged as a programming error instead of being exported.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

__all__ = ["ComponentHealth", "HealthReport", "Metrics", "State"]

log = logging.getLogger(__name__)

State = Literal["ok", "degraded", "failing"]
_SEVERITY: dict[str, int] = {"ok": 0, "degraded": 1, "failing": 2}
_LABEL = re.compile(r"^[a-z][a-z0-9_.-]{0,39}$")
PaperState = Literal["ok", "near_end", "out", "unknown"]
_PAPER_STATES: tuple[str, ...] = ("ok", "near_end", "out", "unknown")


@dataclass(frozen=True, slots=True)
class ComponentHealth:
    """One part of the kiosk as /healthz shows it."""

    state: State
    detail: str = ""
    since: float = 0.0  # unix time of the last change of state


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The /healthz answer: the worst component decides the overall state."""

    status: State
    components: dict[str, ComponentHealth]
    kiosk_id: str

    def as_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            "kiosk": self.kiosk_id,
            "components": {
                name: {"state": c.state, "detail": c.detail, "since": round(c.since, 3)}
                for name, c in sorted(self.components.items())
            },
        }


class Metrics:
    """The kiosk's metrics and health; thread-safe; every method is cheap and never raises.

    Calls the core makes (all optional, in any order)::

        metrics.set_ils_state(up=True, latency_s=0.042)      # after each library-system request
        metrics.observe_ils_request(0.042)                   # ... or only the timing
        metrics.set_reader_state("rfid", up=True)            # "rfid" | "card" | "scanner"
        metrics.set_printer_state(up=True, paper="near_end") # paper: ok | near_end | out | unknown
        metrics.set_sorter_state(up=True)
        metrics.set_bin_fill("holds", count=12, capacity=60)
        metrics.set_offline_queue_depth(3)
        metrics.set_reconciliation_entries(1)                # waiting for staff
        metrics.transaction("checkout", "ok")                # kind, outcome
        metrics.session_started(); metrics.session_ended("completed")
        metrics.error("sip2", "timeout")                     # component, kind
        metrics.set_component("journal", "failing", "disk full")   # anything else /healthz shows
    """

    def __init__(
        self,
        kiosk_id: str = "kiosk",
        *,
        library: str = "",
        branch: str = "",
        mode: str = "checkout",
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.registry = CollectorRegistry(auto_describe=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._components: dict[str, ComponentHealth] = {}
        self._bad_labels_seen: set[str] = set()
        self._heartbeat: float | None = None
        self._heartbeat_limit_s: float | None = None
        self._active_sessions = 0
        r = self.registry
        self._info = Gauge(
            "kiosk_info", "Identity of this kiosk (always 1).",
            ["kiosk", "library", "branch", "mode"], registry=r,
        )  # fmt: skip
        self._info.labels(kiosk_id, library, branch, mode).set(1)
        Gauge("kiosk_start_time_seconds", "Unix time the kiosk started.", registry=r).set(clock())
        self._ils_up = Gauge("kiosk_ils_up", "1 if the library system answers.", registry=r)
        self._ils_latency = Gauge(
            "kiosk_ils_latency_seconds", "Latency of the last library-system request.", registry=r
        )
        self._ils_requests = Histogram(
            "kiosk_ils_request_duration_seconds", "Library-system request latency.",
            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10), registry=r,
        )  # fmt: skip
        self._ils_connections = Gauge(
            "kiosk_ils_connections",
            "Library-system connections (SIP2 pool): state=logged_in or configured.",
            ["state"],
            registry=r,
        )
        self._reader_up = Gauge("kiosk_reader_up", "1 if the reader works.", ["reader"], registry=r)
        self._printer_up = Gauge("kiosk_printer_up", "1 if the printer answers.", registry=r)
        self._paper = Gauge(
            "kiosk_printer_paper", "1 for the printer's current paper state.", ["state"], registry=r
        )
        self._sorter_up = Gauge("kiosk_sorter_up", "1 if the sorter answers.", registry=r)
        self._bin_fill = Gauge("kiosk_bin_items", "Items in a return bin.", ["bin"], registry=r)
        self._bin_capacity = Gauge(
            "kiosk_bin_capacity", "Capacity of a return bin.", ["bin"], registry=r
        )
        self._queue = Gauge(
            "kiosk_offline_queue_depth", "Journaled transactions not yet replayed.", registry=r
        )
        self._reconciliation = Gauge(
            "kiosk_reconciliation_entries",
            "Journal entries waiting for staff (the reconciliation list).",
            registry=r,
        )
        self._transactions = Counter(
            "kiosk_transactions", "Transactions by kind and outcome.",
            ["kind", "outcome"], registry=r,
        )  # fmt: skip
        self._sessions = Counter(
            "kiosk_sessions", "Patron sessions ended, by outcome.", ["outcome"], registry=r
        )
        self._sessions_active = Gauge(
            "kiosk_sessions_active", "Patron sessions in progress.", registry=r
        )
        self._errors = Counter(
            "kiosk_errors", "Errors by component and kind.", ["component", "kind"], registry=r
        )

    # -- what the core reports ---------------------------------------------------------------

    def set_ils_state(self, up: bool, latency_s: float | None = None) -> None:
        """The library system answered (``up``) or not; ``latency_s`` of that request if known."""
        self._ils_up.set(1 if up else 0)
        if latency_s is not None:
            self.observe_ils_request(latency_s)
        self.set_component(
            "ils", "ok" if up else "degraded", "" if up else "library system unreachable"
        )

    def observe_ils_request(self, latency_s: float) -> None:
        """One library-system request took ``latency_s`` (gauge and histogram)."""
        self._ils_latency.set(latency_s)
        self._ils_requests.observe(latency_s)

    def set_ils_latency(self, latency_s: float) -> None:
        """The latest known latency (gauge only: a sampled value is not a new request)."""
        self._ils_latency.set(latency_s)

    def set_ils_connections(self, logged_in: int, configured: int) -> None:
        """The connection pool as it really is: fewer logged in than configured (a library system
        that serves one session per account) is a degraded kiosk, slower on a stack."""
        self._ils_connections.labels("logged_in").set(logged_in)
        self._ils_connections.labels("configured").set(configured)
        if logged_in < configured:
            detail = f"{logged_in} of {configured} library-system connections logged in"
            self.set_component("ils.pool", "degraded", detail)
        else:
            self.set_component("ils.pool", "ok", f"{logged_in} connections")

    def set_reader_state(self, reader: str, up: bool, detail: str = "") -> None:
        """An RFID pad, card reader or scanner works (``up``) or not. Without one, no kiosk."""
        name = self._label(reader)
        self._reader_up.labels(name).set(1 if up else 0)
        self.set_component(f"reader.{name}", "ok" if up else "failing", detail)

    def set_printer_state(self, up: bool, paper: PaperState = "unknown") -> None:
        """Printer reachable and its paper state; out of paper degrades (no receipts)."""
        self._printer_up.set(1 if up else 0)
        paper = paper if paper in _PAPER_STATES else "unknown"
        for state in _PAPER_STATES:
            self._paper.labels(state).set(1 if state == paper else 0)
        if not up:
            self.set_component("printer", "degraded", "printer not answering")
        elif paper == "out":
            self.set_component("printer", "degraded", "paper out")
        elif paper == "near_end":
            self.set_component("printer", "ok", "paper near end")
        else:
            self.set_component("printer", "ok")

    def set_sorter_state(self, up: bool, detail: str = "") -> None:
        self._sorter_up.set(1 if up else 0)
        self.set_component("sorter", "ok" if up else "failing", detail)

    def set_bin_fill(self, bin_id: str, count: int, capacity: int | None = None) -> None:
        name = self._label(bin_id)
        self._bin_fill.labels(name).set(count)
        if capacity is not None:
            self._bin_capacity.labels(name).set(capacity)

    def set_offline_queue_depth(self, depth: int) -> None:
        self._queue.set(depth)

    def set_reconciliation_entries(self, count: int) -> None:
        """Entries on the staff's reconciliation list (the fleet alerts when they wait)."""
        self._reconciliation.set(count)

    def transaction(self, kind: str, outcome: str) -> None:
        """Count one transaction (``"checkout"``, ``"checkin"``, ``"renew"`` ...) by outcome."""
        self._transactions.labels(self._label(kind), self._label(outcome)).inc()

    def session_started(self) -> None:
        with self._lock:
            self._active_sessions += 1
            self._sessions_active.set(self._active_sessions)

    def session_ended(self, outcome: str = "completed") -> None:
        """A session ended: ``completed``, ``timeout``, ``cancelled``, ``refused`` ..."""
        with self._lock:
            self._active_sessions = max(0, self._active_sessions - 1)
            self._sessions_active.set(self._active_sessions)
        self._sessions.labels(self._label(outcome)).inc()

    def error(self, component: str, kind: str) -> None:
        self._errors.labels(self._label(component), self._label(kind)).inc()

    def set_component(self, name: str, state: State, detail: str = "") -> None:
        """Set what /healthz says about one component (for parts without a dedicated method)."""
        if state not in _SEVERITY:
            state = "failing"
        with self._lock:
            previous = self._components.get(name)
            since = previous.since if previous and previous.state == state else self._clock()
            self._components[name] = ComponentHealth(state, detail, since)

    # -- liveness of the event loop (fed by the watchdog task) ---------------------------------

    def heartbeat(self, limit_s: float) -> None:
        """The event loop is alive; /healthz reports it failing after ``limit_s`` of silence."""
        with self._lock:
            self._heartbeat = self._clock()
            self._heartbeat_limit_s = limit_s

    # -- what the endpoints read ---------------------------------------------------------------

    def health(self) -> HealthReport:
        with self._lock:
            components = dict(self._components)
            beat, limit = self._heartbeat, self._heartbeat_limit_s
        if beat is not None and limit is not None:
            silent = self._clock() - beat
            if silent > limit:
                components["event_loop"] = ComponentHealth(
                    "failing", f"no heartbeat for {silent:.0f} s", beat
                )
            else:
                components["event_loop"] = ComponentHealth("ok", "", beat)
        worst: State = "ok"
        for component in components.values():
            if _SEVERITY[component.state] > _SEVERITY[worst]:
                worst = component.state
        return HealthReport(worst, components, self.kiosk_id)

    def exposition(self) -> bytes:
        """The Prometheus text format of every metric."""
        return generate_latest(self.registry)

    def _label(self, value: str) -> str:
        if isinstance(value, str) and _LABEL.match(value):
            return value
        with self._lock:
            first = value not in self._bad_labels_seen
            self._bad_labels_seen.add(str(value))
        if first:  # the value itself is not logged: it may be exactly what must not leak
            log.error("metric label refused (not a short lower-case identifier); using 'other'")
        return "other"
