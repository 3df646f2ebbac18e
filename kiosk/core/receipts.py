"""Receipts as data: what a patron takes home, on paper, by e-mail, or not at all.

Why data and not text: the UI renders the receipt in the patron's language, the printer driver
renders it as ESC/POS, the e-mail sender as plain text. The core decides only the content. Card
numbers are masked here, once, so no renderer can leak them (by :func:`kiosk.privacy.mask_card`,
re-exported here for the core's callers).
"""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from drivers.printer.contract import Document, Line
from kiosk.privacy import mask_card

if TYPE_CHECKING:
    from email.message import EmailMessage

__all__ = [
    "Receipt",
    "ReceiptChoice",
    "ReceiptEntry",
    "ReceiptSender",
    "SmtpReceiptSender",
    "mask_card",
    "receipt_document",
    "receipt_lines",
    "receipt_text",
]


class ReceiptChoice(enum.Enum):
    PRINT = "print"
    EMAIL = "email"
    NONE = "none"


@dataclass(frozen=True, slots=True, kw_only=True)
class ReceiptEntry:
    """One line item: what happened to which item. ``note`` is e.g. the return destination."""

    action: str  # "borrowed" | "renewed" | "returned" | "left_for_staff" | "refused"
    item_id: str
    title: str
    due_date: datetime | None = None
    note: str = ""
    attention: str = ""  # "security_not_cleared": lent, but the alarm tag is still on


@dataclass(frozen=True, slots=True, kw_only=True)
class Receipt:
    library_name: str
    branch_name: str
    masked_card: str | None
    created: datetime
    entries: tuple[ReceiptEntry, ...] = ()
    footer: tuple[str, ...] = ()  # print lines from the library system
    language: str = "en"
    labels: dict[str, str] = field(default_factory=dict)  # optional translated headings


_DEFAULT_LABELS = {
    "borrowed": "Borrowed",
    "renewed": "Renewed",
    "returned": "Returned",
    "refused": "Not lent",
    "left_for_staff": "Left for staff",
    "due": "Due",
    "card": "Card",
    "security_not_cleared": "Security tag still on: show it at the desk",
}


def _label(receipt: Receipt, key: str) -> str:
    return receipt.labels.get(key, _DEFAULT_LABELS[key])


def receipt_lines(receipt: Receipt) -> list[Line]:
    lines = [
        Line(receipt.library_name, bold=True, size="large", align="center"),
        Line(receipt.branch_name, align="center"),
        Line(receipt.created.strftime("%Y-%m-%d %H:%M"), align="center"),
    ]
    if receipt.masked_card:
        lines.append(Line(f"{_label(receipt, 'card')}: {receipt.masked_card}"))
    lines.append(Line(""))
    for entry in receipt.entries:
        lines.append(Line(f"{_label(receipt, entry.action)}: {entry.title or entry.item_id}"))
        lines.append(Line(f"  {entry.item_id}"))
        if entry.due_date is not None:
            lines.append(Line(f"  {_label(receipt, 'due')}: {entry.due_date:%Y-%m-%d}", bold=True))
        if entry.note:
            lines.append(Line(f"  {entry.note}"))
        if entry.attention:
            lines.append(Line(f"  {_label(receipt, entry.attention)}", bold=True))
    if receipt.footer:
        lines.append(Line(""))
        lines.extend(Line(text) for text in receipt.footer)
    return lines


def receipt_document(receipt: Receipt) -> Document:
    """The receipt for the printer driver."""
    return Document(lines=receipt_lines(receipt))


def receipt_text(receipt: Receipt) -> str:
    """The receipt as plain text (e-mail body, logs of the demo)."""
    return "\n".join(line.text for line in receipt_lines(receipt)) + "\n"


class ReceiptSender(Protocol):
    """Sends a receipt by e-mail. Pluggable: SMTP below, anything else in a library's setup."""

    async def send(self, receipt: Receipt, to_address: str) -> None: ...


@dataclass(slots=True)
class SmtpReceiptSender:
    """Plain SMTP (optionally STARTTLS + login), run in a worker thread to keep the loop free."""

    host: str
    port: int = 25
    sender: str = "kiosk@localhost"
    subject: str = "Library receipt"
    starttls: bool = False
    username: str | None = None
    password: str | None = None
    timeout_s: float = 10.0

    async def send(self, receipt: Receipt, to_address: str) -> None:
        # The e-mail modules (and the TLS stack under them, ~6 MB) load with the first receipt
        # sent, not with every kiosk.
        from email.message import EmailMessage

        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = to_address
        message["Subject"] = self.subject
        message.set_content(receipt_text(receipt))
        await asyncio.to_thread(self._send_blocking, message)

    def _send_blocking(self, message: EmailMessage) -> None:
        import smtplib

        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username is not None:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)
