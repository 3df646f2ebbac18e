"""The visit itself: the menu, the account, the receipt, and the goodbye.

The account shows loans with their due dates (a renewal refused keeps the due date and says
why), holds with where and until when to pick them up, and fees with what they are for, the
item, the day and the amount in the patron's currency format. "Renew all" is offered only when
something can be renewed. The receipt screen offers only what can be done now (no "Print" while
the printer is out of paper) and says what failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.metrics import dp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.core import EndReason, FeeKind, FeeView, ItemRefused, LoanView
from kiosk.ui.i18n import N_, NP_
from kiosk.ui.presenter import Screen
from kiosk.ui.screen_base import KioskScreen
from kiosk.ui.texts import SYMBOLS, fee_text, hold_text, reason_text
from kiosk.ui.widgets import ButtonRow, Card, KButton, fit_width

if TYPE_CHECKING:
    from kiosk.ui.app import KioskApp

__all__ = ["AccountScreen", "GoodbyeScreen", "MenuScreen", "ReceiptScreen"]


class MenuScreen(KioskScreen):
    kind = Screen.MENU
    topics = frozenset({"messages", "session"})

    def prompt(self) -> str:
        return self.app.tr(N_("What do you want to do?"))

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        body = self.column(8)
        body.add_widget(self.label(self.prompt()))
        borrow = self.button(tr(N_("Borrow")), app.start_borrow, "primary")
        if not state.can_borrow:
            borrow.disabled = True
            body.add_widget(
                self.notice(SYMBOLS["problem"], reason_text(state.borrow_refusal, tr), "problem")
            )
        if state.messages:
            body.add_widget(self.library_note(state.messages))
        actions = ButtonRow(
            [
                borrow,
                self.button(tr(N_("Return")), app.start_return, "primary"),
                self.button(tr(N_("My account")), app.show_account, "primary"),
            ],
            rtl=app.rtl,
            min_height=dp(80),
            spacing=dp(12),
        )
        middle = BoxLayout(orientation="vertical", spacing=dp(8))
        middle.add_widget(self.scroll(body))
        middle.add_widget(actions)
        title = (
            tr(N_("Hello, {name}!"), name=state.display_name)
            if state.display_name
            else tr(N_("Welcome"))
        )
        return self.frame(
            title, middle, self.footer(self.button(tr(N_("Finish")), app.finish, "secondary"))
        )


class AccountScreen(KioskScreen):
    kind = Screen.ACCOUNT
    topics = frozenset({"account", "messages"})

    def __init__(self, app: KioskApp) -> None:
        super().__init__(app)
        self._scroll_y = 1.0
        self.asked: set[str] = set()  # renewals asked and not yet answered
        self.renew_buttons: dict[str, KButton] = {}

    def prompt(self) -> str:
        return self.app.tr(N_("Your loans, holds and fees."))

    def renew(self, item_id: str) -> None:
        """Renew one loan (the button beside it)."""
        self.asked.add(item_id)
        self.app.renew([item_id])
        self.rebuild()

    def on_pre_enter(self, *_: object) -> None:
        self._scroll_y = 1.0
        self.asked = set()

    def renew_button(self, item_id: str) -> KButton | None:
        """The "Renew" button beside a loan (scenarios tap it)."""
        return self.renew_buttons.get(item_id)

    def rebuild(self) -> None:
        """Rebuilt (a selection, a renewal's answer), the list stays where the patron had it."""
        view = getattr(self, "view", None)
        if view is not None and view.get_root_window() is not None:
            self._scroll_y = view.scroll_y
        super().rebuild()
        scroll_y = self._scroll_y
        Clock.schedule_once(lambda _dt: setattr(self.view, "scroll_y", scroll_y), 0)

    def status_text(self) -> str:
        tr = self.app.tr
        state = self.app.presenter.state
        account = state.account
        if account is None:
            return tr(N_("Checking…"))
        parts = [
            tr.plural(NP_("{n} loan", "{n} loans"), len(account.loans)),
            tr.plural(NP_("{n} hold", "{n} holds"), len(account.holds)),
        ]
        if account.total_fees:
            parts.append(
                tr(N_("fees {amount}"), amount=tr.money(account.total_fees, account.currency))
            )
        renewed = sum(1 for a in state.renewals.values() if not isinstance(a, ItemRefused))
        refused = len(state.renewals) - renewed
        if renewed:
            parts.append(
                SYMBOLS["ok"] + " " + tr.plural(NP_("{n} renewed", "{n} renewed"), renewed)
            )
        if refused:
            parts.append(
                SYMBOLS["problem"]
                + " "
                + tr.plural(NP_("{n} not renewed", "{n} not renewed"), refused)
            )
        return " · ".join(parts)

    def loan_card(self, loan: LoanView, can_renew: bool) -> Card:
        app, tr = self.app, self.app.tr
        answer = app.presenter.state.renewals.get(loan.item_id)
        words = self.column(0)
        words.add_widget(self.library_text(loan.title or loan.item_id, "surface_text", "item"))
        due = loan.due_date
        if answer is not None and not isinstance(answer, ItemRefused):
            due = answer.due_date or due
            words.add_widget(
                self.label(
                    SYMBOLS["ok"] + " " + tr(N_("Renewed — due {date}"), date=tr.date(due)),
                    tone="ok",
                )
            )
        elif loan.overdue:
            words.add_widget(
                self.label(
                    SYMBOLS["warn"] + " " + tr(N_("Overdue — was due {date}"), date=tr.date(due)),
                    tone="warn",
                )
            )
        else:
            words.add_widget(
                self.label(tr(N_("Due {date}"), date=tr.date(due)), tone="surface_text")
            )
        if isinstance(answer, ItemRefused):
            # The due date stays (above); the refusal says why not.
            words.add_widget(
                self.label(
                    SYMBOLS["problem"] + " " + reason_text(answer.reason, tr), tone="problem"
                )
            )
            if answer.messages:
                words.add_widget(self.library_note(answer.messages))
        renew = KButton(logical=tr(N_("Renew")), kind="secondary", role="body", size_hint_x=None)
        fit_width(renew, dp(100))
        renew.disabled = (
            not can_renew or answer is not None or (loan.item_id in self.asked and answer is None)
        )
        renew.bind(on_release=lambda *_: self.renew(loan.item_id))
        self.renew_buttons[loan.item_id] = renew
        card = Card()
        card.add_widget(self.row([words, renew]))
        return card

    def fee_card(self, fee: FeeView) -> Card:
        """What the fee is for (translated; the library's own words when it is a kind of its
        own), the item and the day it was charged, and the amount as the patron writes it."""
        tr = self.app.tr
        what = fee_text(fee.kind, tr)
        words = self.column(0)
        if what:
            words.add_widget(self.label(what, "item", "surface_text"))
        if fee.description and fee.kind in (None, FeeKind.OTHER):
            words.add_widget(self.library_text(fee.description, "surface_text"))
        if fee.title:
            words.add_widget(self.library_text(fee.title, "surface_text"))
        if fee.created is not None:
            words.add_widget(
                self.label(
                    tr(N_("Charged {date}"), date=tr.date(fee.created)), "small", "surface_text"
                )
            )
        amount = self.label(
            tr.money(fee.amount, fee.currency),
            "item",
            "surface_text",
            size_hint_x=None,
            align="end",
        )
        fit_width(amount, dp(60), margin=dp(4))
        card = Card()
        card.add_widget(self.row([words, amount]))
        return card

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        account = state.account
        self.renew_buttons = {}
        body = self.column(6)
        if state.messages:
            body.add_widget(self.library_note(state.messages))
        can_renew = False
        if account is not None:
            can_renew = account.can_renew
            body.add_widget(self.label(tr(N_("Loans")), "item", bold=True))
            if not account.loans:
                body.add_widget(self.label(tr(N_("You have no loans."))))
            for loan in account.loans:
                body.add_widget(self.loan_card(loan, can_renew))
            body.add_widget(self.label(tr(N_("Holds")), "item", bold=True))
            if not account.holds:
                body.add_widget(self.label(tr(N_("You have no holds."))))
            for hold in account.holds:
                card = Card()
                card.add_widget(self.library_text(hold.title, "surface_text", "item"))
                place_text = hold_text(hold.place, hold.pickup_name or hold.pickup_location, tr)
                card.add_widget(self.label(place_text, tone="surface_text"))
                if hold.pickup_by is not None:
                    card.add_widget(
                        self.label(
                            tr(N_("Pick it up by {date}"), date=tr.date(hold.pickup_by)),
                            tone="surface_text",
                        )
                    )
                body.add_widget(card)
            body.add_widget(self.label(tr(N_("Fees")), "item", bold=True))
            if not account.fees:
                body.add_widget(self.label(tr(N_("You have no fees."))))
            for fee in account.fees:
                body.add_widget(self.fee_card(fee))
        renew_all = self.button(tr(N_("Renew all")), app.renew_all, "primary")
        renew_all.disabled = not can_renew
        self.view = self.scroll(body)
        status = self.label(self.status_text())
        buttons = [
            self.button(tr(N_("Back")), app.back_to_menu),
            renew_all,
            self.button(tr(N_("Finish")), app.finish),
        ]
        return self.frame(tr(N_("My account")), self.view, self.footer(*buttons), status=status)


#: The receipt's line headings by what happened.
_HEADINGS = {
    "borrowed": N_("Borrowed"),
    "renewed": N_("Renewed"),
    "returned": N_("Returned"),
    "left_for_staff": N_("Left for the staff"),
    "refused": N_("Not borrowed"),
}


class ReceiptScreen(KioskScreen):
    kind = Screen.RECEIPT
    topics = frozenset({"receipt"})

    def prompt(self) -> str:
        return self.app.tr(N_("Would you like a receipt?"))

    def status(self) -> Widget | None:
        """What the patron must know before leaving (an alarm tag still on), and why a way of
        getting the receipt is not offered, or what failed."""
        lines = [line for line in (self._alarm_status(), self._printer_status()) if line]
        if not lines:
            return None
        column = self.column(2)
        for line in lines:
            column.add_widget(line)
        return column

    def _alarm_status(self) -> Widget | None:
        tr = self.app.tr
        receipt = self.app.presenter.state.receipt
        if receipt is None or not any(e.attention for e in receipt.entries):
            return None
        return self.label(
            SYMBOLS["warn"] + " " + tr(N_("Its alarm tag is still on: show it at the staff desk")),
            tone="warn",
        )

    def _printer_status(self) -> Widget | None:
        tr = self.app.tr
        state = self.app.presenter.state
        printer = state.receipt_printer
        if "print" in state.receipt_failed:
            text = tr(N_("The receipt could not be printed."))
        elif "email" in state.receipt_failed:
            text = tr(N_("The receipt could not be sent by e-mail."))
        elif printer is not None and not printer.can_print:
            text = (
                tr(N_("The receipt printer is out of paper."))
                if printer.paper == "out"
                else tr(N_("The receipt printer is not working right now."))
            )
        else:
            return None
        if state.receipt_email:
            text += " " + tr(N_("You can have it by e-mail instead."))
        elif not state.receipt_print:
            text += " " + tr(N_("Your loans and due dates are listed below."))
        return self.label(SYMBOLS["problem"] + " " + text, tone="problem")

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        state = app.presenter.state
        body = self.column(6)
        receipt = state.receipt
        if receipt is not None:
            for entry in receipt.entries:
                card = Card()
                heading = tr(_HEADINGS.get(entry.action, N_("Borrowed")))
                card.add_widget(self.label(heading, "small", "surface_text"))
                card.add_widget(
                    self.library_text(entry.title or entry.item_id, "surface_text", "item")
                )
                if entry.due_date is not None:
                    card.add_widget(
                        self.label(
                            tr(N_("Due {date}"), date=tr.date(entry.due_date)), tone="surface_text"
                        )
                    )
                if entry.attention == "security_not_cleared":
                    card.add_widget(
                        self.label(
                            SYMBOLS["warn"]
                            + " "
                            + tr(N_("Its alarm tag is still on: show it at the staff desk")),
                            tone="warn",
                        )
                    )
                body.add_widget(card)
        if state.receipt_result in ("print", "email"):
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
        return self.frame(
            self.prompt(), self.scroll(body), self.footer(*buttons), status=self.status()
        )


class GoodbyeScreen(KioskScreen):
    kind = Screen.GOODBYE
    topics = frozenset()

    def prompt(self) -> str:
        tr = self.app.tr
        state = self.app.presenter.state
        if state.end_reason is EndReason.TIMEOUT:
            return tr(N_("Your session has ended because nothing happened for a while."))
        if state.end_reason is EndReason.REFUSED:
            return tr(N_("Your session has ended. Please ask the staff for help."))
        return tr(N_("Thank you! Remember your card and your items."))

    def on_enter(self, *_: object) -> None:
        Clock.schedule_once(lambda _dt: self.app.clean_screen(), self.app.settings.goodbye_s)

    def build(self) -> Widget:
        tr = self.app.tr
        body = self.column(12)
        body.add_widget(Widget(size_hint_y=None, height=dp(40)))
        body.add_widget(self.label(self.prompt(), "display", align="center"))
        left = self.app.presenter.state.items_on_pad
        if left:
            body.add_widget(
                self.label(
                    SYMBOLS["warn"]
                    + " "
                    + tr.plural(
                        NP_(
                            "{n} item you borrowed is still on the pad.",
                            "{n} items you borrowed are still on the pad.",
                        ),
                        left,
                    ),
                    "item",
                    "warn",
                    align="center",
                )
            )
        root = BoxLayout(orientation="vertical", padding=dp(10))
        root.add_widget(self.app.header())
        root.add_widget(self.scroll(body))
        return root
