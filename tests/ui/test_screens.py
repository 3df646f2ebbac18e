"""The screens, rendered for real (Kivy offscreen): every screen in every language, touch targets,
right-to-left mirroring, large text, high contrast, a masked PIN, a clean screen after a visit."""

from __future__ import annotations

from pathlib import Path

import pytest
from kivy.metrics import dp
from PIL import Image

from kiosk.core import Action, EndReason, Reason, events
from kiosk.ui.app import KioskApp
from kiosk.ui.feedback import Speaker
from kiosk.ui.gallery import GALLERY_SCREENS, render_gallery, sample_events
from kiosk.ui.harness import HeadlessUI
from kiosk.ui.i18n import LANGUAGES, Translator, visual
from kiosk.ui.presenter import Screen
from kiosk.ui.settings import UiSettings
from kiosk.ui.theme import MIN_TOUCH_DP, Branding, contrast_ratio
from kiosk.ui.widgets import KLabel


@pytest.fixture
async def ui():
    app = KioskApp(None, UiSettings(branding=Branding(library_name="Bollnäs bibliotek")))
    harness = HeadlessUI(app)
    await harness.start()
    yield harness
    harness.close()


async def show(ui: HeadlessUI, screen: Screen) -> None:
    app = ui.app
    app.presenter.clear_session()
    for event in sample_events(screen):
        app.presenter.apply(event)
    if app.presenter.state.screen is not screen:
        app.presenter.go(screen)
    await ui.pump(frames=1)


@pytest.mark.parametrize("code", list(LANGUAGES))
async def test_every_screen_renders_in_every_language(code: str, screenshot_dir: Path) -> None:
    shots = await render_gallery(screenshot_dir / "gallery", [code])
    assert len(shots) == len(GALLERY_SCREENS)
    for (code, screen), path in shots.items():
        image = Image.open(path).convert("RGB")
        assert image.size == (800, 480)
        colours = image.resize((100, 60)).getcolors(maxcolors=100_000)
        assert colours is not None and len(colours) > 20, f"{code}/{screen.value} looks blank"


@pytest.mark.parametrize(("code", "large_text"), [("en", True), ("ar", False)])
async def test_every_touch_target_is_at_least_48_dp(
    ui: HeadlessUI, code: str, large_text: bool
) -> None:
    ui.app.set_language(code)
    for large in {False, large_text}:
        if ui.app.large_text != large:
            ui.app.toggle_large_text()
        for screen in GALLERY_SCREENS:
            await show(ui, screen)
            for button in ui.buttons():
                assert button.width >= dp(MIN_TOUCH_DP) and button.height >= dp(MIN_TOUCH_DP), (
                    f"{code} {screen.value}: {button.logical!r} is {button.size}"
                )


async def test_arabic_mirrors_the_layout(ui: HeadlessUI) -> None:
    tr = ui.app.tr
    borrow, ret = ui.find(tr("Borrow")), ui.find(tr("Return"))
    assert borrow.x < ret.x
    ui.app.set_language("ar")
    await ui.pump(frames=1)
    tr = ui.app.tr
    borrow, ret = ui.find(tr("Borrow")), ui.find(tr("Return"))
    assert borrow.x > ret.x  # read from the right
    assert borrow.halign == "center" and ui.app.rtl


async def test_large_text_makes_every_text_bigger(ui: HeadlessUI) -> None:
    before = ui.find(ui.app.tr("Borrow")).font_size
    await ui.tap(ui.app.tr("Large text"))
    after = ui.find(ui.app.tr("Borrow")).font_size
    assert after >= before * 1.3
    assert ui.find(ui.app.tr("Large text")).selected  # the switch shows ☑, not only a colour


async def test_high_contrast_paints_the_screen_black(ui: HeadlessUI, tmp_path: Path) -> None:
    await ui.tap(ui.app.tr("High contrast"))
    shot = Image.open(await ui.screenshot(tmp_path / "hc.png")).convert("RGB")
    assert shot.getpixel((400, 470)) == (0, 0, 0)


async def test_the_pin_is_masked_on_screen(ui: HeadlessUI) -> None:
    ui.app.presenter.apply(events.PinRequired(masked_card="••••0001"))
    await ui.pump(frames=1)
    await ui.type_digits("1234")
    shown = ui.texts()
    assert "●●●●" in shown and not any("1234" in text for text in shown)


