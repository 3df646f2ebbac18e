"""What the screen should show, decided from the core's events, without Kivy.

Why a presenter: the core streams typed events (``kiosk.core.events``); the screens need a
current picture (which screen, the items on the pad with their states, the account, the receipt,
the countdown). Folding events into :class:`UiState` here keeps that logic plain Python and
testable without a window, and lets the Kivy screens be thin: they redraw what changed.

Listeners get the *topic* that changed ("screen", "items", "account", "warning", "status",
"messages", "receipt", "staff", "identify", "pin", "fee", "returns"), never the raw event.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from kiosk.core import AccountView, Action, EndReason, Mode, Reason, Receipt, ReturnOutcome
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
    RETURNED = "returned"


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

    def clear_session(self) -> None:
        """Forget everything about the last patron and show the welcome screen."""
        self.state = UiState()
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
                if mode is Mode.IDLE:
                    if s.screen not in (Screen.GOODBYE, Screen.IDENTIFY, Screen.STAFF_LOGIN):
                        s.screen = Screen.WELCOME
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
                if s.screen is Screen.PIN or s.screen is Screen.WELCOME:
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
            case ev.SessionEnded(reason=reason):
                self.state = UiState(screen=Screen.GOODBYE, end_reason=reason)
                if reason in (EndReason.STAFF, EndReason.SHUTDOWN):
                    self.state.screen = Screen.WELCOME
                self._changed("screen", "items", "account", "warning", "messages", "receipt")
            case ev.InactivityWarning(seconds_left=left):
                s.warning_seconds = left
                self._changed("warning")
            case ev.LibrarySystemStatus(online=online, offline_mode=offline_mode):
                self.online = online
                self.offline_mode = offline_mode
                self._changed("status")
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
                    self._update(
                        refused.item_id,
                        refused.action,
                        state=ItemState.REFUSED,
                        reason=refused.reason,
                        title=refused.title,
                        messages=refused.messages,
                        retry_possible=refused.retry_possible,
                    )
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
                    state=ItemState.RETURNED,
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
                s.receipt_result = None
                self._changed("receipt")
            case ev.ReceiptDelivered(how=how):
                s.receipt_result = how
                self._changed("receipt")
            case ev.ReceiptFailed():
                s.receipt_result = "failed"
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
