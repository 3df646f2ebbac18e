"""What every screen is built on: a header, a title, a status line, a body and a footer.

Why one frame for all: the 800x480 panel has room for little, and a screen must fit it in every
language and look. Every screen keeps the same order and spacing (the library's name, the
title, a line of status that is never scrolled away, the body that scrolls, the buttons), every
row is as tall as its text needs (large text, long translations) and the body takes what is
left. The body alone scrolls, so the title, the count of a list and the buttons stay in view.

Why screens rebuild themselves from state: language, text size and contrast can change at any
moment, and a right-to-left language mirrors every row. Rebuilding a screen from the presenter's
state on each change keeps that simple and always correct; the one hot path (item rows on the
borrow/return lists while a stack is processed) updates rows in place instead.

Every patron-visible literal is wrapped in ``N_()`` so Babel extracts it into the catalogs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.screenmanager import Screen as KivyScreen
from kivy.uix.widget import Widget

from kiosk.ui.i18n import N_
from kiosk.ui.presenter import Screen
from kiosk.ui.widgets import Card, KButton, KLabel, KScroll, button_rows, hrow

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["FOOTER_MIN_DP", "KioskScreen"]

#: The smallest height of a row of buttons at the foot of a screen (a comfortable target).
FOOTER_MIN_DP = 56
#: Room around the screen's content and between its parts (dp).
SCREEN_PAD_DP = 10
GAP_DP = 6


class KioskScreen(KivyScreen):
    """Base: a header (library, status banner), a title, a body and a footer of buttons."""

    kind: Screen
    topics: frozenset[str] = frozenset()

    def __init__(self, app: KioskApp) -> None:
        super().__init__(name=self.kind.value)
        self.app = app

    # ---------------------------------------------------------------- building blocks

    def label(self, text: str, role: str = "body", tone: str = "text", **kwargs: object) -> KLabel:
        return KLabel(logical=text, role=role, tone=tone, **kwargs)

    def library_text(self, text: str, tone: str = "text", role: str = "body") -> KLabel:
        """Text that is not the kiosk's own (a title, the library system's words): laid out
        in its own direction, whatever the screen's language."""
        return KLabel(logical=text, role=role, tone=tone, own_direction=True)

    def library_note(self, messages: Sequence[str]) -> Card:
        """The library system's own words, marked as such and left in their language."""
        tr = self.app.tr
        card = Card()
        card.add_widget(self.label(tr(N_("Message from the library:")), "small", "muted_text"))
        for message in messages:
            card.add_widget(self.library_text(message, tone="surface_text"))
        return card

    def notice(self, symbol: str, text: str, tone: str, *more: Widget) -> Card:
        """A card with a sentence that must be read (a refusal and what to do about it)."""
        card = Card()
        card.add_widget(self.label(f"{symbol} {text}", tone=tone))
        for widget in more:
            card.add_widget(widget)
        return card

    def button(
        self, text: str, on_press: Callable[[], object], kind: str = "secondary", **kwargs: object
    ) -> KButton:
        button = KButton(logical=text, kind=kind, role="button", **kwargs)
        button.bind(on_release=lambda *_: on_press())
        return button

    def footer(self, *buttons: KButton) -> Widget:
        """The screen's buttons: widths from their texts, as tall as the longest needs, in two
        rows when one would break a word."""
        from kivy.core.window import Window

        room = Window.width - 2 * dp(SCREEN_PAD_DP) - self.app.side_panel_width()
        return button_rows(
            buttons, room, rtl=self.app.rtl, min_height=dp(FOOTER_MIN_DP), spacing=dp(10)
        )

    def scroll(self, content: Widget) -> KScroll:
        if isinstance(content, BoxLayout):
            # keep text clear of the scroll bar, on whichever side the text starts
            content.padding = [dp(2), dp(2), dp(14), dp(2)]
        view = KScroll(do_scroll_x=False)
        view.add_widget(content)
        return view

    def column(self, spacing: float = 8) -> BoxLayout:
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(spacing))
        box.bind(minimum_height=box.setter("height"))
        return box

    def row(self, widgets: Sequence[Widget], spacing: float = 8) -> BoxLayout:
        """Widgets side by side in the reading direction, as tall as the tallest."""
        box = hrow(list(widgets), rtl=self.app.rtl, size_hint_y=None, spacing=dp(spacing))

        def follow(*_: object) -> None:
            box.height = max((child.height for child in box.children), default=0)

        for child in box.children:
            child.fbind("height", follow)
        follow()
        return box

    def frame(
        self,
        title: str,
        body: Widget,
        footer: Widget | None,
        *,
        status: Widget | None = None,
        header_extra: Widget | None = None,
    ) -> BoxLayout:
        """Header, title, status line (never scrolled away), body, footer."""
        root = BoxLayout(orientation="vertical", padding=dp(SCREEN_PAD_DP), spacing=dp(GAP_DP))
        root.add_widget(self.app.header(extra=header_extra))
        root.add_widget(self.label(title, "title"))
        if status is not None:
            root.add_widget(status)
        root.add_widget(body)
        if footer is not None:
            root.add_widget(footer)
        return root

    # ---------------------------------------------------------------- life cycle

    def rebuild(self) -> None:
        self.clear_widgets()
        self.add_widget(self.build())

    def build(self) -> Widget:
        raise NotImplementedError

    def prompt(self) -> str:
        """The sentence read aloud when the screen appears (logical text)."""
        return ""

    def on_topic(self, topic: str) -> None:
        if topic in self.topics:
            self.rebuild()
