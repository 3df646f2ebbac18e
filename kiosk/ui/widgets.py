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
from typing import TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.core.text import Label as CoreLabel
from kivy.core.text import LabelBase
from kivy.lang import Builder
from kivy.metrics import dp, sp
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.anchorlayout import AnchorLayout
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label
from kivy.uix.scrollview import ScrollView
from kivy.uix.widget import Widget

from kiosk.ui.i18n import reads_right_to_left, visual
from kiosk.ui.theme import FONTS_DIR, MIN_TOUCH_DP

__all__ = [
    "BUTTON_PAD_DP",
    "EMPTY_LABEL_SP",
    "FONT_NAME",
    "ButtonRow",
    "Card",
    "Illustration",
    "KButton",
    "KLabel",
    "KScroll",
    "Keypad",
    "ShrinkColumn",
    "button_rows",
    "fit_width",
    "grow_with_children",
    "hrow",
    "longest_word_width",
    "one_line_width",
    "register_fonts",
    "rounded_box",
    "rounded_box_indices",
    "share_widths",
]

FONT_NAME = "KioskSans"
_KV = Path(__file__).resolve().parent / "kiosk.kv"

#: Font sizes per text role, in sp before the theme's scale.
ROLE_SIZES = {"small": 17, "body": 21, "item": 21, "title": 32, "display": 44, "button": 23}

#: The height (sp) of a label with no text, so an empty line still takes its place.
EMPTY_LABEL_SP = 10

#: What a button adds to its text's height (dp), see ``<KButton>`` in kiosk.kv.
BUTTON_PAD_DP = 20


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
    return float(_FLOAT32.unpack(_FLOAT32.pack(value))[0])


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
    (text/muted/ok/warn/problem/surface_text/banner_text). ``own_direction``: the text is not
    the kiosk's own (a title, the library system's message) and is laid out in the direction of
    its own first letter, not the screen's: "Film (DVD)" in an Arabic screen kept its
    parentheses at the wrong ends (")Film (DVD").
    """

    logical = StringProperty("")
    role = StringProperty("body")
    tone = StringProperty("text")
    rtl = BooleanProperty(False)
    own_direction = BooleanProperty(False)
    align = StringProperty("start")  # start | center | end, mirrored for RTL
    base_size = NumericProperty(ROLE_SIZES["body"])

    def __init__(self, **kwargs: object) -> None:
        kwargs.setdefault("rtl", _app_rtl())
        super().__init__(**kwargs)
        self.fbind("logical", self._relayout)
        self.fbind("width", self._relayout)
        self.fbind("font_size", self._relayout)
        self.fbind("rtl", self._relayout)
        self.fbind("own_direction", self._relayout)
        self.fbind("align", self._relayout)
        self.fbind("bold", self._relayout)
        self._relayout()

    def _relayout(self, *_: object) -> None:
        self.halign = {
            "start": "right" if self.rtl else "left",
            "end": "left" if self.rtl else "right",
        }.get(self.align, "center")
        rtl = reads_right_to_left(self.logical) if self.own_direction else self.rtl
        if not rtl:
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


class Illustration(Widget):
    """A picture drawn in the package with canvas instructions in the theme's colours (see
    :mod:`kiosk.ui.illustrations`): no image files, so nothing to license, and it follows high
    contrast like the text does."""


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

    :meth:`follow` keeps a widget in view (a list's newest item: a patron who puts a stack down
    sees the last book arrive, not the first three); ``keep_in_view`` is what the layout audit
    checks.
    """

    keep_in_view = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._trigger_follow = Clock.create_trigger(self._follow, 0)
        self.fbind("height", self._trigger_follow)
        self.fbind("keep_in_view", self._trigger_follow)

    def add_widget(self, widget: Widget, *args: object, **kwargs: object) -> None:
        super().add_widget(widget, *args, **kwargs)
        widget.fbind("height", self._trigger_follow)

    def follow(self, widget: Widget | None) -> None:
        """Keep ``widget`` in view from now on (as the content grows or changes)."""
        self.keep_in_view = widget
        self._trigger_follow()

    def _follow(self, *_: object) -> None:
        widget = self.keep_in_view
        if widget is None or widget.parent is None or not self.children:
            return
        if self.children[0].height <= self.height:
            self.scroll_y = 1.0
            return
        self.scroll_to(widget, padding=dp(4), animate=False)

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

    KEY_W, KEY_H = 92, 60  # dp at least: 18 x 11.5 mm on the 7" panel

    def __init__(self, on_key: Callable[[str], None], ok_label: str, erase_label: str) -> None:
        super().__init__(cols=3, spacing=dp(8), size_hint=(None, None))
        # Keys as large as their largest text needs (large text, a long "OK" in Arabic).
        scale = getattr(App.get_running_app(), "font_scale", 1.0)
        measure = _measurer(sp(ROLE_SIZES["button"]) * scale, True)
        texts = [visual(text, _app_rtl()) for text in ("0", erase_label, ok_label)]
        # a label's own padding (kiosk.kv) and a button's room around its text
        widest = max(measure.get_extents(text)[0] for text in texts) + dp(8 + BUTTON_PAD_DP)
        tallest = max(measure.get_extents(text)[1] for text in texts) + dp(4 + BUTTON_PAD_DP)
        key_w = max(dp(self.KEY_W), widest)
        key_h = max(dp(self.KEY_H), tallest)
        self.width = 3 * key_w + dp(16)
        self.height = 4 * key_h + dp(24)
        keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "erase", "0", "ok"]
        for key in keys:
            label = {"erase": erase_label, "ok": ok_label}.get(key, key)
            button = KButton(
                logical=label,
                kind="primary" if key == "ok" else "secondary",
                role="button",
                size_hint=(None, None),
                size=(key_w, key_h),
                min_size=key_h,
            )
            button.key = key
            button.bind(on_release=lambda b: on_key(b.key))
            self.add_widget(button)


