"""The pictures on the welcome, identify and closed screens: the pad with books on it, a library
card, a clock.

Why drawn here: a patron in a hurry, reading their second language, understands a picture of
the pad and the card before any sentence. Drawn with Kivy's canvas in the theme's colours, they
need no image files (nothing to license, nothing to load from disk), follow high contrast like
the text, and scale with the room the screen gives them. Each keeps its proportions and sits
centred in its widget.
"""

from __future__ import annotations

import math
from typing import Any

from kivy.app import App
from kivy.graphics import Color, Ellipse, Line, Rectangle, RoundedRectangle
from kivy.metrics import dp

from kiosk.ui.widgets import Illustration

__all__ = ["CardIllustration", "ClockIllustration", "PadIllustration"]


def _colour(role: str) -> tuple[float, ...]:
    app: Any = App.get_running_app()
    return tuple(app.theme_colour(role)) if app is not None else (0.5, 0.5, 0.5, 1.0)


class _Drawing(Illustration):
    """Redraws itself when it moves, resizes or the theme changes."""

    #: Width / height of the drawing (kept whatever the widget's shape).
    ratio = 1.5

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("size_hint", (None, None))
        super().__init__(**kwargs)
        self.fbind("pos", self._redraw)
        self.fbind("size", self._redraw)
        app = App.get_running_app()
        if app is not None:
            app.fbind("palette_version", self._redraw)
        self._redraw()

    def _frame(self) -> tuple[float, float, float, float]:
        """The drawing's box (x, y, w, h): the widget's, at the drawing's proportions."""
        w, h = self.width, self.height
        if w / max(h, 1) > self.ratio:
            w = h * self.ratio
        else:
            h = w / self.ratio
        # From x, y and the size, not ``center``: that alias is updated after the size is
        # dispatched, so it is stale while the layout is moving the widget.
        return self.x + (self.width - w) / 2, self.y + (self.height - h) / 2, w, h

    def _redraw(self, *_: object) -> None:
        self.canvas.clear()
        if self.width < 2 or self.height < 2:
            return
        with self.canvas:
            self.draw(*self._frame())

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        raise NotImplementedError


class PadIllustration(_Drawing):
    """The RFID pad seen from the front, a small stack of books on it, the reader's waves."""

    ratio = 1.6

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        stroke = max(dp(1.5), w / 90)
        slab_h = h * 0.22
        # the pad
        Color(*_colour("surface"))
        RoundedRectangle(pos=(x, y), size=(w, slab_h), radius=[slab_h / 3])
        Color(*_colour("outline"))
        Line(rounded_rectangle=(x, y, w, slab_h, slab_h / 3), width=stroke)
        Line(points=[x + w * 0.12, y + slab_h * 0.45, x + w * 0.88, y + slab_h * 0.45], width=1)
        # three books, one on another
        book_w, book_h = w * 0.5, h * 0.1
        left = x + (w - book_w) / 2
        for n, role in enumerate(("primary", "ok", "warn")):
            shift = (n - 1) * w * 0.03
            bottom = y + slab_h + n * book_h
            Color(*_colour(role))
            Rectangle(pos=(left + shift, bottom), size=(book_w, book_h * 0.86))
            Color(*_colour("surface"))
            Rectangle(
                pos=(left + shift + book_w * 0.06, bottom + book_h * 0.2),
                size=(book_w * 0.88, book_h * 0.18),
            )
        # the reader's field: arcs rising from the pad
        Color(*_colour("primary"))
        centre_x, centre_y = x + w / 2, y + slab_h + 3 * book_h
        for n in range(3):
            radius = h * (0.16 + 0.11 * n)
            Line(circle=(centre_x, centre_y, radius, -40, 40), width=stroke)


class CardIllustration(_Drawing):
    """A library card: a coloured band, a photo square, text lines and a barcode."""

    ratio = 1.58  # ID-1, the size of a bank card

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        stroke = max(dp(1.5), w / 90)
        radius = h * 0.08
        Color(*_colour("surface"))
        RoundedRectangle(pos=(x, y), size=(w, h), radius=[radius])
        Color(*_colour("primary"))
        RoundedRectangle(pos=(x, y + h * 0.74), size=(w, h * 0.26), radius=[radius, radius, 0, 0])
        Color(*_colour("outline"))
        Line(rounded_rectangle=(x, y, w, h, radius), width=stroke)
        # a photo and two lines of text
        Color(*_colour("muted_text"))
        Rectangle(pos=(x + w * 0.07, y + h * 0.36), size=(w * 0.2, h * 0.3))
        for n, length in enumerate((0.5, 0.36)):
            top = y + h * (0.58 - 0.14 * n)
            Rectangle(pos=(x + w * 0.34, top), size=(w * length, h * 0.07))
        # a barcode
        Color(*_colour("text"))
        bar_x = x + w * 0.1
        widths = (2, 1, 1, 3, 1, 2, 1, 1, 2, 3, 1, 2, 1, 3, 1, 1, 2, 1, 2, 1)
        unit = w * 0.8 / (sum(widths) * 2)
        for n, bar in enumerate(widths):
            if n % 2 == 0:
                Rectangle(pos=(bar_x, y + h * 0.08), size=(unit * bar, h * 0.2))
            bar_x += unit * bar * 2


class ClockIllustration(_Drawing):
    """A clock face showing ten past ten: the kiosk keeps hours, and is outside them now."""

    ratio = 1.0

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        stroke = max(dp(1.5), w / 40)
        radius = w / 2 - stroke
        centre_x, centre_y = x + w / 2, y + h / 2
        Color(*_colour("surface"))
        Ellipse(pos=(centre_x - radius, centre_y - radius), size=(2 * radius, 2 * radius))
        Color(*_colour("outline"))
        Line(circle=(centre_x, centre_y, radius), width=stroke)
        for hour in range(12):  # the hour marks, longer at the quarters
            angle = math.radians(90 - hour * 30)
            inner = radius * (0.74 if hour % 3 == 0 else 0.84)
            outer = radius * 0.92
            Line(
                points=[
                    centre_x + inner * math.cos(angle),
                    centre_y + inner * math.sin(angle),
                    centre_x + outer * math.cos(angle),
                    centre_y + outer * math.sin(angle),
                ],
                width=max(1.0, stroke / 2),
            )
        Color(*_colour("primary"))
        for hours, length in ((10 + 10 / 60, 0.5), (2.0, 0.7)):  # hour hand, minute hand
            angle = math.radians(90 - hours * 30)
            Line(
                points=[
                    centre_x,
                    centre_y,
                    centre_x + radius * length * math.cos(angle),
                    centre_y + radius * length * math.sin(angle),
                ],
                width=stroke,
                cap="round",
            )
