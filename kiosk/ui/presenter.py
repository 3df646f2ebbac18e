"""What the screen should show, decided from the core's events, without Kivy.

Why a presenter: the core streams typed events (``kiosk.core.events``); the screens need a
current picture (which screen, the items on the pad with their states, the account, the receipt,
the countdown). Folding events into :class:`UiState` here keeps that logic plain Python and
testable without a window, and lets the Kivy screens be thin: they redraw what changed.

Listeners get the *topic* that changed ("screen", "items", "account", "warning", "status",
"messages", "receipt", "staff", "identify", "pin", "fee", "left", "finish", "returns"),
never the raw event.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.core import (
    AccountView,
    Action,
    EndReason,
    ItemRef,
    Mode,
    PrinterState,
    Reason,
    Receipt,
    ReturnKind,
    ReturnOutcome,
)
from kiosk.core import events as ev

__all__ = ["ItemRow", "ItemState", "Presenter", "Screen", "UiState"]


class Screen(enum.Enum):
    WELCOME = "welcome"
    IDENTIFY = "identify"
    PIN = "pin"
    MENU = "menu"
    BORROW = "borrow"
    RETURN = "return"
    ACCOUNT = "account"
    RECEIPT = "receipt"
    GOODBYE = "goodbye"
    STAFF_LOGIN = "staff_login"
    STAFF = "staff"
    RETURN_STATION = "return_station"
    CLOSED = "closed"  # outside opening hours, or out of service: staff only


_MODE_SCREENS = {
    Mode.PIN: Screen.PIN,
    Mode.MENU: Screen.MENU,
    Mode.BORROW: Screen.BORROW,
    Mode.RETURN: Screen.RETURN,
    Mode.ACCOUNT: Screen.ACCOUNT,
    Mode.RECEIPT: Screen.RECEIPT,
    Mode.STAFF: Screen.STAFF,
}


class ItemState(enum.Enum):
    SEEN = "seen"
    CHECKING = "checking"
    BORROWED = "borrowed"
    RENEWED = "renewed"
    REFUSED = "refused"
    SECURITY = "security"  # loan/return stands, place it on the pad again
    INCOMPLETE = "incomplete"
    FEE = "fee"  # waiting for the patron to accept a fee
    LEFT = "left"  # lay on the pad before the visit: waiting for the patron's word
    STAFF = "staff"  # lent, security tag still on: the patron takes it to the staff
    RETURNED = "returned"
    LEFT_FOR_STAFF = "left_for_staff"  # not taken back (unknown, refused): for the staff


#: Return outcomes that are not a return: the library system did not take the item back.
_NOT_TAKEN = frozenset({"checkin_refused", "tag_unreadable"})


def _return_state(outcome: ReturnOutcome) -> ItemState:
    if outcome.kind is ReturnKind.EXCEPTION and outcome.exception_reason in _NOT_TAKEN:
        return ItemState.LEFT_FOR_STAFF
    return ItemState.RETURNED


@dataclass(frozen=True, slots=True)
class ItemRow:
    """One item on the borrow or return list, in its latest state."""

    item_id: str
    action: Action
    state: ItemState
    title: str = ""
    due_date: datetime | None = None
    reason: Reason | None = None
    messages: tuple[str, ...] = ()
    outcome: ReturnOutcome | None = None
    offline: bool = False
    parts: int = 1
    present: tuple[int, ...] = ()
    missing: tuple[int, ...] = ()
    fee_amount: str | None = None
    fee_currency: str | None = None
    retry_possible: bool = False  # refused only because the library system did not answer


@dataclass(slots=True)
class UiState:
    """Everything the screens draw. Reset to a fresh instance when a session ends (privacy)."""

    screen: Screen = Screen.WELCOME
    intent: Action | None = None  # what the patron chose on the welcome screen
    items: dict[str, ItemRow] = field(default_factory=dict)  # insertion order = pad order
    account: AccountView | None = None
    receipt: Receipt | None = None
    receipt_print: bool = False
    receipt_email: bool = False
    receipt_result: str | None = None  # "print" | "email" | "failed"
    receipt_failed: tuple[str, ...] = ()  # how it failed in this visit: "print", "email"
    receipt_printer: PrinterState | None = None  # why "print" is not offered
    messages: tuple[str, ...] = ()
    identify_error: Reason | None = None
    identify_messages: tuple[str, ...] = ()
    pin_attempts_left: int | None = None
    display_name: str = ""
    masked_card: str = ""
    can_borrow: bool = True
    borrow_refusal: Reason | None = None
    warning_seconds: int | None = None
    end_reason: EndReason | None = None
    items_on_pad: int = 0  # lent in the visit and still on the pad at its end
    finish_held: tuple[ItemRef, ...] = ()  # "finish" waits: these loans' tags are still on
    sent_to_staff: ev.SentToStaff | None = None
    staff_refused: bool = False
    #: Answers to renewals asked from the account screen, by item.
    renewals: dict[str, ev.ItemRenewed | ev.ItemRefused] = field(default_factory=dict)


Listener = Callable[[str], None]


class Presenter:
    """Folds core events into a :class:`UiState` and tells listeners what changed.

    The online/offline status survives sessions (it is about the kiosk, not the patron); all
    patron data is dropped on :class:`~kiosk.core.events.SessionEnded`.
    """

    def __init__(self) -> None:
        self.state = UiState()
        self.online = True
        self.offline_mode = False
        self.language: str | None = None  # set from SessionStarted when the library knows it
        #: Whether the kiosk serves patrons now (about the kiosk: it survives sessions).
        self.service = ev.ServiceChanged(open=True)
        self._listeners: list[Listener] = []

    # ------------------------------------------------------------------------ subscriptions

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def notify(self, topic: str) -> None:
        """Tell listeners that ``topic`` changed outside the core's events (e.g. staff status)."""
        self._changed(topic)

    def _changed(self, *topics: str) -> None:
        for topic in topics:
            for listener in list(self._listeners):
                listener(topic)

    # ---------------------------------------------------------------------- local choices

    def go(self, screen: Screen, intent: Action | None = None) -> None:
        """A purely local navigation (e.g. welcome -> identify): no core command involved."""
        self.state.screen = screen
        if intent is not None:
            self.state.intent = intent
        self._changed("screen")

    @property
    def home(self) -> Screen:
        """Where the screen rests between visits: the welcome screen, or the closed one."""
        return Screen.WELCOME if self.service.open else Screen.CLOSED

    def follow_service(self, service: ev.ServiceChanged) -> None:
        """The kiosk opened or closed (or the screen starts and asks): between visits the
        screen shows it at once; a goodbye or a staff screen is left to finish first."""
        self.service = service
        s, home = self.state, self.home
        if s.screen in (Screen.WELCOME, Screen.IDENTIFY, Screen.CLOSED) and s.screen is not home:
            s.screen = home
            self._changed("screen")
        self._changed("service")

    def clear_session(self) -> None:
        """Forget everything about the last patron and show the welcome (or closed) screen."""
        self.state = UiState(screen=self.home)
        self._changed("screen", "items", "account", "warning", "messages", "receipt")

    def dismiss_warning(self) -> None:
        self.state.warning_seconds = None
        self._changed("warning")

    # ---------------------------------------------------------------------------- events

    def apply(self, event: ev.KioskEvent) -> None:
        """Update the state for one core event and notify listeners."""
        s = self.state
        match event:
            case ev.ModeChanged(mode=mode):
                if mode.between_visits:
                    if s.screen not in (Screen.GOODBYE, Screen.IDENTIFY, Screen.STAFF_LOGIN):
                        s.screen = self.home
                else:
                    s.screen = _MODE_SCREENS.get(mode, s.screen)
                if mode in (Mode.BORROW, Mode.RETURN):
                    s.items = {}
                    self._changed("items")
                s.warning_seconds = None
                self._changed("screen", "warning")
            case ev.PinRequired(masked_card=masked):
                s.masked_card = masked
                s.pin_attempts_left = None
                s.screen = Screen.PIN
                self._changed("pin", "screen")
            case ev.PinRefused(attempts_left=left):
                s.pin_attempts_left = left
                self._changed("pin")
            case ev.IdentifyRefused(reason=reason, messages=messages):
                s.identify_error = reason
                s.identify_messages = messages
                if s.screen is not Screen.IDENTIFY:
                    s.screen = Screen.IDENTIFY
                    self._changed("screen")
                self._changed("identify")
            case ev.SessionStarted() as started:
                s.display_name = started.display_name
                s.masked_card = started.masked_card
                s.can_borrow = started.can_borrow
                s.borrow_refusal = started.borrow_refusal
                s.messages = started.messages
                s.identify_error = None
                self.language = started.language
                self._changed("identify", "messages", "session")
            case ev.SessionEnded(reason=reason, items_on_pad=on_pad):
                self.state = UiState(screen=Screen.GOODBYE, end_reason=reason, items_on_pad=on_pad)
                if reason in (EndReason.STAFF, EndReason.SHUTDOWN):
                    self.state.screen = self.home
                elif reason is EndReason.REFUSED:
                    # The reason stays on screen until the patron moves on (types again,
                    # cancels, or walks away): it used to flash for one frame before "ask
                    # the staff".
                    self.state.screen = Screen.IDENTIFY
                    self.state.identify_error = s.identify_error
                    self.state.identify_messages = s.identify_messages
                    self.state.masked_card = s.masked_card
                self._changed(
                    "screen", "items", "account", "warning", "messages", "receipt", "identify"
                )
            case ev.FinishHeld(items=items):
                s.finish_held = items
                self._changed("finish")
            case ev.SentToStaff() as sent:
                s.sent_to_staff = sent
                s.finish_held = ()
                for ref in sent.items:
                    if ref.item_id in s.items:
                        self._update(ref.item_id, Action.BORROW, state=ItemState.STAFF)
                self._changed("finish")
            case ev.ItemLeftOnPad(item_id=item_id, title=title):
                self._update(item_id, Action.BORROW, state=ItemState.LEFT, title=title)
                self._changed("left")
            case ev.ItemDescribed(item_id=item_id, title=title):
                if item_id in s.items:
                    self._update(item_id, s.items[item_id].action, title=title)
            case ev.InactivityWarning(seconds_left=left):
                s.warning_seconds = left
                self._changed("warning")
            case ev.LibrarySystemStatus(online=online, offline_mode=offline_mode):
                self.online = online
                self.offline_mode = offline_mode
                self._changed("status")
            case ev.ServiceChanged() as service:
                self.follow_service(service)
            case ev.ScreenMessages(messages=messages):
                s.messages = messages
                self._changed("messages")
            case ev.StaffModeEntered():
                s.staff_refused = False
                s.screen = Screen.STAFF
                self._changed("screen", "staff")
            case ev.StaffModeRefused():
                s.staff_refused = True
                self._changed("staff")
            case ev.ItemSeen(item_id=item_id, action=action, title=title, parts=parts):
                old = s.items.get(item_id)
                if old is None or old.state in (ItemState.SECURITY, ItemState.INCOMPLETE):
                    s.items[item_id] = ItemRow(
                        item_id,
                        action,
                        ItemState.SEEN,
                        title=title or (old.title if old else ""),
                        parts=parts,
                    )
                    self._changed("items")
            case ev.ItemChecking(item_id=item_id, action=action):
                self._update(item_id, action, state=ItemState.CHECKING)
            case ev.ItemBorrowed() as done:
                if any(ref.item_id == done.item_id for ref in s.finish_held):
                    s.finish_held = tuple(r for r in s.finish_held if r.item_id != done.item_id)
                    self._changed("finish")
                self._update(
                    done.item_id,
                    Action.BORROW,
                    state=ItemState.RENEWED if done.renewed else ItemState.BORROWED,
                    title=done.title,
                    due_date=done.due_date,
                    offline=done.offline,
                    messages=done.messages,
                    reason=None,
                )
            case ev.ItemRenewed() as renewed:
                s.renewals[renewed.item_id] = renewed
                self._changed("account")
                if renewed.item_id in s.items:
                    self._update(
                        renewed.item_id,
                        Action.RENEW,
                        state=ItemState.RENEWED,
                        due_date=renewed.due_date,
                        messages=renewed.messages,
                    )
            case ev.ItemRefused() as refused:
                if refused.action is Action.RENEW:
                    s.renewals[refused.item_id] = refused
                    self._changed("account")
                if refused.action is not Action.RENEW or refused.item_id in s.items:
                    was_left = (row := s.items.get(refused.item_id)) and row.state is ItemState.LEFT
                    self._update(
                        refused.item_id,
                        refused.action,
                        state=ItemState.REFUSED,
                        reason=refused.reason,
                        title=refused.title,
                        messages=refused.messages,
                        retry_possible=refused.retry_possible,
                    )
                    if was_left:
                        self._changed("left")
            case ev.SecurityNotCleared(item_id=item_id, action=action, title=title):
                self._update(item_id, action, state=ItemState.SECURITY, title=title)
            case ev.IncompleteSet() as incomplete:
                self._update(
                    incomplete.item_id,
                    Action.BORROW if s.screen is not Screen.RETURN else Action.RETURN,
                    state=ItemState.INCOMPLETE,
                    title=incomplete.title,
                    parts=incomplete.parts,
                    present=incomplete.present,
                    missing=incomplete.missing,
                    reason=Reason.INCOMPLETE_SET,
                )
            case ev.FeeAcknowledgementNeeded() as fee:
                self._update(
                    fee.item_id,
                    Action.BORROW,
                    state=ItemState.FEE,
                    title=fee.title,
                    fee_amount=fee.amount,
                    fee_currency=fee.currency,
                    messages=fee.messages,
                )
                self._changed("fee")
            case ev.ItemReturned() as returned:
                self._update(
                    returned.item_id,
                    Action.RETURN,
                    state=_return_state(returned.outcome),
                    title=returned.title,
                    outcome=returned.outcome,
                    offline=returned.offline,
                )
                self._changed("returns")
            case ev.AccountShown(account=account):
                s.account = account
                self._changed("account")
            case ev.ReceiptReady() as ready:
                s.receipt = ready.receipt
                s.receipt_print = ready.print_available
                s.receipt_email = ready.email_available
                s.receipt_printer = ready.printer
                self._changed("receipt")
            case ev.ReceiptDelivered(how=how):
                s.receipt_result = how
                self._changed("receipt")
            case ev.ReceiptFailed(how=how):
                s.receipt_result = "failed"
                s.receipt_failed = (*s.receipt_failed, how)
                self._changed("receipt")
            case _:
                pass

    def _update(self, item_id: str, action: Action, **changes: object) -> None:
        rows = self.state.items
        old = rows.get(item_id) or ItemRow(item_id, action, ItemState.SEEN)
        if not changes.get("title"):
            changes.pop("title", None)
        rows[item_id] = replace(old, **changes)  # type: ignore[arg-type]
        self._changed("items")

    # --------------------------------------------------------------------------- queries

    def answered(self, item_ids: list[str]) -> None:
        """The patron answered a question about these items (a fee, items left on the pad):
        they are being dealt with until the kiosk says how it went."""
        for item_id in item_ids:
            if item_id in self.state.items:
                self._update(item_id, self.state.items[item_id].action, state=ItemState.CHECKING)

    def forget_finish_question(self) -> None:
        """The patron chose to place the items again: the question goes until asked again."""
        self.state.finish_held = ()
        self._changed("finish")

    @property
    def left_items(self) -> list[ItemRow]:
        """Items left on the pad before the visit, waiting for the patron's word."""
        return [r for r in self.state.items.values() if r.state is ItemState.LEFT]

    @property
    def pending_fee(self) -> ItemRow | None:
        """The first item waiting for the patron to accept or decline a fee."""
        return next((r for r in self.state.items.values() if r.state is ItemState.FEE), None)

    @property
    def can_retry(self) -> bool:
        """Some items wait on the retry list (the library system did not answer)."""
        return any(
            r.retry_possible and r.state is ItemState.REFUSED for r in self.state.items.values()
        )

    def counts(self) -> dict[ItemState, int]:
        found: dict[ItemState, int] = {}
        for row in self.state.items.values():
            found[row.state] = found.get(row.state, 0) + 1
        return found
