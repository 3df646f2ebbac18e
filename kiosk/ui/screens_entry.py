"""The way in: the welcome screen, the card (typed, scanned or on the reader) and the PIN; and
the closed screen that stands in for the welcome screen outside opening hours.

A refusal stays on the identify screen until the patron moves on (types again, cancels or walks
away): a wrong PIN with the tries left, a card the library does not know, a blocked or locked
card, each with what the patron can do; "Forgot your PIN?" tells where a new one is got.
"""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from kivy.metrics import dp, sp
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from kiosk.core import Action, Reason
from kiosk.ui.i18n import LANGUAGES, N_, NP_, Translator
from kiosk.ui.illustrations import CardIllustration, ClockIllustration, PadIllustration
from kiosk.ui.presenter import Screen
from kiosk.ui.screen_base import KioskScreen
from kiosk.ui.texts import SYMBOLS, reason_text
from kiosk.ui.widgets import (
    ROLE_SIZES,
    ButtonRow,
    Card,
    KButton,
    Keypad,
    ShrinkColumn,
    fit_width,
    font_px,
)

__all__ = ["ClosedScreen", "IdentifyScreen", "PinScreen", "WelcomeScreen", "opening_text"]

#: At most this many language buttons side by side on the welcome screen.
_LANGUAGES_PER_ROW = 5

#: How small the welcome screen's instruction may get, alone, before it is left out.
_INSTRUCTION_LAST_RESORT_SCALE = 0.5

#: Refusals after which the PIN help is shown at once (the patron may not know their PIN).
_PIN_TROUBLE = frozenset({Reason.PIN_ATTEMPTS_EXCEEDED, Reason.PIN_LOCKED, Reason.PIN_WRONG})


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
        left over, beside the picture of the pad, and give way when it is short (large text in
        Ukrainian or Somali, a long offline banner): see :meth:`greeting`. The staff entry is a
        quiet button in the corner: there for staff, not in a patron's way.
        """
        app, tr = self.app, self.app.tr
        root = self.greeting(
            self.welcome_text(),
            tr(N_("Place your library card on the reader, or choose what you want to do.")),
            PadIllustration(size_hint=(None, 1), width=dp(150)),
        )
        actions = [
            self.button(tr(N_("Borrow")), lambda: app.choose(Action.BORROW), "primary"),
            self.button(tr(N_("Return")), lambda: app.choose(Action.RETURN), "primary"),
            self.button(tr(N_("My account")), lambda: app.choose(None), "primary"),
        ]
        choices = self.column(spacing=6)
        choices.add_widget(ButtonRow(actions, rtl=app.rtl, min_height=dp(72), spacing=dp(12)))
        choices.add_widget(app.accessibility_row())
        choices.add_widget(self.language_choice())
        root.add_widget(choices)
        return root

    def greeting(self, heading: str, sentence: str, picture: Widget) -> BoxLayout:
        """The screen's column so far: the header with the quiet staff entry, then ``heading``
        and ``sentence`` beside ``picture`` in the height the rows added below leave.

        The sentence (what to do) matters more than the heading: when room is short the
        heading shrinks (not below the size of a title), the sentence not below normal text;
        then the heading goes, and only the sentence alone (large text under the offline
        banner) is made smaller still rather than hidden.
        """
        app, tr = self.app, self.app.tr
        staff = self.button(tr(N_("Staff")), app.open_staff_login, "quiet", size_hint=(None, None))
        staff.role = "small"
        root = BoxLayout(orientation="vertical", padding=dp(10))
        root.add_widget(app.header(extra=fit_width(staff, dp(90))))
        title = self.label(heading, "display", align="center")
        instruction = self.label(sentence, align="center")
        title_floor = sp(ROLE_SIZES["title"]) / font_px("display", app.font_scale)
        words = ShrinkColumn(
            [title, instruction],
            min_scales=[title_floor, 1 / app.font_scale],
            priority=[instruction, title],
            last_resort_scale=_INSTRUCTION_LAST_RESORT_SCALE,
            padding=(0, dp(6)),
        )
        middle = BoxLayout(orientation="horizontal", spacing=dp(12))
        for widget in (words, picture) if app.rtl else (picture, words):
            middle.add_widget(widget)
        root.add_widget(middle)
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


def opening_text(opens_at: datetime | None, today: date, tr: Translator) -> str:
    """When a closed kiosk opens again, the way a patron says it: today or tomorrow at a time,
    else on a date; nothing when no hours say (closed until staff open it)."""
    if opens_at is None:
        return ""
    time = f"{opens_at:%H:%M}"
    if opens_at.date() == today:
        return tr(N_("Opens again today at {time}."), time=time)
    if opens_at.date() == today + timedelta(days=1):
        return tr(N_("Opens again tomorrow at {time}."), time=time)
    return tr(N_("Opens again on {date} at {time}."), date=tr.date(opens_at), time=time)


class ClosedScreen(WelcomeScreen):
    """Outside opening hours, or taken out of service: no patron commands, only why and
    until when, in the patron's language, and the quiet staff entry (staff open it again).

    Why it replaces the welcome screen rather than a dialog over it: nothing on it may invite a
    visit the kiosk would refuse; the core takes only staff commands while closed."""

    kind = Screen.CLOSED
    topics = frozenset({"service", "status"})

    def texts(self) -> tuple[str, str]:
        """The title and the sentence under it."""
        tr, service = self.app.tr, self.app.presenter.service
        if service.out_of_service:
            return (
                tr(N_("Out of service")),
                tr(N_("This kiosk is not in use just now. Please ask the staff for help.")),
            )
        when = opening_text(service.opens_at, datetime.now().date(), tr)
        return tr(N_("Closed")), when or tr(N_("This kiosk is closed just now."))

    def prompt(self) -> str:
        title, sentence = self.texts()
        return f"{title}. {sentence}"

    def build(self) -> Widget:
        app = self.app
        title, sentence = self.texts()
        root = self.greeting(title, sentence, ClockIllustration(size_hint=(None, 1), width=dp(150)))
        choices = self.column(spacing=6)
        choices.add_widget(app.accessibility_row())
        choices.add_widget(self.language_choice())
        root.add_widget(choices)
        return root


class _KeypadScreen(KioskScreen):
    """A column of words beside the keypad; what is typed shown under the words.

    Every keypad screen reads the same way: what went wrong last time (if anything), the
    prompt, a few words more, and Cancel at the bottom; a screen fills in only those parts.
    """

    max_digits = 20
    title = ""  # marked with N_, translated when the screen is built
    secret = False  # a PIN or a code: shown as dots while typed

    def __init__(self, app: object) -> None:
        super().__init__(app)  # type: ignore[arg-type]
        self.typed = ""

    def on_pre_enter(self, *_: object) -> None:
        self.typed = ""

    def shown(self) -> str:
        return "●" * len(self.typed) if self.secret else self.typed

    def submit(self, typed: str) -> None:
        raise NotImplementedError

    def key(self, key: str) -> None:
        if key == "erase":
            self.typed = self.typed[:-1]
        elif key == "ok":
            if self.typed:
                typed, self.typed = self.typed, ""
                self.submit(typed)
        elif len(self.typed) < self.max_digits:
            self.typed += key
        self.display.logical = self.shown() or " "

    def trouble(self) -> Widget | None:
        """The notice above the prompt after a refusal; None while nothing went wrong."""
        return None

    def above_prompt(self) -> Widget | None:
        """What stands above the prompt while there is no trouble to tell."""
        return None

    def below_prompt(self) -> list[Widget]:
        return []

    def buttons(self) -> list[KButton]:
        """The footer's buttons before Cancel."""
        return []

    def build(self) -> Widget:
        tr = self.app.tr
        words = self.column(8)
        top = self.trouble() or self.above_prompt()
        if top is not None:
            words.add_widget(top)
        words.add_widget(self.label(self.prompt()))
        for widget in self.below_prompt():
            words.add_widget(widget)
        cancel = self.button(tr(N_("Cancel")), self.app.cancel)
        return self.frame(
            tr(self.title), self.keypad_body(words), self.footer(*self.buttons(), cancel)
        )

    def keypad_body(self, words: Widget) -> BoxLayout:
        tr = self.app.tr
        field = Card()
        self.display = self.label(self.shown() or " ", "title", "surface_text", align="center")
        field.add_widget(self.display)
        left = BoxLayout(orientation="vertical", spacing=dp(6))
        left.add_widget(self.scroll(words))
        left.add_widget(field)
        pad = Keypad(self.key, ok_label=tr(N_("OK")), erase_label="⌫")
        return self.row_fill([left, pad])

    def row_fill(self, widgets: list[Widget]) -> BoxLayout:
        box = BoxLayout(orientation="horizontal", spacing=dp(14))
        for widget in reversed(widgets) if self.app.rtl else widgets:
            box.add_widget(widget)
        return box

    def pin_help(self) -> Widget:
        """Where a new PIN is got: the library's words, or a general sentence."""
        return self.label(self.app.pin_help_text(), "small", "surface_text")


