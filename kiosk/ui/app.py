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
from kiosk.ui.dialogs import DialogHost
from kiosk.ui.feedback import SoundCues, Speaker
from kiosk.ui.i18n import N_, Translator
from kiosk.ui.memory import release_free_memory
from kiosk.ui.presenter import Presenter, Screen
from kiosk.ui.screens import SCREEN_CLASSES, KioskScreen
from kiosk.ui.settings import DEMO_PANEL_WIDTH, UiSettings
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
        return bool(super().on_touch_down(touch))


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
        self.dialogs = DialogHost(self)
        self._reader_test: Any = None  # Kivy's clock event while the reader test runs
        self._unsubscribe: Callable[[], None] | None = None
        self._last_touch = 0.0  # Kivy's clock time of the last touch (the idle screen check)
        self._stopped = False
        self._idle_check: Any = None

    # ------------------------------------------------------------------------- building

    def theme_colour(self, role: str, _version: float = 0) -> list[float]:
        """The RGBA of a palette role (kv binds on ``palette_version`` to restyle)."""
        return list(getattr(self.theme.palette, role))

    def build(self) -> Widget:
        register_fonts()
        # A look chosen before the window opens (``kiosk demo --look``) is the first visit's.
        self.theme = Theme.build(
            self.settings.branding, large_text=self.large_text, high_contrast=self.high_contrast
        )
        self.font_scale = self.theme.font_scale
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
            self.presenter.follow_service(self.port.service)
        self.show(self.home_screen)
        self.bind(palette_version=self._paint_window)
        self._paint_window()
        self._when_idle(self.sounds.preload)
        self._last_touch = Clock.get_time()
        self._idle_check = Clock.schedule_interval(self._back_to_welcome_when_idle, 1.0)
        return root

    def _paint_window(self, *_: object) -> None:
        """Paint the screen's background as the window's clear colour (see ``kiosk.kv``)."""
        from kivy.core.window import Window

        Window.clearcolor = self.theme_colour("background")

    def _when_idle(self, work: Callable[[], object]) -> None:
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
        if self._idle_check is not None:
            self._idle_check.cancel()
        # The window outlives the app (tests and scenarios open one app after another on it):
        # a stopped app must not paint it any more, nor wipe a screen that is not its own.
        self.unbind(palette_version=self._paint_window)
        self._stopped = True
        self.speaker.stop()

    def _back_to_welcome_when_idle(self, _dt: float) -> None:
        """A screen outside any visit (a refused card's reason, a card number typed halfway,
        the staff login) goes back to the welcome screen when nobody has touched it for a
        while: it is the next patron's screen."""
        screen = self.presenter.state.screen
        outside_a_visit = self.port is None or self.port.mode.between_visits
        if (
            outside_a_visit
            and screen in (Screen.IDENTIFY, Screen.STAFF_LOGIN)
            and Clock.get_time() - self._last_touch > self.settings.idle_screen_s
        ):
            self.intent = None
            self.presenter.clear_session()

    def side_panel_width(self) -> float:
        """The width the demo's control panel takes beside the screen (0 without one)."""
        return float(dp(DEMO_PANEL_WIDTH)) if self.side_panel is not None else 0.0

    @property
    def home_screen(self) -> Screen:
        if self.settings.mode == "return-station":
            return Screen.RETURN_STATION
        return self.presenter.home

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
        parts.append(KLabel(logical=name, role="small", tone="muted_text", own_direction=True))
        if extra is not None:
            parts.append(extra)
        row = hrow(parts, rtl=self.rtl, size_hint_y=None)
        box.add_widget(grow_with_children(row, dp(32)))
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
        self._last_touch = Clock.get_time()  # a screen's idle time counts from when it came
        self.speak(target.prompt())

    @property
    def current_screen(self) -> KioskScreen:
        return self.screens[Screen(self.manager.current)]

    def rebuild_current(self) -> None:
        self.current_screen.rebuild()

    def _on_topic(self, topic: str) -> None:
        if topic == "screen":
            self.show(self.presenter.state.screen)
            self.dialogs.update()
            if self.presenter.state.screen is Screen.STAFF:
                self.refresh_staff_status()
            return
        if topic == "session":
            self._after_identified()
        if topic == "status":
            self.rebuild_current()
        if topic in ("warning", "fee", "left", "finish"):
            self.dialogs.update()
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
        if self._stopped or self.presenter.state.screen is not Screen.GOODBYE:
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
        self._last_touch = Clock.get_time()
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
        self.presenter.answered([item_id])
        self._patron(lambda patron: patron.acknowledge_fee(item_id, accept))

    def confirm_left_items(self, borrow: bool) -> None:
        """The patron's word on the items left on the pad before the visit."""
        self.presenter.answered([row.item_id for row in self.presenter.left_items])
        self._patron(lambda patron: patron.confirm_left_items(borrow))

    def seek_staff(self) -> None:
        """Items whose alarm tag is still on: the patron takes them to the staff."""
        self._patron(lambda patron: patron.seek_staff())

    def finish_after_staff(self) -> None:
        self.presenter.state.sent_to_staff = None
        self.finish()

    def pin_help_text(self) -> str:
        """Where a patron gets a new PIN: the library's words in this language, else ours."""
        own = self.settings.pin_help.get(self.tr.code)
        return own or self.tr(
            N_("Ask the staff for a new PIN. Please bring your library card and an ID.")
        )

    def show_pin_help(self) -> None:
        self.dialogs.pin_help = True
        self.dialogs.update()

    def cancel(self) -> None:
        """Leave identify / PIN / staff login: end whatever session was started."""
        self.intent = None
        mode = self.port.mode if self.port is not None else Mode.IDLE
        if not (mode.between_visits or mode is Mode.STAFF):
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
            tags = port.reader_test()
            self.staff_status["reader_test"] = [_tag_line(tag, self.tr) for tag in tags]
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


def _tag_line(tag: TagReading, tr: Translator) -> str:
    """One decoded tag for the staff reader test, in the screen's language: never a library
    card's number."""
    afi = f"AFI {tag.afi:02X}" if tag.afi is not None else "AFI ?"
    if tag.kind is TagKind.PATRON_CARD:
        return tr(N_("UID {uid}: library card"), uid=tag.uid)
    if tag.kind is TagKind.UNREADABLE:
        return tr(N_("UID {uid}: cannot be decoded ({afi})"), uid=tag.uid, afi=afi)
    return tr(
        N_("UID {uid}: item {item}, part {part} of {parts}, {afi}"),
        uid=tag.uid,
        item=tag.item_id,
        part=tag.part,
        parts=tag.parts,
        afi=afi,
    )


def _reconciliation_line(line: ReconciliationLine) -> str:
    parts = (line.kind, line.item_id, line.attention, line.reason, line.note)
    return " · ".join(part for part in parts if part)
