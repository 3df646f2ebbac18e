"""The kiosk core: patron sessions, whole-stack borrowing, returns and routing, the account,
receipts and statistics. Plain Python + asyncio; no Kivy, no hardware libraries.

The UI drives one :class:`Kiosk` (built by ``kiosk.assembly.open_kiosk(config)``, an async
context manager yielding ``RunningKiosk.kiosk``) and renders its events. Everything the UI
needs is importable from here::

    from kiosk.core import Kiosk, Mode, Reason, ReceiptChoice, events

    unsubscribe = kiosk.subscribe(on_event)          # on_event(event) on the asyncio loop
    async for event in kiosk.events(): ...           # or as an async iterator

Commands (all ``async`` unless marked; they return quickly, results arrive as events):

    identify(card)            card number from scanner/keyboard (RFID library cards on the pad and
                              PC/SC cards are picked up by the kiosk itself)
    identify_card_uid(uid)    a PC/SC card UID (bytes); staff cards open staff mode
    enter_pin(pin)
    start_borrow()            the pad lends what lies on it and whatever is added
    start_return()            returns; needs no identification
    show_account() -> AccountView | None   (also emitted as AccountShown)
    renew(item_ids) / renew_all()
    acknowledge_fee(item_id, accept)
    retry()                   the items refused because the library system was unavailable
    finish()                  -> ReceiptReady (mode RECEIPT) when there is something to print,
                                 else the session ends
    choose_receipt(ReceiptChoice.PRINT | EMAIL | NONE, email=None)  then the session ends
    end_session(EndReason.PATRON)
    staff_enter(code) -> bool / staff_exit() / staff_status() -> StaffStatus
    staff_resolve(entry_id, note) / staff_print_test() -> bool   (staff mode only)
    touch()                   (sync) the patron touched the screen: restart the inactivity timer
    set_language(code)        (sync) the UI language, for statistics and receipts
    pad_contents()            (sync) what lies on the pad, decoded (staff reader test)

State: ``kiosk.mode`` (:class:`Mode`), ``kiosk.library_system_online``.

Events (``kiosk.core.events``; all frozen dataclasses with an ``at`` timestamp):
    ModeChanged, SessionStarted, SessionEnded, PinRequired, PinRefused, IdentifyRefused,
    ActionRefused (a command refused, the session goes on: account while offline...),
    InactivityWarning, LibrarySystemStatus, ScreenMessages, StaffModeEntered, StaffModeRefused,
    ItemSeen, ItemChecking, ItemBorrowed, ItemRenewed, ItemRefused, SecurityNotCleared,
    IncompleteSet, FeeAcknowledgementNeeded, ItemReturned, AccountShown,
    ReceiptReady, ReceiptDelivered, ReceiptFailed.
Every refusal carries a :class:`Reason` (translate it) and the library system's own texts
(``messages``, show them as they are).

The return station reuses the one check-in path: :class:`ReturnService` (``check_in(item_id,
tags)`` -> :class:`ReturnDone` with the :class:`ReturnOutcome` and the check-in facts; journal,
offline policy, re-arming and routing included). A :class:`Kiosk` has one as ``kiosk.returns``,
and its loans go through :class:`LoanService` (``kiosk.loans``) the same way.

The unattended return station is :class:`ReturnStation` (built by
``kiosk.station_assembly.open_return_station(config)``): chute -> identify -> the same
``ReturnService.check_in`` -> :func:`sort_item` (the configured rules over :class:`SortFacts`,
giving a :class:`SortDecision`) -> a bin of the sorter, with a :class:`StationLedger` of every
item; it emits the item events above plus ``kiosk.core.station_events``.
"""

from kiosk.core import events, station_events
from kiosk.core.events import (
    AccountShown,
    Action,
    ActionRefused,
    EndReason,
    FeeAcknowledgementNeeded,
    IdentifyRefused,
    InactivityWarning,
    IncompleteSet,
    ItemBorrowed,
    ItemChecking,
    ItemRefused,
    ItemRenewed,
    ItemReturned,
    ItemSeen,
    KioskEvent,
    LibrarySystemStatus,
    Mode,
    ModeChanged,
    PinRefused,
    PinRequired,
    Reason,
    ReceiptDelivered,
    ReceiptFailed,
    ReceiptReady,
    ScreenMessages,
    SecurityNotCleared,
    SessionEnded,
    SessionStarted,
    StaffModeEntered,
    StaffModeRefused,
)
from kiosk.core.kiosk import EventStream, Kiosk, StaffStatus
from kiosk.core.loans import LoanDone, LoanOutcome, LoanService
from kiosk.core.model import (
    AccountView,
    FeeView,
    HoldPlace,
    HoldSlip,
    HoldView,
    LoanView,
    ReturnKind,
    ReturnOutcome,
    TransferKind,
)
from kiosk.core.pad import PadTag
from kiosk.core.receipts import (
    Receipt,
    ReceiptChoice,
    ReceiptEntry,
    ReceiptSender,
    SmtpReceiptSender,
    mask_card,
    receipt_document,
    receipt_text,
)
from kiosk.core.returns import ReturnDone, ReturnService
from kiosk.core.routing import decide_return
from kiosk.core.settings import KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.core.sorting import SortDecision, SortFacts, sort_item
from kiosk.core.station import ReturnStation, StationSettings
from kiosk.core.station_bins import StationBin
from kiosk.core.station_ledger import StationLedger
from kiosk.core.statistics import Statistics

__all__ = [
    "AccountShown",
    "AccountView",
    "Action",
    "ActionRefused",
    "EndReason",
    "EventStream",
    "FeeAcknowledgementNeeded",
    "FeeView",
    "HoldPlace",
    "HoldSlip",
    "HoldView",
    "IdentifyRefused",
    "InactivityWarning",
    "IncompleteSet",
    "ItemBorrowed",
    "ItemChecking",
    "ItemRefused",
    "ItemRenewed",
    "ItemReturned",
    "ItemSeen",
    "Kiosk",
    "KioskEvent",
    "KioskSettings",
    "LibrarySystemStatus",
    "LoanDone",
    "LoanOutcome",
    "LoanService",
    "LoanView",
    "Mode",
    "ModeChanged",
    "PadTag",
    "PinPolicy",
    "PinRefused",
    "PinRequired",
    "Reason",
    "Receipt",
    "ReceiptChoice",
    "ReceiptDelivered",
    "ReceiptEntry",
    "ReceiptFailed",
    "ReceiptReady",
    "ReceiptSender",
    "ReturnDone",
    "ReturnKind",
    "ReturnOutcome",
    "ReturnService",
    "ReturnStation",
    "ScreenMessages",
    "SecurityMethod",
    "SecurityNotCleared",
    "SecuritySettings",
    "SessionEnded",
    "SessionStarted",
    "SmtpReceiptSender",
    "SortDecision",
    "SortFacts",
    "StaffModeEntered",
    "StaffModeRefused",
    "StaffStatus",
    "StationBin",
    "StationLedger",
    "StationSettings",
    "Statistics",
    "TransferKind",
    "decide_return",
    "events",
    "mask_card",
    "receipt_document",
    "receipt_text",
    "sort_item",
    "station_events",
]
