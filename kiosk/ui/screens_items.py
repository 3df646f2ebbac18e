"""The items on the pad: borrowing and returning at the kiosk, and the return station's display.

A list always says how many items there are and what became of them (a count line that never
scrolls away: "10 items on the pad: ✓ 8 borrowed · ✗ 1 not borrowed · ⚠ 1 needs you"), and
keeps its newest item in view: a patron who puts a stack of ten down sees the tenth arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.relativelayout import RelativeLayout
from kivy.uix.widget import Widget

from kiosk.ui.i18n import N_, NP_
from kiosk.ui.illustrations import PadIllustration
from kiosk.ui.presenter import ItemRow, ItemState, Screen
from kiosk.ui.screen_base import KioskScreen
from kiosk.ui.texts import SYMBOLS, ItemLine, reason_text, return_instruction
from kiosk.ui.widgets import EMPTY_LABEL_SP, Card, KButton, KLabel, KScroll, hrow

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["BorrowScreen", "ReturnScreen", "ReturnStationScreen", "describe_item"]


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
    if state is ItemState.STAFF:
        return ItemLine(
            SYMBOLS["warn"],
            "warn",
            tr(N_("Borrowed, but its alarm tag is still on: show it at the staff desk")),
        )
    if state is ItemState.LEFT:
        return ItemLine(
            SYMBOLS["question"],
            "warn",
            tr(N_("It was on the pad before you came. Is it yours to borrow?")),
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
    if state in (ItemState.RETURNED, ItemState.LEFT_FOR_STAFF) and row.outcome is not None:
        station = app.settings.mode == "return-station"
        line = return_instruction(row.outcome, tr, station=station)
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
        self.symbol = KLabel(role="title", size_hint=(None, None), width=dp(40), align="center")
        self.title_label = KLabel(role="item", tone="surface_text", bold=True, own_direction=True)
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
        column.bind(height=lambda _w, h: setattr(line, "height", max(h, self.symbol.height)))
        self.symbol.bind(height=lambda _w, h: setattr(line, "height", max(h, column.height)))
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
        self.symbol.tone = described.tone if described.tone != "text" else "surface_text"
        self.title_label.logical = row.title or row.item_id
        self.detail.logical = described.detail
        self.detail.tone = described.tone if described.tone != "text" else "surface_text"
        if row.messages and self.library_text is None:
            self.library_text = KLabel(role="small", tone="surface_text", own_direction=True)
            self.column.remove_widget(self._library_space)
            self.column.add_widget(self.library_text)
        if self.library_text is not None:
            self.library_text.logical = "\n".join(row.messages)


@dataclass(frozen=True, slots=True)
class Tally:
    """One part of the status line: how many items are in any of ``states``, and its words."""

    states: tuple[ItemState, ...]
    symbol: str
    forms: tuple[str, str]  # NP_ singular and plural, with {n}


#: Items the screen is still checking: the same on both lists.
_BEING_CHECKED = Tally(
    (ItemState.SEEN, ItemState.CHECKING),
    SYMBOLS["busy"],
    NP_("{n} being checked", "{n} being checked"),
)


class _ItemListScreen(KioskScreen):
    """Borrow and return: a live list of what is on the pad, updated row by row."""

    topics = frozenset({"messages"})
    title = ""
    instruction = ""
    tallies: tuple[Tally, ...] = ()  # the status line's parts, in order

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self.rows: dict[str, ItemRowWidget] = {}
        self.list_box: BoxLayout | None = None
        self.list_view: KScroll | None = None

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
        added: ItemRowWidget | None = None
        for item_id in [i for i in self.rows if i not in items]:
            self.list_box.remove_widget(self.rows.pop(item_id))
        for item_id, row in items.items():
            widget = self.rows.get(item_id)
            if widget is None:
                widget = added = self.rows[item_id] = ItemRowWidget(self.app, row)
                self.list_box.add_widget(widget)
            else:
                widget.update(row)
        if self.list_view is not None:
            if added is not None:
                self.list_view.follow(added)  # the newest item in view
            elif not self.rows:
                self.list_view.follow(None)
        shown = self.empty.parent is not None
        if self.rows and shown:
            self.list_box.remove_widget(self.empty)
        elif not self.rows and not shown:
            self.list_box.add_widget(self.empty)
        self.status.logical = self.status_text()

    def status_text(self) -> str:
        """How many items, and what became of them; the instruction while there are none."""
        tr = self.app.tr
        counts = self.app.presenter.counts()
        total = sum(counts.values())
        if not total:
            return tr(self.instruction)
        parts = [
            f"{tally.symbol} {tr.plural(tally.forms, n)}"
            for tally in self.tallies
            if (n := sum(counts.get(state, 0) for state in tally.states))
        ]
        head = tr.plural(NP_("{n} item on the pad", "{n} items on the pad"), total)
        return head + ": " + " · ".join(parts) if parts else head

    def extra_buttons(self) -> list[KButton]:
        return []

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        self.status = self.label("", "body", "text")
        body = BoxLayout(orientation="vertical", spacing=dp(6))
        if app.presenter.state.messages:
            body.add_widget(self.library_note(app.presenter.state.messages))
        self.list_box = self.column(4)
        self.rows = {}
        self.list_view = self.scroll(self.list_box)
        self.empty = PadIllustration(size_hint=(1, None), height=dp(120))  # while none is there
        body.add_widget(self.list_view)
        self.refresh_items()
        buttons = [*self.extra_buttons(), self.button(tr(N_("Finish")), app.finish, "primary")]
        return self.frame(tr(self.title), body, self.footer(*buttons), status=self.status)


class BorrowScreen(_ItemListScreen):
    kind = Screen.BORROW
    title = N_("Borrow")
    instruction = N_("Place your items on the pad. You can place several at once.")
    _had_retry = False  # whether the list showed "Try again" when it was last refreshed

    tallies = (
        Tally(
            (ItemState.BORROWED, ItemState.RENEWED),
            SYMBOLS["ok"],
            NP_("{n} borrowed", "{n} borrowed"),
        ),
        Tally(
            (ItemState.REFUSED,), SYMBOLS["problem"], NP_("{n} not borrowed", "{n} not borrowed")
        ),
        Tally(
            (
                ItemState.SECURITY,
                ItemState.INCOMPLETE,
                ItemState.FEE,
                ItemState.LEFT,
                ItemState.STAFF,
            ),
            SYMBOLS["warn"],
            NP_("{n} needs you", "{n} need you"),
        ),
        _BEING_CHECKED,
    )

    def extra_buttons(self) -> list[KButton]:
        buttons = [self.button(self.app.tr(N_("My account")), self.app.show_account)]
        if self.app.presenter.can_retry:
            buttons.append(self.button(self.app.tr(N_("Try again")), self.app.retry, "primary"))
        return buttons

    def refresh_items(self) -> None:
        had_retry = self._had_retry
        super().refresh_items()
        self._had_retry = self.app.presenter.can_retry
        if self._had_retry != had_retry and self.list_box is not None:
            self.rebuild()  # show or hide the "Try again" button


class ReturnScreen(_ItemListScreen):
    kind = Screen.RETURN
    title = N_("Return")
    instruction = N_("Place the items you return on the pad. Follow the instruction for each item.")

    tallies = (
        Tally((ItemState.RETURNED,), SYMBOLS["ok"], NP_("{n} returned", "{n} returned")),
        Tally(
            (ItemState.LEFT_FOR_STAFF,),
            SYMBOLS["warn"],
            NP_("{n} for the staff", "{n} for the staff"),
        ),
        Tally((ItemState.REFUSED,), SYMBOLS["problem"], NP_("{n} not taken", "{n} not taken")),
        _BEING_CHECKED,
    )


class ReturnStationScreen(KioskScreen):
    """The unattended return station's display: the current item and where it went."""

    kind = Screen.RETURN_STATION
    topics = frozenset({"items", "status"})

    def prompt(self) -> str:
        return self.app.tr(N_("Put your returns in the slot, one at a time."))

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        items = list(app.presenter.state.items.values())
        body = self.column(8)
        if items:
            current = items[-1]
            line = describe_item(current, app)
            card = Card()
            card.add_widget(
                self.library_text(current.title or current.item_id, "surface_text", "title")
            )
            card.add_widget(self.label(f"{line.symbol} {line.detail}", "item", line.tone))
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
        else:
            body.add_widget(PadIllustration(size_hint=(1, None), height=dp(120)))
        status = self.label(
            tr.plural(NP_("{n} item returned.", "{n} items returned."), len(items))
            if items
            else tr(N_("Nothing returned yet.")),
            "body",
            "muted_text",
        )
        return self.frame(self.prompt(), self.scroll(body), None, status=status)
