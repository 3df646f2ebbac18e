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
import sys
from pathlib import Path
from typing import Any

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
    parser.add_argument(
        "--exit-after", type=float, metavar="SECONDS", help="stop after SECONDS (smoke tests)"
    )
    parser.add_argument(
        "--size", default="800x480", help="screen size WIDTHxHEIGHT (default 800x480, the Pi's)"
    )
    parser.set_defaults(handler=run)


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
        for scenario in SCENARIOS.values():
            print(f"{scenario.name:18} {scenario.description}")
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
        if args.config is not None:
            from kiosk.config import load_config

            config = load_config(args.config)
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
            if args.exit_after is not None:
                asyncio.get_running_loop().call_later(args.exit_after, app.stop)
            await app.async_run(async_lib="asyncio")
    return 0
