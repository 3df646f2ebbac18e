"""The Kivy application: screens, theme, language, and the bridge to the kiosk core.

Why this shape: the core owns every decision and streams typed events; the app sees it only
through the core's port (:class:`~kiosk.core.port.ScreenPort`: a kiosk, or the return station's
display). :class:`~kiosk.ui.presenter.Presenter` folds the events into a picture; this app shows
that picture, turns touches into the port's commands, and adds what only a screen can: language
and theme choice, sound cues, spoken prompts, the inactivity overlay and the fee question.

Core commands are coroutines; the app runs them as tasks on the same asyncio loop that drives
Kivy (``App.async_run`` or the headless harness). A failing command is logged and kept in
``errors`` (the scenarios fail on any), never raised into Kivy's event loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, NumericProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image
from kivy.uix.modalview import ModalView
from kivy.uix.screenmanager import NoTransition, ScreenManager
from kivy.uix.widget import Widget

from kiosk.core import (
    Action,
    KioskEvent,
    Mode,
    PatronCommands,
    PrintProblem,
    ReceiptChoice,
    ReconciliationLine,
    ScreenPort,
    TagKind,
    TagReading,
)
from kiosk.ui import events_feedback
from kiosk.ui.feedback import SoundCues, Speaker
from kiosk.ui.i18n import N_, NP_, Translator
from kiosk.ui.memory import release_free_memory
from kiosk.ui.presenter import Presenter, Screen
from kiosk.ui.screens import SCREEN_CLASSES, KioskScreen
from kiosk.ui.settings import UiSettings
from kiosk.ui.theme import Theme
from kiosk.ui.widgets import ButtonRow, KButton, KLabel, grow_with_children, hrow, register_fonts

__all__ = ["KioskApp", "KioskRoot"]

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Seconds after a screen is built before loading what later frames will need (locale data,
#: sound cues): late enough not to delay that screen's first frame, early enough to be done
#: before a patron's next tap.
_IDLE_WORK_AFTER_S = 0.3


class KioskRoot(BoxLayout):
    """The window's content. Any touch counts as patron activity (restarts the timeout)."""

    def on_touch_down(self, touch: Any) -> bool:
        app = App.get_running_app()
        if isinstance(app, KioskApp):
            app.activity()
        return super().on_touch_down(touch)


