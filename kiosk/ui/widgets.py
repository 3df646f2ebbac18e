"""The few widgets every screen is built from: text, buttons, rows, a keypad.

Why own widgets instead of Kivy's bare ones: each takes its colours and sizes from the running
theme (``App.theme_*`` properties, see ``kiosk.kv``), keeps a touch target of at least
``MIN_TOUCH_DP``, uses the bundled font that covers every script, and draws right-to-left text
(Arabic) correctly: :class:`KLabel` wraps the *logical* text itself and shapes each line, because
Kivy would otherwise wrap the reordered string and show the last words first.
"""

from __future__ import annotations

import math
import struct
from array import array
from collections.abc import Callable, Sequence
from functools import cache, lru_cache
from pathlib import Path

from kivy.app import App
from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView

from kiosk.ui.i18n import visual
from kiosk.ui.theme import FONTS_DIR, MIN_TOUCH_DP

__all__ = [
    "EMPTY_LABEL_SP",
    "FONT_NAME",
    "Card",
    "KButton",
    "KLabel",
    "KScroll",
    "Keypad",
    "hrow",
    "register_fonts",
    "rounded_box",
    "rounded_box_indices",
]

FONT_NAME = "KioskSans"
_KV = Path(__file__).resolve().parent / "kiosk.kv"

#: Font sizes per text role, in sp before the theme's scale.
ROLE_SIZES = {"small": 17, "body": 21, "item": 21, "title": 32, "display": 44, "button": 23}

#: The height (sp) of a label with no text, so an empty line still takes its place.
EMPTY_LABEL_SP = 10


def register_fonts() -> None:
    """Register the bundled DejaVu Sans (Latin incl. Sami, Cyrillic, Arabic) and the kv rules."""
    LabelBase.register(
        FONT_NAME,
        str(FONTS_DIR / "DejaVuSans.ttf"),
        None,
        str(FONTS_DIR / "DejaVuSans-Bold.ttf"),
    )
    if str(_KV) not in Builder.files:
        Builder.load_file(str(_KV))


#: Segments per corner of a rounded box (Kivy's RoundedRectangle default).
ROUND_SEGMENTS = 10

_FLOAT32 = struct.Struct("f")


def _f32(value: float) -> float:
    """``value`` rounded to single precision, as Kivy's C code stores and computes it."""
    return _FLOAT32.unpack(_FLOAT32.pack(value))[0]


@cache
def _arc_directions(segments: int) -> tuple[tuple[tuple[float, ...], tuple[float, ...]], ...]:
    """Per corner, the unit vectors Kivy's ``draw_arc`` steps through (they depend only on the
    corner and the number of segments, so they are computed once)."""
    f = _f32
    corners = []
    for corner in range(4):
        angle = 180 - 90 * corner
        start = f(f(angle) * 0.017453292519943295)
        theta = f(f(f(f(angle - 90) * 0.017453292519943295) - start) / f(segments))
        tangential, radial = f(math.tan(theta)), f(math.cos(theta))
        ux, uy = f(math.cos(start)), f(math.sin(start))
        xs, ys = [], []
        for _ in range(segments):
            xs.append(ux)
            ys.append(uy)
            fx, fy = -uy, ux
            ux, uy = f(ux + f(fx * tangential)), f(uy + f(fy * tangential))
            ux, uy = f(ux * radial), f(uy * radial)
        corners.append((tuple(xs), tuple(ys)))
    return tuple(corners)


