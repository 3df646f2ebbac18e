"""The kiosk's touch screen (Kivy): patron and staff flows, ten languages, accessible themes.

Public surface (Kivy is imported lazily, so :func:`configure_kivy` can set the window up first)::

    from kiosk.ui import configure_kivy, KioskApp, UiSettings, HeadlessUI

    configure_kivy(headless=True)                    # before anything imports kivy
    app = KioskApp(kiosk, UiSettings(mode="return-station"))   # kiosk: kiosk.core.Kiosk
    ui = HeadlessUI(app); await ui.start(); await ui.tap("Return"); await ui.screenshot(p)

- :class:`KioskApp` - the application; ``app.presenter.state`` is what the screen shows.
- :class:`UiSettings` / :func:`ui_settings_from_config` - languages, branding, accessibility.
- :class:`HeadlessUI` - offscreen rendering, taps by visible text, PNG screenshots.
- :data:`LANGUAGES`, :class:`Translator` - the catalogs (no Kivy needed).
- :func:`run_scenario`, :data:`SCENARIOS` - scripted patrons (``kiosk demo --scenario``).

For the return station (issue 7): run ``KioskApp`` with ``UiSettings(mode="return-station")``
on any object with ``subscribe(callback)`` that emits ``kiosk.core`` events; each
``ItemReturned`` appears as the current item with where it went.
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.harness import HeadlessUI, configure_kivy
from kiosk.ui.i18n import LANGUAGES, Language, Translator
from kiosk.ui.settings import UiSettings, ui_settings_from_config
from kiosk.ui.theme import Branding, Theme

__all__ = [
    "LANGUAGES",
    "SCENARIOS",
    "Branding",
    "HeadlessUI",
    "KioskApp",
    "Language",
    "Theme",
    "Translator",
    "UiSettings",
    "configure_kivy",
    "run_scenario",
    "ui_settings_from_config",
]


def __getattr__(name: str) -> Any:
    if name == "KioskApp":
        from kiosk.ui.app import KioskApp

        return KioskApp
    if name in ("SCENARIOS", "run_scenario"):
        from kiosk.ui import scenarios

        return getattr(scenarios, name)
    raise AttributeError(f"module 'kiosk.ui' has no attribute {name!r}")
