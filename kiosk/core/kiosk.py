"""The kiosk facade: the one object the UI drives, and the pipelines behind it.

The UI calls commands (``identify``, ``enter_pin``, ``start_borrow``...) and listens to typed
events (:mod:`kiosk.core.events`) through :meth:`Kiosk.subscribe` or :meth:`Kiosk.events`.
Everything runs on one asyncio loop; commands return quickly and the work they start (checkouts
through the pooled port, security writes) reports through events.

The transactions themselves are made by :class:`~kiosk.core.loans.LoanService` and
:class:`~kiosk.core.returns.ReturnService` in the journal's order (written before any security
change)::

    journal.begin -> port.checkout/checkin -> journal.record_result(security target)
        -> change the tag, read it back -> journal.security_done / security_failed

When the library system is unavailable (or offline transactions still wait for replay) the
offline policy decides; an accepted transaction goes to the journal as OFFLINE first and the
replayer sends it later. This module decides *when* (pad arrivals, sets, modes, the patron's
answers) and tells the screen what happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
from collections.abc import Callable, Coroutine, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from drivers.cards.contract import BarcodeScanner, CardReader
from drivers.printer.contract import PrinterError, PrinterStatus, ReceiptPrinter
from drivers.rfid.contract import RfidReader
from drivers.tags import Usage
from kiosk.core import events as ev
from kiosk.core.account import account_view, money
from kiosk.core.bus import EventCallback, EventHub, EventStream
from kiosk.core.events import Action, EndReason, Mode, Reason
from kiosk.core.loans import LoanOutcome, LoanService
from kiosk.core.model import (
    AccountView,
)
from kiosk.core.pad import PadTag, PadWatcher, SharedReader
from kiosk.core.receipts import (
    Receipt,
    ReceiptChoice,
    ReceiptEntry,
    ReceiptSender,
    mask_card,
    receipt_document,
)
from kiosk.core.returns import ReturnService
from kiosk.core.routing import exception_outcome
from kiosk.core.security import SecurityWriter
from kiosk.core.session import ItemState, Session, TrackedItem
from kiosk.core.settings import KioskSettings, PinPolicy
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import Entry, EntryKind, Journal, ReconciliationItem
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import (
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
    Patron,
    PatronAccount,
    PatronBlock,
)

__all__ = ["EventStream", "Kiosk", "StaffStatus"]

log = logging.getLogger(__name__)


#: Tag usages the kiosk never lends (the library decides about the rest).
_NEVER_LENT = frozenset({Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED, Usage.LIBRARY_EQUIPMENT})

#: Patron blocks -> the reason the UI shows, most specific first.
_BLOCK_REASONS: tuple[tuple[PatronBlock, Reason], ...] = (
    (PatronBlock.CARD_LOST, Reason.CARD_LOST),
    (PatronBlock.EXCESSIVE_FEES, Reason.EXCESSIVE_FEES),
    (PatronBlock.EXCESSIVE_FINES, Reason.EXCESSIVE_FEES),
    (PatronBlock.TOO_MANY_BILLED, Reason.EXCESSIVE_FEES),
    (PatronBlock.TOO_MANY_OVERDUE, Reason.TOO_MANY_OVERDUE),
    (PatronBlock.RECALL_OVERDUE, Reason.RECALL_OVERDUE),
    (PatronBlock.TOO_MANY_LOST, Reason.TOO_MANY_LOST),
    (PatronBlock.TOO_MANY_CHARGED, Reason.TOO_MANY_ITEMS),
    (PatronBlock.CHARGE_DENIED, Reason.PATRON_BLOCKED),
)


@dataclass(frozen=True, slots=True)
class StaffStatus:
    """What the staff screen shows. No patron data."""

    library_system_online: bool
    reader_ok: bool
    printer: PrinterStatus | None
    offline_queue: int
    reconciliation: tuple[ReconciliationItem, ...]  # masked patron numbers only


class Kiosk:
    """One self-service kiosk: a session at a time, a pad, a library system.

    Build it with :func:`kiosk.assembly.open_kiosk` from a config, or directly in tests. Use as
    ``async with kiosk:`` (or ``await start()`` / ``await stop()``); it does not open or close
    the devices and the port passed in, their owner does.
    """

    def __init__(
        self,
        *,
        ils: LibrarySystem,
        reader: RfidReader | None,
        settings: KioskSettings | None = None,
        journal: Journal | None = None,
        offline_policy: OfflinePolicy | None = None,
        statistics: Statistics | None = None,
        card_reader: CardReader | None = None,
        scanner: BarcodeScanner | None = None,
        printer: ReceiptPrinter | None = None,
        receipt_sender: ReceiptSender | None = None,
        replay_interval_s: float = 5.0,
    ) -> None:
        self.settings = settings or KioskSettings()
        self.ils = ils
        self.journal = journal if journal is not None else Journal(":memory:")
        self.offline_policy = offline_policy or OfflinePolicy()
        self.statistics = statistics
        self.card_reader = card_reader
        self.scanner = scanner
        self.printer = printer
        self.receipt_sender = receipt_sender
        self.replay_interval_s = replay_interval_s
        self._reader = SharedReader(reader) if reader is not None else None
        self.security = (
            SecurityWriter(self._reader, self.settings.security) if self._reader else None
        )
        self.pad: PadWatcher | None = None
        if self._reader is not None:
            self.pad = PadWatcher(
                self._reader,
                interval_s=self.settings.pad_interval_s,
                absent_rounds=self.settings.pad_absent_rounds,
                on_arrive=self._tag_arrived,
                on_leave=self._tag_left,
            )
        self.replayer = Replayer(self.journal, ils)
        self.loans = LoanService(
            ils=ils,
            journal=self.journal,
            offline_policy=self.offline_policy,
            ask_fees=self.settings.ask_fees,
            on_online=self._ils_state,
        )
        self.returns = ReturnService(
            ils=ils,
            journal=self.journal,
            security=self.security,
            settings=self.settings,
            offline_policy=self.offline_policy,
            statistics=statistics,
            on_online=self._ils_state,
            branch_name=self._branch_name,
        )
        self.language = self.settings.default_language
        self._mode = Mode.IDLE
        self._session = Session()
        self._hub = EventHub()
        self._background: list[asyncio.Task[None]] = []
        self._work: set[asyncio.Task[None]] = set()
        self._last_activity = 0.0
        self._warned_at: int | None = None
        self._ils_online = True
        self._started = False

    # ================================================================== lifecycle and events

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self._touch()
        self._ils_online = self.ils.online
        spawn = asyncio.get_running_loop().create_task
        if self.pad is not None:
            self._background.append(spawn(self.pad.run(), name="kiosk-pad"))
        self._background.append(spawn(self._inactivity_loop(), name="kiosk-inactivity"))
        self._background.append(spawn(self._replay_loop(), name="kiosk-replay"))
        if self.card_reader is not None:
            self._background.append(spawn(self._card_loop(self.card_reader), name="kiosk-cards"))
        if self.scanner is not None:
            self._background.append(spawn(self._scanner_loop(self.scanner), name="kiosk-scan"))

    async def stop(self) -> None:
        if not self._started:
            return
        if self._session.patron_id is not None or self._mode is not Mode.IDLE:
            await self.end_session(EndReason.SHUTDOWN)
        await self._drain()
        for task in self._background:
            task.cancel()
        for task in self._background:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._background.clear()
        self._started = False

    async def __aenter__(self) -> Kiosk:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    def subscribe(self, callback: EventCallback) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on the loop); returns an unsubscriber."""
        return self._hub.subscribe(callback)

    def events(self) -> EventStream:
        """Every event from now on (from this call, not from the first ``await``), as an async
        iterator; ``await stream.aclose()`` (or leaving ``async with``) stops it."""
        return self._hub.events()

    def _emit(self, event: ev.KioskEvent) -> None:
        self._hub.emit(event)

    # ======================================================================== read-only state

    @property
    def mode(self) -> Mode:
        return self._mode

    @property
    def library_system_online(self) -> bool:
        return self._ils_online

    @property
    def busy(self) -> bool:
        """True while transactions are in flight."""
        return any(not task.done() for task in self._work)

    def pad_contents(self) -> list[PadTag]:
        """What lies on the pad now, decoded (the staff screen's reader test)."""
        return list(self.pad.present.values()) if self.pad else []

    async def wait_idle(self) -> None:
        """Wait until every transaction started so far has finished (tests, benchmarks)."""
        await self._drain()

    async def staff_status(self) -> StaffStatus:
        printer_status: PrinterStatus | None = None
        if self.printer is not None:
            try:
                printer_status = await self.printer.status()
            except PrinterError as error:
                printer_status = PrinterStatus(online=False, paper="unknown", detail=str(error))
        return StaffStatus(
            library_system_online=self._ils_online,
            reader_ok=bool(self.pad and self.pad.healthy),
            printer=printer_status,
            offline_queue=self.journal.offline_queue_depth(),
            reconciliation=tuple(self.journal.reconciliation()),
        )

    # =============================================================================== commands

    def touch(self) -> None:
        """The patron did something on the screen: restart the inactivity timer."""
        self._touch()

    def set_language(self, language: str) -> None:
        """The UI language the patron chose (kept for statistics, receipts)."""
        self.language = language
        self._touch()

    async def identify(self, card: str) -> None:
        """A patron card number from the scanner, the keyboard or an RFID card on the pad."""
        self._touch()
        card = card.strip()
        if not card:
            return
        if self._session.patron_id is not None or self._mode not in (Mode.IDLE, Mode.RETURN):
            log.info("identification ignored: a session is active")
            return
        await self._drain()
        if self._mode is not Mode.RETURN:
            self._session = Session()
        # else: an anonymous return visit becomes the patron's (returns, receipt lines, the
        # tags still on the pad all carry over)
        self._session.patron_id = card
        self._session.pin_attempts_left = self.settings.pin_attempts
        policy = self.settings.pin
        if policy is PinPolicy.ALWAYS:
            self._set_mode(Mode.PIN)
            self._emit(ev.PinRequired(masked_card=mask_card(card)))
            return
        await self._validate(pin=None, pin_policy=policy)

    async def identify_card_uid(self, uid: bytes) -> None:
        """A card on the PC/SC reader: a staff card opens staff mode, any other identifies."""
        uid_hex = uid.hex().upper()
        if uid_hex in self.settings.staff_card_uids:
            await self._enter_staff()
            return
        await self.identify(uid_hex)

    async def enter_pin(self, pin: str) -> None:
        self._touch()
        if self._mode is not Mode.PIN or self._session.patron_id is None:
            return
        await self._validate(pin=pin, pin_policy=PinPolicy.ALWAYS)

    async def start_borrow(self) -> None:
        self._touch()
        session = self._session
        if not session.verified:
            self._emit(ev.ActionRefused(action=Action.BORROW, reason=Reason.NOT_ALLOWED_NOW))
            return
        self._set_mode(Mode.BORROW)
        self._process_pad()

    async def start_return(self) -> None:
        """Returns need no identification: from the welcome screen or inside a session."""
        self._touch()
        if self._mode in (Mode.PIN, Mode.STAFF, Mode.RECEIPT):
            return
        self._set_mode(Mode.RETURN)
        self._process_pad()

    async def show_account(self) -> AccountView | None:
        self._touch()
        session = self._session
        if not session.verified or session.patron_id is None:
            self._emit(ev.ActionRefused(action=Action.ACCOUNT, reason=Reason.NOT_ALLOWED_NOW))
            return None
        try:
            account = await self.ils.account(session.patron_id, session.pin)
        except LibrarySystemError as error:
            if isinstance(error, LibrarySystemUnavailable):
                self._ils_state(False)
            else:
                log.warning("account could not be read: %s", error)
            self._emit(
                ev.ActionRefused(action=Action.ACCOUNT, reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            )
            return None
        view = self._account_view(account)
        if self._session is session:
            self._set_mode(Mode.ACCOUNT)
            self._emit(ev.AccountShown(account=view))
            if account.patron.messages:  # the library system's word on the account
                self._emit(ev.ScreenMessages(messages=account.patron.messages))
        return view

    async def renew(self, item_ids: Iterable[str]) -> None:
        """Renew the selected loans (in parallel through the pool); events per item."""
        self._touch()
        session = self._session
        if not session.verified or session.patron_id is None:
            return
        await asyncio.gather(*(self._renew_one(session, item_id) for item_id in item_ids))
        await self.show_account()

    async def renew_all(self) -> None:
        self._touch()
        session = self._session
        if not session.verified or session.patron_id is None:
            return
        try:
            account = await self.ils.account(session.patron_id, session.pin)
        except LibrarySystemError as error:
            if isinstance(error, LibrarySystemUnavailable):
                self._ils_state(False)
            self._emit(
                ev.ActionRefused(action=Action.RENEW, reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            )
            return
        await self.renew(loan.item_id for loan in account.loans)

    async def acknowledge_fee(self, item_id: str, accept: bool) -> None:
        """The patron's answer to :class:`~kiosk.core.events.FeeAcknowledgementNeeded`."""
        self._touch()
        session = self._session
        item = session.borrowed.get(item_id)
        if item is None or item.state is not ItemState.FEE:
            return
        if not accept:
            self._refuse(item, Action.BORROW, Reason.FEE_DECLINED, item.messages)
            return
        item.state = ItemState.CHECKING
        self._spawn(self._checkout(session, item, fee_acknowledged=True), item, Action.BORROW)

    async def retry(self) -> None:
        """Try again every item on the retry list (library system was unavailable)."""
        self._touch()
        session = self._session
        if not self.ils.online:
            self._ils_state(await self.ils.check_online())
        for item in list(session.borrowed.values()):
            if item.state is ItemState.RETRY and item.complete:
                item.state = ItemState.CHECKING
                self._spawn(self._checkout(session, item), item, Action.BORROW)
        for item in list(session.returned.values()):
            if item.state is ItemState.RETRY and item.tags:
                item.state = ItemState.CHECKING
                self._spawn(self._checkin(session, item), item, Action.RETURN)

    async def finish(self) -> None:
        """The patron is done: offer a receipt when there is something on it, else end."""
        self._touch()
        await self._drain()
        session = self._session
        if session.receipt_entries and (self._print_available or self._email_available):
            self._set_mode(Mode.RECEIPT)
            self._emit(
                ev.ReceiptReady(
                    receipt=self._receipt(session),
                    email_available=self._email_available,
                    print_available=self._print_available,
                )
            )
            return
        await self.end_session(EndReason.PATRON)

    async def choose_receipt(self, choice: ReceiptChoice, email: str | None = None) -> None:
        """Print, e-mail or skip the receipt, then end the session."""
        self._touch()
        session = self._session
        receipt = self._receipt(session)
        if choice is ReceiptChoice.PRINT and self.printer is not None:
            try:
                await self.printer.print_document(receipt_document(receipt))
                self._emit(ev.ReceiptDelivered(how="print"))
            except PrinterError as error:
                self._emit(ev.ReceiptFailed(how="print", detail=str(error)))
        elif choice is ReceiptChoice.EMAIL and self.receipt_sender is not None:
            address = email or (session.patron.email if session.patron else None)
            if not address and session.patron_id is not None and not session.offline:
                with contextlib.suppress(LibrarySystemError):
                    details = await self.ils.patron(session.patron_id, session.pin, details=True)
                    address = details.email
            if not address:
                self._emit(ev.ReceiptFailed(how="email", detail="no e-mail address"))
            else:
                try:
                    await self.receipt_sender.send(receipt, address)
                    self._emit(ev.ReceiptDelivered(how="email"))
                except (OSError, Exception) as error:  # smtplib raises many kinds
                    log.warning("receipt e-mail failed: %s", type(error).__name__)
                    self._emit(ev.ReceiptFailed(how="email", detail=type(error).__name__))
        await self.end_session(EndReason.PATRON)

    async def end_session(self, reason: EndReason = EndReason.PATRON) -> None:
        """Finish what is in flight, then drop everything about the patron."""
        await self._drain()
        session = self._session
        if session.patron_id is not None and session.verified and not session.offline:
            with contextlib.suppress(LibrarySystemError):
                await self.ils.end_patron_session(session.patron_id)
        session.wipe()
        self._session = Session()
        self._warned_at = None
        self._set_mode(Mode.IDLE)
        self._emit(ev.SessionEnded(reason=reason))

    async def staff_enter(self, code: str) -> bool:
        """Staff mode behind the staff code (or a staff card, see ``identify_card_uid``).
        A patron's session still open is ended first."""
        expected = self.settings.staff_code
        if expected and hmac.compare_digest(code.encode(), expected.encode()):
            await self._enter_staff()
            return True
        self._emit(ev.StaffModeRefused())
        return False

    async def staff_exit(self) -> None:
        if self._mode is Mode.STAFF:
            self._set_mode(Mode.IDLE)

    async def staff_resolve(self, entry_id: str, note: str | None = None) -> bool:
        """Staff dealt with a reconciliation item (staff mode only)."""
        if self._mode is not Mode.STAFF:
            return False
        await self._journal_call(self.journal.resolve, entry_id, note)
        return True

    async def staff_print_test(self) -> bool:
        """Print a test receipt (staff mode only); False when no printer or it failed."""
        if self._mode is not Mode.STAFF or self.printer is None:
            return False
        receipt = Receipt(
            library_name=self.settings.library_name,
            branch_name=self.settings.branch_name,
            masked_card=None,
            created=datetime.now(),
            footer=("Test: ÅÄÖ åäö ÆØ æø", "printer test"),
        )
        try:
            await self.printer.print_document(receipt_document(receipt))
        except PrinterError as error:
            log.warning("printer test failed: %s", error)
            return False
        return True

    # ============================================================================ identification

    async def _validate(self, *, pin: str | None, pin_policy: PinPolicy) -> None:
        session = self._session
        patron_id = session.patron_id
        assert patron_id is not None
        try:
            patron = await self.ils.patron(patron_id, pin)
        except LibrarySystemUnavailable:
            self._ils_state(False)
            self._start_offline_session(session, pin)
            return
        except LibrarySystemError as error:
            log.warning("patron check failed: %s", error)
            self._refuse_identity(Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            return
        self._ils_state(True)
        if self._session is not session:
            return
        if not patron.valid:
            self._refuse_identity(Reason.PATRON_UNKNOWN, patron.messages)
            return
        if pin_policy is PinPolicy.PER_PATRON and patron.pin_valid is not True:
            self._set_mode(Mode.PIN)
            self._emit(ev.PinRequired(masked_card=mask_card(patron_id)))
            return
        if pin is not None and patron.pin_valid is not True:
            session.pin_attempts_left -= 1
            if session.pin_attempts_left <= 0:
                self._refuse_identity(Reason.PIN_ATTEMPTS_EXCEEDED)
            else:
                self._emit(ev.PinRefused(attempts_left=session.pin_attempts_left))
            return
        if PatronBlock.CARD_LOST in patron.blocks:
            self._refuse_identity(Reason.CARD_LOST, patron.messages)
            return
        session.pin = pin
        session.patron = patron
        session.verified = True
        refusal = self._borrow_refusal(patron)
        session.can_borrow = refusal is None
        session.borrow_refusal = refusal
        self._set_mode(Mode.MENU)
        self._emit(
            ev.SessionStarted(
                display_name=patron.name,
                masked_card=mask_card(patron_id),
                language=patron.language,
                messages=patron.messages,
                can_borrow=refusal is None,
                borrow_refusal=refusal,
            )
        )

    def _start_offline_session(self, session: Session, pin: str | None) -> None:
        """The library system cannot check the card: the offline policy decides what is left."""
        policy = self.offline_policy
        if not policy.allows_returns:
            self._refuse_identity(Reason.LIBRARY_SYSTEM_UNAVAILABLE)
            return
        assert session.patron_id is not None
        session.pin = pin
        session.verified = True
        session.offline = True
        session.can_borrow = policy.allows_loans
        session.borrow_refusal = None if policy.allows_loans else Reason.LIBRARY_SYSTEM_UNAVAILABLE
        self._set_mode(Mode.MENU)
        self._emit(
            ev.SessionStarted(
                display_name="",
                masked_card=mask_card(session.patron_id),
                language=None,
                can_borrow=session.can_borrow,
                borrow_refusal=session.borrow_refusal,
            )
        )

    @staticmethod
    def _borrow_refusal(patron: Patron) -> Reason | None:
        blocks = patron.borrowing_blocks
        for block, reason in _BLOCK_REASONS:
            if block in blocks:
                return reason
        return Reason.PATRON_BLOCKED if blocks else None

    def _refuse_identity(self, reason: Reason, messages: tuple[str, ...] = ()) -> None:
        self._emit(ev.IdentifyRefused(reason=reason, messages=messages))
        self._session.wipe()
        self._session = Session()
        self._set_mode(Mode.IDLE)
        self._emit(ev.SessionEnded(reason=EndReason.REFUSED))

    async def _enter_staff(self) -> None:
        if self._session.patron_id is not None or self._mode not in (Mode.IDLE, Mode.STAFF):
            await self.end_session(EndReason.STAFF)
        self._set_mode(Mode.STAFF)
        self._emit(ev.StaffModeEntered())

    # ====================================================================== the pad and items

    async def _tag_arrived(self, tag: PadTag) -> None:
        self._touch()
        if tag.is_patron_card:
            if self._mode is Mode.IDLE or (
                self._mode is Mode.RETURN and self._session.patron_id is None
            ):
                await self.identify(tag.item_id)
            return
        if self._mode is Mode.BORROW:
            self._borrow_arrived(tag)
        elif self._mode is Mode.RETURN:
            self._return_arrived(tag)

    async def _tag_left(self, tag: PadTag) -> None:
        session = self._session
        session.lent_on_pad.discard(tag.uid)
        session.returned_on_pad.discard(tag.uid)
        for items in (session.borrowed, session.returned):
            item = items.get(tag.item_id)
            if item is None or item.tags.get(tag.part_number) != tag:
                continue
            if item.state is ItemState.INCOMPLETE:
                del item.tags[tag.part_number]
            elif item.state is ItemState.REFUSED and items is session.borrowed:
                # Taken away after a refusal: placed again, it is tried again (the patron may
                # have changed their mind about a fee, or paid at the desk meanwhile).
                del item.tags[tag.part_number]
                item.state = ItemState.INCOMPLETE

    def _process_pad(self) -> None:
        """Items already on the pad when borrowing or returning starts join in."""
        for tag in self.pad_contents():
            if self._mode is Mode.BORROW:
                self._borrow_arrived(tag)
            elif self._mode is Mode.RETURN:
                self._return_arrived(tag)

    def _unreadable(self, tag: PadTag) -> bool:
        """Report a tag the kiosk cannot use, once per session; True when it was one."""
        if tag.data.ok:
            return False
        session = self._session
        if tag.uid not in session.unreadable_reported:
            session.unreadable_reported.add(tag.uid)
            if self._mode is Mode.RETURN:
                outcome = exception_outcome(tag.uid_hex, "tag_unreadable")
                self._emit(ev.ItemReturned(item_id=tag.uid_hex, title="", outcome=outcome))
                self._stat("return", "exception", None, None)
            else:
                self._emit(
                    ev.ItemRefused(
                        item_id=tag.uid_hex, action=Action.BORROW, reason=Reason.TAG_UNREADABLE
                    )
                )
        return True

    # ------------------------------------------------------------------------------ borrowing

    def _borrow_arrived(self, tag: PadTag) -> None:
        if tag.is_patron_card or self._unreadable(tag):
            return
        session = self._session
        if tag.uid in session.returned_on_pad:
            return  # just returned in this session and still on the pad: not a loan
        item = session.borrowed.get(tag.item_id)
        first = item is None
        if item is None:
            item = TrackedItem(item_id=tag.item_id, parts=tag.parts)
            session.borrowed[tag.item_id] = item
        item.tags[tag.part_number] = tag
        if first:
            self._emit(
                ev.ItemSeen(
                    item_id=item.item_id,
                    action=Action.BORROW,
                    part=tag.part_number,
                    parts=item.parts,
                )
            )
        if item.state in (ItemState.SECURITY, ItemState.DONE):
            if item.wants_security and tag.uid not in item.secured_uids:
                self._spawn(
                    self._finish_security(session, item, Action.BORROW), item, Action.BORROW
                )
            return
        if item.state is not ItemState.INCOMPLETE:
            return  # being checked, waiting for a fee answer, refused, or on the retry list
        if tag.data.usage in _NEVER_LENT:
            reason = (
                Reason.NOT_FOR_LOAN
                if tag.data.usage is Usage.NOT_FOR_CIRCULATION
                else Reason.NOT_A_LIBRARY_ITEM
            )
            self._refuse(item, Action.BORROW, reason)
            return
        if not session.can_borrow:
            self._refuse(item, Action.BORROW, session.borrow_refusal or Reason.PATRON_BLOCKED)
            return
        if not item.complete:
            self._emit(
                ev.IncompleteSet(
                    item_id=item.item_id,
                    parts=item.parts,
                    present=tuple(sorted(item.tags)),
                    missing=item.missing_parts,
                )
            )
            return
        item.state = ItemState.CHECKING
        self._spawn(self._checkout(session, item), item, Action.BORROW)

    async def _checkout(
        self, session: Session, item: TrackedItem, *, fee_acknowledged: bool = False
    ) -> None:
        patron_id = session.patron_id
        assert patron_id is not None
        self._emit(ev.ItemChecking(item_id=item.item_id, action=Action.BORROW))
        tags = list(item.tags.values())
        done = await self.loans.check_out(
            patron_id,
            item.item_id,
            tags,
            pin=session.pin,
            session_id=session.id,
            fee_acknowledged=fee_acknowledged,
        )
        item.title = done.title or item.title
        item.messages = done.messages
        item.media_type = done.media_type or item.media_type
        if done.entry_id is not None:
            item.entry_ids = {tag.uid: done.entry_id for tag in tags}
        if done.outcome is LoanOutcome.FEE_NEEDED:
            assert done.fee_due is not None
            item.state = ItemState.FEE
            item.fee = done.fee_due
            self._emit(
                ev.FeeAcknowledgementNeeded(
                    item_id=item.item_id,
                    title=item.title,
                    amount=money(done.fee_due.amount),
                    currency=done.fee_due.currency,
                    messages=done.messages,
                )
            )
            return
        if done.outcome is LoanOutcome.REFUSED:
            reason = done.reason or Reason.REFUSED_BY_LIBRARY
            self._refuse(item, Action.BORROW, reason, done.messages, retry=done.retry)
            return
        session.lent_on_pad.update(tag.uid for tag in tags)
        item.due_date = done.due_date
        item.renewed = done.renewal
        item.offline = done.offline
        item.wants_security = done.disarm
        session.receipt_entries[:] = [  # a refusal earlier in the visit is outdated now
            e for e in session.receipt_entries if (e.action, e.item_id) != ("refused", item.item_id)
        ]
        session.receipt_entries.append(
            ReceiptEntry(
                action="renewed" if item.renewed else "borrowed",
                item_id=item.item_id,
                title=item.title,
                due_date=item.due_date,
            )
        )
        self._stat(
            "renew" if item.renewed else "borrow",
            "offline" if item.offline else "ok",
            item,
            item.media_type,
        )
        item.state = ItemState.SECURITY
        await self._finish_security(session, item, Action.BORROW)

    async def _finish_security(self, session: Session, item: TrackedItem, action: Action) -> None:
        """Disarm every tag of a lent item still pending; emit the item's final event.

        (Returns arm their tags in :class:`~kiosk.core.returns.ReturnService`.)
        """
        if item.wants_security and self.security is not None:
            for uid in item.pending_uids:
                if await self.security.unsecure(uid):
                    item.secured_uids.add(uid)
            all_done = not item.pending_uids and len(item.secured_uids) >= item.parts
            for entry_id in dict.fromkeys(item.entry_ids.values()):
                await self.loans.security(entry_id, done=all_done)
        else:
            all_done = not item.wants_security
        if all_done:
            first_time = item.state is not ItemState.DONE
            item.state = ItemState.DONE
            if first_time:
                self._emit(
                    ev.ItemBorrowed(
                        item_id=item.item_id,
                        title=item.title,
                        due_date=item.due_date,
                        renewed=item.renewed,
                        offline=item.offline,
                        messages=item.messages,
                    )
                )
        else:
            item.state = ItemState.SECURITY
            self._emit(ev.SecurityNotCleared(item_id=item.item_id, action=action, title=item.title))

    # -------------------------------------------------------------------------------- returns

    def _return_arrived(self, tag: PadTag) -> None:
        if tag.is_patron_card or self._unreadable(tag):
            return
        session = self._session
        if tag.uid in session.lent_on_pad:
            return  # just lent in this session and still on the pad: not a return
        item = session.returned.get(tag.item_id)
        if item is None:
            item = TrackedItem(item_id=tag.item_id, parts=tag.parts)
            session.returned[tag.item_id] = item
            item.tags[tag.part_number] = tag
            self._emit(
                ev.ItemSeen(
                    item_id=item.item_id,
                    action=Action.RETURN,
                    part=tag.part_number,
                    parts=item.parts,
                )
            )
            item.state = ItemState.CHECKING
            self._spawn(self._checkin(session, item), item, Action.RETURN)
            return
        item.tags[tag.part_number] = tag
        if (
            item.state in (ItemState.SECURITY, ItemState.DONE)
            and item.wants_security
            and tag.uid not in item.secured_uids
        ):
            self._spawn(self._rearm(session, item))

    async def _checkin(self, session: Session, item: TrackedItem) -> None:
        self._emit(ev.ItemChecking(item_id=item.item_id, action=Action.RETURN))
        tags = list(item.tags.values())
        done = await self.returns.check_in(
            item.item_id, tags, session_id=session.id, language=self.language
        )
        if done.refused is not None or done.outcome is None:
            self._refuse(
                item, Action.RETURN, done.refused or Reason.LIBRARY_SYSTEM_UNAVAILABLE, retry=True
            )
            return
        session.returned_on_pad.update(tag.uid for tag in tags)
        item.title = done.title or item.title
        item.media_type = done.media_type
        item.offline = done.offline
        item.wants_security = done.armed
        if done.entry_id is not None:
            item.entry_ids = {tag.uid: done.entry_id for tag in tags}
        if done.armed:
            item.secured_uids = {tag.uid for tag in tags if tag.uid not in done.unverified}
        item.state = ItemState.DONE
        outcome = done.outcome
        session.receipt_entries.append(
            ReceiptEntry(
                action="returned",
                item_id=item.item_id,
                title=item.title,
                note=outcome.destination_name or "",
            )
        )
        self._emit(
            ev.ItemReturned(
                item_id=item.item_id, title=item.title, outcome=outcome, offline=done.offline
            )
        )
        if not outcome.security_ok:
            self._emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.RETURN, title=item.title)
            )
        checked = {tag.uid for tag in tags}
        if item.wants_security and any(uid not in checked for uid in item.pending_uids):
            self._spawn(self._rearm(session, item))  # parts placed while it was checked in

    async def _rearm(self, session: Session, item: TrackedItem) -> None:
        """Arm the tags of a returned item that are not verified yet (placed again, late parts)."""
        entry_id = next(iter(item.entry_ids.values()), None)
        pending = item.pending_uids
        if entry_id is None or not pending:
            return
        unverified = await self.returns.rearm(entry_id, pending)
        item.secured_uids |= set(pending) - unverified
        if unverified:
            self._emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.RETURN, title=item.title)
            )

    # ------------------------------------------------------------------------------- renewals

    async def _renew_one(self, session: Session, item_id: str) -> None:
        assert session.patron_id is not None
        self._emit(ev.ItemChecking(item_id=item_id, action=Action.RENEW))
        # Journalled like every transaction (no tag changes, but staff see it and recovery
        # settles a renewal whose answer was lost).
        entry = await self._journal_call(
            self.journal.begin,
            EntryKind.RENEW,
            item_id,
            patron_id=session.patron_id,
            session_id=session.id,
        )
        try:
            result = await self.ils.renew(session.patron_id, item_id, pin=session.pin)
        except LibrarySystemUnavailable as error:
            if not isinstance(error, OutcomeUnknown):
                await self._journal_call(
                    self.journal.abandon, entry.id, reason="library_system_unavailable"
                )
            self._ils_state(False)
            self._emit(
                ev.ItemRefused(
                    item_id=item_id,
                    action=Action.RENEW,
                    reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE,
                    retry_possible=True,
                )
            )
            return
        except LibrarySystemError as error:
            log.warning("renewal of %s failed: %s", item_id, error)
            self._emit(
                ev.ItemRefused(
                    item_id=item_id, action=Action.RENEW, reason=Reason.REFUSED_BY_LIBRARY
                )
            )
            return
        await self._journal_call(
            self.journal.record_result,
            entry.id,
            ok=result.ok,
            reason=None if result.ok else "renewal_refused",
            messages=result.messages,
            due_date=result.due_date,
        )
        if result.ok:
            session.receipt_entries.append(
                ReceiptEntry(
                    action="renewed", item_id=item_id, title=result.title, due_date=result.due_date
                )
            )
            self._stat("renew", "ok", None, None)
            self._emit(
                ev.ItemRenewed(
                    item_id=item_id,
                    title=result.title,
                    due_date=result.due_date,
                    messages=result.messages,
                )
            )
        else:
            self._stat("renew", "refused", None, None)
            self._emit(
                ev.ItemRefused(
                    item_id=item_id,
                    action=Action.RENEW,
                    reason=Reason.RENEWAL_REFUSED,
                    title=result.title,
                    messages=result.messages,
                )
            )

    # ------------------------------------------------------------------------------- account

    def _account_view(self, account: PatronAccount) -> AccountView:
        return account_view(account, here=self.settings.branch_code, name_of=self._branch_name)

    # =============================================================================== plumbing

    def _refuse(
        self,
        item: TrackedItem,
        action: Action,
        reason: Reason,
        messages: tuple[str, ...] = (),
        *,
        retry: bool = False,
    ) -> None:
        item.state = ItemState.RETRY if retry else ItemState.REFUSED
        item.refused_reason = reason
        if (
            action is Action.BORROW
            and not retry
            and self._session.borrowed.get(item.item_id) is item
        ):
            self._session.receipt_entries.append(
                ReceiptEntry(action="refused", item_id=item.item_id, title=item.title)
            )
        self._stat(action.value, "refused", item, item.media_type)
        self._emit(
            ev.ItemRefused(
                item_id=item.item_id,
                action=action,
                reason=reason,
                title=item.title,
                messages=messages,
                retry_possible=retry,
            )
        )

    def _branch_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        return self.settings.branch_name_of(code) or self.ils.branch_names().get(code)

    def _set_mode(self, mode: Mode) -> None:
        if mode is not self._mode:
            previous, self._mode = self._mode, mode
            self._emit(ev.ModeChanged(mode=mode, previous=previous))

    def _ils_state(self, online: bool) -> None:
        if online != self._ils_online:
            self._ils_online = online
            self._emit(
                ev.LibrarySystemStatus(
                    online=online,
                    offline_mode=not online and self.offline_policy.allows_returns,
                )
            )

    def _touch(self) -> None:
        with contextlib.suppress(RuntimeError):
            self._last_activity = asyncio.get_running_loop().time()
        self._warned_at = None

    def _spawn(
        self,
        coroutine: Coroutine[Any, Any, None],
        item: TrackedItem | None = None,
        action: Action | None = None,
    ) -> None:
        task = asyncio.get_running_loop().create_task(self._guarded(coroutine, item, action))
        self._work.add(task)
        task.add_done_callback(self._work_done)

    async def _guarded(
        self,
        coroutine: Coroutine[Any, Any, None],
        item: TrackedItem | None,
        action: Action | None,
    ) -> None:
        """Run one item's work; if the kiosk itself fails (journal disk, a bug), the item is
        refused (NOT_ALLOWED_NOW) instead of hanging in "checking". What reached the journal
        stays there for recovery."""
        try:
            await coroutine
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("work on item %s failed", item.item_id if item else "?")
            if item is None or action is None:
                return
            if item.state is ItemState.SECURITY:  # the transaction stands; the tag is unsure
                self._emit(
                    ev.SecurityNotCleared(item_id=item.item_id, action=action, title=item.title)
                )
            elif item.state in (ItemState.CHECKING, ItemState.INCOMPLETE, ItemState.FEE):
                self._refuse(item, action, Reason.NOT_ALLOWED_NOW, retry=True)

    def _work_done(self, task: asyncio.Task[None]) -> None:
        self._work.discard(task)
        self._touch()
        if not task.cancelled() and task.exception() is not None:
            log.error("kiosk task failed", exc_info=task.exception())

    async def _drain(self) -> None:
        while self._work:
            await asyncio.gather(*list(self._work), return_exceptions=True)

    def _stat(self, action: str, outcome: str, item: TrackedItem | None, media: str | None) -> None:
        if self.statistics is None:
            return
        owner = None
        if item is not None:
            owner = item.owner
            if owner is None:
                for tag in item.tags.values():
                    if tag.data.owner_library is not None:
                        owner = tag.data.owner_library.isil
                        break
        try:
            self.statistics.record(
                action=action,
                outcome=outcome,
                library=owner,
                branch=self.settings.branch_code,
                media_type=media,
                language=self.language,
            )
        except Exception:  # statistics must never stop a loan
            log.exception("statistics could not be recorded")

    @property
    def _print_available(self) -> bool:
        return self.settings.receipt_print and self.printer is not None

    @property
    def _email_available(self) -> bool:
        return self.settings.receipt_email and self.receipt_sender is not None

    def _receipt(self, session: Session) -> Receipt:
        return Receipt(
            library_name=self.settings.library_name,
            branch_name=self.settings.branch_name,
            masked_card=mask_card(session.patron_id) if session.patron_id else None,
            created=datetime.now(),
            entries=tuple(session.receipt_entries),
            language=self.language,
        )

    # ---------------------------------------------------------------------- journal helpers

    async def _journal_call(self, method: Callable[..., Entry], *args: Any, **kw: Any) -> Entry:
        """Journal writes fsync; run them off the loop so other items keep moving."""
        return await asyncio.to_thread(method, *args, **kw)

    # --------------------------------------------------------------------- background loops

    async def _inactivity_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(0.25)
            if self._mode is Mode.IDLE or self.busy:
                continue
            idle = loop.time() - self._last_activity
            left = self.settings.inactivity_timeout_s - idle
            if left <= 0:
                await self.end_session(EndReason.TIMEOUT)
                continue
            if left <= self.settings.inactivity_warning_s:
                seconds = math.ceil(left)
                if seconds != self._warned_at:
                    self._warned_at = seconds
                    self._emit(ev.InactivityWarning(seconds_left=seconds))

    async def _replay_loop(self) -> None:
        """While offline: watch for the library system to come back, then replay the journal."""

        async def on_state(online: bool) -> None:
            self._ils_state(online)

        await self.replayer.watch(
            self.replay_interval_s, in_doubt=lambda: not self._ils_online, on_state=on_state
        )

    async def _card_loop(self, reader: CardReader) -> None:
        try:
            async for event in reader.events():
                if event.kind != "inserted":
                    continue
                if event.uid is None:  # a card whose number cannot be read (foreign card)
                    if self._mode is Mode.IDLE:
                        self._emit(ev.IdentifyRefused(reason=Reason.TAG_UNREADABLE))
                    continue
                await self.identify_card_uid(event.uid)
        except Exception as error:
            log.warning("card reader stopped: %s", error)

    async def _scanner_loop(self, scanner: BarcodeScanner) -> None:
        try:
            async for barcode in scanner.barcodes():
                await self.identify(barcode)
        except Exception as error:
            log.warning("scanner stopped: %s", error)
