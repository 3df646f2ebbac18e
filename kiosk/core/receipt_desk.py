"""The end of a visit: the receipt offered, printed, e-mailed or declined.

Why its own module: what a patron takes home is decided from the whole visit (every loan,
renewal, return and refusal), and delivering it can fail in ways that must not cost the patron
their session's record: a printer out of paper, a mail server down. "Print" is offered only
while the printer can print (its state is asked when the receipt is offered); a print or an
e-mail that fails is told to the patron, who is offered what is left (e-mail, or none) before
the visit ends.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from datetime import datetime

from kiosk.core import events as ev
from kiosk.core.context import KioskContext
from kiosk.core.events import Mode
from kiosk.core.printing import Printing
from kiosk.core.receipts import (
    Receipt,
    ReceiptChoice,
    ReceiptSender,
    mask_card,
    receipt_document,
)
from kiosk.core.session import Session
from kiosk.ils.port import LibrarySystem, LibrarySystemError

__all__ = ["ReceiptDesk"]

log = logging.getLogger(__name__)


class ReceiptDesk:
    """Offers and delivers the receipt of the current visit."""

    def __init__(
        self,
        ctx: KioskContext,
        ils: LibrarySystem,
        printing: Printing,
        sender: ReceiptSender | None,
    ) -> None:
        self.ctx = ctx
        self.ils = ils
        self.printing = printing
        self.sender = sender

    @property
    def print_available(self) -> bool:
        return self.ctx.settings.receipt_print and self.printing.printer is not None

    @property
    def email_available(self) -> bool:
        return self.ctx.settings.receipt_email and self.sender is not None

    async def offer(self) -> bool:
        """Offer the receipt (mode RECEIPT) when there is something on it and a way to give it
        (a printer, even one that cannot print now: the patron still sees their due dates);
        False: nothing to offer, the visit can end."""
        ctx = self.ctx
        if not ctx.session.receipt_entries or not (self.print_available or self.email_available):
            return False
        ctx.set_mode(Mode.RECEIPT)
        await self._ready()
        return True

    async def _ready(self) -> None:
        """Tell the screen the receipt and the ways left to give it now."""
        ctx = self.ctx
        session = ctx.session
        printer = await self.printing.state() if self.print_available else None
        ctx.emit(
            ev.ReceiptReady(
                receipt=self.receipt(session),
                email_available=self.email_available and "email" not in session.receipt_failed,
                print_available=printer is not None
                and printer.can_print
                and "print" not in session.receipt_failed,
                printer=printer,
            )
        )

    async def deliver(self, choice: ReceiptChoice, email: str | None = None) -> bool:
        """Print or e-mail the receipt (or nothing); the screen hears how it went. False when it
        failed: the patron is offered what is left, and the visit goes on until they choose."""
        ctx = self.ctx
        session = ctx.session
        receipt = self.receipt(session)
        if choice is ReceiptChoice.PRINT and self.printing.printer is not None:
            printed = await self.printing.print(receipt_document(receipt), what="receipt")
            if printed.printed:
                ctx.emit(ev.ReceiptDelivered(how="print"))
                return True
            return await self._failed("print", printed.detail)
        if choice is ReceiptChoice.EMAIL and self.sender is not None:
            address = email or await self._address(session)
            if not address:
                return await self._failed("email", "no e-mail address")
            try:
                await self.sender.send(receipt, address)
            except Exception as error:  # smtplib raises many kinds
                log.warning("receipt e-mail failed: %s", type(error).__name__)
                return await self._failed("email", type(error).__name__)
            ctx.emit(ev.ReceiptDelivered(how="email"))
            return True
        return choice is ReceiptChoice.NONE or not (self.print_available or self.email_available)

    async def _failed(self, how: str, detail: str) -> bool:
        self.ctx.session.receipt_failed.add(how)
        self.ctx.emit(ev.ReceiptFailed(how=how, detail=detail))
        await self._ready()
        return False

    async def _address(self, session: Session) -> str | None:
        """The patron's e-mail address from the library system (never typed in by anyone)."""
        if session.patron is not None and session.patron.email:
            return session.patron.email
        if session.patron_id is None or session.offline:
            return None
        with contextlib.suppress(LibrarySystemError):
            details = await self.ils.patron(session.patron_id, session.pin, details=True)
            return details.email
        return None

    def receipt(self, session: Session) -> Receipt:
        settings = self.ctx.settings
        return Receipt(
            library_name=settings.library_name,
            branch_name=settings.branch_name,
            masked_card=mask_card(session.patron_id) if session.patron_id else None,
            created=datetime.now(),
            entries=tuple(session.receipt_entries),
            footer=_footer(settings.receipt_footer, self.ctx.language, settings.default_language),
            language=self.ctx.language,
        )


def _footer(footers: Mapping[str, tuple[str, ...]], language: str, default: str) -> tuple[str, ...]:
    """The library's own lines in the patron's language, else in the kiosk's default one."""
    return footers.get(language) or footers.get(default) or ()