async def test_after_the_goodbye_the_screen_is_clean_for_the_next_patron(ui: HeadlessUI) -> None:
    app = ui.app
    app.set_language("fi")
    app.toggle_high_contrast()
    await show(ui, Screen.BORROW)
    app.presenter.apply(events.SessionEnded(reason=EndReason.PATRON))
    await ui.pump(frames=1)
    assert app.presenter.state.screen is Screen.GOODBYE
    app.clean_screen()
    await ui.pump(frames=1)
    assert app.presenter.state.screen is Screen.WELCOME
    assert app.tr.code == "sv" and not app.high_contrast and not app.presenter.state.items


async def test_the_inactivity_warning_counts_down_and_a_touch_dismisses_it(ui: HeadlessUI) -> None:
    await show(ui, Screen.BORROW)
    ui.app.presenter.apply(events.InactivityWarning(seconds_left=10))
    await ui.pump(frames=1)
    assert any("10" in text for text in ui.texts())
    ui.app.presenter.apply(events.InactivityWarning(seconds_left=9))
    await ui.pump(frames=1)
    assert any("9" in text for text in ui.texts())
    await ui.tap(ui.app.tr("I am still here"))
    assert ui.app.presenter.state.warning_seconds is None
    assert ui.app.sounds.played == [] or "attention" not in ui.app.sounds.played[1:]


@pytest.mark.parametrize("high_contrast", [False, True])
async def test_dialogs_are_drawn_in_the_themes_colours_so_their_text_is_readable(
    ui: HeadlessUI, tmp_path: Path, high_contrast: bool
) -> None:
    if ui.app.high_contrast != high_contrast:
        ui.app.toggle_high_contrast()
    await show(ui, Screen.BORROW)
    ui.app.presenter.apply(events.InactivityWarning(seconds_left=10))
    await ui.pump(frames=2)
    shot = Image.open(await ui.screenshot(tmp_path / "warning.png")).convert("RGB")
    label = next(w for w in ui.widgets() if isinstance(w, KLabel) and "10" in w.logical)
    # A pixel of the panel beside the text: Kivy flips y (origin bottom left) against PIL's.
    x, y = int(label.x + 2), int(shot.height - label.top - 2)
    panel = shot.getpixel((x, y))
    text = ui.app.theme_colour(label.tone)
    ratio = contrast_ratio((*[c / 255 for c in panel], 1.0), text)
    assert ratio >= (7.0 if high_contrast else 4.5), (panel, text, ratio)


async def test_library_messages_are_shown_as_sent(ui: HeadlessUI) -> None:
    await show(ui, Screen.MENU)
    assert "Välkommen! Biblioteket stänger kl. 16 på fredag." in ui.texts()


async def test_items_refused_because_the_library_did_not_answer_can_be_tried_again(
    ui: HeadlessUI,
) -> None:
    await show(ui, Screen.BORROW)
    with pytest.raises(LookupError):
        ui.find(ui.app.tr("Try again"))
    ui.app.presenter.apply(
        events.ItemRefused(
            item_id="3000000020",
            action=Action.BORROW,
            reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE,
            retry_possible=True,
        )
    )
    await ui.pump(frames=1)
    assert ui.find(ui.app.tr("Try again")).kind == "primary"


async def test_read_aloud_speaks_each_screen_in_the_patrons_language(tmp_path: Path) -> None:
    speaker = Speaker(enabled=False, wav_dir=tmp_path)
    harness = HeadlessUI(KioskApp(None, UiSettings(), speaker=speaker))
    await harness.start()
    try:
        await harness.tap(harness.app.tr("Read aloud"))
        harness.app.set_language("uk")
        harness.app.presenter.go(Screen.IDENTIFY)
        await harness.pump(frames=1)
        voices = [voice for voice, _ in speaker.spoken]
        assert voices[0] == "sv" and voices[-1] == "uk"
        assert speaker.spoken[-1][1] == Translator("uk")(
            "Place your library card on the reader or scan its barcode. "
            "You can also type the number."
        )
        assert len(list(tmp_path.glob("*.wav"))) == len(speaker.spoken)
    finally:
        harness.close()


async def test_arabic_text_wraps_with_the_first_words_on_the_first_line(ui: HeadlessUI) -> None:
    from kiosk.ui.widgets import KLabel

    ui.app.set_language("ar")
    logical = Translator("ar")("Staff need to look at this — put it in the staff bin with the slip")
    label = KLabel(logical=logical, rtl=True, size_hint_x=None, width=dp(220))
    ui.app.root.add_widget(label)
    await ui.pump(frames=1)
    lines = label.text.split("\n")
    assert len(lines) >= 2
    first_word = logical.split(" ")[0]
    assert visual(first_word, rtl=True) in lines[0]
    assert label.halign == "right"
    ui.app.root.remove_widget(label)
