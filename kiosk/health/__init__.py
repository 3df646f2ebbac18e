"""Operations: health and Prometheus metrics on localhost, and systemd's notify/watchdog.

Public surface::

    from kiosk.health import Metrics, HealthServer, ServiceRuntime, Watchdog, Notifier

    metrics = Metrics("bollnas-main-1", library="SE-Bo", branch="bol")   # or metrics_for(config)
    metrics.set_ils_state(up=True, latency_s=0.042)
    metrics.set_reader_state("rfid", up=True)           # "rfid" | "card" | "scanner"
    metrics.set_printer_state(up=True, paper="near_end")  # ok | near_end | out | unknown
    metrics.set_offline_queue_depth(3)
    metrics.transaction("checkout", "ok")               # kind, outcome (lower-case identifiers)
    metrics.session_started(); metrics.session_ended("completed")
    metrics.error("sip2", "timeout")
    metrics.set_component("journal", "failing", "disk full")

    # In a command the systemd unit runs (``kiosk run``, ``kiosk return-station``), all of it:
    configure_logging(config.logging.level, config.logging.format)      # kiosk.logs
    async with open_kiosk(config) as running, operate(running) as runtime:
        await run_the_kiosk()   # /healthz + /metrics, READY=1, WATCHDOG=1 from this loop,
                                # core events counted, ILS/queue/paper sampled every 10 s

    # or piece by piece:
    async with ServiceRuntime(config, metrics, ready_on_enter=False) as runtime:
        observe_kiosk(metrics, running.kiosk)       # sessions, loans, returns, refusals
        KioskSampler(metrics, running).start()      # latency, offline queue, paper
        runtime.ready()                             # once the first screen is up

Endpoints (``[health]`` in the config, default 127.0.0.1:9464): ``GET /healthz`` answers JSON
``{"status": "ok"|"degraded"|"failing", "kiosk": id, "components": {...}}`` with 200, or 503 when
failing; ``GET /metrics`` is the Prometheus text format. Metrics (all prefixed ``kiosk_``):
``info``, ``start_time_seconds``, ``ils_up``, ``ils_latency_seconds``,
``ils_request_duration_seconds`` (histogram), ``reader_up{reader}``, ``printer_up``,
``printer_paper{state}``, ``sorter_up``, ``bin_items{bin}``, ``bin_capacity{bin}``,
``offline_queue_depth``, ``reconciliation_entries``, ``transactions_total{kind,outcome}``,
``sessions_total{outcome}``,
``sessions_active``, ``errors_total{component,kind}``. No personal data: label values must be
short lower-case identifiers, anything else becomes ``other``.
"""

from __future__ import annotations

from .kiosk_events import observe_kiosk, record_event
from .metrics import ComponentHealth, HealthReport, Metrics
from .runtime import ServiceRuntime, metrics_for, operate
from .sampler import KioskSampler
from .server import HealthServer
from .watchdog import Notifier, Watchdog, watchdog_interval

__all__ = [
    "ComponentHealth",
    "HealthReport",
    "HealthServer",
    "KioskSampler",
    "Metrics",
    "Notifier",
    "ServiceRuntime",
    "Watchdog",
    "metrics_for",
    "observe_kiosk",
    "operate",
    "record_event",
    "watchdog_interval",
]
