"""How the screens draw: the cheaper drawing must cover exactly the pixels Kivy's own would, and
a busy list must redraw only what changed (the frame budget of issue 5, see bench/ui.py)."""

from __future__ import annotations

import random
from datetime import datetime
from pathlib import Path

import pytest
from kivy.graphics import Color, Mesh, Rectangle, RoundedRectangle
from kivy.uix.widget import Widget
from PIL import Image, ImageChops

from kiosk.core import Action, Mode, events
from kiosk.ui.app import KioskApp
from kiosk.ui.harness import HeadlessUI
from kiosk.ui.presenter import Screen
from kiosk.ui.settings import UiSettings
from kiosk.ui.widgets import KLabel, KScroll, rounded_box, rounded_box_indices


@pytest.fixture
async def ui():
    harness = HeadlessUI(KioskApp(None, UiSettings(goodbye_s=3600)))
    await harness.start()
    yield harness
    harness.close()


def _boxes(seed: int, count: int = 40) -> list[tuple[float, float, float, float, float]]:
    """Button-like boxes, some at fractional positions and sizes, some overlapping."""
    rng = random.Random(seed)
    boxes = []
    for i in range(count):
        x = rng.uniform(-10, 700) if i % 2 else float(rng.randint(0, 700))
        y = rng.uniform(-10, 420) if i % 3 else float(rng.randint(0, 420))
        w = rng.choice([48.0, 96.0, 150.0, 250.5, 380.0, 64.25, 776.0, 3.0])
        h = rng.choice([48.0, 52.0, 64.0, 76.0, 60.5, 4.0])
        boxes.append((x, y, w, h, rng.choice([10.0, 9.0, 30.0, 4.0])))
    return boxes


async def _shot(ui: HeadlessUI, canvas_widget: Widget, path: Path) -> Image.Image:
    ui.app.root.add_widget(canvas_widget)
    try:
        return Image.open(await ui.screenshot(path)).convert("RGB")
    finally:
        ui.app.root.remove_widget(canvas_widget)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_rounded_boxes_cover_exactly_the_pixels_of_kivys_rounded_rectangle(
    ui: HeadlessUI, tmp_path: Path, seed: int
) -> None:
    kivy_drawn, mesh_drawn = Widget(), Widget()
    for k, (x, y, w, h, radius) in enumerate(_boxes(seed)):
        colour = ((k * 37) % 255 / 255, (k * 91) % 255 / 255, (k * 53) % 255 / 255, 1)
        with kivy_drawn.canvas:
            Color(*colour)
            RoundedRectangle(pos=(x, y), size=(w, h), radius=[radius])
        with mesh_drawn.canvas:
            Color(*colour)
            Mesh(
                vertices=rounded_box(x, y, w, h, radius),
                indices=rounded_box_indices(),
                mode="triangles",
            )
    expected = await _shot(ui, kivy_drawn, tmp_path / "kivy.png")
    got = await _shot(ui, mesh_drawn, tmp_path / "mesh.png")
    assert ImageChops.difference(expected, got).getbbox() is None


def test_an_empty_box_has_no_outline_and_every_box_the_same_number_of_points() -> None:
    assert rounded_box(10, 10, 0, 40, 10) == ()
    assert rounded_box(10, 10, 40, 0, 10) == ()
    indices = rounded_box_indices()
    for radius in (10.0, 0.0, 300.0):
        points = len(rounded_box(5.5, 7.25, 120, 48, radius)) // 4
        assert points == 44 and max(indices) == points - 1


async def test_the_scroll_area_clips_its_content_to_itself(ui: HeadlessUI, tmp_path: Path) -> None:
    """KScroll clips with a scissor instead of a stencil: nothing drawn outside its box."""
    view = KScroll(size_hint=(None, None), size=(200, 100), pos=(100, 100), do_scroll_x=False)
    content = Widget(size_hint_y=None, height=400)
    with content.canvas:
        Color(1, 0, 0, 1)
        Rectangle(pos=(-300, -300), size=(2000, 2000))  # far beyond the view on every side
    view.add_widget(content)
    holder = Widget()
    holder.add_widget(view)
    shot = await _shot(ui, holder, tmp_path / "clip.png")
    height = shot.height
    red = (255, 0, 0)
    assert shot.getpixel((150, height - 150)) == red  # inside the view (PNG rows run downwards)
    for x, y in ((99, 150), (300, 150), (150, 99), (150, 200), (50, 50), (700, 400)):
        assert shot.getpixel((x, height - 1 - y)) != red, (x, y)