@lru_cache(maxsize=512)
def rounded_box(
    x: float, y: float, w: float, h: float, radius: float, segments: int = ROUND_SEGMENTS
) -> tuple[float, ...]:
    """Mesh vertices (x, y, u, v) of the outline Kivy's ``RoundedRectangle`` draws for this box.

    Why not ``RoundedRectangle`` itself: it is one triangle fan from the centre, so every one of
    its ~44 triangles is long and thin and spans the whole button; a tile-based rasterizer
    (Mesa's llvmpipe here, the Pi's GPU too) pays for each tile each one touches. The same
    outline cut into a zig-zag of triangles across the box (``rounded_box_indices``) covers
    exactly the same pixels (the points are computed here in single precision exactly as Kivy
    2.3.1's ``RoundedRectangle.build`` and ``draw_arc`` do) and drew 35-40% faster: the welcome
    screen's buttons were a third of its drawing time. Always ``4 * (segments + 1)`` points
    (a sharp corner repeats its point), none for an empty box (Kivy draws nothing then either).
    """
    f = _f32
    x, y, w, h = f(x), f(y), f(w), f(h)
    if w == 0 or h == 0:
        return ()
    rx, ry = f(min(radius, f(w / 2))), f(min(radius, f(h / 2)))
    top, right = f(y + h), f(x + w)
    centres = (
        (f(x + rx), f(top - ry)),  # top left, then clockwise as Kivy goes
        (f(right - rx), f(top - ry)),
        (f(right - rx), f(y + ry)),
        (f(x + rx), f(y + ry)),
    )
    xs: list[float] = []
    ys: list[float] = []
    for corner, (px, py) in enumerate(centres):
        dw, dh = ((0, 1), (1, 1), (1, 0), (0, 0))[corner]
        if not (rx and ry and segments):  # a sharp corner
            xs += [x + w * dw] * (segments + 1)
            ys += [y + h * dh] * (segments + 1)
            continue
        ux, uy = _arc_directions(segments)[corner]
        # array("f") rounds each value once to single precision, as each C float operation
        # does: first the products, then the sums.
        xs += [px + d for d in array("f", [u * rx for u in ux])]
        ys += [py + d for d in array("f", [u * ry for u in uy])]
        # Kivy's closing point of the arc (where the straight edge starts).
        xs.append(px * (dw != dh) + x * (dw == dh) + w * (dw * dh))
        ys.append(py * (dw == dh) + y * (dw != dh) + h * (dh > dw))
    vertices: list[float] = []
    for vx, vy in zip(array("f", xs), array("f", ys), strict=True):
        vertices += (vx, vy, 0.0, 0.0)
    return tuple(vertices)  # shared by the cache: never to be changed


@cache
def rounded_box_indices(segments: int = ROUND_SEGMENTS) -> tuple[int, ...]:
    """Triangles over ``rounded_box``'s points: a zig-zag between the two ends of the outline
    (first, last, second, second-to-last ...), so each triangle is short and crosses the box
    once. Any triangulation of the same convex outline covers the same pixels."""
    low, high = 0, 4 * (segments + 1) - 1
    order: list[int] = []
    while low <= high:
        order.append(low)
        low += 1
        if low <= high:
            order.append(high)
            high -= 1
    return tuple(i for k in range(len(order) - 2) for i in order[k : k + 3])


def _app_rtl() -> bool:
    app = App.get_running_app()
    return bool(app and getattr(app, "rtl", False))


@lru_cache(maxsize=64)
def _measurer(font_size: float, bold: bool) -> CoreLabel:
    """A text measurer in the kiosk's font at this size (one per size, not one per call)."""
    return CoreLabel(font_name=FONT_NAME, font_size=font_size, bold=bold)


#: Pixels a one-line text must leave free to get a texture of its own width (see
#: ``KLabel._relayout``): more than kerning can add when Kivy measures a line word by word.
_TIGHT_MARGIN_PX = 16


def _wrap_logical(text: str, width: float, font_size: float, bold: bool) -> list[str]:
    """Greedy word wrap of logical ``text`` measured on its shaped (visual) form."""
    measure = _measurer(font_size, bold)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in paragraph.split(" "):
            candidate = f"{current} {word}" if current else word
            if current and measure.get_extents(visual(candidate, True))[0] > width:
                lines.append(current)
                current = word
            else:
                current = candidate
        lines.append(current)
    return lines


