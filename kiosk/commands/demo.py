"""``kiosk demo``: the kiosk on the embedded library system and simulated hardware.

- ``kiosk demo`` opens the touch screen in a window (``--fullscreen`` for a kiosk screen) with
  a control panel that places demo items and library cards on the simulated pad.
- ``kiosk demo --scenario NAME --screenshots DIR`` plays a scripted patron headless, saves a PNG
  per step and exits 0 only if every expectation held (``--scenario all`` plays them all).
- ``kiosk demo --list-scenarios`` lists the scenarios.
- ``--language CODE`` and ``--look large-text,high-contrast`` (either or both) play a scenario,
  or open the window, in that language and look. Every step of a scenario is audited for
  clipped, overlapping or off-screen text, small targets and low contrast (kiosk.ui.audit).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from pathlib import Path
from typing import Any

from kiosk.commands.common import add_exit_after

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="try the kiosk: embedded library system, simulated hardware, scripted scenarios",
        description="Run the kiosk on the embedded library system with simulated hardware. "
        "Without options: a window with a demo control panel. With --scenario: a scripted "
        "patron, headless, with a screenshot per step; exit status 0 only if it passed.",
    )
    parser.add_argument("--scenario", metavar="NAME", help="play a scenario ('all' for every one)")
    parser.add_argument("--screenshots", metavar="DIR", type=Path, help="save a PNG per step here")
    parser.add_argument("--language", metavar="CODE", help="UI language (default: the config's)")
    parser.add_argument(
        "--look",
        metavar="LOOK",
        help="large-text, high-contrast, or both (comma-separated): the patron's look",
    )
    parser.add_argument("--list-scenarios", action="store_true", help="list scenarios and exit")
    parser.add_argument("--config", type=Path, help="a demo config (default: config/demo.toml)")
    parser.add_argument("--fullscreen", action="store_true", help="full screen (kiosk display)")
    parser.add_argument(
        "--headless", action="store_true", help="render offscreen (no display needed)"
    )
    add_exit_after(parser)
    parser.add_argument(
        "--size", default="800x480", help="screen size WIDTHxHEIGHT (default 800x480, the Pi's)"
    )
    parser.add_argument(
        "--staff-web-port",
        type=int,
        metavar="N",
        help="serve the staff console on 127.0.0.1:N (logins: staff / staff-demo, "
        "admin / admin-demo)",
    )
    parser.set_defaults(handler=run)


#: The demo's staff console logins: name -> (level, password). Printed by --help and the README.
DEMO_LOGINS = {"staff": ("staff", "staff-demo"), "admin": ("admin", "admin-demo")}


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise SystemExit(
            f"kiosk demo: --size {text!r} is not WIDTHxHEIGHT, e.g. 1024x600"
        ) from None
    return width, height


def run(args: argparse.Namespace) -> int:
    from kiosk.demo.scenarios import SCENARIOS, parse_look

    try:
        look = parse_look(args.look)
    except ValueError as error:
        print(f"kiosk demo: --look: {error}", file=sys.stderr)
        return 2
    if args.list_scenarios:
        width = max(len(name) for name in SCENARIOS)
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:{width}}  {scenario.description}")
        return 0
    if args.language is not None:
        from kiosk.ui.i18n import LANGUAGES

        if args.language not in LANGUAGES:
            print(
                f"kiosk demo: unknown language {args.language!r}; known: {', '.join(LANGUAGES)}",
                file=sys.stderr,
            )
            return 2
    width, height = _size(args.size)
    if args.scenario:
        names = list(SCENARIOS) if args.scenario == "all" else [args.scenario]
        unknown = [n for n in names if n not in SCENARIOS]
        if unknown:
            print(f"kiosk demo: no scenario {unknown[0]!r}; try --list-scenarios", file=sys.stderr)
            return 2
        from kiosk.ui.harness import configure_kivy

        configure_kivy(headless=True, width=width, height=height)
        return asyncio.run(_play(names, args.screenshots, args.language, look))
    return asyncio.run(_interactive(args, width, height, look))


async def _play(
    names: list[str], screenshots: Path | None, language: str | None, look: frozenset[str]
) -> int:
    from kiosk.demo.scenarios import run_scenario

    failed = 0
    for name in names:
        folder = screenshots / name if screenshots is not None and len(names) > 1 else screenshots
        result = await run_scenario(name, folder, language=language, look=look)
        print(result.summary(), flush=True)
        failed += not result.passed
    return 1 if failed else 0


async def _interactive(
    args: argparse.Namespace, width: int, height: int, look: frozenset[str]
) -> int:
    import tempfile

    from kiosk.ui.harness import configure_kivy
    from kiosk.ui.settings import DEMO_PANEL_WIDTH

    configure_kivy(
        headless=args.headless,
        width=width + DEMO_PANEL_WIDTH,
        height=height,
        fullscreen=args.fullscreen,
    )
    from dataclasses import replace

    from kiosk.assembly import open_kiosk
    from kiosk.demo.panel import demo_panel
    from kiosk.demo.scenarios import demo_config
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import ui_settings_from_config

    with tempfile.TemporaryDirectory(prefix="kiosk-demo-") as state:
        config_path: Path | None = None
        if args.config is not None:
            from kiosk.config import load_config

            config_path = args.config
            env = dict(os.environ)
            if args.staff_web_port is not None:
                env["KIOSK__CONSOLE__ENABLED"] = "true"
                env["KIOSK__CONSOLE__PORT"] = str(args.staff_web_port)
            config = load_config(args.config, env=env)
        elif args.staff_web_port is not None:
            config_path = _demo_config_file(Path(state), args.staff_web_port)
            from kiosk.config import load_config

            config = load_config(config_path, env={})
        else:
            config = demo_config(Path(state))
        settings = ui_settings_from_config(config)
        if args.language:
            settings = replace(settings, default_language=args.language)
        async with open_kiosk(config) as running:
            panel = demo_panel(running) if running.simulator is not None and running.acs else None
            app = KioskApp(running.kiosk, settings, side_panel=panel)
            app.large_text = "large-text" in look
            app.high_contrast = "high-contrast" in look
            loop = asyncio.get_running_loop()
            if args.exit_after is not None:
                loop.call_later(args.exit_after, app.stop)
            console = _console(config, config_path, running, app, loop)
            try:
                await app.async_run(async_lib="asyncio")
            finally:
                if console is not None:
                    console.stop()
    return 0


def _demo_config_file(state: Path, port: int) -> Path:
    """config/demo.toml as a file in the demo's state folder, with the staff console on
    ``port`` and the demo logins, so that the console's configuration page can save to it."""
    import tomlkit

    from kiosk.config import DEMO_CONFIG
    from kiosk.passwords import hash_password

    document = tomlkit.parse(DEMO_CONFIG.read_text(encoding="utf-8"))
    document["kiosk"]["state_dir"] = str(state)
    console = tomlkit.table()
    console["enabled"] = True
    console["port"] = port
    users = tomlkit.table(is_super_table=True)
    for name, (level, password) in DEMO_LOGINS.items():
        user = tomlkit.table()
        user["level"] = level
        user["password_hash"] = hash_password(password)
        users[name] = user
    console["users"] = users
    document["console"] = console
    path = state / "kiosk.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _console(config: Any, path: Path | None, running: Any, app: Any, loop: Any) -> Any:
    from kiosk.console import ConsoleTarget, serve_console

    console = serve_console(
        ConsoleTarget(
            config,
            loop,
            running.kiosk.staff_desk,
            config_path=path,
            restart=lambda: loop.call_soon_threadsafe(app.staff_restart),
        )
    )
    if console is not None:
        print(f"kiosk demo: staff console on {console.url}", flush=True)
    return console
