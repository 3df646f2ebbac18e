"""The kiosk's touch screen (Kivy): patron and staff flows, ten languages, accessible themes.

Public surface (Kivy is imported lazily, so :func:`configure_kivy` can set the window up first)::

    from kiosk.ui import configure_kivy, KioskApp, UiSettings, HeadlessUI

    configure_kivy(headless=True)                    # before anything imports kivy
    app = KioskApp(port, UiSettings())   # port: a kiosk.core.ScreenPort (kiosk.core.Kiosk)
    ui = HeadlessUI(app); await ui.start(); await ui.tap("Return"); await ui.screenshot(p)

- :class:`KioskApp` - the application; ``app.presenter.state`` is what the screen shows.
- :class:`UiSettings` / :func:`ui_settings_from_config` - languages, branding, accessibility.
- :class:`HeadlessUI` - offscreen rendering, taps by visible text, PNG screenshots.
- :data:`LANGUAGES`, :class:`Translator` - the catalogs (no Kivy needed).

The screens see the core only through its port (``kiosk.core.ScreenPort``): never a driver, the
assembly, SIP2 or the library-system layer (``tests/test_architecture.py``). For the return
station, run ``KioskApp`` on a ``kiosk.core.station_screen.StationScreen`` with
``UiSettings(mode="return-station")``; each ``ItemReturned`` appears as the current item with
where it went. Scripted patrons and the demo's control panel live in :mod:`kiosk.demo`.
"""

from __future__ import annotations

from typing import Any

from kiosk.ui.harness import HeadlessUI, configure_kivy
from kiosk.ui.i18n import LANGUAGES, Language, Translator
from kiosk.ui.settings import UiSettings, ui_settings_from_config
from kiosk.ui.theme import Branding, Theme

__all__ = [
    "LANGUAGES",
    "Branding",
    "HeadlessUI",
    "KioskApp",
    "Language",
    "Theme",
    "Translator",
    "UiSettings",
    "configure_kivy",
    "ui_settings_from_config",
]


def __getattr__(name: str) -> Any:
    if name == "KioskApp":
        from kiosk.ui.app import KioskApp

        return KioskApp
    raise AttributeError(f"module 'kiosk.ui' has no attribute {name!r}")
