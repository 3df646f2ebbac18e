"""Receipts as data: masked card numbers, printer documents, pluggable e-mail."""

from __future__ import annotations

import asyncio
from datetime import datetime

from drivers.printer.contract import Document
from kiosk.core import Receipt, ReceiptEntry, SmtpReceiptSender, mask_card, receipt_document


def make_receipt() -> Receipt:
    return Receipt(
        library_name="Hälsingebiblioteken",
        branch_name="Bollnäs huvudbibliotek",
        masked_card=mask_card("2150000001"),
        created=datetime(2026, 11, 22, 14, 5),
        entries=(
            ReceiptEntry(
                action="borrowed",
                item_id="3000000011",
                title="Röda rummet",
                due_date=datetime(2026, 12, 20),
            ),
            ReceiptEntry(
                action="returned",
                item_id="3000000003",
                title="Utvandrarna",
                note="Söderhamns stadsbibliotek",
            ),
        ),
    )


def test_card_numbers_keep_only_the_last_four_digits() -> None:
    assert mask_card("2150000001") == "••••••0001"
    assert mask_card("E004015000000001") == "••••••••••••0001"
    assert mask_card("123") == "••3"


def test_the_printer_gets_a_document_without_the_full_card_number() -> None:
    document = receipt_document(make_receipt())
    assert isinstance(document, Document)
    text = "\n".join(line.text for line in document.lines)
    assert "2150000001" not in text and "0001" in text
    assert "Röda rummet" in text and "2026-12-20" in text
    assert "Söderhamns stadsbibliotek" in text


class SmtpSink:
    """A minimal real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(b"220 sink\r\n")
        data: list[bytes] = []
        in_data = False
        while line := await reader.readline():
            if in_data:
                if line == b".\r\n":
                    in_data = False
                    self.messages.append(b"".join(data).decode())
                    writer.write(b"250 ok\r\n")
                else:
                    data.append(line)
                continue
            command = line[:4].upper()
            if command in (b"EHLO", b"HELO"):
                writer.write(b"250 sink\r\n")
            elif command == b"DATA":
                in_data = True
                writer.write(b"354 go\r\n")
            elif command == b"QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 ok\r\n")
            await writer.drain()
        writer.close()


async def test_receipts_are_sent_by_smtp() -> None:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        sender = SmtpReceiptSender(host="127.0.0.1", port=port, sender="kiosk@bib.example")
        await sender.send(make_receipt(), "asa.oberg@example.se")
    assert len(sink.messages) == 1
    message = sink.messages[0]
    assert "To: asa.oberg@example.se" in message
    assert "2150000001" not in message
