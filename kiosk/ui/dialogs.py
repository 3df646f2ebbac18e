"""The questions that cannot wait: are you still there, this loan costs money, were these yours,
these items would set off the alarm; and where to get a new PIN.

Why one dialog shape for all: each must fit the 800x480 panel in every language and look, so a
dialog is as tall as its words need and no taller than the screen (its words scroll when they
must, the title and the buttons never do), in the theme's colours. Only one is open at a time:
the most urgent (the inactivity warning first).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from kivy.core.window import Window
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.modalview import ModalView
from kivy.uix.widget import Widget

from kiosk.ui.i18n import N_, NP_
from kiosk.ui.presenter import Screen
from kiosk.ui.texts import SYMBOLS
from kiosk.ui.widgets import ButtonRow, KButton, KLabel, KScroll

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["Dialog", "DialogHost"]

#: Room left free around a dialog (dp), so the screen behind shows it is a question about it.
_MARGIN_DP = 16
_PAD_DP = 14


class Dialog(ModalView):
    """A panel over the screen: a title, words that scroll when they must, buttons.

    Drawn in the theme's background colour: Kivy's ModalView tints a dark grey image with
    ``background_color``, so a light colour still came out dark and the theme's dark text on it
    was unreadable. Opened and dismissed without animation: while a dialog fades out it still
    takes every touch, and the patron's next tap (Finish, right after answering) would be lost.
    """

    def __init__(
        self, app: KioskApp, kind: str, title: str, words: Sequence[Widget], buttons: list[KButton]
    ) -> None:
        super().__init__(size_hint=(0.9, None), auto_dismiss=False)
        self.kind = kind
        self.about: tuple[str, ...] = ()  # the items the question names
        self.background = ""
        self.background_color = app.theme_colour("background")
        self.overlay_color = (0, 0, 0, 0.55)
        box = BoxLayout(orientation="vertical", padding=dp(_PAD_DP), spacing=dp(10))
        self.title = KLabel(logical=title, role="title", tone="text")
        body = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(8))
        body.bind(minimum_height=body.setter("height"))
        for widget in words:
            body.add_widget(widget)
        self.scroll = KScroll(do_scroll_x=False, size_hint_y=None)
        body.padding = [0, 0, dp(14), 0]
        self.scroll.add_widget(body)
        self.buttons = ButtonRow(buttons, rtl=app.rtl, min_height=dp(60), spacing=dp(12))
        for widget in (self.title, self.scroll, self.buttons):
            box.add_widget(widget)
        self.add_widget(box)
        self.body = body
        for widget in (self.title, body, self.buttons):
            widget.fbind("height", self._fit)
        Window.fbind("height", self._fit)
        self._fit()

    def _fit(self, *_: object) -> None:
        """As tall as the words need, no taller than the screen; the words scroll if they must."""
        fixed = self.title.height + self.buttons.height + 2 * dp(_PAD_DP) + 2 * dp(10)
        room = Window.height - 2 * dp(_MARGIN_DP) - fixed
        self.scroll.height = max(min(self.body.height, room), dp(20))
        self.height = fixed + self.scroll.height

    def on_dismiss(self) -> None:
        Window.funbind("height", self._fit)


class DialogHost:
    """Decides which question is open now and keeps it in step with the presenter's state."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.open_dialog: Dialog | None = None
        self.pin_help = False

    # -------------------------------------------------------------------------- choosing

    def update(self) -> None:
        """Open the most urgent question, close the one no longer asked (or asked about other
        items now)."""
        wanted = self._wanted()
        current = self.open_dialog
        same = wanted is not None and current is not None and current.kind == wanted[0]
        if same and current is not None and wanted is not None and current.about == wanted[1]:
            if wanted[0] == "warning":
                current.title.logical = self._warning_text()
            return
        if current is not None:
            current.dismiss(animation=False)
            self.open_dialog = None
        if wanted is None:
            return
        dialog = getattr(self, f"_{wanted[0]}")()
        dialog.about = wanted[1]
        self.open_dialog = dialog
        dialog.open(animation=False)
        self.app.speak(dialog.title.logical)

    def _wanted(self) -> tuple[str, tuple[str, ...]] | None:
        """The question to ask now, and what it is about (the items it names)."""
        presenter = self.app.presenter
        state = presenter.state
        borrowing = state.screen is Screen.BORROW
        if state.warning_seconds is not None:
            return "warning", ()
        if borrowing and state.sent_to_staff is not None:
            return "sent", tuple(ref.item_id for ref in state.sent_to_staff.items)
        if borrowing and state.finish_held:
            return "held", tuple(ref.item_id for ref in state.finish_held)
        if borrowing and presenter.left_items:
            return "left", tuple(row.item_id for row in presenter.left_items)
        fee = presenter.pending_fee
        if borrowing and fee is not None:
            return "fee", (fee.item_id,)
        if self.pin_help and state.screen in (Screen.PIN, Screen.IDENTIFY):
            return "pin_help", ()
        return None

    def _answer(self, action: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            if self.open_dialog is not None:
                self.open_dialog.dismiss(animation=False)
                self.open_dialog = None
            action()
            self.update()

        return run

    def _button(self, text: str, action: Callable[[], Any], kind: str = "secondary") -> KButton:
        button = KButton(logical=text, kind=kind, role="button")
        button.bind(on_release=lambda *_: self._answer(action)())
        return button

    def _words(self, text: str, tone: str = "text", own: bool = False) -> KLabel:
        return KLabel(logical=text, role="body", tone=tone, own_direction=own)

    # -------------------------------------------------------------------------- the dialogs

    def _warning_text(self) -> str:
        seconds = self.app.presenter.state.warning_seconds or 0
        return self.app.tr.plural(
            NP_(
                "Are you still there? The session ends in {n} second.",
                "Are you still there? The session ends in {n} seconds.",
            ),
            seconds,
        )

    def _warning(self) -> Dialog:
        tr = self.app.tr
        still = self._button(tr(N_("I am still here")), self.app.activity, "primary")
        return Dialog(self.app, "warning", self._warning_text(), [], [still])

    def _fee(self) -> Dialog:
        app, tr = self.app, self.app.tr
        pending = app.presenter.pending_fee
        assert pending is not None
        question = tr(
            N_("This loan costs {amount}. Do you want to borrow it?"),
            amount=tr.money(pending.fee_amount, pending.fee_currency),
        )
        words: list[Widget] = [self._words(question)]
        words += [self._words(message, "muted_text", own=True) for message in pending.messages]
        item_id = pending.item_id
        buttons = [
            self._button(tr(N_("No")), lambda: app.acknowledge_fee(item_id, False)),
            self._button(
                tr(N_("Yes, borrow it")), lambda: app.acknowledge_fee(item_id, True), "primary"
            ),
        ]
        return Dialog(app, "fee", pending.title or pending.item_id, words, buttons)

    def _left(self) -> Dialog:
        app, tr = self.app, self.app.tr
        rows = app.presenter.left_items
        words: list[Widget] = [
            self._words(
                tr.plural(
                    NP_(
                        "This item was already on the pad before you came. It is lent to you only if you say it is yours.",  # noqa: E501 - one catalog message
                        "These items were already on the pad before you came. They are lent to you only if you say they are yours.",  # noqa: E501 - one catalog message
                    ),
                    len(rows),
                )
            )
        ]
        words += [self._words("• " + (row.title or row.item_id), "text", own=True) for row in rows]
        buttons = [
            self._button(tr(N_("Not mine")), lambda: app.confirm_left_items(False)),
            self._button(
                tr(N_("Yes, borrow them")), lambda: app.confirm_left_items(True), "primary"
            ),
        ]
        return Dialog(app, "left", tr(N_("Are these yours?")), words, buttons)

    def _sent(self) -> Dialog:
        app, tr = self.app, self.app.tr
        sent = app.presenter.state.sent_to_staff
        assert sent is not None
        text = (
            tr(N_("Please take them to the staff desk and show the slip from the printer."))
            if sent.slip_printed
            else tr(N_("Please take them to the staff desk. The staff know about them."))
        )
        words = [self._words(text)]
        words += [self._words("• " + (r.title or r.item_id), own=True) for r in sent.items]
        finish = self._button(tr(N_("Finish")), app.finish_after_staff, "primary")
        title = SYMBOLS["warn"] + " " + tr(N_("The staff will take the alarm tags off"))
        return Dialog(app, "sent", title, words, [finish])

    def _held(self) -> Dialog:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        words = [
            self._words(
                tr(
                    N_(
                        "The alarm tags of these items are still on: they would set off the alarm at the exit. Place them on the pad again."  # noqa: E501 - one catalog message
                    )
                )
            )
        ]
        words += [self._words("• " + (r.title or r.item_id), own=True) for r in state.finish_held]
        buttons = [
            self._button(tr(N_("Ask the staff")), app.seek_staff),
            self._button(
                tr(N_("Place them again")), app.presenter.forget_finish_question, "primary"
            ),
        ]
        title = SYMBOLS["warn"] + " " + tr(N_("Not finished yet"))
        return Dialog(app, "held", title, words, buttons)

    def _pin_help(self) -> Dialog:
        app, tr = self.app, self.app.tr

        def close() -> None:
            self.pin_help = False

        done = self._button(tr(N_("OK")), close, "primary")
        words = [self._words(app.pin_help_text())]
        return Dialog(app, "pin_help", tr(N_("Forgot your PIN?")), words, [done])