class IdentifyScreen(_KeypadScreen):
    kind = Screen.IDENTIFY
    topics = frozenset({"identify"})
    title = N_("Show your library card")

    def prompt(self) -> str:
        return self.app.tr(
            N_(
                "Place your library card on the reader or scan its barcode. You can also type the number."  # noqa: E501 - one catalog message
            )
        )

    def submit(self, typed: str) -> None:
        self.app.identify(typed)

    def trouble(self) -> Widget | None:
        state, tr = self.app.presenter.state, self.app.tr
        error = state.identify_error
        if error is None:
            return None
        more: list[Widget] = []
        if state.identify_messages:
            more.append(self.library_note(state.identify_messages))
        if error in _PIN_TROUBLE:
            more.append(self.pin_help())
        return self.notice(SYMBOLS["problem"], reason_text(error, tr), "problem", *more)

    def above_prompt(self) -> Widget:
        return CardIllustration(size_hint=(1, None), height=dp(90))


class PinScreen(_KeypadScreen):
    kind = Screen.PIN
    topics = frozenset({"pin"})
    title = N_("Type your PIN")
    max_digits = 12
    secret = True

    def prompt(self) -> str:
        return self.app.tr(N_("Type your PIN and press OK."))

    def submit(self, typed: str) -> None:
        self.app.enter_pin(typed)

    def trouble(self) -> Widget | None:
        left, tr = self.app.presenter.state.pin_attempts_left, self.app.tr
        if left is None:
            return None
        return self.notice(
            SYMBOLS["problem"],
            tr(N_("The PIN is not right. Please try again."))
            + " "
            + tr.plural(NP_("{n} try left.", "{n} tries left."), left),
            "problem",
        )

    def below_prompt(self) -> list[Widget]:
        card, tr = self.app.presenter.state.masked_card, self.app.tr
        return [self.label(tr(N_("Card {card}"), card=card), "small", "muted_text")] if card else []

    def buttons(self) -> list[KButton]:
        return [self.button(self.app.tr(N_("Forgot your PIN?")), self.app.show_pin_help, "quiet")]