class KioskApp(App):
    """The kiosk's touch screen.

    ``port``: the core as screens see it (a kiosk, or a return station's display; None renders
    the screens without a core, as the gallery does);
    ``settings``: :class:`~kiosk.ui.settings.UiSettings`; ``side_panel``: an optional widget
    factory shown at the right (the demo's control panel); ``on_restart``: what the staff
    "Restart" button does (default: stop the app; ``kiosk run`` exits so systemd restarts it).
    """

    palette_version = NumericProperty(0)
    font_scale = NumericProperty(1.0)
    rtl = BooleanProperty(False)

    def __init__(
        self,
        port: ScreenPort | None,
        settings: UiSettings | None = None,
        *,
        sounds: SoundCues | None = None,
        speaker: Speaker | None = None,
        side_panel: Callable[[KioskApp], Widget] | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.title = "Library kiosk"
        self.port = port
        self.settings = settings or UiSettings()
        self.presenter = Presenter()
        self.sounds = sounds or SoundCues(self.settings.sounds_on)
        self.speaker = speaker or Speaker(enabled=self.settings.speech_on)
        self.side_panel = side_panel
        self.on_restart = on_restart
        self.large_text = False
        self.high_contrast = False
        self.theme = Theme.build(self.settings.branding)
        self.tr = Translator(self.settings.default_language)
        self.rtl = self.tr.rtl
        self.intent: str | None = None  # "borrow" | "account": what to do once identified
        self.language_chosen = False  # the patron picked a language on this session's screens
        self.staff_status: dict[str, Any] = {}
        self.errors: list[BaseException] = []
        self.restart_requested = False
        self.screens: dict[Screen, KioskScreen] = {}
        self._tasks: set[asyncio.Task[Any]] = set()
        self._warning: ModalView | None = None
        self._fee_dialog: ModalView | None = None
        self._reader_test: Any = None  # Kivy's clock event while the reader test runs
        self._unsubscribe: Callable[[], None] | None = None

    # ------------------------------------------------------------------------- building

    def theme_colour(self, role: str, _version: float = 0) -> list[float]:
        """The RGBA of a palette role (kv binds on ``palette_version`` to restyle)."""
        return list(getattr(self.theme.palette, role))

    def build(self) -> Widget:
        register_fonts()
        self.manager = ScreenManager(transition=NoTransition())
        for screen_class in SCREEN_CLASSES:
            screen = screen_class(self)
            self.screens[screen.kind] = screen
            self.manager.add_widget(screen)
        root = KioskRoot(orientation="horizontal")
        root.add_widget(self.manager)
        if self.side_panel is not None:
            root.add_widget(self.side_panel(self))
        self.presenter.subscribe(self._on_topic)
        if self.port is not None:
            self._unsubscribe = self.port.subscribe(self._on_event)
            self.presenter.online = self.port.library_system_online
        self.show(self.home_screen)
        self.bind(palette_version=self._paint_window)
        self._paint_window()
        self._when_idle(self.sounds.preload)
        return root

    def _paint_window(self, *_: object) -> None:
        """Paint the screen's background as the window's clear colour (see ``kiosk.kv``)."""
        from kivy.core.window import Window

        Window.clearcolor = self.theme_colour("background")

    def _when_idle(self, work: Callable[[], None]) -> None:
        """Run ``work`` once the screen is drawn and idle: loading that a busy frame would
        otherwise pay for (the first "done" chime of a stack)."""

        def later(_dt: float) -> None:
            Clock.schedule_once(lambda _dt: work(), _IDLE_WORK_AFTER_S)

        # Counted from the next frame: before the first one, Kivy's clock still holds the time
        # it was imported at, and any delay asked for from build() would be over at once.
        Clock.schedule_once(later)

    def on_stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self.speaker.stop()

    @property
    def home_screen(self) -> Screen:
        return Screen.RETURN_STATION if self.settings.mode == "return-station" else Screen.WELCOME

    def header(self, extra: Widget | None = None) -> Widget:
        """Library name (and logo), ``extra`` at the end, and a banner while offline."""
        tr = self.tr
        box = BoxLayout(orientation="vertical", size_hint_y=None, spacing=dp(4))
        box.bind(minimum_height=box.setter("height"))
        parts: list[Widget] = []
        logo = self.settings.branding.logo
        if logo and Path(logo).is_file():
            parts.append(Image(source=logo, size_hint=(None, None), size=(dp(120), dp(48))))
        name = self.settings.branding.library_name
        parts.append(KLabel(logical=name, role="item", tone="muted_text"))
        if extra is not None:
            parts.append(extra)
        row = hrow(parts, rtl=self.rtl, size_hint_y=None)
        box.add_widget(grow_with_children(row, dp(48)))
        if not self.presenter.online:
            text = (
                tr(
                    N_(
                        "The library system is offline. You can still borrow and return; the library confirms it later."  # noqa: E501 - one catalog message
                    )
                )
                if self.presenter.offline_mode
                else tr(
                    N_(
                        "The library system does not answer right now. Please try again later or ask the staff."  # noqa: E501 - one catalog message
                    )
                )
            )
            banner = KLabel(logical="⚠ " + text, tone="banner_text", role="body")
            banner.bind(pos=self._paint_banner, size=self._paint_banner)
            box.add_widget(banner)
        return box

    def _paint_banner(self, label: KLabel, *_: object) -> None:
        from kivy.graphics import Color, Rectangle

        label.canvas.before.clear()
        with label.canvas.before:
            Color(*self.theme_colour("banner"))
            Rectangle(pos=label.pos, size=label.size)

    def accessibility_row(self) -> Widget:
        """Large text, high contrast and read-aloud switches (state shown by ☑/☐, not colour).

        A :class:`~kiosk.ui.widgets.ButtonRow`: the switches share the row by their texts, and
        one whose text must wrap (Ukrainian or Somali with large text) makes the row taller
        instead of spilling over the row above (Arabic's "Read aloud" did)."""
        tr = self.tr
        buttons = []

        def switch(label: str, on: bool, action: Callable[[], None]) -> KButton:
            button = KButton(
                logical=("☑ " if on else "☐ ") + label, kind="secondary", role="body", selected=on
            )
            button.bind(on_release=lambda *_: action())
            return button

        if self.settings.large_text_available:
            buttons.append(switch(tr(N_("Large text")), self.large_text, self.toggle_large_text))
        if self.settings.high_contrast_available:
            buttons.append(
                switch(tr(N_("High contrast")), self.high_contrast, self.toggle_high_contrast)
            )
        if self.settings.speech_available and self.speaker.available:
            buttons.append(switch(tr(N_("Read aloud")), self.speaker.enabled, self.toggle_speech))
        return ButtonRow(buttons, rtl=self.rtl, spacing=dp(12))

    # ---------------------------------------------------------------------- navigation

    def show(self, screen: Screen) -> None:
        if self.settings.mode == "return-station" and screen is not Screen.STAFF:
            screen = Screen.RETURN_STATION
        target = self.screens[screen]
        target.rebuild()
        self.manager.current = target.name
        self.speak(target.prompt())

    @property
    def current_screen(self) -> KioskScreen:
        return self.screens[Screen(self.manager.current)]

    def rebuild_current(self) -> None:
        self.current_screen.rebuild()

    def _on_topic(self, topic: str) -> None:
        if topic == "screen":
            self.show(self.presenter.state.screen)
            self._update_warning()
            self._update_fee_dialog()
            if self.presenter.state.screen is Screen.STAFF:
                self.refresh_staff_status()
            return
        if topic == "session":
            self._after_identified()
        if topic == "status":
            self.rebuild_current()
        if topic == "warning":
            self._update_warning()
        if topic == "fee":
            self._update_fee_dialog()
        self.current_screen.on_topic(topic)

    def _on_event(self, event: KioskEvent) -> None:
        self.presenter.apply(event)
        cue = events_feedback.cue_for(event)
        if cue is not None:
            self.sounds.play(cue)
        if self.speaker.enabled:  # describing the item again is wasted work when nobody listens
            spoken = events_feedback.spoken_for(event, self)
            if spoken:
                self.speak(spoken)

    def speak(self, text: str) -> None:
        if text and self.speaker.enabled:
            self.speaker.say(text, self.tr.language.voice)

    # ------------------------------------------------------------------- local choices

    def set_language(self, code: str) -> None:
        """The patron chose ``code``: it stays for their session, over their library account's
        language (they are the one reading the screen)."""
        if code not in self.settings.languages:
            return
        self.language_chosen = True
        self._use_language(code)

    def _use_language(self, code: str) -> None:
        self.tr = Translator(code)
        self.rtl = self.tr.rtl
        if self.port is not None:
            self.port.set_language(code)
        self.rebuild_current()
        self.speak(self.current_screen.prompt())

    def _restyle(self) -> None:
        self.theme = Theme.build(
            self.settings.branding, large_text=self.large_text, high_contrast=self.high_contrast
        )
        self.font_scale = self.theme.font_scale
        self.palette_version += 1
        self.rebuild_current()

    def toggle_large_text(self) -> None:
        self.large_text = not self.large_text
        self._restyle()

    def toggle_high_contrast(self) -> None:
        self.high_contrast = not self.high_contrast
        self._restyle()

    def toggle_speech(self) -> None:
        self.speaker.enabled = not self.speaker.enabled
        self.rebuild_current()
        self.speak(self.current_screen.prompt())

    def clean_screen(self) -> None:
        """After the goodbye: wipe the screen and restore the defaults for the next patron."""
        if self.presenter.state.screen is not Screen.GOODBYE:
            return
        self.intent = None
        self.language_chosen = False
        self.large_text = self.high_contrast = False
        self.speaker.enabled = self.settings.speech_on
        self.tr = Translator(self.settings.default_language)
        self.rtl = self.tr.rtl
        self.theme = Theme.build(self.settings.branding)
        self.font_scale = 1.0
        self.palette_version += 1
        self.presenter.clear_session()
        self._when_idle(release_free_memory)

    def activity(self) -> None:
        if self.port is not None:
            self.port.touch()
        if self.presenter.state.warning_seconds is not None:
            self.presenter.dismiss_warning()

    # ------------------------------------------------------------------- core commands

    def run_command(self, coroutine: Awaitable[T]) -> asyncio.Task[T]:
        """Run a core command as a task; failures are logged and kept in ``errors``."""
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._command_done)
        return task

    def _patron(self, command: Callable[[PatronCommands], Awaitable[Any]]) -> None:
        """Run a patron command where there are patrons (not at a return station's display)."""
        patron = self.port.patron if self.port is not None else None
        if patron is not None:
            self.run_command(command(patron))

    def _command_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            log.error("kiosk command failed: %r", error)
            self.errors.append(error)

    async def settle(self) -> None:
        """Wait for every command started from the screen so far (tests, scenarios)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def choose(self, intent: Action | None) -> None:
        """Welcome screen: borrow / return / my account."""
        if intent is Action.RETURN:
            self.intent = None
            self._patron(lambda patron: patron.start_return())
            return
        self.intent = "borrow" if intent is Action.BORROW else "account"
        self.presenter.state.identify_error = None
        self.presenter.state.identify_messages = ()
        self.presenter.go(Screen.IDENTIFY)

    def _after_identified(self) -> None:
        own = self.presenter.language
        if (
            self.settings.patron_language
            and not self.language_chosen
            and own in self.settings.languages
            and own != self.tr.code
        ):
            # A patron whose account says "Norsk bokmål" reads on in Norwegian without having
            # to find the button; a choice they made here first wins.
            self._use_language(own)
        intent, self.intent = self.intent, None
        state = self.presenter.state
        if intent == "borrow" and state.can_borrow:
            self.start_borrow()
        elif intent == "account":
            self.show_account()

    def identify(self, number: str) -> None:
        self._patron(lambda patron: patron.identify(number))

    def enter_pin(self, pin: str) -> None:
        self._patron(lambda patron: patron.enter_pin(pin))

    def start_borrow(self) -> None:
        self._patron(lambda patron: patron.start_borrow())

    def start_return(self) -> None:
        self._patron(lambda patron: patron.start_return())

    def show_account(self) -> None:
        self._patron(lambda patron: patron.show_account())

    def back_to_menu(self) -> None:
        self.presenter.go(Screen.MENU)

    def renew(self, item_ids: list[str]) -> None:
        if item_ids:
            self._patron(lambda patron: patron.renew(item_ids))

    def renew_all(self) -> None:
        self._patron(lambda patron: patron.renew_all())

    def finish(self) -> None:
        self._patron(lambda patron: patron.finish())

    def retry(self) -> None:
        """Try the items again that failed only because the library system did not answer."""
        self._patron(lambda patron: patron.retry())

    def choose_receipt(self, how: str) -> None:
        self._patron(lambda patron: patron.choose_receipt(ReceiptChoice(how)))

    def acknowledge_fee(self, item_id: str, accept: bool) -> None:
        self._patron(lambda patron: patron.acknowledge_fee(item_id, accept))

    def cancel(self) -> None:
        """Leave identify / PIN / staff login: end whatever session was started."""
        self.intent = None
        if self.port is not None and self.port.mode not in (Mode.IDLE, Mode.STAFF):
            self._patron(lambda patron: patron.end_session())
        else:
            self.presenter.clear_session()

    # --------------------------------------------------------------------------- staff

    def open_staff_login(self) -> None:
        self.presenter.state.staff_refused = False
        self.presenter.go(Screen.STAFF_LOGIN)

    def enter_staff(self, code: str) -> None:
        if self.port is not None:
            self.run_command(self.port.staff_enter(code))

    def leave_staff(self) -> None:
        self._stop_reader_test()
        if self.port is not None:
            self.run_command(self.port.staff_exit())

    def refresh_staff_status(self) -> None:
        port = self.port
        if port is None:
            return

        async def refresh() -> None:
            status = await port.staff_status()
            if status is None:  # not in staff mode (any more)
                return
            devices: dict[str, tuple[bool | None, str]] = {}
            tr = self.tr
            devices[tr(N_("RFID reader"))] = (
                status.reader_ok,
                tr(N_("working")) if status.reader_ok else tr(N_("not working")),
            )
            if status.printer is not None:
                printer = status.printer
                detail = tr(N_("working")) if printer.online else tr(N_("not working"))
                if printer.paper in ("low", "out"):
                    detail += " — " + (
                        tr(N_("paper low")) if printer.paper == "low" else tr(N_("paper out"))
                    )
                devices[tr(N_("Receipt printer"))] = (printer.can_print, detail)
            self.staff_status.update(
                devices=devices,
                offline_queue=status.offline_queue,
                reconciliation=[_reconciliation_line(item) for item in status.reconciliation],
            )
            self.presenter.notify("staff_status")

        self.run_command(refresh())

    def staff_reader_test(self) -> None:
        """Show what the pad sees, decoded, refreshed twice a second while staff mode is open."""
        self._stop_reader_test()

        port = self.port
        if port is None:
            return

        def sample(_dt: float = 0) -> None:
            if self.presenter.state.screen is not Screen.STAFF:
                self._stop_reader_test()
                return
            self.staff_status["reader_test"] = [_tag_line(tag) for tag in port.reader_test()]
            self.presenter.notify("staff_status")

        sample()
        self._reader_test = Clock.schedule_interval(sample, 0.5)

    def _stop_reader_test(self) -> None:
        if self._reader_test is not None:
            self._reader_test.cancel()
            self._reader_test = None

    def staff_printer_test(self) -> None:
        port = self.port
        if port is None:
            return

        async def test() -> None:
            tr = self.tr
            outcome = await port.staff_print_test()
            if outcome.problem is PrintProblem.NOT_NOW:
                return
            if outcome.problem is PrintProblem.NO_PRINTER:
                self.staff_status["message"] = tr(N_("No receipt printer is configured."))
            elif outcome.problem is PrintProblem.FAILED:
                self.staff_status["message"] = tr(
                    N_("The printer failed: {error}"), error=outcome.detail
                )
            else:
                self.staff_status["message"] = tr(N_("Test page printed."))
            self.presenter.notify("staff_status")

        self.run_command(test())

    def staff_restart(self) -> None:
        self.restart_requested = True
        if self.on_restart is not None:
            self.on_restart()
        else:
            self.stop()

    # ------------------------------------------------------------------------- overlays

    def _dialog(self, size_hint: tuple[float, float]) -> ModalView:
        """A modal panel in the theme's background colour, for the text colours of the theme.

        Kivy's ModalView tints a dark grey image with ``background_color``, so a light colour
        still came out dark and the theme's dark text on it was unreadable; without the image
        the panel is the colour itself (contrast as in the theme, high contrast included).
        Open and dismiss it with ``animation=False``: while a dialog fades out it still takes
        every touch, and the patron's next tap (Finish, right after answering) would be lost.
        """
        dialog = ModalView(size_hint=size_hint, auto_dismiss=False)
        dialog.background = ""
        dialog.background_color = self.theme_colour("background")
        return dialog

    def _update_warning(self) -> None:
        seconds = self.presenter.state.warning_seconds
        if seconds is None:
            if self._warning is not None:
                self._warning.dismiss(animation=False)
                self._warning = None
            return
        tr = self.tr
        text = tr.plural(
            NP_(
                "Are you still there? The session ends in {n} second.",
                "Are you still there? The session ends in {n} seconds.",
            ),
            seconds,
        )
        if self._warning is None:
            self._warning = self._dialog(size_hint=(0.7, 0.5))
            box = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(12))
            self._warning_label = KLabel(logical=text, role="title", tone="text", align="center")
            box.add_widget(self._warning_label)
            still = KButton(logical=tr(N_("I am still here")), kind="primary", role="button")
            still.bind(on_release=lambda *_: self.activity())
            box.add_widget(still)
            self._warning.add_widget(box)
            self._warning.open(animation=False)
            self.speak(text)
        else:
            self._warning_label.logical = text

    def _update_fee_dialog(self) -> None:
        pending = self.presenter.pending_fee
        if pending is None or self.presenter.state.screen is not Screen.BORROW:
            if self._fee_dialog is not None:
                self._fee_dialog.dismiss(animation=False)
                self._fee_dialog = None
            return
        if self._fee_dialog is not None:
            return
        tr = self.tr
        dialog = self._dialog(size_hint=(0.8, 0.6))
        box = BoxLayout(orientation="vertical", padding=dp(16), spacing=dp(12))
        box.add_widget(KLabel(logical=pending.title or pending.item_id, role="title"))
        box.add_widget(
            KLabel(
                logical=tr(
                    N_("This loan costs {amount}. Do you want to borrow it?"),
                    amount=tr.money(pending.fee_amount, pending.fee_currency),
                )
            )
        )
        for message in pending.messages:
            box.add_widget(KLabel(logical=message, tone="muted_text"))

        def answer(accept: bool) -> None:
            dialog.dismiss(animation=False)
            self._fee_dialog = None
            self.acknowledge_fee(pending.item_id, accept)

        yes = KButton(logical=tr(N_("Yes, borrow it")), kind="primary", role="button")
        yes.bind(on_release=lambda *_: answer(True))
        no = KButton(logical=tr(N_("No")), kind="secondary", role="button")
        no.bind(on_release=lambda *_: answer(False))
        box.add_widget(
            hrow([no, yes], rtl=self.rtl, size_hint_y=None, height=dp(72), spacing=dp(12))
        )
        dialog.add_widget(box)
        self._fee_dialog = dialog
        dialog.open(animation=False)
        self.speak(
            tr(
                N_("This loan costs {amount}. Do you want to borrow it?"),
                amount=tr.money(pending.fee_amount, pending.fee_currency),
            )
        )


def _tag_line(tag: TagReading) -> str:
    """One decoded tag for the staff reader test: never a library card's number."""
    afi = f"AFI {tag.afi:02X}" if tag.afi is not None else "AFI ?"
    if tag.kind is TagKind.PATRON_CARD:
        return f"UID {tag.uid}: library card"
    if tag.kind is TagKind.UNREADABLE:
        return f"UID {tag.uid}: not decodable ({afi})"
    return f"UID {tag.uid}: item {tag.item_id}, part {tag.part}/{tag.parts}, {afi}"


def _reconciliation_line(line: ReconciliationLine) -> str:
    parts = (line.kind, line.item_id, line.attention, line.reason, line.note)
    return " · ".join(part for part in parts if part)
