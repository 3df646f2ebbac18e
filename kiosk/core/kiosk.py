"""The kiosk: the one object a screen drives, through :class:`~kiosk.core.port.KioskPort`.

The screen calls commands (``identify``, ``enter_pin``, ``start_borrow``...) and listens to
typed events (:mod:`kiosk.core.events`) through :meth:`Kiosk.subscribe` or :meth:`Kiosk.events`.
Everything runs on one asyncio loop; commands return quickly and the work they start (checkouts
through the pooled port, security writes) reports through events.

This class only wires the parts and routes: the mode table (:mod:`kiosk.core.modes`) decides
whether a command is taken now, the pad's arrivals go to the pipeline of the mode, and the parts
do the work: :mod:`~kiosk.core.identification`, :mod:`~kiosk.core.borrowing`,
:mod:`~kiosk.core.returning`, :mod:`~kiosk.core.account_desk`, :mod:`~kiosk.core.receipt_desk`,
:mod:`~kiosk.core.staff`, over the one journalled transaction (:mod:`~kiosk.core.transaction`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable

from drivers.cards.contract import BarcodeScanner, CardReader
from drivers.printer.contract import ReceiptPrinter
from drivers.rfid.contract import RfidReader
from kiosk.core import events as ev
from kiosk.core.account_desk import AccountDesk
from kiosk.core.borrowing import Borrowing
from kiosk.core.bus import EventHub, EventStream, Service
from kiosk.core.context import KioskContext
from kiosk.core.departure import Departure
from kiosk.core.events import EndReason, Mode
from kiosk.core.identification import Identification
from kiosk.core.loans import LoanService
from kiosk.core.model import AccountView
from kiosk.core.modes import Command, allowed
from kiosk.core.pad import PadTag, PadWatcher, SharedReader
from kiosk.core.port import PatronCommands
from kiosk.core.printing import Printing
from kiosk.core.receipt_desk import ReceiptDesk
from kiosk.core.receipts import ReceiptChoice, ReceiptSender
from kiosk.core.renewals import RenewalService
from kiosk.core.returning import Returning
from kiosk.core.returns import ReturnService
from kiosk.core.security import SecurityWriter
from kiosk.core.session import ItemState
from kiosk.core.settings import KioskSettings
from kiosk.core.staff import StaffCommandSet, StaffDesk
from kiosk.core.statistics import Statistics
from kiosk.core.tasks import BackgroundTasks
from kiosk.core.titles import TitleFinder
from kiosk.core.transaction import Transactions
from kiosk.core.watchers import (
    watch_cards,
    watch_inactivity,
    watch_opening_hours,
    watch_scanner,
)
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import LibrarySystem, LibrarySystemError
from kiosk.lockout import GuessGuard

__all__ = ["EventStream", "Kiosk"]

log = logging.getLogger(__name__)


class Kiosk(StaffCommandSet, Service):
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
        pin_guard: GuessGuard | None = None,
        replay_interval_s: float = 5.0,
    ) -> None:
        self.settings = settings = settings or KioskSettings()
        self.ils = ils
        self.journal = journal = journal if journal is not None else Journal(":memory:")
        self.offline_policy = offline_policy = offline_policy or OfflinePolicy()
        self.statistics = statistics
        self.card_reader = card_reader
        self.scanner = scanner
        self.replay_interval_s = replay_interval_s
        self._hub = EventHub()
        self.ctx = ctx = KioskContext(
            settings=settings, offline_policy=offline_policy, statistics=statistics, hub=self._hub
        )
        shared = SharedReader(reader) if reader is not None else None
        self.security = SecurityWriter(shared, settings.security) if shared else None
        self.pad: PadWatcher | None = None
        if shared is not None:
            self.pad = PadWatcher(
                shared,
                interval_s=settings.pad_interval_s,
                absent_rounds=settings.pad_absent_rounds,
                on_arrive=self._tag_arrived,
                on_leave=self._tag_left,
                hold=lambda: ctx.busy,  # loans and returns in flight: their writes come first
                active=lambda: ctx.mode in (Mode.BORROW, Mode.RETURN),
                active_interval_s=settings.pad_active_interval_s,
            )
        self.replayer = Replayer(journal, ils)
        transactions = Transactions(
            ils=ils, journal=journal, security=self.security, on_online=ctx.ils_state
        )
        self.loans = LoanService(
            transactions, offline_policy=offline_policy, ask_fees=settings.ask_fees
        )
        self.returns = ReturnService(
            transactions,
            settings=settings,
            offline_policy=offline_policy,
            statistics=statistics,
            branch_name=self._branch_name,
        )
        renewals = RenewalService(transactions)
        self._printing = Printing(printer)
        self._identification = Identification(ctx, ils, pin_guard)
        self._borrowing = Borrowing(ctx, self.loans)
        self._returning = Returning(ctx, self.returns)
        self._account = AccountDesk(ctx, ils, renewals, self._branch_name)
        self._receipts = ReceiptDesk(ctx, ils, self._printing, receipt_sender)
        self._departure = Departure(ctx, journal, self._printing)
        self._titles = TitleFinder(ctx, ils)
        self._staff = StaffDesk(
            settings,
            journal=journal,
            printing=self._printing,
            pad=self.pad,
            online=lambda: ctx.ils_online,
        )
        self._background = BackgroundTasks()
        self._started = False

    # ================================================================== lifecycle and events

    async def start(self) -> None:
        if self._started:
            return
        self._started = True
        self.ctx.touch()
        self.ctx.ils_online = self.ils.online
        if self.pad is not None:
            self._background.start(self.pad.run(), "kiosk-pad")
        self._background.start(watch_inactivity(self.ctx, self._end), "kiosk-inactivity")
        if self.settings.opening_hours is not None or self.settings.out_of_service:
            self._background.start(watch_opening_hours(self.ctx), "kiosk-opening-hours")
        self._background.start(self._replay_loop(), "kiosk-replay")
        if self.card_reader is not None:
            watching = watch_cards(self.ctx, self.card_reader, self.identify_card_uid)
            self._background.start(watching, "kiosk-cards")
        if self.scanner is not None:
            self._background.start(watch_scanner(self.scanner, self.identify), "kiosk-scan")

    async def stop(self) -> None:
        if not self._started:
            return
        if self.ctx.session.patron_id is not None or not self.ctx.mode.between_visits:
            await self._end(EndReason.SHUTDOWN)
        await self.ctx.drain()
        await self._background.stop()
        self._started = False

    # ======================================================================== read-only state

    @property
    def mode(self) -> Mode:
        return self.ctx.mode

    @property
    def library_system_online(self) -> bool:
        return self.ctx.ils_online

    @property
    def service(self) -> ev.ServiceChanged:
        return self.ctx.service

    @property
    def patron(self) -> PatronCommands:
        return self

    @property
    def language(self) -> str:
        return self.ctx.language

    @property
    def busy(self) -> bool:
        """True while transactions are in flight."""
        return self.ctx.busy

    @property
    def printer(self) -> ReceiptPrinter | None:
        return self._printing.printer

    @printer.setter
    def printer(self, printer: ReceiptPrinter | None) -> None:
        self._printing.printer = printer

    @property
    def receipt_sender(self) -> ReceiptSender | None:
        return self._receipts.sender

    @receipt_sender.setter
    def receipt_sender(self, sender: ReceiptSender | None) -> None:
        self._receipts.sender = sender

    def pad_contents(self) -> list[PadTag]:
        """What lies on the pad now, decoded (tools and tests; screens use ``reader_test``)."""
        return list(self.pad.present.values()) if self.pad else []

    async def wait_idle(self) -> None:
        """Wait until every transaction started so far has finished (tests, benchmarks)."""
        await self.ctx.drain()

    # =============================================================================== commands

    def _may(self, command: Command) -> bool:
        """The mode table's word on ``command`` now; a refusal is told to the screen."""
        ctx = self.ctx
        if allowed(command, ctx.mode, patron=ctx.session.verified):
            return True
        log.info("%s not taken in mode %s", command.value, ctx.mode.value)
        ctx.emit(ev.CommandRefused(command=command, mode=ctx.mode))
        return False

    def touch(self) -> None:
        """The patron did something on the screen: restart the inactivity timer."""
        if self._may(Command.TOUCH):
            self.ctx.touch()

    def set_language(self, language: str) -> None:
        """The UI language the patron chose (kept for statistics, receipts)."""
        if self._may(Command.SET_LANGUAGE):
            self.ctx.language = language
            self.ctx.touch()

    async def identify(self, card: str) -> None:
        """A patron card number from the scanner, the keyboard or an RFID card on the pad."""
        self.ctx.touch()
        card = card.strip()
        if not card or not self._may(Command.IDENTIFY):
            return
        await self.ctx.drain()
        if self._may(Command.IDENTIFY):  # still: the work drained may have changed the mode
            await self._identification.identify(card)

    async def identify_card_uid(self, uid: bytes) -> None:
        """A card on the PC/SC reader: a staff card opens staff mode, any other identifies."""
        if self._staff.is_staff_card(uid):
            if self._may(Command.STAFF_ENTER):
                await self._enter_staff()
            return
        await self.identify(uid.hex().upper())

    async def enter_pin(self, pin: str) -> None:
        self.ctx.touch()
        if self._may(Command.ENTER_PIN):
            await self._identification.enter_pin(pin)

    async def start_borrow(self) -> None:
        self.ctx.touch()
        if self._may(Command.START_BORROW):
            self.ctx.set_mode(Mode.BORROW)
            self._process_pad()

    async def start_return(self) -> None:
        """Returns need no identification: from the welcome screen or inside a session."""
        self.ctx.touch()
        if self._may(Command.START_RETURN):
            self.ctx.set_mode(Mode.RETURN)
            self._process_pad()

    async def show_account(self) -> AccountView | None:
        self.ctx.touch()
        if not self._may(Command.SHOW_ACCOUNT):
            return None
        return await self._account.show()

    async def renew(self, item_ids: Iterable[str]) -> None:
        """Renew the selected loans (in parallel through the pool); events per item."""
        self.ctx.touch()
        if self._may(Command.RENEW):
            await self._account.renew(item_ids)

    async def renew_all(self) -> None:
        self.ctx.touch()
        if self._may(Command.RENEW):
            await self._account.renew_all()

    async def acknowledge_fee(self, item_id: str, accept: bool) -> None:
        """The patron's answer to :class:`~kiosk.core.events.FeeAcknowledgementNeeded`."""
        self.ctx.touch()
        if self._may(Command.ACKNOWLEDGE_FEE):
            self._borrowing.acknowledge_fee(item_id, accept)

    async def retry(self) -> None:
        """Try again every item on the retry list (library system was unavailable)."""
        self.ctx.touch()
        if not self._may(Command.RETRY):
            return
        if not self.ils.online:
            self.ctx.ils_state(await self.ils.check_online())
        self._borrowing.retry()
        self._returning.retry()

    async def finish(self) -> None:
        """The patron is done: offer a receipt when there is something on it, else end; held
        while lent items still have their security on (``FinishHeld``)."""
        self.ctx.touch()
        if not self._may(Command.FINISH):
            return
        await self.ctx.drain()
        if self._departure.hold_finish():
            return
        if not await self._receipts.offer():
            await self._end(EndReason.PATRON)

    async def seek_staff(self) -> None:
        """The patron takes the lent items whose security stayed on to the staff."""
        self.ctx.touch()
        if self._may(Command.SEEK_STAFF):
            await self.ctx.drain()
            await self._departure.send_to_staff()

    async def confirm_left_items(self, borrow: bool) -> None:
        """The patron's word on items left on the pad before the visit (``ItemLeftOnPad``)."""
        self.ctx.touch()
        if self._may(Command.CONFIRM_LEFT_ITEMS):
            self._borrowing.confirm_left_items(borrow)

    async def choose_receipt(self, choice: ReceiptChoice, email: str | None = None) -> None:
        """Print, e-mail or skip the receipt, then end the session; when it fails the patron
        is offered what is left instead."""
        self.ctx.touch()
        if self._may(Command.CHOOSE_RECEIPT) and await self._receipts.deliver(choice, email):
            await self._end(EndReason.PATRON)

    async def end_session(self, reason: EndReason = EndReason.PATRON) -> None:
        """Finish what is in flight, then drop everything about the patron."""
        if self._may(Command.END_SESSION):
            await self._end(reason)

    async def _end(self, reason: EndReason) -> None:
        ctx = self.ctx
        await ctx.drain()
        session = ctx.session
        if session.patron_id is not None and session.verified and not session.offline:
            with contextlib.suppress(LibrarySystemError):
                await self.ils.end_patron_session(session.patron_id)
        on_pad = await self._departure.before_end(reason, self.pad_contents())
        ctx.reset_session(reason, items_on_pad=on_pad)

    # ================================================================================== staff

    @property
    def staff_desk(self) -> StaffDesk:
        return self._staff

    def _announce(self, event: ev.KioskEvent) -> None:
        self.ctx.emit(event)

    async def _enter_staff(self) -> None:
        """A patron's session still open is ended first."""
        mode, patron = self.ctx.mode, self.ctx.session.patron_id
        if patron is not None or not (mode.between_visits or mode is Mode.STAFF):
            await self._end(EndReason.STAFF)
        self.ctx.set_mode(Mode.STAFF)
        self.ctx.emit(ev.StaffModeEntered())

    async def _leave_staff(self) -> None:
        self.ctx.set_mode(Mode.IDLE)
        self.ctx.follow_opening_hours()

    # ====================================================================== the pad and items

    async def _tag_arrived(self, tag: PadTag) -> None:
        ctx = self.ctx
        ctx.touch()
        if self.pad is not None and self.pad.rounds == 0 and ctx.mode.between_visits:
            ctx.left_on_pad.add(tag.uid)  # on the pad when the kiosk started: nobody's yet
        if tag.is_patron_card:
            # A library card on the pad identifies when a card may; during a session it is
            # just the patron's card lying there.
            if allowed(Command.IDENTIFY, ctx.mode, patron=ctx.session.verified):
                await self.identify(tag.item_id)
            return
        if ctx.mode is Mode.BORROW:
            self._borrowing.arrived(tag)
        elif ctx.mode is Mode.RETURN:
            self._returning.arrived(tag)

    async def _tag_left(self, tag: PadTag) -> None:
        self.ctx.left_on_pad.discard(tag.uid)
        self._borrowing.left_tag_gone(tag)
        session = self.ctx.session
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
            if self.ctx.mode is Mode.BORROW:
                self._borrowing.arrived(tag)
            elif self.ctx.mode is Mode.RETURN:
                self._returning.arrived(tag)

    # =============================================================================== plumbing

    def _branch_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        return self.settings.branch_name_of(code) or self.ils.branch_names().get(code)

    async def _replay_loop(self) -> None:
        """While offline: watch for the library system to come back, then replay the journal."""

        async def on_state(online: bool) -> None:
            self.ctx.ils_state(online)

        await self.replayer.watch(
            self.replay_interval_s, in_doubt=lambda: not self.ctx.ils_online, on_state=on_state
        )
