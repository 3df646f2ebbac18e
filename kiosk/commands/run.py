"""``kiosk run --config FILE``: the kiosk's touch screen on the configured hardware.

This is what the systemd unit starts, so it runs inside the operations runtime
(``kiosk.health.runtime.operate``): structured, redacted logs; ``/healthz`` and ``/metrics``;
READY=1 to systemd once the first screen is drawn (``Type=notify``: ``systemctl start`` returns
when patrons can use the kiosk) and watchdog beats from the running event loop, so a hung UI is
restarted. The process exits 0 when stopped, and 3 when staff press "Restart" on the staff
screen or in the staff console (the unit's ``Restart=always`` starts it again, fresh). With
``[console] enabled`` the staff console is served on a thread beside the screen.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from kiosk.commands.common import add_exit_after, config_or_report

__all__ = ["RESTART_EXIT_STATUS", "register"]

#: Exit status after a staff-requested restart (systemd restarts the unit).
RESTART_EXIT_STATUS = 3


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run the kiosk (touch screen) from a configuration file",
        description="Run the kiosk's touch screen with the library system and hardware of "
        "FILE. Exit status 3 means staff asked for a restart.",
    )
    parser.add_argument("--config", type=Path, required=True, metavar="FILE")
    parser.add_argument(
        "--windowed", action="store_true", help="a window instead of full screen (testing)"
    )
    parser.add_argument(
        "--headless", action="store_true", help="render offscreen (no display; for checks)"
    )
    add_exit_after(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    config = config_or_report(args.config)
    if config is None:
        return 1
    from kiosk.logs import configure_logging
    from kiosk.ui.harness import configure_kivy

    configure_logging(config.logging.level, config.logging.format)
    configure_kivy(headless=args.headless, fullscreen=not args.windowed)
    return asyncio.run(_run(config, args.exit_after, args.config))


async def _run(config: Any, exit_after: float | None, config_path: Path) -> int:
    from kivy.clock import Clock

    from kiosk.assembly import open_kiosk
    from kiosk.console import ConsoleTarget, serve_console
    from kiosk.health.runtime import operate
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import ui_settings_from_config

    settings = ui_settings_from_config(config)
    loop = asyncio.get_running_loop()
    async with open_kiosk(config) as running, operate(running, ready_on_enter=False) as runtime:
        for name, detail in running.device_errors.items():
            runtime.metrics.set_component(name, "failing", detail)
        app = KioskApp(running.kiosk, settings)
        # on_start comes before the first frame; the next clock tick comes after it.
        app.bind(on_start=lambda _app: Clock.schedule_once(lambda _dt: runtime.ready(), 0))
        if exit_after is not None:
            loop.call_later(exit_after, app.stop)
        # The staff console (its own thread): a restart it asks for is the staff screen's.
        console = serve_console(
            ConsoleTarget(
                config,
                loop,
                running.kiosk.staff_desk,
                config_path=config_path,
                metrics=runtime.metrics,
                restart=lambda: loop.call_soon_threadsafe(app.staff_restart),
            )
        )
        try:
            await app.async_run(async_lib="asyncio")
        finally:
            if console is not None:
                console.stop()
    return RESTART_EXIT_STATUS if app.restart_requested else 0
