"""systemd's notify protocol: READY=1 once, WATCHDOG=1 from the running event loop.

Why from the event loop: the heartbeat is an asyncio task, so it only runs while the loop does.
If a blocking call or a busy loop freezes the kiosk, the heartbeats stop and systemd (unit
``WatchdogSec=``) kills and restarts the service -- a hung touch screen heals itself.

The protocol is a datagram per message on the unix socket named in ``NOTIFY_SOCKET`` (a leading
``@`` means the abstract namespace); ``WATCHDOG_USEC`` is the deadline, and we beat at half of it
as sd_watchdog_enabled(3) advises. Outside systemd (no ``NOTIFY_SOCKET``) everything is a no-op.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable, Mapping

from kiosk.closing import cancel_and_wait

__all__ = ["Notifier", "Watchdog", "watchdog_interval"]

log = logging.getLogger(__name__)


class Notifier:
    """Sends sd_notify messages (``READY=1``, ``STATUS=...``, ``WATCHDOG=1``, ``STOPPING=1``)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        env = os.environ if env is None else env
        raw = env.get("NOTIFY_SOCKET", "")
        self.address: str | None = None
        if raw.startswith("@"):
            self.address = "\0" + raw[1:]
        elif raw.startswith("/"):
            self.address = raw

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *assignments: str) -> bool:
        """Send ``KEY=VALUE`` lines as one datagram; False (never an exception) if it failed."""
        if self.address is None:
            return False
        payload = "\n".join(assignments).encode()
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.settimeout(1.0)
                sock.connect(self.address)
                sock.sendall(payload)
        except OSError as exc:
            log.warning("sd_notify failed", extra={"fields": {"error": str(exc)}})
            return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")


def watchdog_interval(env: Mapping[str, str] | None = None) -> float | None:
    """Seconds between heartbeats (half of ``WATCHDOG_USEC``), or None if no watchdog is set.

    ``WATCHDOG_PID``, when present, must be our pid: a child process must not beat for us.
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    pid = env.get("WATCHDOG_PID", "")
    if pid and pid != str(os.getpid()):
        return None
    return int(usec) / 2_000_000


class Watchdog:
    """An asyncio task: ``READY=1`` once started, then ``WATCHDOG=1`` every interval.

    ``on_beat(limit_s)`` is called at each beat (``Metrics.heartbeat`` fits, so /healthz sees a
    stalled loop too). With no systemd watchdog the task still beats ``on_beat`` every
    ``fallback_interval_s`` so the health endpoint keeps watching the loop.
    """

    def __init__(
        self,
        notifier: Notifier | None = None,
        *,
        interval_s: float | None = None,
        env: Mapping[str, str] | None = None,
        on_beat: Callable[[float], None] | None = None,
        fallback_interval_s: float = 5.0,
    ) -> None:
        self.notifier = notifier or Notifier(env)
        self.systemd_interval_s = interval_s if interval_s is not None else watchdog_interval(env)
        self.interval_s = self.systemd_interval_s or fallback_interval_s
        self.on_beat = on_beat
        self.beats = 0
        self._task: asyncio.Task[None] | None = None

    async def run(self, status: str = "", *, ready: bool = True) -> None:
        """Send READY=1 (unless ``ready=False``), then beat until cancelled, then STOPPING=1."""
        if ready:
            self.notifier.ready(status)
        try:
            while True:
                self.beat()
                await asyncio.sleep(self.interval_s)
        finally:
            self.notifier.stopping()

    def beat(self) -> None:
        if self.systemd_interval_s is not None:
            self.notifier.notify("WATCHDOG=1")
        self.beats += 1
        if self.on_beat is not None:
            self.on_beat(self.interval_s * 3)

    def start(self, status: str = "", *, ready: bool = True) -> asyncio.Task[None]:
        """Start :meth:`run` as a task on the running loop."""
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self.run(status, ready=ready), name="watchdog")
        return self._task

    async def stop(self) -> None:
        await cancel_and_wait(self._task)
        self._task = None
