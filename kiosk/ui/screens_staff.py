"""Staff mode on the kiosk's own screen: the code, health at a glance, the reader and printer
tests, a restart.

The result of a tool staff just used is shown first, above the health list, so it is in view
the moment it arrives (the reader test's decoded tags used to land below the fold).
"""

from __future__ import annotations

from kivy.uix.widget import Widget

from kiosk.ui.i18n import N_, NP_
from kiosk.ui.presenter import Screen
from kiosk.ui.screen_base import KioskScreen
from kiosk.ui.screens_entry import _KeypadScreen
from kiosk.ui.texts import SYMBOLS
from kiosk.ui.widgets import Card

__all__ = ["StaffLoginScreen", "StaffScreen"]


class StaffLoginScreen(_KeypadScreen):
    kind = Screen.STAFF_LOGIN
    topics = frozenset({"staff"})
    title = N_("Staff")
    max_digits = 16
    secret = True

    def submit(self, typed: str) -> None:
        self.app.enter_staff(typed)

    def key(self, key: str) -> None:
        if key == "ok" and not self.typed:
            self.app.enter_staff("")  # an empty code is a wrong code, said as such
            return
        super().key(key)

    def prompt(self) -> str:
        return self.app.tr(N_("Type the staff code or show a staff card."))

    def trouble(self) -> Widget | None:
        if not self.app.presenter.state.staff_refused:
            return None
        return self.notice(SYMBOLS["problem"], self.app.tr(N_("Wrong staff code.")), "problem")


class StaffScreen(KioskScreen):
    """Health at a glance and the tools staff need: reader test, printer test, restart."""

    kind = Screen.STAFF
    topics = frozenset({"staff", "status", "staff_status"})

    def build(self) -> Widget:
        app, tr = self.app, self.app.tr
        status = app.staff_status
        body = self.column(6)
        if status.get("message"):
            body.add_widget(self.notice(SYMBOLS["info"], str(status["message"]), "surface_text"))
        tags = status.get("reader_test")
        if tags is not None:
            card = Card()
            card.add_widget(
                self.label(tr(N_("Reader test: what the pad sees")), "item", "surface_text")
            )
            if not tags:
                card.add_widget(self.label(tr(N_("No tags on the pad.")), "small", "surface_text"))
            for tag in tags:
                card.add_widget(self.label("• " + str(tag), "small", "surface_text"))
            body.add_widget(card)

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
        if tags is None:
            body.add_widget(
                self.label(tr(N_("Press “Reader test” and place tags on the pad.")), "small")
            )
        buttons = [
            self.button(tr(N_("Reader test")), app.staff_reader_test),
            self.button(tr(N_("Printer test")), app.staff_printer_test),
            self.button(tr(N_("Restart")), app.staff_restart),
            self.button(tr(N_("Leave staff mode")), app.leave_staff, "primary"),
        ]
        self.view = self.scroll(body)
        return self.frame(tr(N_("Staff mode")), self.view, self.footer(*buttons))
