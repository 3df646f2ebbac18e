"""Everything a long-running kiosk command needs from operations, in one ``async with``.

The ``kiosk run`` / ``kiosk return-station`` commands (and ``kiosk acs`` if it likes) wrap their
main coroutine in :class:`ServiceRuntime`: it starts the health endpoint (if enabled), tells
systemd READY=1 and starts the watchdog heartbeat on the running loop; on exit it sends
STOPPING=1 and stops both. Outside systemd the notify parts are no-ops.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from .metrics import Metrics
from .server import HealthServer
from .watchdog import Notifier, Watchdog

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

__all__ = ["ServiceRuntime", "metrics_for"]


def metrics_for(config: KioskConfig) -> Metrics:
    """A :class:`Metrics` labelled with this kiosk's identity from the config."""
    return Metrics(
        config.kiosk.id,
        library=config.kiosk.library,
        branch=config.kiosk.branch,
        mode=config.kiosk.mode,
    )


class ServiceRuntime:
    """``async with ServiceRuntime(config, metrics) as runtime:`` around the kiosk's main loop."""

    def __init__(
        self,
        config: KioskConfig,
        metrics: Metrics | None = None,
        *,
        env: Mapping[str, str] | None = None,
        status: str = "",
    ) -> None:
        self.config = config
        self.metrics = metrics or metrics_for(config)
        self.notifier = Notifier(env)
        self.watchdog = Watchdog(self.notifier, env=env, on_beat=self.metrics.heartbeat)
        self.server: HealthServer | None = None
        self._status = status or f"{config.kiosk.mode} kiosk {config.kiosk.id} running"

    async def __aenter__(self) -> ServiceRuntime:
        health = self.config.health
        if health.enabled:
            self.server = HealthServer(self.metrics, health.host, health.port).start()
        self.watchdog.start(self._status)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.watchdog.stop()
        if self.server is not None:
            self.server.stop()
            self.server = None

    def status(self, text: str) -> None:
        """A one-line status for ``systemctl status`` (no personal data)."""
        self.notifier.status(text)