class KLabel(Label):
    """Themed, wrapping text. Set ``logical`` (never ``text``): it is shaped for RTL when needed.

    ``role`` picks the size (small/body/item/title/display); ``tone`` picks the colour role
    (text/muted/ok/warn/problem/surface_text/banner_text).
    """

    logical = StringProperty("")
    role = StringProperty("body")
    tone = StringProperty("text")
    rtl = BooleanProperty(False)
    align = StringProperty("start")  # start | center | end, mirrored for RTL
    base_size = NumericProperty(ROLE_SIZES["body"])

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("rtl", _app_rtl())
        super().__init__(**kwargs)
        self.fbind("logical", self._relayout)
        self.fbind("width", self._relayout)
        self.fbind("font_size", self._relayout)
        self.fbind("rtl", self._relayout)
        self.fbind("align", self._relayout)
        self.fbind("bold", self._relayout)
        self._relayout()

    def _relayout(self, *_: object) -> None:
        self.halign = {
            "start": "right" if self.rtl else "left",
            "end": "left" if self.rtl else "right",
        }.get(self.align, "center")
        if not self.rtl:
            text = self.logical
        else:
            width = max(self.width - self.padding[0] - self.padding[2], dp(10))
            lines = _wrap_logical(self.logical, width, self.font_size, self.bold)
            text = "\n".join(visual(line, True) for line in lines)
        self.text = text
        # Kivy renders wrapping text into a texture as wide as the label, and every pixel of it
        # is blended each frame, the transparent ones too: a list row's short title filled a
        # 680 px strip. A left-aligned line that clearly fits gets a texture of its own width
        # instead, drawn where Kivy would draw it (see ``<-KLabel>`` in kiosk.kv): the same
        # pixels, a quarter less drawing on the borrow screen. Other alignments keep Kivy's
        # way, since Kivy centres and right-aligns by the width it sums word by word.
        fits = (
            self.halign == "left"
            and "\n" not in text
            and _measurer(self.font_size, self.bold).get_extents(text)[0] + _TIGHT_MARGIN_PX
            <= self.width - self.padding[0] - self.padding[2]
        )
        self.text_size = (None, None) if fits else (self.width, None)


class KButton(ButtonBehavior, KLabel):
    """A big, themed button (``kind`` primary/secondary/toggle) of at least 48 dp each way.

    ``on_release`` is the event to bind. ``selected`` draws a thick outline *and* a check mark
    prefix, so a toggled state is visible without colour.
    """

    kind = StringProperty("secondary")
    selected = BooleanProperty(False)
    min_size = NumericProperty(dp(MIN_TOUCH_DP))


class Card(BoxLayout):
    """A surface-coloured panel (list rows, boxes)."""

    tone = StringProperty("text")


class KScroll(ScrollView):
    """A vertical scroll area that clips with a scissor rectangle instead of Kivy's stencil.

    Why: Kivy's ScrollView is a StencilView, which draws its whole area twice more every frame
    (into the stencil buffer and out again) and stencil-tests every pixel inside; a scissor
    clips the same pixels for free (about 2 ms of each frame on the software rasterizer). See
    ``<-KScroll>`` in ``kiosk.kv``. The screens sit at the window's origin (no transition moves
    them), so the widget's own window position is the clip rectangle.
    """

    def _bind_inactive_bar_color(self, *largs: object) -> None:
        """After scrolling or a change of content, Kivy fades the bar with an animation that
        redraws the whole screen for half a second, even when there is no bar (the content
        fits). Then go straight to the resting colour: one frame instead of thirty."""
        if self.viewport_size[1] > self.height:
            super()._bind_inactive_bar_color(*largs)
            return
        self.funbind("bar_color", self._change_bar_color)
        self.fbind("bar_inactive_color", self._change_bar_color)
        self._bar_color = self.bar_inactive_color


class Keypad(GridLayout):
    """Digits 0-9, erase and OK as big buttons; calls ``on_key("3")``, ``"erase"`` or ``"ok"``."""

    def __init__(self, on_key: Callable[[str], None], ok_label: str, erase_label: str) -> None:
        super().__init__(cols=3, spacing=dp(8), size_hint=(None, None))
        self.width = dp(3 * 96 + 16)
        self.height = dp(4 * 64 + 24)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok"]
        for key in keys:
            label = {"erase": erase_label, "ok": ok_label}.get(key, key)
            button = KButton(
                logical=label,
                kind="primary" if key == "ok" else "secondary",
                role="button",
                size_hint=(None, None),
                size=(dp(96), dp(64)),
            )
            button.key = key
            button.bind(on_release=lambda b: on_key(b.key))
            self.add_widget(button)


def hrow(widgets: Sequence[object], *, rtl: bool, **kwargs: object) -> BoxLayout:
    """A horizontal row that reads in the language's direction (reversed for RTL)."""
    row = BoxLayout(orientation="horizontal", **kwargs)
    for widget in reversed(widgets) if rtl else widgets:
        row.add_widget(widget)
    return row


def font_px(role: str, scale: float) -> float:
    return sp(ROLE_SIZES[role]) * scale
