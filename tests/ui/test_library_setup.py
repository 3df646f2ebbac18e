"""A library's own setup reaches the screen: its theme from the config file, and the unattended
return-station display driven by the real core."""

from __future__ import annotations

import tempfile
from pathlib import Path

from kivy.uix.image import Image as KivyImage
from PIL import Image

from kiosk.assembly import demo_item_tags
from kiosk.demo.scenarios import demo_config, open_demo
from kiosk.ui.app import KioskApp
from kiosk.ui.harness import HeadlessUI
from kiosk.ui.presenter import Screen
from kiosk.ui.settings import UiSettings, ui_settings_from_config
from kiosk.ui.theme import parse_hex


async def test_logo_colours_and_welcome_text_come_from_the_config(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 48), "#e01b24").save(logo)
    config = demo_config(
        tmp_path / "state",
        {
            "ui": {
                "theme": {
                    "logo": str(logo),
                    "primary": "#ffdd00",
                    "welcome": {"sv": "Välkommen till Bollnäs bibliotek!"},
                }
            }
        },
    )
    settings = ui_settings_from_config(config)
    ui = HeadlessUI(KioskApp(None, settings))
    await ui.start()
    try:
        assert "Välkommen till Bollnäs bibliotek!" in ui.texts()
        assert config.kiosk.branch_name in ui.texts()  # the branch's name in the header
        logos = [w for w in ui.widgets() if isinstance(w, KivyImage)]
        assert [Path(w.source).name for w in logos] == ["logo.png"]
        assert tuple(ui.app.theme.palette.primary) == parse_hex("#ffdd00")
        assert ui.app.theme.palette.primary_text == (0.0, 0.0, 0.0, 1.0)  # dark text on yellow
        ui.app.set_language("en")
        assert "Welcome to the library" in ui.texts()  # no English text configured
    finally:
        ui.close()


async def test_the_return_station_display_shows_the_current_item_and_where_it_went() -> None:
    with tempfile.TemporaryDirectory() as state:
        config = demo_config(Path(state))
        async with open_demo(config) as running:
            app = KioskApp(running.kiosk, UiSettings(mode="return-station"))
            ui = HeadlessUI(app)
            await ui.start()
            try:
                assert app.manager.current == Screen.RETURN_STATION.value
                await running.kiosk.start_return()
                examples = running.acs.examples
                first, second = (
                    examples["return_reshelve"]["item"],
                    examples["return_hold_here"]["item"],
                )
                for item in (first, second):
                    running.simulator.place(*demo_item_tags(running.acs.model, item))
                    await ui.wait_for(
                        lambda item=item: (
                            item in app.presenter.state.items
                            and app.presenter.state.items[item].outcome is not None
                        ),
                        what=f"{item} routed",
                    )
                await ui.settle()
                assert app.manager.current == Screen.RETURN_STATION.value
                texts = ui.texts()
                current = app.presenter.state.items[second].title
                earlier = app.presenter.state.items[first].title
                # the newest item first and big, then the earlier ones
                assert texts.index(current) < min(i for i, t in enumerate(texts) if earlier in t)
                # The display says where the sorter put it: the patron at a chute has nothing
                # to carry to a holds shelf.
                holds = app.tr("Returned — someone here is waiting for it")
                assert any(holds in t for t in texts)
            finally:
                ui.close()
