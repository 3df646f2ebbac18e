"""The receipt printer as the kiosk and the return station use it: print, and say how it went.

Why one service: receipts at the kiosk, slips at the return station and the staff's test page
all print through the same driver contract, and staff, the patron's receipt choice and the
health endpoint all ask the same question: can it print now? A printer that fails never stops
a loan or a return; it is reported as a :class:`~kiosk.core.model.PrintOutcome`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from drivers.printer.contract import Document, PrinterError, ReceiptPrinter
from kiosk.core.model import PrinterState, PrintOutcome
from kiosk.core.receipts import Receipt, receipt_document

__all__ = ["Printing"]

log = logging.getLogger(__name__)

#: Letters a Nordic receipt needs, to check the printer's code page by eye.
TEST_LINE = "Test: ÅÄÖ åäö ÆØ æø"


class Printing:
    """One optional printer (``None``: the kiosk has none)."""

    def __init__(self, printer: ReceiptPrinter | None) -> None:
        self.printer = printer

    async def state(self) -> PrinterState | None:
        """The printer's state now; None without a printer."""
        if self.printer is None:
            return None
        try:
            status = await self.printer.status()
        except PrinterError as error:
            return PrinterState(online=False, paper="unknown", detail=str(error))
        return PrinterState(online=status.online, paper=status.paper, detail=status.detail)

    async def print(self, document: Document, *, what: str) -> PrintOutcome:
        """Print ``document`` (``what`` names it in the log: "receipt", "slip for 3000...")."""
        if self.printer is None:
            return PrintOutcome(printed=False, detail="no printer")
        try:
            await self.printer.print_document(document)
        except PrinterError as error:
            log.warning("%s not printed: %s", what, error)
            return PrintOutcome(printed=False, detail=str(error))
        return PrintOutcome(printed=True)

    async def print_test(self, library_name: str, branch_name: str) -> PrintOutcome:
        """A test receipt with the kiosk's own header and every Nordic letter."""
        receipt = Receipt(
            library_name=library_name,
            branch_name=branch_name,
            masked_card=None,
            created=datetime.now(),
            footer=(TEST_LINE, "printer test"),
        )
        return await self.print(receipt_document(receipt), what="printer test")