async def test_a_change_to_one_item_redraws_only_that_row(ui: HeadlessUI) -> None:
    app = ui.app
    app.presenter.apply(events.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU))
    for item in ("3000000011", "3000000012", "3000000013"):
        app.presenter.apply(events.ItemSeen(item_id=item, action=Action.BORROW, title=item))
    await ui.pump(frames=2)
    rendered: dict[str, int] = {}
    for item, row in app.current_screen.rows.items():
        rendered[item] = 0
        for label in row.walk(restrict=True):
            if isinstance(label, KLabel):  # Kivy sets a label's texture each time it renders
                label.bind(
                    texture=lambda *_, item=item: rendered.__setitem__(item, rendered[item] + 1)
                )
    app.presenter.apply(
        events.ItemBorrowed(item_id="3000000012", title="Sult", due_date=datetime(2026, 12, 1))
    )
    await ui.pump(frames=2)
    assert rendered["3000000011"] == rendered["3000000013"] == 0
    assert rendered["3000000012"] > 0
    assert "Sult" in ui.texts()


async def test_library_messages_appear_on_a_row_that_had_none(ui: HeadlessUI) -> None:
    app = ui.app
    app.presenter.apply(events.ModeChanged(mode=Mode.BORROW, previous=Mode.MENU))
    app.presenter.apply(events.ItemSeen(item_id="3000000011", action=Action.BORROW, title="Sult"))
    await ui.pump(frames=1)
    row = app.current_screen.rows["3000000011"]
    height = row.height
    app.presenter.apply(
        events.ItemBorrowed(
            item_id="3000000011",
            title="Sult",
            due_date=datetime(2026, 12, 1),
            messages=("Lånet gäller 7 dagar.", "Ring oss vid frågor."),
        )
    )
    await ui.pump(frames=2)
    assert "Lånet gäller 7 dagar.\nRing oss vid frågor." in ui.texts()
    assert row.height > height


async def test_the_screen_background_follows_the_theme(ui: HeadlessUI, tmp_path: Path) -> None:
    """The background is the window's clear colour (not a rectangle), so it must follow the
    theme: normal, high contrast, and back to normal for the next patron."""
    app = ui.app

    def background() -> tuple[int, int, int]:
        red, green, blue, _ = app.theme_colour("background")
        return (round(red * 255), round(green * 255), round(blue * 255))

    spot = (400, 470)  # below the language buttons: nothing but background
    shot = Image.open(await ui.screenshot(tmp_path / "normal.png")).convert("RGB")
    assert shot.getpixel(spot) == background()
    app.toggle_high_contrast()
    shot = Image.open(await ui.screenshot(tmp_path / "contrast.png")).convert("RGB")
    assert shot.getpixel(spot) == (0, 0, 0) == background()
    app.presenter.apply(events.SessionEnded(reason=events.EndReason.PATRON))
    app.clean_screen()
    await ui.pump(frames=1)
    assert app.presenter.state.screen is Screen.WELCOME
    shot = Image.open(await ui.screenshot(tmp_path / "after.png")).convert("RGB")
    assert shot.getpixel(spot) == background() != (0, 0, 0)


async def test_a_one_line_label_draws_the_same_pixels_with_its_own_narrow_texture(
    ui: HeadlessUI, tmp_path: Path
) -> None:
    """Short left-aligned lines get a texture only as wide as their text; the text must land
    exactly where Kivy's label-wide texture puts it (every role, odd positions and widths)."""
    holder = Widget()
    labels = []
    for k, role in enumerate(("small", "body", "item", "title", "display")):
        label = KLabel(logical="Röda rummet — Åsa", role=role, size_hint=(None, None), width=611.5)
        label.pos = (17.25 + 9 * k, 20.5 + 88 * k)
        holder.add_widget(label)
        labels.append(label)
    ui.app.root.add_widget(holder)
    await ui.pump(frames=2)
    assert all(label.text_size[0] is None for label in labels)  # the narrow texture is in use
    narrow = Image.open(await ui.screenshot(tmp_path / "narrow.png")).convert("RGB")
    for label in labels:
        label.text_size = (label.width, None)  # Kivy's own: a texture as wide as the label
    await ui.pump(frames=2)
    assert all(label.texture.width == int(label.width) for label in labels)
    wide = Image.open(await ui.screenshot(tmp_path / "wide.png")).convert("RGB")
    ui.app.root.remove_widget(holder)
    assert ImageChops.difference(narrow, wide).getbbox() is None