_L = TypeVar("_L", bound=KLabel)


def hrow(widgets: Sequence[object], *, rtl: bool, **kwargs: object) -> BoxLayout:
    """A horizontal row that reads in the language's direction (reversed for RTL)."""
    row = BoxLayout(orientation="horizontal", **kwargs)
    for widget in reversed(widgets) if rtl else widgets:
        row.add_widget(widget)
    return row


def font_px(role: str, scale: float) -> float:
    return float(sp(ROLE_SIZES[role])) * scale


#: Pixels added to a measured text width so float rounding in the layout never moves its last
#: word to a second line (Kivy keeps a line whose text is exactly as wide as the room).
_ROUNDING_PX = 1


def _horizontal_padding(label: KLabel) -> float:
    return float(label.padding[0] + label.padding[2])


def one_line_width(label: KLabel) -> float:
    """The width ``label`` needs to show its text on one line, padding included.

    Kivy keeps a line on one line exactly when its shaped text's extents fit the room (checked
    for every text of the kiosk: a pixel less and the last word moves down)."""
    measure = _measurer(label.font_size, label.bold)
    widest = max(
        measure.get_extents(visual(line, label.rtl))[0] for line in label.logical.split("\n")
    )
    return float(widest) + _horizontal_padding(label) + _ROUNDING_PX


def longest_word_width(label: KLabel) -> float:
    """The narrowest ``label`` can be without a word broken inside (Kivy breaks a word that is
    wider than the room wherever it runs out, "Davvisámeg" / "iella")."""
    measure = _measurer(label.font_size, label.bold)
    words = label.logical.replace("\n", " ").split(" ")
    widest = max(measure.get_extents(visual(word, label.rtl))[0] for word in words)
    return float(widest) + _horizontal_padding(label) + _ROUNDING_PX


def share_widths(needs: Sequence[float], least: Sequence[float], room: float) -> list[float]:
    """Widths for buttons side by side in ``room``, from what each needs for its text on one line
    (``needs``) and for its longest word (``least``).

    Equal shares while every text fits on one line in one (the regular look of most rows);
    otherwise each its own need plus an equal part of what is left; when not every text fits on
    one line, each at least its longest word and the rest shared by how much more each would
    need. Only when not even the longest words fit are some words broken (proportional widths).
    """
    count = len(needs)
    if count == 0:
        return []
    if max(needs) <= room / count:
        return [room / count] * count
    if sum(needs) <= room:
        extra = (room - sum(needs)) / count
        return [need + extra for need in needs]
    if sum(least) <= room:
        wanted = [need - low for need, low in zip(needs, least, strict=True)]
        spare = room - sum(least)
        return [low + spare * more / sum(wanted) for low, more in zip(least, wanted, strict=True)]
    return [room * low / sum(least) for low in least]


