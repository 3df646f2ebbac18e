"""Everything a long-running kiosk command needs from operations, in one ``async with``.

The ``kiosk run`` / ``kiosk return-station`` commands (and ``kiosk acs`` if it likes) wrap their
main coroutine in :class:`ServiceRuntime`: it starts the health endpoint (if enabled), tells
systemd READY=1 and starts the watchdog heartbeat on the running loop; on exit it sends
STOPPING=1 and stops both. Outside systemd the notify parts are no-ops.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from .kiosk_events import observe_kiosk
from .metrics import Metrics
from .sampler import KioskSampler
from .server import HealthServer
from .watchdog import Notifier, Watchdog

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

__all__ = ["ServiceRuntime", "metrics_for", "operate"]

log = logging.getLogger(__name__)


def metrics_for(config: KioskConfig) -> Metrics:
    """A :class:`Metrics` labelled with this kiosk's identity from the config."""
    return Metrics(
        config.kiosk.id,
        library=config.kiosk.library,
        branch=config.kiosk.branch,
        mode=config.kiosk.mode,
    )


class ServiceRuntime:
    """``async with ServiceRuntime(config, metrics) as runtime:`` around the kiosk's main loop.

    READY=1 goes out on entering, or -- with ``ready_on_enter=False`` -- when the command calls
    :meth:`ready` (e.g. once the first screen is drawn, so ``systemctl start`` returns only when
    the kiosk can be used). ``TimeoutStartSec`` in the unit bounds the wait.
    """

    def __init__(
        self,
        config: KioskConfig,
        metrics: Metrics | None = None,
        *,
        env: Mapping[str, str] | None = None,
        status: str = "",
        ready_on_enter: bool = True,
    ) -> None:
        self.config = config
        self.metrics = metrics or metrics_for(config)
        self.notifier = Notifier(env)
        self.watchdog = Watchdog(self.notifier, env=env, on_beat=self.metrics.heartbeat)
        self.server: HealthServer | None = None
        self._status = status or f"{config.kiosk.mode} kiosk {config.kiosk.id} running"
        self._ready_on_enter = ready_on_enter

    async def __aenter__(self) -> ServiceRuntime:
        health = self.config.health
        if health.enabled:
            try:
                self.server = HealthServer(self.metrics, health.host, health.port).start()
            except OSError as exc:
                # Patrons come first: a kiosk without its metrics port still lends books.
                log.error(
                    "health endpoint not started",
                    extra={"fields": {"host": health.host, "port": health.port, "error": str(exc)}},
                )
                self.server = None
        self.watchdog.start(self._status, ready=self._ready_on_enter)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.watchdog.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None

    def ready(self, status: str = "") -> None:
        """Tell systemd the service is up (with ``ready_on_enter=False``: once the UI shows)."""
        self.notifier.ready(status or self._status)

    def status(self, text: str) -> None:
        """A one-line status for ``systemctl status`` (no personal data)."""
        self.notifier.status(text)


@asynccontextmanager
async def operate(
    running: Any,
    *,
    env: Mapping[str, str] | None = None,
    ready_on_enter: bool = True,
    sample_interval_s: float = 10.0,
) -> AsyncIterator[ServiceRuntime]:
    """Everything operations needs around a running kiosk, for ``kiosk run`` and friends::

        async with open_kiosk(config) as running, operate(running) as runtime:
            ...  # the UI; runtime.metrics is the kiosk's Metrics

    Starts a :class:`ServiceRuntime` (health endpoint, READY=1, watchdog), counts the core's
    events (:func:`observe_kiosk` on ``running.kiosk``) and samples the library system, the
    offline queue and the printer (:class:`KioskSampler`) until the block ends.
    """
    metrics = metrics_for(running.config)
    async with ServiceRuntime(
        running.config, metrics, env=env, ready_on_enter=ready_on_enter
    ) as runtime:
        kiosk = getattr(running, "kiosk", None)
        unsubscribe = observe_kiosk(metrics, kiosk) if kiosk is not None else None
        sampler = KioskSampler(metrics, running, sample_interval_s)
        sampler.start()
        try:
            yield runtime
        finally:
            await sampler.stop()
            if unsubscribe is not None:
                unsubscribe()
