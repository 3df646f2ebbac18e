"""The few widgets every screen is built from: text, buttons, rows, a keypad.

Why own widgets instead of Kivy's bare ones: each takes its colours and sizes from the running
theme (``App.theme_*`` properties, see ``kiosk.kv``), keeps a touch target of at least
``MIN_TOUCH_DP``, uses the bundled font that covers every script, and draws right-to-left text
(Arabic) correctly: :class:`KLabel` wraps the *logical* text itself and shapes each line, because
Kivy would otherwise wrap the reordered string and show the last words first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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

from kiosk.ui.i18n import visual
from kiosk.ui.theme import FONTS_DIR, MIN_TOUCH_DP

__all__ = [
    "FONT_NAME",
    "Card",
    "KButton",
    "KLabel",
    "Keypad",
    "hrow",
    "register_fonts",
]

FONT_NAME = "KioskSans"
_KV = Path(__file__).resolve().parent / "kiosk.kv"

#: Font sizes per text role, in sp before the theme's scale.
ROLE_SIZES = {"small": 17, "body": 21, "item": 21, "title": 32, "display": 44, "button": 23}


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


def _app_rtl() -> bool:
    app = App.get_running_app()
    return bool(app and getattr(app, "rtl", False))


def _wrap_logical(text: str, width: float, font_size: float, bold: bool) -> list[str]:
    """Greedy word wrap of logical ``text`` measured on its shaped (visual) form."""
    measure = CoreLabel(font_name=FONT_NAME, font_size=font_size, bold=bold)
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
        self._relayout()

    def _relayout(self, *_: object) -> None:
        self.halign = {
            "start": "right" if self.rtl else "left",
            "end": "left" if self.rtl else "right",
        }.get(self.align, "center")
        if not self.rtl:
            self.text = self.logical
            return
        width = max(self.width - self.padding[0] - self.padding[2], dp(10))
        lines = _wrap_logical(self.logical, width, self.font_size, self.bold)
        self.text = "\n".join(visual(line, True) for line in lines)


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
