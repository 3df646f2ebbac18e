"""The screens: each draws one part of :class:`~kiosk.ui.presenter.UiState` and offers buttons.

Why screens rebuild themselves from state: language, text size and contrast can change at any
moment, and a right-to-left language mirrors every row. Rebuilding a screen from the presenter's
state on each change keeps that simple and always correct; the one hot path (item rows on the
borrow/return lists while a stack is processed) updates rows in place instead.

Every patron-visible literal is wrapped in ``N_()`` so Babel extracts it into the catalogs.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.screenmanager import Screen as KivyScreen
from kivy.uix.widget import Widget

from kiosk.core import Action, EndReason, ItemRefused
from kiosk.ui.i18n import LANGUAGES, N_, NP_
from kiosk.ui.presenter import ItemRow, ItemState, Screen
from kiosk.ui.texts import SYMBOLS, ItemLine, hold_text, reason_text, return_instruction
from kiosk.ui.widgets import (
    EMPTY_LABEL_SP,
    ROLE_SIZES,
    ButtonRow,
    Card,
    KButton,
    Keypad,
    KLabel,
    KScroll,
    ShrinkColumn,
    fit_width,
    font_px,
    hrow,
)

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["SCREEN_CLASSES", "KioskScreen", "describe_item"]


def describe_item(row: ItemRow, app: KioskApp) -> ItemLine:
    """Symbol, tone and sentence for one item in its current state."""
    tr = app.tr
    state = row.state
    if state is ItemState.SEEN:
        return ItemLine(SYMBOLS["busy"], "text", tr(N_("Found on the pad")))
    if state is ItemState.CHECKING:
        return ItemLine(SYMBOLS["busy"], "text", tr(N_("Checking…")))
    if state in (ItemState.BORROWED, ItemState.RENEWED):
        if row.due_date is None:
            text = tr(N_("Borrowed"))
        elif state is ItemState.RENEWED:
            text = tr(N_("Renewed — due {date}"), date=tr.date(row.due_date))
        else:
            text = tr(N_("Borrowed — due {date}"), date=tr.date(row.due_date))
        if row.offline:
            text += "\n" + tr(N_("Recorded offline; the library will confirm it later."))
        return ItemLine(SYMBOLS["ok"], "ok", text)
    if state is ItemState.REFUSED:
        return ItemLine(SYMBOLS["problem"], "problem", reason_text(row.reason, tr))
    if state is ItemState.SECURITY:
        return ItemLine(
            SYMBOLS["warn"], "warn", tr(N_("Not finished — please place it on the pad again"))
        )
    if state is ItemState.INCOMPLETE:
        text = tr(
            N_(
                "Part {present} of {parts} is here; parts {missing} are missing. Place all parts on the pad."  # noqa: E501 - one catalog message
            ),
            present=", ".join(str(p) for p in row.present) or "0",
            parts=row.parts,
            missing=", ".join(str(p) for p in row.missing),
        )
        return ItemLine(SYMBOLS["warn"], "warn", text)
    if state is ItemState.FEE:
        return ItemLine(
            SYMBOLS["warn"],
            "warn",
            tr(N_("This loan costs {amount}."), amount=tr.money(row.fee_amount, row.fee_currency)),
        )
    if state is ItemState.RETURNED and row.outcome is not None:
        line = return_instruction(row.outcome, tr)
        if row.offline:
            detail = (
                line.detail + "\n" + tr(N_("Recorded offline; the library will confirm it later."))
            )
            line = ItemLine(line.symbol, line.tone, detail)
        return line
    return ItemLine(SYMBOLS["busy"], "text", "")


class ItemRowWidget(RelativeLayout):
    """One item on the pad: symbol, title, and the sentence for its state, on a card.

    Why a RelativeLayout around the card: the list is laid out from the top, so every row
    moves whenever one is added or grows, several times in a frame while a stack is placed.
    Inside a RelativeLayout a move only changes a translation; the card, its boxes and its
    labels keep their own coordinates instead of being laid out again (93 box layouts in a
    busy frame of a 10-item stack before, 33 after).
    """

    def __init__(self, app: KioskApp, row: ItemRow) -> None:
        super().__init__(size_hint_y=None)
        self.card = Card()
        self.card.bind(height=self.setter("height"))
        self.add_widget(self.card)
        self.app = app
        self.row: ItemRow | None = None
        self.symbol = KLabel(role="title", size_hint=(None, None), width=dp(48), align="center")
        self.title_label = KLabel(role="item", tone="surface_text", bold=True)
        self.detail = KLabel(role="body", tone="surface_text")
        # The library's own messages are rare: until there are some, an empty space as tall as
        # an empty label holds their place (a label costs ~1 ms to create; a row is made for
        # every item that lands on the pad, several in one frame when a stack is placed).
        self.library_text: KLabel | None = None
        self._library_space = Widget(size_hint_y=None, height=sp(EMPTY_LABEL_SP))
        self.column = column = BoxLayout(orientation="vertical", size_hint_y=None)
        column.bind(minimum_height=column.setter("height"))
        for widget in (self.title_label, self.detail, self._library_space):
            column.add_widget(widget)
        line = hrow([self.symbol, column], rtl=app.rtl, size_hint_y=None, spacing=dp(8))
        column.bind(height=lambda _w, h: setattr(line, "height", max(h, dp(48))))
        self.card.add_widget(line)
        self.update(row)

    def update(self, row: ItemRow) -> None:
        """Show ``row``; nothing to do when it is the row already shown.

        Why the identity check: the presenter replaces an item's (frozen) row whenever the
        item changes, and every event of a 10-item stack refreshes the list, so without it each
        event re-described (and re-formatted the due date of) every row on the pad.
        """
        if row is self.row:
            return
        self.row = row
        described = describe_item(row, self.app)
        self.symbol.logical = "←" if self.app.rtl and described.symbol == "→" else described.symbol
        self.symbol.tone = described.tone
        self.title_label.logical = row.title or row.item_id
        self.detail.logical = described.detail
        self.detail.tone = described.tone if described.tone != "text" else "surface_text"
        if row.messages and self.library_text is None:
            self.library_text = KLabel(role="small", tone="surface_text")
            self.column.remove_widget(self._library_space)
            self.column.add_widget(self.library_text)
        if self.library_text is not None:
            self.library_text.logical = "\n".join(row.messages)


class KioskScreen(KivyScreen):
    """Base: a header (library, status banner), a body and a footer of buttons."""

    kind: Screen
    topics: frozenset[str] = frozenset()

    def __init__(self, app: KioskApp) -> None:
        super().__init__(name=self.kind.value)
        self.app = app

    # ---------------------------------------------------------------- building blocks

    def label(self, text: str, role: str = "body", tone: str = "text", **kwargs: object) -> KLabel:
        return KLabel(logical=text, role=role, tone=tone, **kwargs)

    def button(
        self, text: str, on_press: object, kind: str = "secondary", **kwargs: object
    ) -> KButton:
        button = KButton(logical=text, kind=kind, role="button", **kwargs)
        button.bind(on_release=lambda *_: on_press())  # type: ignore[operator]
        return button

    def footer(self, *buttons: KButton) -> BoxLayout:
        return hrow(
            list(buttons),
            rtl=self.app.rtl,
            size_hint_y=None,
            height=dp(72),
            spacing=dp(12),
            padding=(dp(12), dp(6)),
        )

    def scroll(self, content: Widget) -> KScroll:
        if isinstance(content, BoxLayout):
            content.padding = [dp(2), 0, dp(12), 0]  # keep text clear of the scroll bar
        view = KScroll(do_scroll_x=False, bar_width=dp(8))
        view.add_widget(content)
        return view

    def column(self, spacing: float = 8) -> BoxLayout:
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(spacing))
        box.bind(minimum_height=box.setter("height"))
        return box

    def frame(self, title: str, body: Widget, footer: Widget | None) -> BoxLayout:
        root = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))
        root.add_widget(self.app.header())
        root.add_widget(self.label(title, "title"))
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


# ------------------------------------------------------------------------------ patron


#: At most this many language buttons side by side on the welcome screen.
_LANGUAGES_PER_ROW = 5

#: How small the welcome screen's instruction may get, alone, before it is left out.
_INSTRUCTION_LAST_RESORT_SCALE = 0.5


class WelcomeScreen(KioskScreen):
    kind = Screen.WELCOME
    topics = frozenset({"status"})

    def welcome_text(self) -> str:
        texts = self.app.settings.branding.welcome_text or {}
        own = texts.get(self.app.tr.code)
        return own or self.app.tr(N_("Welcome to the library"))

    def prompt(self) -> str:
        tr = self.app.tr
        return (
            self.welcome_text()
            + ". "
            + tr(N_("Place your library card on the reader, or choose what you want to do."))
        )

    def build(self) -> Widget:
        """Fits the Pi's 800x480 touch screen without scrolling: the language choice is always
        visible, as are borrow / return / my account and the accessibility switches.

        Every row is as tall as its text needs (large text, long translations) and shares its
        width by its texts, so no word is broken; the welcome text and prompt take the height
        left over, with the gaps around them, and give way when it is short (large text in
        Ukrainian or Somali, a long offline banner): see the ``ShrinkColumn`` below.
        """
        app, tr = self.app, self.app.tr
        staff = self.button(tr(N_("Staff")), app.open_staff_login, size_hint=(None, None))
        root = BoxLayout(orientation="vertical", padding=dp(10))
        root.add_widget(app.header(extra=fit_width(staff, dp(150))))
        welcome = self.label(self.welcome_text(), "display", align="center")
        prompt = self.label(
            tr(N_("Place your library card on the reader, or choose what you want to do.")),
            align="center",
        )
        # The instruction matters more than the greeting: when room is short the greeting
        # shrinks (not below the size of a title), the instruction not below normal text;
        # then the greeting goes, and only the instruction alone (large text under the
        # offline banner) is made smaller still rather than hidden.
        title_floor = sp(ROLE_SIZES["title"]) / font_px("display", app.font_scale)
        root.add_widget(
            ShrinkColumn(
                [welcome, prompt],
                min_scales=[title_floor, 1 / app.font_scale],
                priority=[prompt, welcome],
                last_resort_scale=_INSTRUCTION_LAST_RESORT_SCALE,
                padding=(0, dp(6)),
            )
        )
        actions = [
            self.button(tr(N_("Borrow")), lambda: app.choose(Action.BORROW), "primary"),
            self.button(tr(N_("Return")), lambda: app.choose(Action.RETURN), "primary"),
            self.button(tr(N_("My account")), lambda: app.choose(None), "primary"),
        ]
        choices = self.column(spacing=6)
        choices.add_widget(ButtonRow(actions, rtl=app.rtl, min_height=dp(76), spacing=dp(12)))
        choices.add_widget(app.accessibility_row())
        choices.add_widget(self.language_choice())
        root.add_widget(choices)
        return root

    def language_choice(self) -> BoxLayout:
        """A button per language in its own name, in rows of at most five.

        Why rows of :class:`~kiosk.ui.widgets.ButtonRow` rather than a grid of equal columns:
        with large text the longest name ("Davvisámegiella") is wider than a fifth of the
        screen and was broken inside the word; widths from the names keep every name whole and
        the choice still in two rows.
        """
        app = self.app
        buttons = []
        for code in app.settings.languages:
            button = KButton(
                logical=LANGUAGES[code].native_name,
                kind="secondary",
                role="small",
                selected=code == app.tr.code,
                rtl=LANGUAGES[code].rtl,
            )
            button.code = code
            button.bind(on_release=lambda b: app.set_language(b.code))
            buttons.append(button)
        rows = max(1, math.ceil(len(buttons) / _LANGUAGES_PER_ROW))
        per_row = max(1, math.ceil(len(buttons) / rows))
        box = self.column(spacing=6)
        for start in range(0, len(buttons), per_row):
            box.add_widget(ButtonRow(buttons[start : start + per_row], rtl=app.rtl, spacing=dp(6)))
        return box


class IdentifyScreen(KioskScreen):
    kind = Screen.IDENTIFY
    topics = frozenset({"identify"})

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.typed = ""

    def prompt(self) -> str:
        return self.app.tr(
            N_(
                "Place your library card on the reader or scan its barcode. You can also type the number."  # noqa: E501 - one catalog message
            )
        )

    def on_pre_enter(self, *_: object) -> None:
        self.typed = ""

    def key(self, key: str) -> None:
        if key == "erase":
            self.typed = self.typed[:-1]
        elif key == "ok":
            if self.typed:
                number, self.typed = self.typed, ""
                self.app.identify(number)
        elif len(self.typed) < 20:
            self.typed += key
        self.number.logical = self.typed or " "

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        left = self.column(10)
        left.add_widget(self.label(self.prompt()))
        if state.identify_error is not None:
            left.add_widget(
                self.label(
                    SYMBOLS["problem"] + " " + reason_text(state.identify_error, tr), tone="problem"
                )
            )
        for message in state.identify_messages:
            left.add_widget(self.label(message, tone="problem"))
        self.number = self.label(self.typed or " ", "display", align="center")
        left.add_widget(self.number)
        pad = Keypad(self.key, ok_label=tr(N_("OK")), erase_label="⌫")
        body = hrow([self.scroll(left), pad], rtl=app.rtl, spacing=dp(16))
        return self.frame(
            tr(N_("Show your library card")),
            body,
            self.footer(self.button(tr(N_("Cancel")), app.cancel)),
        )


class PinScreen(KioskScreen):
    kind = Screen.PIN
    topics = frozenset({"pin"})

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.typed = ""

    def prompt(self) -> str:
        return self.app.tr(N_("Type your PIN and press OK."))

    def on_pre_enter(self, *_: object) -> None:
        self.typed = ""

    def key(self, key: str) -> None:
        if key == "erase":
            self.typed = self.typed[:-1]
        elif key == "ok":
            if self.typed:
                pin, self.typed = self.typed, ""
                self.app.enter_pin(pin)
        elif len(self.typed) < 12:
            self.typed += key
        self.dots.logical = "●" * len(self.typed) or " "

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        left = self.column(10)
        left.add_widget(self.label(self.prompt()))
        if state.masked_card:
            left.add_widget(
                self.label(tr(N_("Card {card}"), card=state.masked_card), "small", "muted_text")
            )
        if state.pin_attempts_left is not None:
            left.add_widget(
                self.label(
                    SYMBOLS["problem"]
                    + " "
                    + tr(N_("The PIN is not right. Please try again."))
                    + "\n"
                    + tr.plural(NP_("{n} try left.", "{n} tries left."), state.pin_attempts_left),
                    tone="problem",
                )
            )
        self.dots = self.label("●" * len(self.typed) or " ", "display", align="center")
        left.add_widget(self.dots)
        pad = Keypad(self.key, ok_label=tr(N_("OK")), erase_label="⌫")
        body = hrow([self.scroll(left), pad], rtl=app.rtl, spacing=dp(16))
        return self.frame(
            tr(N_("Type your PIN")), body, self.footer(self.button(tr(N_("Cancel")), app.cancel))
        )


class MenuScreen(KioskScreen):
    kind = Screen.MENU
    topics = frozenset({"messages", "session"})

    def prompt(self) -> str:
        return self.app.tr(N_("What do you want to do?"))

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        body = self.column(12)
        if state.display_name:
            body.add_widget(self.label(tr(N_("Hello, {name}!"), name=state.display_name), "title"))
        body.add_widget(self.label(self.prompt()))
        for message in state.messages:
            body.add_widget(self.label(message, tone="warn"))
        borrow = self.button(tr(N_("Borrow")), app.start_borrow, "primary")
        if not state.can_borrow:
            borrow.disabled = True
            body.add_widget(
                self.label(
                    SYMBOLS["problem"] + " " + reason_text(state.borrow_refusal, tr), tone="problem"
                )
            )
        body.add_widget(
            hrow(
                [
                    borrow,
                    self.button(tr(N_("Return")), app.start_return, "primary"),
                    self.button(tr(N_("My account")), app.show_account, "primary"),
                ],
                rtl=app.rtl,
                size_hint_y=None,
                height=dp(96),
                spacing=dp(16),
            )
        )
        return self.frame(
            tr(N_("Welcome")),
            self.scroll(body),
            self.footer(self.button(tr(N_("Finish")), app.finish, "secondary")),
        )


class _ItemListScreen(KioskScreen):
    """Borrow and return: a live list of what is on the pad, updated row by row."""

    topics = frozenset({"messages"})
    title = ""
    instruction = ""

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.rows: dict[str, ItemRowWidget] = {}
        self.list_box: BoxLayout | None = None

    def prompt(self) -> str:
        return self.app.tr(self.instruction)

    def on_topic(self, topic: str) -> None:
        if topic == "items":
            self.refresh_items()
        elif topic in self.topics:
            self.rebuild()

    def refresh_items(self) -> None:
        if self.list_box is None:
            return
        items = self.app.presenter.state.items
        for item_id in [i for i in self.rows if i not in items]:
            self.list_box.remove_widget(self.rows.pop(item_id))
        for item_id, row in items.items():
            widget = self.rows.get(item_id)
            if widget is None:
                widget = self.rows[item_id] = ItemRowWidget(self.app, row)
                self.list_box.add_widget(widget)
            else:
                widget.update(row)
        self.summary.logical = self.summary_text()

    def summary_text(self) -> str:
        return ""

    def extra_buttons(self) -> list[KButton]:
        return []

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        body = self.column(6)
        body.add_widget(self.label(tr(self.instruction)))
        for message in app.presenter.state.messages:
            body.add_widget(self.label(message, tone="warn"))
        self.list_box = self.column(4)
        self.rows = {}
        body.add_widget(self.list_box)
        self.summary = self.label("", "body", "muted_text")
        body.add_widget(self.summary)
        self.refresh_items()
        buttons = [*self.extra_buttons(), self.button(tr(N_("Finish")), app.finish, "primary")]
        return self.frame(tr(self.title), self.scroll(body), self.footer(*buttons))


class BorrowScreen(_ItemListScreen):
    kind = Screen.BORROW
    title = N_("Borrow")
    instruction = N_("Place your items on the pad. You can place several at once.")

    def summary_text(self) -> str:
        counts = self.app.presenter.counts()
        done = counts.get(ItemState.BORROWED, 0) + counts.get(ItemState.RENEWED, 0)
        return (
            self.app.tr.plural(NP_("{n} item borrowed.", "{n} items borrowed."), done)
            if done
            else ""
        )

    def extra_buttons(self) -> list[KButton]:
        buttons = [self.button(self.app.tr(N_("My account")), self.app.show_account)]
        if self.app.presenter.can_retry:
            buttons.append(self.button(self.app.tr(N_("Try again")), self.app.retry, "primary"))
        return buttons

    def refresh_items(self) -> None:
        had_retry = getattr(self, "_had_retry", False)
        super().refresh_items()
        self._had_retry = self.app.presenter.can_retry
        if self._had_retry != had_retry and self.list_box is not None:
            self.rebuild()  # show or hide the "Try again" button


class ReturnScreen(_ItemListScreen):
    kind = Screen.RETURN
    title = N_("Return")
    instruction = N_("Place the items you return on the pad. Follow the instruction for each item.")

    def summary_text(self) -> str:
        done = self.app.presenter.counts().get(ItemState.RETURNED, 0)
        return (
            self.app.tr.plural(NP_("{n} item returned.", "{n} items returned."), done)
            if done
            else ""
        )


class AccountScreen(KioskScreen):
    kind = Screen.ACCOUNT
    topics = frozenset({"account", "messages"})

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.selected: set[str] = set()

    def prompt(self) -> str:
        return self.app.tr(N_("Your loans, holds and fees."))

    def toggle(self, item_id: str) -> None:
        self.selected ^= {item_id}
        self.rebuild()

    def on_pre_enter(self, *_: object) -> None:
        self.selected = set()

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        account = state.account
        body = self.column(6)
        for message in state.messages:
            body.add_widget(self.label(message, tone="warn"))
        if account is None:
            body.add_widget(self.label(tr(N_("Checking…"))))
        else:
            body.add_widget(self.label(tr(N_("Loans")), "title"))
            if not account.loans:
                body.add_widget(self.label(tr(N_("You have no loans."))))
            for loan in account.loans:
                card = Card()
                lines = [loan.title or loan.item_id]
                answer = state.renewals.get(loan.item_id)
                due = loan.due_date
                tone = "surface_text"
                if isinstance(answer, ItemRefused):
                    lines.append(SYMBOLS["problem"] + " " + reason_text(answer.reason, tr))
                    tone = "problem"
                elif answer is not None:
                    due = answer.due_date or due
                    lines.append(
                        SYMBOLS["ok"] + " " + tr(N_("Renewed — due {date}"), date=tr.date(due))
                    )
                    tone = "ok"
                elif loan.overdue:
                    lines.append(
                        SYMBOLS["warn"]
                        + " "
                        + tr(N_("Overdue — was due {date}"), date=tr.date(due))
                    )
                    tone = "warn"
                else:
                    lines.append(tr(N_("Due {date}"), date=tr.date(due)))
                text = self.label("\n".join(lines), tone=tone)
                check = KButton(
                    logical=("☑ " if loan.item_id in self.selected else "☐ ") + tr(N_("Select")),
                    kind="secondary",
                    role="body",
                    selected=loan.item_id in self.selected,
                    size_hint_x=None,
                    width=dp(170),
                )
                check.item_id = loan.item_id
                check.bind(on_release=lambda b: self.toggle(b.item_id))
                row = hrow([text, check], rtl=app.rtl, size_hint_y=None, spacing=dp(8))
                text.bind(height=lambda _w, h, r=row: setattr(r, "height", max(h, dp(56))))
                row.height = max(text.height, dp(56))
                card.add_widget(row)
                body.add_widget(card)
            body.add_widget(self.label(tr(N_("Holds")), "title"))
            if not account.holds:
                body.add_widget(self.label(tr(N_("You have no holds."))))
            for hold in account.holds:
                card = Card()
                card.add_widget(self.label(hold.title, "item", "surface_text"))
                place_text = hold_text(hold.place, hold.pickup_name or hold.pickup_location, tr)
                if hold.pickup_by is not None:
                    place_text += " — " + tr(N_("pick up by {date}"), date=tr.date(hold.pickup_by))
                card.add_widget(self.label(place_text, tone="surface_text"))
                body.add_widget(card)
            body.add_widget(self.label(tr(N_("Fees")), "title"))
            if not account.fees:
                body.add_widget(self.label(tr(N_("You have no fees."))))
            for fee in account.fees:
                card = Card()
                card.add_widget(
                    self.label(
                        f"{fee.description} — {tr.money(fee.amount, fee.currency)}",
                        tone="surface_text",
                    )
                )
                body.add_widget(card)
            if account.total_fees:
                body.add_widget(
                    self.label(
                        tr(
                            N_("Total: {amount}"),
                            amount=tr.money(account.total_fees, account.currency),
                        ),
                        "item",
                    )
                )
        renew_selected = self.button(
            tr(N_("Renew selected")), lambda: app.renew(sorted(self.selected)), "primary"
        )
        renew_selected.disabled = not self.selected
        buttons = [
            self.button(tr(N_("Back")), app.back_to_menu),
            renew_selected,
            self.button(tr(N_("Renew all")), app.renew_all, "primary"),
            self.button(tr(N_("Finish")), app.finish),
        ]
        return self.frame(tr(N_("My account")), self.scroll(body), self.footer(*buttons))


class ReceiptScreen(KioskScreen):
    kind = Screen.RECEIPT
    topics = frozenset({"receipt"})

    def prompt(self) -> str:
        return self.app.tr(N_("Would you like a receipt?"))

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        body = self.column(6)
        receipt = state.receipt
        if receipt is not None:
            for entry in receipt.entries:
                card = Card()
                heading = {
                    "borrowed": N_("Borrowed"),
                    "renewed": N_("Renewed"),
                    "returned": N_("Returned"),
                    "refused": N_("Not borrowed"),
                }.get(entry.action, N_("Borrowed"))
                text = f"{tr(heading)}: {entry.title or entry.item_id}"
                if entry.due_date is not None:
                    text += "\n" + tr(N_("Due {date}"), date=tr.date(entry.due_date))
                card.add_widget(self.label(text, tone="surface_text"))
                body.add_widget(card)
        if state.receipt_result == "failed":
            body.add_widget(
                self.label(
                    SYMBOLS["problem"]
                    + " "
                    + tr(N_("The receipt could not be made. Please ask the staff.")),
                    tone="problem",
                )
            )
        elif state.receipt_result in ("print", "email"):
            body.add_widget(
                self.label(SYMBOLS["ok"] + " " + tr(N_("Your receipt is on its way.")), tone="ok")
            )
        buttons = []
        if state.receipt_print:
            buttons.append(
                self.button(tr(N_("Print")), lambda: app.choose_receipt("print"), "primary")
            )
        if state.receipt_email:
            buttons.append(
                self.button(tr(N_("E-mail")), lambda: app.choose_receipt("email"), "primary")
            )
        buttons.append(self.button(tr(N_("No receipt")), lambda: app.choose_receipt("none")))
        return self.frame(self.prompt(), self.scroll(body), self.footer(*buttons))


class GoodbyeScreen(KioskScreen):
    kind = Screen.GOODBYE
    topics = frozenset()

    def prompt(self) -> str:
        tr = self.app.tr
        if self.app.presenter.state.end_reason is EndReason.TIMEOUT:
            return tr(N_("Your session has ended because nothing happened for a while."))
        if self.app.presenter.state.end_reason is EndReason.REFUSED:
            return tr(N_("Your session has ended. Please ask the staff for help."))
        return tr(N_("Thank you! Remember your card and your items."))

    def on_enter(self, *_: object) -> None:
        Clock.schedule_once(lambda _dt: self.app.clean_screen(), self.app.settings.goodbye_s)

    def build(self) -> Widget:
        body = self.column(12)
        body.add_widget(Widget(size_hint_y=None, height=dp(60)))
        body.add_widget(self.label(self.prompt(), "display", align="center"))
        root = BoxLayout(orientation="vertical", padding=dp(12))
        root.add_widget(self.app.header())
        root.add_widget(body)
        root.add_widget(Widget())
        return root


# ------------------------------------------------------------------------------- staff


class StaffLoginScreen(KioskScreen):
    kind = Screen.STAFF_LOGIN
    topics = frozenset({"staff"})

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.typed = ""

    def on_pre_enter(self, *_: object) -> None:
        self.typed = ""

    def key(self, key: str) -> None:
        if key == "erase":
            self.typed = self.typed[:-1]
        elif key == "ok":
            code, self.typed = self.typed, ""
            self.app.enter_staff(code)
        elif len(self.typed) < 16:
            self.typed += key
        self.dots.logical = "●" * len(self.typed) or " "

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        left = self.column(10)
        left.add_widget(self.label(tr(N_("Type the staff code or show a staff card."))))
        if app.presenter.state.staff_refused:
            left.add_widget(
                self.label(SYMBOLS["problem"] + " " + tr(N_("Wrong staff code.")), tone="problem")
            )
        self.dots = self.label("●" * len(self.typed) or " ", "display", align="center")
        left.add_widget(self.dots)
        pad = Keypad(self.key, ok_label=tr(N_("OK")), erase_label="⌫")
        body = hrow([self.scroll(left), pad], rtl=app.rtl, spacing=dp(16))
        return self.frame(
            tr(N_("Staff")), body, self.footer(self.button(tr(N_("Cancel")), app.cancel))
        )


class StaffScreen(KioskScreen):
    """Health at a glance and the tools staff need: reader test, printer test, restart."""

    kind = Screen.STAFF
    topics = frozenset({"staff", "status", "staff_status"})

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        status = app.staff_status
        body = self.column(6)

        def line(name: str, ok: bool | None, detail: str) -> None:
            symbol = SYMBOLS["ok"] if ok else SYMBOLS["problem"] if ok is False else SYMBOLS["busy"]
            tone = "ok" if ok else "problem" if ok is False else "surface_text"
            card = Card()
            card.add_widget(self.label(f"{symbol} {name}: {detail}", tone=tone))
            body.add_widget(card)

        online = app.presenter.online
        line(
            tr(N_("Library system")),
            online,
            tr(N_("connected"))
            if online
            else tr(N_("offline — working under the offline policy"))
            if app.presenter.offline_mode
            else tr(N_("not connected")),
        )
        for name, (ok, detail) in status.get("devices", {}).items():
            line(name, ok, detail)
        queue = status.get("offline_queue")
        if queue is not None:
            line(
                tr(N_("Offline queue")),
                queue == 0,
                tr.plural(NP_("{n} transaction waiting", "{n} transactions waiting"), queue),
            )
        reconciliation = status.get("reconciliation", [])
        body.add_widget(self.label(tr(N_("To reconcile")), "item"))
        if not reconciliation:
            body.add_widget(self.label(tr(N_("Nothing to reconcile."))))
        for entry in reconciliation:
            body.add_widget(self.label("• " + str(entry), "small"))
        body.add_widget(self.label(tr(N_("Reader test: what the pad sees")), "item"))
        tags = status.get("reader_test")
        if tags is None:
            body.add_widget(
                self.label(tr(N_("Press “Reader test” and place tags on the pad.")), "small")
            )
        elif not tags:
            body.add_widget(self.label(tr(N_("No tags on the pad.")), "small"))
        else:
            for tag in tags:
                body.add_widget(self.label("• " + str(tag), "small"))
        if status.get("message"):
            body.add_widget(self.label(str(status["message"]), tone="warn"))
        buttons = [
            self.button(tr(N_("Reader test")), app.staff_reader_test),
            self.button(tr(N_("Printer test")), app.staff_printer_test),
            self.button(tr(N_("Restart")), app.staff_restart),
            self.button(tr(N_("Leave staff mode")), app.leave_staff, "primary"),
        ]
        return self.frame(tr(N_("Staff mode")), self.scroll(body), self.footer(*buttons))


class ReturnStationScreen(KioskScreen):
    """The unattended return station's display: the current item and where it went."""

    kind = Screen.RETURN_STATION
    topics = frozenset({"items", "status"})

    def prompt(self) -> str:
        return self.app.tr(N_("Put your returns in the slot, one at a time."))

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        items = list(app.presenter.state.items.values())
        body = self.column(10)
        body.add_widget(self.label(self.prompt(), "title", align="center"))
        if items:
            current = items[-1]
            line = describe_item(current, app)
            card = Card()
            card.add_widget(self.label(current.title or current.item_id, "display", "surface_text"))
            card.add_widget(self.label(f"{line.symbol} {line.detail}", "title", line.tone))
            body.add_widget(card)
            earlier = items[-6:-1][::-1]
            if earlier:
                body.add_widget(self.label(tr(N_("Earlier")), "item", "muted_text"))
            for row in earlier:
                described = describe_item(row, app)
                body.add_widget(
                    self.label(
                        f"{described.symbol} {row.title or row.item_id} — {described.detail}",
                        "small",
                        "muted_text",
                    )
                )
            body.add_widget(
                self.label(
                    tr.plural(NP_("{n} item returned.", "{n} items returned."), len(items)),
                    "small",
                    "muted_text",
                )
            )
        root = BoxLayout(orientation="vertical", padding=dp(12), spacing=dp(8))
        root.add_widget(app.header())
        root.add_widget(self.scroll(body))
        return root


SCREEN_CLASSES: tuple[type[KioskScreen], ...] = (
    WelcomeScreen,
    IdentifyScreen,
    PinScreen,
    MenuScreen,
    BorrowScreen,
    ReturnScreen,
    AccountScreen,
    ReceiptScreen,
    GoodbyeScreen,
    StaffLoginScreen,
    StaffScreen,
    ReturnStationScreen,
)