class ButtonRow(BoxLayout):
    """Buttons side by side that share the row by their texts and grow with them.

    Why: rows of equal, fixed-height buttons broke long words inside ("Davvisámeg" / "iella")
    and, with large text, let a wrapped text spill out of the row over the row above. Here the
    widths come from the texts (:func:`share_widths`) and every button is as tall as the
    tallest text of the row needs, at least ``min_height``: the row is as tall as its buttons.
    Reads in the language's direction (reversed for RTL) like :func:`hrow`.
    """

    def __init__(
        self,
        buttons: Sequence[KButton],
        *,
        rtl: bool,
        min_height: float = dp(MIN_TOUCH_DP),
        **kwargs: object,
    ) -> None:
        super().__init__(orientation="horizontal", size_hint_y=None, **kwargs)
        self.buttons = list(buttons)
        self.min_height = min_height
        for button in reversed(self.buttons) if rtl else self.buttons:
            self.add_widget(button)
            button.fbind("logical", self._share)
            button.fbind("font_size", self._share)
            button.fbind("texture_size", self._grow)
        self.fbind("width", self._share)
        self.fbind("padding", self._share)
        self.fbind("spacing", self._share)
        self._share()
        self._grow()

    def _share(self, *_: object) -> None:
        room = self.width - self.padding[0] - self.padding[2]
        room -= self.spacing * (len(self.buttons) - 1)
        needs = [one_line_width(button) for button in self.buttons]
        least = [longest_word_width(button) for button in self.buttons]
        for button, width in zip(self.buttons, share_widths(needs, least, room), strict=True):
            button.size_hint_x = max(width, 1.0)  # the row's width shared in these proportions

    def _grow(self, *_: object) -> None:
        tallest = max(
            [self.min_height]
            + [button.texture_size[1] + dp(BUTTON_PAD_DP) for button in self.buttons]
        )
        for button in self.buttons:
            button.min_size = tallest
        self.height = tallest + self.padding[1] + self.padding[3]


def button_rows(
    buttons: Sequence[KButton],
    room: float,
    *,
    rtl: bool,
    min_height: float,
    spacing: float,
) -> BoxLayout:
    """Buttons in as few :class:`ButtonRow` rows as keep every word whole in ``room``.

    Why: four buttons in Somali or Finnish with large text do not fit one row even with each
    at its longest word, and a row would then break words ("Dhamme" / "e"). In reading order,
    each row takes as many buttons as fit at their longest word; rows are as tall as their
    buttons need.
    """
    rows: list[list[KButton]] = [[]]
    used = 0.0
    for button in buttons:
        least = longest_word_width(button)
        needed = least if not rows[-1] else used + spacing + least
        if rows[-1] and needed > room:
            rows.append([button])
            used = least
        else:
            rows[-1].append(button)
            used = needed
    box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=spacing)
    box.bind(minimum_height=box.setter("height"))
    for row in rows:
        box.add_widget(ButtonRow(row, rtl=rtl, min_height=min_height, spacing=spacing))
    return box


def fit_width(button: _L, minimum: float, margin: float = dp(16)) -> _L:
    """Keep a fixed-width button (or label; ``size_hint_x`` None) at least as wide as its text
    on one line plus ``margin``: a fixed width broke a longer translation inside a word
    ("Henkilö" / "kunta") and made the button taller than its row."""

    def follow(*_: object) -> None:
        button.width = max(minimum, one_line_width(button) + margin)

    button.fbind("logical", follow)
    button.fbind("font_size", follow)
    follow()
    return button


def grow_with_children(row: BoxLayout, minimum: float) -> BoxLayout:
    """Keep ``row`` (of children with their own heights) as tall as its tallest child and at
    least ``minimum``: a fixed height let large text stand out of the row, off the screen at
    the top or over the row above."""

    def follow(*_: object) -> None:
        tallest = max([minimum] + [child.height for child in row.children])
        row.height = tallest + row.padding[1] + row.padding[3]

    for child in row.children:
        child.fbind("height", follow)
    follow()
    return row


