"""The kiosk facade: the one object the UI drives, and the pipelines behind it.

The UI calls commands (``identify``, ``enter_pin``, ``start_borrow``...) and listens to typed
events (:mod:`kiosk.core.events`) through :meth:`Kiosk.subscribe` or :meth:`Kiosk.events`.
Everything runs on one asyncio loop; commands return quickly and the work they start (checkouts
through the pooled port, security writes) reports through events.

Order of a transaction (the journal's rule: written before any security change)::

    journal.begin -> port.checkout/checkin -> journal.record_result(security target)
        -> change the tag, read it back -> journal.security_done / security_failed

When the library system is unavailable (or offline transactions still wait for replay) the
offline policy decides; an accepted transaction goes to the journal as OFFLINE first and the
replayer sends it later.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
import math
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from drivers.cards.contract import BarcodeScanner, CardReader
from drivers.printer.contract import PrinterError, PrinterStatus, ReceiptPrinter
from drivers.rfid.contract import ReaderError, RfidReader
from drivers.tags import Usage
from kiosk.core import events as ev
from kiosk.core.events import Action, EndReason, Mode, Reason
from kiosk.core.model import (
    AccountView,
    FeeView,
    HoldPlace,
    HoldView,
    LoanView,
    ReturnOutcome,
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
from kiosk.core.routing import decide_return, exception_outcome
from kiosk.core.security import SecurityWriter
from kiosk.core.session import ItemState, Session, TrackedItem
from kiosk.core.settings import KioskSettings, PinPolicy
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import EntryKind, Journal, SecurityTarget
from kiosk.ils.offline import OfflineDecision, OfflinePolicy, Replayer, must_work_offline
from kiosk.ils.port import (
    HoldState,
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
    Patron,
    PatronAccount,
    PatronBlock,
)

__all__ = ["Kiosk", "StaffStatus"]

log = logging.getLogger(__name__)

EventCallback = Callable[[ev.KioskEvent], None]

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

_OFFLINE_REASONS = {
    "library_system_unavailable": Reason.LIBRARY_SYSTEM_UNAVAILABLE,
    "not_allowed_now": Reason.LIBRARY_SYSTEM_UNAVAILABLE,
    "not_for_loan_offline": Reason.NOT_FOR_LOAN_OFFLINE,
    "offline_limit_reached": Reason.OFFLINE_LIMIT_REACHED,
}


@dataclass(frozen=True, slots=True)
class StaffStatus:
    """What the staff screen shows. No patron data."""

    library_system_online: bool
    reader_ok: bool
    printer: PrinterStatus | None
    offline_queue: int
    reconciliation: tuple[object, ...]  # kiosk.ils.journal.ReconciliationItem


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


class Kiosk:
    """One self-service kiosk: a session at a time, a pad, a library system.

    Build it with :func:`kiosk.assembly.build_kiosk` from a config, or directly in tests. Use as
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
        self.language = self.settings.default_language
        self._mode = Mode.IDLE
        self._session = Session()
        self._subscribers: list[EventCallback] = []
        self._queues: list[asyncio.Queue[ev.KioskEvent]] = []
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
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback) if callback in self._subscribers else None

    async def events(self) -> AsyncIterator[ev.KioskEvent]:
        """Every event from now on, as an async iterator (ends when the consumer stops)."""
        queue: asyncio.Queue[ev.KioskEvent] = asyncio.Queue()
        self._queues.append(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues.remove(queue)

    def _emit(self, event: ev.KioskEvent) -> None:
        for callback in list(self._subscribers):
            try:
                callback(event)
            except Exception:
                log.exception("event subscriber failed on %s", type(event).__name__)
        for queue in self._queues:
            queue.put_nowait(event)

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
        returned = self._session.returned if self._mode is Mode.RETURN else {}
        entries = list(self._session.receipt_entries) if self._mode is Mode.RETURN else []
        self._session = Session(
            patron_id=card,
            pin_attempts_left=self.settings.pin_attempts,
            returned=dict(returned),
            receipt_entries=entries,
        )
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
            self._enter_staff()
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
            self._emit(ev.IdentifyRefused(reason=Reason.NOT_ALLOWED_NOW))
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
            self._emit(ev.IdentifyRefused(reason=Reason.NOT_ALLOWED_NOW))
            return None
        self._set_mode(Mode.ACCOUNT)
        try:
            account = await self.ils.account(session.patron_id, session.pin)
        except LibrarySystemUnavailable:
            self._ils_state(False)
            self._emit(ev.IdentifyRefused(reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE))
            return None
        view = self._account_view(account)
        if self._session is session:
            self._emit(ev.AccountShown(account=view))
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
        except LibrarySystemUnavailable:
            self._ils_state(False)
            self._emit(ev.IdentifyRefused(reason=Reason.LIBRARY_SYSTEM_UNAVAILABLE))
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
        self._spawn(self._checkout(session, item, fee_acknowledged=True))

    async def retry(self) -> None:
        """Try again every item on the retry list (library system was unavailable)."""
        self._touch()
        session = self._session
        if not self.ils.online:
            self._ils_state(await self.ils.check_online())
        for item in list(session.borrowed.values()):
            if item.state is ItemState.RETRY and item.complete:
                item.state = ItemState.CHECKING
                self._spawn(self._checkout(session, item))
        for item in list(session.returned.values()):
            if item.state is ItemState.RETRY and item.tags:
                item.state = ItemState.CHECKING
                self._spawn(self._checkin(session, item))

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
        expected = self.settings.staff_code
        if expected and hmac.compare_digest(code.encode(), expected.encode()):
            self._enter_staff()
            return True
        self._emit(ev.StaffModeRefused())
        return False

    async def staff_exit(self) -> None:
        if self._mode is Mode.STAFF:
            self._set_mode(Mode.IDLE)

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

    def _enter_staff(self) -> None:
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
        for items in (session.borrowed, session.returned):
            item = items.get(tag.item_id)
            if (
                item is not None
                and item.state is ItemState.INCOMPLETE
                and item.tags.get(tag.part_number) == tag
            ):
                del item.tags[tag.part_number]

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
                self._spawn(self._finish_security(session, item, Action.BORROW))
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
        self._spawn(self._checkout(session, item))

    async def _checkout(
        self, session: Session, item: TrackedItem, *, fee_acknowledged: bool = False
    ) -> None:
        patron_id = session.patron_id
        assert patron_id is not None
        self._emit(ev.ItemChecking(item_id=item.item_id, action=Action.BORROW))
        if self._must_work_offline():
            await self._offline_checkout(session, item, patron_id, [], unknown=False)
            return
        entry_ids = await self._journal_begin(EntryKind.CHECKOUT, item, patron_id, session)
        try:
            result = await self.ils.checkout(
                patron_id, item.item_id, pin=session.pin, fee_acknowledged=fee_acknowledged
            )
        except LibrarySystemUnavailable as error:
            self._ils_state(False)
            await self._offline_checkout(
                session, item, patron_id, entry_ids, unknown=isinstance(error, OutcomeUnknown)
            )
            return
        except LibrarySystemError as error:
            log.warning("checkout of %s failed: %s", item.item_id, error)
            await self._journal_unsent(entry_ids, "protocol_error", unknown=True)
            self._refuse(item, Action.BORROW, Reason.REFUSED_BY_LIBRARY, retry=True)
            return
        self._ils_state(True)
        item.title = result.title or item.title
        item.messages = result.messages
        item.media_type = result.media_type
        if not result.ok:
            if result.fee_due is not None and not fee_acknowledged:
                await self._journal_result(
                    entry_ids, ok=False, reason="fee_required", messages=result.messages
                )
                item.state = ItemState.FEE
                item.fee = result.fee_due
                self._emit(
                    ev.FeeAcknowledgementNeeded(
                        item_id=item.item_id,
                        title=item.title,
                        amount=_money(result.fee_due.amount),
                        currency=result.fee_due.currency,
                        messages=result.messages,
                    )
                )
                return
            await self._journal_result(
                entry_ids, ok=False, reason="refused", messages=result.messages
            )
            self._refuse(item, Action.BORROW, Reason.REFUSED_BY_LIBRARY, result.messages)
            return
        item.due_date = result.due_date
        item.renewed = result.renewal
        item.wants_security = bool(result.desensitize)
        await self._journal_result(
            entry_ids,
            ok=True,
            messages=result.messages,
            due_date=result.due_date,
            target=SecurityTarget.UNSECURED if item.wants_security else None,
        )
        session.receipt_entries.append(
            ReceiptEntry(
                action="renewed" if item.renewed else "borrowed",
                item_id=item.item_id,
                title=item.title,
                due_date=item.due_date,
            )
        )
        self._stat("renew" if item.renewed else "borrow", "ok", item, item.media_type)
        item.state = ItemState.SECURITY
        await self._finish_security(session, item, Action.BORROW)

    async def _offline_checkout(
        self,
        session: Session,
        item: TrackedItem,
        patron_id: str,
        entry_ids: list[str],
        *,
        unknown: bool,
    ) -> None:
        """The library system is unavailable: the offline policy decides about this loan.

        ``entry_ids`` is the journal entry already begun for an online attempt (empty when the
        kiosk knew it was offline); ``unknown`` says the attempt may have reached the library.
        """
        not_for_loan = any(tag.data.not_for_loan_offline for tag in item.tags.values())
        decision: OfflineDecision = self.offline_policy.may_lend(
            self.journal,
            patron_id=patron_id,
            session_id=session.id,
            not_for_loan_offline=not_for_loan,
        )
        if not decision:
            await self._journal_unsent(entry_ids, "library_system_unavailable", unknown=unknown)
            reason = _OFFLINE_REASONS.get(
                decision.reason.value if decision.reason else "", Reason.LIBRARY_SYSTEM_UNAVAILABLE
            )
            retry = reason is Reason.LIBRARY_SYSTEM_UNAVAILABLE
            self._refuse(item, Action.BORROW, reason, retry=retry)
            return
        await self._journal_offline(EntryKind.CHECKOUT, item, patron_id, session, entry_ids)
        item.offline = True
        item.wants_security = True
        session.receipt_entries.append(
            ReceiptEntry(action="borrowed", item_id=item.item_id, title=item.title)
        )
        self._stat("borrow", "offline", item, None)
        item.state = ItemState.SECURITY
        await self._finish_security(session, item, Action.BORROW)

    async def _finish_security(self, session: Session, item: TrackedItem, action: Action) -> None:
        """Change every tag of the item still pending; emit the item's final event."""
        if item.wants_security and self.security is not None:
            secure = action is Action.RETURN
            for uid in item.pending_uids:
                ok = await (self.security.secure(uid) if secure else self.security.unsecure(uid))
                if ok:
                    item.secured_uids.add(uid)
            all_done = not item.pending_uids and (
                action is Action.RETURN or len(item.secured_uids) >= item.parts
            )
            for entry_id in dict.fromkeys(item.entry_ids.values()):
                if all_done:
                    await self._journal_call(self.journal.security_done, entry_id)
                else:
                    await self._journal_call(
                        self.journal.security_failed, entry_id, "tag not changed or not verified"
                    )
        else:
            all_done = True
        if action is Action.RETURN:
            return  # the return pipeline emits its own outcome
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
        lent = session.borrowed.get(tag.item_id)
        if lent is not None and lent.state in (ItemState.DONE, ItemState.SECURITY):
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
            self._spawn(self._checkin(session, item))
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
        if self._must_work_offline():
            await self._offline_checkin(session, item, [], unknown=False)
            return
        entry_ids = await self._journal_begin(EntryKind.CHECKIN, item, None, session)
        try:
            result = await self.ils.checkin(item.item_id)
        except LibrarySystemUnavailable as error:
            self._ils_state(False)
            await self._offline_checkin(
                session, item, entry_ids, unknown=isinstance(error, OutcomeUnknown)
            )
            return
        except LibrarySystemError as error:
            log.warning("check-in of %s failed: %s", item.item_id, error)
            await self._journal_unsent(entry_ids, "protocol_error", unknown=True)
            self._refuse(item, Action.RETURN, Reason.LIBRARY_SYSTEM_UNAVAILABLE, retry=True)
            return
        self._ils_state(True)
        item.title = result.title
        item.media_type = result.media_type
        item.owner = result.owner
        outcome = decide_return(result, here=self.settings.branch_code, name_of=self._branch_name)
        # Re-arm when the library system says so; an exception stays in the building, armed.
        item.wants_security = result.resensitize is not False or not result.ok
        await self._journal_result(
            entry_ids,
            ok=result.ok,
            messages=result.messages,
            reason=None if result.ok else "checkin_refused",
            target=SecurityTarget.SECURED if item.wants_security else None,
        )
        await self._complete_return(session, item, outcome, offline=False)

    async def _offline_checkin(
        self, session: Session, item: TrackedItem, entry_ids: list[str], *, unknown: bool
    ) -> None:
        decision = self.offline_policy.may_return()
        if not decision:
            await self._journal_unsent(entry_ids, "library_system_unavailable", unknown=unknown)
            self._refuse(item, Action.RETURN, Reason.LIBRARY_SYSTEM_UNAVAILABLE, retry=True)
            return
        await self._journal_offline(EntryKind.CHECKIN, item, None, session, entry_ids)
        item.wants_security = True
        item.offline = True
        outcome = exception_outcome(item.item_id, "returned_offline", title=item.title)
        await self._complete_return(session, item, outcome, offline=True)

    async def _complete_return(
        self, session: Session, item: TrackedItem, outcome: ReturnOutcome, *, offline: bool
    ) -> None:
        item.state = ItemState.SECURITY
        security_ok = True
        if item.wants_security:
            await self._finish_security(session, item, Action.RETURN)
            security_ok = not item.pending_uids
        item.state = ItemState.DONE
        if not security_ok:
            outcome = replace(outcome, security_ok=False)
        note = outcome.destination_name or ""
        session.receipt_entries.append(
            ReceiptEntry(action="returned", item_id=item.item_id, title=item.title, note=note)
        )
        self._stat("return", "offline" if offline else outcome.kind.value, item, item.media_type)
        self._emit(
            ev.ItemReturned(
                item_id=item.item_id, title=item.title, outcome=outcome, offline=offline
            )
        )
        if not security_ok:
            self._emit(
                ev.SecurityNotCleared(item_id=item.item_id, action=Action.RETURN, title=item.title)
            )

    async def _rearm(self, session: Session, item: TrackedItem) -> None:
        await self._finish_security(session, item, Action.RETURN)

    # ------------------------------------------------------------------------------- renewals

    async def _renew_one(self, session: Session, item_id: str) -> None:
        assert session.patron_id is not None
        self._emit(ev.ItemChecking(item_id=item_id, action=Action.RENEW))
        try:
            result = await self.ils.renew(session.patron_id, item_id, pin=session.pin)
        except LibrarySystemUnavailable:
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
        here = self.settings.branch_code
        holds = []
        for hold in account.holds:
            if hold.state is HoldState.READY:
                place = (
                    HoldPlace.READY_HERE
                    if hold.pickup_location in (None, here)
                    else HoldPlace.READY_ELSEWHERE
                )
            elif hold.state is HoldState.IN_TRANSIT:
                place = HoldPlace.IN_TRANSIT
            else:
                place = HoldPlace.WAITING
            holds.append(
                HoldView(
                    title=hold.title,
                    place=place,
                    pickup_location=hold.pickup_location,
                    pickup_name=self._branch_name(hold.pickup_location),
                    pickup_by=hold.pickup_by,
                    item_id=hold.item_id,
                )
            )
        fees = tuple(
            FeeView(
                amount=_money(fee.amount),
                currency=fee.currency,
                description=fee.description,
                item_id=fee.item_id,
            )
            for fee in account.fees
        )
        total = account.patron.fee_amount
        if total is None and account.fees:
            total = sum((fee.amount or Decimal(0) for fee in account.fees), Decimal(0))
        currency = account.patron.currency or next(
            (fee.currency for fee in account.fees if fee.currency), None
        )
        return AccountView(
            loans=tuple(
                LoanView(
                    item_id=loan.item_id,
                    title=loan.title,
                    due_date=loan.due_date,
                    overdue=loan.overdue,
                )
                for loan in account.loans
            ),
            holds=tuple(holds),
            fees=fees,
            total_fees=_money(total),
            currency=currency,
        )

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

    def _must_work_offline(self) -> bool:
        return must_work_offline(self.ils, self.journal)

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

    def _spawn(self, coroutine: object) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)  # type: ignore[arg-type]
        self._work.add(task)
        task.add_done_callback(self._work_done)

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

    async def _journal_call(
        self, method: Callable[..., object], *args: object, **kw: object
    ) -> object:
        """Journal writes fsync; run them off the loop so other items keep moving."""
        return await asyncio.to_thread(method, *args, **kw)

    async def _journal_begin(
        self, kind: EntryKind, item: TrackedItem, patron_id: str | None, session: Session
    ) -> list[str]:
        item.entry_ids.clear()
        ids = []
        tags = list(item.tags.values()) or [None]
        # One entry per item: the transaction happens once. The first tag's UID lets recovery
        # find the item on the pad; a multi-part set lists every part's UID.
        uid = ",".join(tag.uid_hex for tag in tags if tag is not None) or None
        entry = await self._journal_call(
            self.journal.begin,
            kind,
            item.item_id,
            patron_id=patron_id,
            tag_uid=uid,
            session_id=session.id,
        )
        ids.append(entry.id)  # type: ignore[attr-defined]
        for tag in tags:
            if tag is not None:
                item.entry_ids[tag.uid] = entry.id  # type: ignore[attr-defined]
        return ids

    async def _journal_result(
        self,
        entry_ids: list[str],
        *,
        ok: bool,
        messages: tuple[str, ...] = (),
        reason: str | None = None,
        due_date: datetime | None = None,
        target: SecurityTarget | None = None,
    ) -> None:
        for entry_id in entry_ids:
            await self._journal_call(
                self.journal.record_result,
                entry_id,
                ok=ok,
                security_target=target,
                reason=reason,
                messages=messages,
                due_date=due_date,
            )

    async def _journal_unsent(self, entry_ids: list[str], reason: str, *, unknown: bool) -> None:
        """An online attempt failed and will not be taken offline.

        When the port knows the request never went out, the entry is abandoned. When the outcome
        is unknown it stays PENDING: recovery settles it with the library system later.
        """
        if unknown:
            return
        for entry_id in entry_ids:
            await self._journal_call(self.journal.abandon, entry_id, reason=reason)

    async def _journal_offline(
        self,
        kind: EntryKind,
        item: TrackedItem,
        patron_id: str | None,
        session: Session,
        entry_ids: list[str],
    ) -> None:
        """Record an offline-accepted transaction (durable) before the tag is touched."""
        target = SecurityTarget.UNSECURED if kind is EntryKind.CHECKOUT else SecurityTarget.SECURED
        if entry_ids:
            for entry_id in entry_ids:
                await self._journal_call(
                    self.journal.accept_offline, entry_id, security_target=target
                )
            return
        uid = ",".join(tag.uid_hex for tag in item.tags.values()) or None
        entry = await self._journal_call(
            self.journal.begin_offline,
            kind,
            item.item_id,
            patron_id=patron_id,
            tag_uid=uid,
            session_id=session.id,
            security_target=target,
        )
        item.entry_ids = {tag.uid: entry.id for tag in item.tags.values()}  # type: ignore[attr-defined]

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
        while True:
            await asyncio.sleep(self.replay_interval_s)
            if self._ils_online and not self.journal.offline_queue_depth():
                continue
            try:
                online = await self.ils.check_online()
            except Exception:  # check_online must not raise, but never let the loop die
                online = False
            if online and self.journal.offline_queue_depth():
                await self.replayer.replay()
            self._ils_state(online)

    async def _card_loop(self, reader: CardReader) -> None:
        try:
            async for event in reader.events():
                if event.kind == "inserted" and event.uid is not None:
                    await self.identify_card_uid(event.uid)
        except Exception as error:
            log.warning("card reader stopped: %s", error)

    async def _scanner_loop(self, scanner: BarcodeScanner) -> None:
        try:
            async for barcode in scanner.barcodes():
                await self.identify(barcode)
        except Exception as error:
            log.warning("scanner stopped: %s", error)


# Keep ReaderError importable for callers that catch pad failures through the facade module.
_ = ReaderError
