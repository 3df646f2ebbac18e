"""A patron reads the kiosk in their own language: the one their library account names, unless
they chose another on the welcome screen; the next patron starts in the kiosk's language."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from kiosk.core import EndReason
from kiosk.demo.scenarios import demo_config, open_demo
from kiosk.ui.app import KioskApp
from kiosk.ui.feedback import Speaker
from kiosk.ui.harness import HeadlessUI
from kiosk.ui.presenter import Screen
from kiosk.ui.settings import ui_settings_from_config

#: Demo patrons whose accounts say Norwegian (SIP2 012), Arabic (016) and North Sami (no code).
NORWEGIAN, ARABIC, SAMI = ("2150000009", "9012"), ("2150000052", "1738"), ("2150000014", "3658")


@pytest.fixture
async def kiosk_ui() -> AsyncIterator[tuple[HeadlessUI, Any]]:
    with tempfile.TemporaryDirectory() as state:
        config = demo_config(Path(state))
        async with open_demo(config) as running:
            settings = replace(ui_settings_from_config(config), goodbye_s=0.2)
            ui = HeadlessUI(KioskApp(running.kiosk, settings, speaker=Speaker(enabled=False)))
            await ui.start()
            try:
                yield ui, running
            finally:
                ui.close()


async def sign_in(ui: HeadlessUI, patron: tuple[str, str]) -> None:
    await ui.tap(ui.app.tr("My account"))
    await ui.type_digits(patron[0])
    await ui.tap(ui.app.tr("OK"))
    await ui.wait_for(lambda: ui.app.presenter.state.screen is Screen.PIN, what="PIN screen")
    await ui.type_digits(patron[1])
    await ui.tap(ui.app.tr("OK"))
    await ui.wait_for(lambda: ui.app.presenter.state.display_name, what="signed in")
    await ui.settle()


async def test_the_kiosk_switches_to_the_language_of_the_patrons_account(kiosk_ui) -> None:
    ui, running = kiosk_ui
    assert ui.app.tr.code == "sv"
    await sign_in(ui, NORWEGIAN)
    assert ui.app.tr.code == "nb"
    assert running.kiosk.language == "nb"  # the receipt is printed in it too
    assert ui.app.tr("My account") != "Mitt konto"  # the Swedish text is gone from the screen
    assert ui.app.tr("My account") in ui.text()


async def test_arabic_patrons_get_the_right_to_left_screen(kiosk_ui) -> None:
    ui, _ = kiosk_ui
    await sign_in(ui, ARABIC)
    assert ui.app.tr.code == "ar" and ui.app.rtl


async def test_a_language_chosen_on_the_screen_wins_over_the_account(kiosk_ui) -> None:
    ui, _ = kiosk_ui
    await ui.tap("English")
    await sign_in(ui, NORWEGIAN)
    assert ui.app.tr.code == "en"


async def test_a_language_sip2_cannot_name_keeps_the_kiosks_language(kiosk_ui) -> None:
    ui, _ = kiosk_ui
    await sign_in(ui, SAMI)
    assert ui.app.tr.code == "sv"


async def test_the_next_patron_starts_in_the_kiosks_language_again(kiosk_ui) -> None:
    ui, running = kiosk_ui
    await sign_in(ui, NORWEGIAN)
    await running.kiosk.end_session(EndReason.PATRON)
    await ui.wait_for(lambda: ui.app.presenter.state.screen is Screen.WELCOME, what="welcome")
    assert ui.app.tr.code == "sv"
    assert not ui.app.language_chosen


async def test_a_library_can_keep_its_kiosk_in_one_language() -> None:
    with tempfile.TemporaryDirectory() as state:
        config = demo_config(Path(state), {"ui": {"patron_language": False}})
        async with open_demo(config) as running:
            ui = HeadlessUI(KioskApp(running.kiosk, ui_settings_from_config(config)))
            await ui.start()
            try:
                await sign_in(ui, NORWEGIAN)
                assert ui.app.tr.code == "sv"
            finally:
                ui.close()
