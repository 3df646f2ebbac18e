"""The ESC/POS receipt printer driver: :mod:`drivers.printer.escpos` over a transport.

Before printing it asks the printer for its status (``DLE EOT 1, 2, 4``; Epson ESC/POS Command
Reference, real-time commands) and refuses with a precise :class:`PrinterError` when the paper is
out, the cover is open or the printer does not answer; after printing it asks again, so paper
that ran out mid-receipt is reported instead of the patron walking away with half a receipt.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from .contract import Document, PrinterError, PrinterStatus, ReceiptPrinter
from .escpos import (
    PrinterCondition,
    StatusBytes,
    encode_document,
    parse_status,
    status_request,
)
from .models import PrinterModel, printer_model, usable_code_pages
from .transport import PrinterOfflineError, Transport

log = logging.getLogger(__name__)


class PaperOutError(PrinterError):
    """No paper: load a new roll. Raised before printing, or after it when it ran out midway."""


class CoverOpenError(PrinterError):
    """The printer's cover is open."""


class EscPosPrinter(ReceiptPrinter):
    """A receipt printer speaking ESC/POS over ``transport``.

    ``model`` names a printer in the ESC/POS database (``TM-T20II``, ``TM-T88V``, ``default``...)
    and decides which ``ESC t`` number selects which code page; ``code_pages`` (Python codec
    names, e.g. ``["cp865", "cp866"]``) narrows and orders the tables used, first one first.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        model: str | PrinterModel = "default",
        code_pages: Sequence[str] | None = None,
        columns: int | None = None,
        status_timeout: float = 1.0,
    ) -> None:
        self.transport = transport
        self.model = printer_model(model) if isinstance(model, str) else model
        self.code_pages = usable_code_pages(self.model, code_pages)  # config errors now
        self.columns = columns
        self.status_timeout = status_timeout
        self._lock = asyncio.Lock()
        self._open = False

    async def open(self) -> None:
        if not self._open:
            await self.transport.open()
            self._open = True

    async def close(self) -> None:
        if self._open:
            self._open = False
            await self.transport.close()

    async def status(self) -> PrinterStatus:
        async with self._lock:
            return (await self._condition()).status

    async def _ask(self, n: int) -> int | None:
        await self.transport.write(status_request(n))
        answer = await self.transport.read(1, self.status_timeout)
        return answer[0] if answer else None

    async def _condition(self) -> PrinterCondition:
        """The printer's state; a printer that stopped answering gets its link reopened once,
        so a network printer that rebooted or a USB printer that was replugged works again."""
        if not self._open:
            raise PrinterOfflineError(f"{self.transport.description} is not open")
        try:
            condition = await self._ask_condition()
        except PrinterOfflineError:
            condition = None
        if condition is not None and condition.answered:
            return condition
        await self.transport.close()
        await self.transport.open()  # raises PrinterOfflineError when it is really gone
        return await self._ask_condition()

    async def _ask_condition(self) -> PrinterCondition:
        if not self._open:
            raise PrinterOfflineError(f"{self.transport.description} is not open")
        if not self.transport.bidirectional:
            return PrinterCondition(
                answered=True,
                online=True,
                paper="unknown",
                problems=(f"{self.transport.description} takes data only: no status",),
            )
        await self.transport.discard_input()
        printer = await self._ask(1)
        if printer is None:
            return parse_status(StatusBytes(None, None, None))
        return parse_status(StatusBytes(printer, await self._ask(2), await self._ask(4)))

    async def print_document(self, document: Document) -> None:
        try:
            data = encode_document(document, self.model, self.code_pages, self.columns)
        except ValueError as error:
            raise PrinterError(f"receipt cannot be printed: {error}") from error
        async with self._lock:
            self._raise_unless_ready(await self._condition(), "before printing")
            await self.transport.write(data)
            after = await self._condition()
        if after.paper == "out":
            raise PaperOutError(
                f"{self.transport.description}: paper ran out while printing; the receipt is"
                " incomplete: load a new roll"
            )
        if not after.online:
            detail = "; ".join(after.problems)
            raise PrinterError(f"{self.transport.description} after printing: {detail}")
        if after.paper == "low":
            log.warning("%s: paper near end: replace the roll soon", self.transport.description)

    def _raise_unless_ready(self, condition: PrinterCondition, when: str) -> None:
        where = f"{self.transport.description} {when}"
        detail = "; ".join(condition.problems)
        if not condition.answered:
            raise PrinterOfflineError(f"{where}: {detail}")
        if condition.paper == "out":
            raise PaperOutError(f"{where}: {detail}")
        if condition.cover_open:
            raise CoverOpenError(f"{where}: {detail}")
        if not condition.online or condition.error:
            raise PrinterError(f"{where}: {detail}")
