"""The kiosk core: patron sessions, whole-stack borrowing, returns and routing, the account,
receipts, staff tools and statistics. Plain Python + asyncio; no Kivy, no hardware libraries.

Screens see the core only through its port (:mod:`kiosk.core.port`): :class:`KioskPort` at a
patron kiosk (a :class:`Kiosk`, built by ``kiosk.assembly.open_kiosk(config)``), and
:class:`ScreenPort` at the return station's display (a :class:`StationScreen`). Commands go in,
typed events (:mod:`kiosk.core.events`) come out::

    from kiosk.core import KioskPort, Mode, Reason, ReceiptChoice, events

    unsubscribe = port.subscribe(on_event)          # on_event(event) on the asyncio loop
    await port.identify("2150000001"); await port.enter_pin("1234")
    await port.start_borrow()                        # the pad lends what lies on it

Which command each mode takes is one table, :data:`kiosk.core.modes.RULES`; a command refused
there changes nothing and is answered with :class:`CommandRefused`. Every other refusal carries
a :class:`Reason` (translate it) and the library system's own texts (``messages``, show them as
they are). Views for the screens (:class:`AccountView`, :class:`StaffStatus`,
:class:`TagReading`...) are plain frozen dataclasses in :mod:`kiosk.core.model`.

Inside, every loan, return and renewal is the one journalled transaction
(:mod:`kiosk.core.transaction`: journal, library system, journal, then the tag), made by
:class:`LoanService`, :class:`ReturnService` and :class:`RenewalService`. The unattended return
station (:class:`ReturnStation`, built by ``kiosk.station_assembly.open_return_station``) checks
items in through the same :class:`ReturnService`, sorts them by :func:`sort_item` and keeps a
:class:`StationLedger` of every item; staff tools (:class:`StaffDesk`) and printing
(:class:`Printing`) are shared by both.
"""

from kiosk.core import events, model, station_events
from kiosk.core.events import *  # noqa: F403 (the events and their enums, listed in events.__all__)
from kiosk.core.kiosk import EventStream, Kiosk
from kiosk.core.loans import LoanDone, LoanOutcome, LoanService
from kiosk.core.model import *  # noqa: F403 (the screens' views, listed in model.__all__)
from kiosk.core.modes import RULES, Command, allowed
from kiosk.core.pad import PadTag
from kiosk.core.port import EventSource, KioskPort, PatronCommands, ScreenPort, StaffCommands
from kiosk.core.printing import Printing
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
from kiosk.core.renewals import RenewalDone, RenewalService
from kiosk.core.returns import ReturnDone, ReturnService
from kiosk.core.routing import decide_return
from kiosk.core.settings import KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.core.sorting import SortDecision, SortFacts, sort_item
from kiosk.core.staff import StaffDesk
from kiosk.core.station import ReturnStation, StationSettings
from kiosk.core.station_bins import StationBin
from kiosk.core.station_ledger import StationLedger
from kiosk.core.statistics import Statistics
from kiosk.core.transaction import Transactions

__all__ = [
    "RULES",
    "Command",
    "EventSource",
    "EventStream",
    "Kiosk",
    "KioskPort",
    "KioskSettings",
    "LoanDone",
    "LoanOutcome",
    "LoanService",
    "PadTag",
    "PatronCommands",
    "PinPolicy",
    "Printing",
    "Receipt",
    "ReceiptChoice",
    "ReceiptEntry",
    "ReceiptSender",
    "RenewalDone",
    "RenewalService",
    "ReturnDone",
    "ReturnService",
    "ReturnStation",
    "ScreenPort",
    "SecurityMethod",
    "SecuritySettings",
    "SmtpReceiptSender",
    "SortDecision",
    "SortFacts",
    "StaffCommands",
    "StaffDesk",
    "StationBin",
    "StationLedger",
    "StationSettings",
    "Statistics",
    "Transactions",
    "allowed",
    "decide_return",
    "events",
    "mask_card",
    "receipt_document",
    "receipt_text",
    "sort_item",
    "station_events",
]
__all__ += model.__all__
__all__ += events.__all__