class ShrinkColumn(AnchorLayout):
    """Labels in a column centred in whatever height is left to it: their text made smaller
    (by one factor, in steps of ``SCALE_STEP``, each label no smaller than its own
    ``min_scales`` entry of its size) until the column fits, and the least important left out
    while even that is too tall. ``priority`` orders them by importance (kept longest first; by
    default the column order); the most important one, alone, may go on down to
    ``last_resort_scale`` before it is left out too.

    Why: the welcome screen must fit the 800x480 touch screen in every language with large
    text, with the offline banner too. The buttons, switches and language choice keep their
    full size and take what they need; the welcome text and its prompt are what can give way
    (the prompt is also spoken when read-aloud is on). Measuring renders a label at once
    (``texture_update``), so each label's height at each size is remembered for the width:
    while a rebuilt screen settles, the room changes a few times in one frame but the width
    not, and a size that fits is found in a few renders (a binary search over the steps).
    """

    # Each size tried keeps a font (and its glyph cache) open in SDL_ttf for good: steps of
    # 10% rather than 5% cost ~2 MB less once every language and look has been shown.
    SCALE_STEP = 0.1

    def __init__(
        self,
        labels: Sequence[KLabel],
        *,
        min_scales: Sequence[float],
        priority: Sequence[KLabel] | None = None,
        last_resort_scale: float | None = None,
        spacing: float = 0,
        **kwargs: object,
    ) -> None:
        super().__init__(anchor_y="center", **kwargs)
        self.labels = list(labels)
        self.priority = list(priority) if priority is not None else list(labels)
        self.floors = dict(zip(map(id, self.labels), min_scales, strict=True))
        self.last_resort_scale = last_resort_scale
        self.scale = 1.0
        self.shown: list[KLabel] = []
        self._heights: dict[tuple[object, ...], float] = {}
        self.column = BoxLayout(orientation="vertical", size_hint_y=None, spacing=spacing)
        self.column.bind(minimum_height=self.column.setter("height"))
        self.add_widget(self.column)
        self._show(self.labels)
        self._trigger_fit = Clock.create_trigger(self._fit, -1)
        self.fbind("size", self._trigger_fit)
        for label in self.labels:
            label.fbind("logical", self._trigger_fit)
        self._trigger_fit()

    @classmethod
    def _steps(cls, smallest: float) -> list[float]:
        """1.0 down in ``SCALE_STEP`` steps, never below ``smallest``."""
        steps = max(0, int((1.0 - smallest) / cls.SCALE_STEP + 1e-9))
        return [round(1.0 - k * cls.SCALE_STEP, 4) for k in range(steps + 1)]

    def _show(self, labels: list[KLabel]) -> None:
        if labels != self.shown:
            self.column.clear_widgets()
            for label in labels:
                self.column.add_widget(label)
            self.shown = labels

    def _size(self, label: KLabel, scale: float, width: float) -> None:
        app_scale = getattr(App.get_running_app(), "font_scale", 1.0)
        label.width = width
        label.font_size = font_px(label.role, app_scale) * scale

    def _label_height(self, label: KLabel, scale: float, width: float) -> float:
        app_scale = getattr(App.get_running_app(), "font_scale", 1.0)
        key = (id(label), label.logical, width, scale, app_scale)
        if key not in self._heights:
            self._size(label, scale, width)
            label.texture_update()  # its height follows the texture at once (kiosk.kv)
            self._heights[key] = label.height
        return self._heights[key]

    def _height(
        self, labels: list[KLabel], scale: float, width: float, floors: dict[int, float]
    ) -> float:
        spacing = float(self.column.spacing) * (len(labels) - 1)
        heights = (self._label_height(lb, max(scale, floors[id(lb)]), width) for lb in labels)
        return sum(heights) + spacing

    def _largest_scale(
        self, labels: list[KLabel], width: float, room: float, floors: dict[int, float]
    ) -> float | None:
        """The largest step at which ``labels`` (each at least at its floor) fit ``room``;
        None if not even the smallest does."""
        scales = self._steps(min(floors[id(label)] for label in labels))
        if self._height(labels, scales[0], width, floors) <= room:
            return scales[0]  # the everyday case: one render of each label
        if self._height(labels, scales[-1], width, floors) > room:
            return None
        low, high = 1, len(scales) - 1  # scales[high] always fits
        while low < high:
            middle = (low + high) // 2
            if self._height(labels, scales[middle], width, floors) <= room:
                high = middle
            else:
                low = middle + 1
        return scales[high]

    def _fit(self, *_: object) -> None:
        width = self.width - self.padding[0] - self.padding[2]
        room = self.height - self.padding[1] - self.padding[3]
        attempts = [
            ([label for label in self.labels if label in self.priority[:count]], self.floors)
            for count in range(len(self.priority), 0, -1)
        ]
        if self.last_resort_scale is not None:
            alone = self.priority[0]
            attempts.append(([alone], {id(alone): self.last_resort_scale}))
        shown: list[KLabel] = []
        floors, scale = self.floors, 1.0
        for candidates, candidate_floors in attempts:
            fitting = self._largest_scale(candidates, width, room, candidate_floors)
            if fitting is not None:
                shown, floors, scale = candidates, candidate_floors, fitting
                break
        self.scale = scale
        for label in shown:
            self._size(label, max(scale, floors[id(label)]), width)
        self._show(shown)
