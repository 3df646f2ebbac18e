"""The end of a visit: the receipt offered, printed or skipped, and the patron forgotten."""

from __future__ import annotations

import asyncio

from drivers.printer import SimulatedPrinter
from kiosk import core
from tests.core.fixtures import kiosk_rig
from tests.core.test_receipts import SmtpSink


async def test_a_printed_receipt_lists_the_visit_with_a_masked_card(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        printer = SimulatedPrinter(tmp_path / "receipts", png=False)
        await printer.open()
        rig.kiosk.printer = printer
        await rig.login()
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        await rig.events.wait(core.ItemBorrowed, item_id="3000000011")
        rig.take("3000000011")
        rig.place("3000000001", secured=False)
        await rig.kiosk.start_return()
        await rig.events.wait(core.ItemReturned, item_id="3000000001")
        await rig.kiosk.finish()
        ready = await rig.events.wait(core.ReceiptReady)
        assert rig.kiosk.mode is core.Mode.RECEIPT and ready.print_available
        actions = [(e.action, e.item_id) for e in ready.receipt.entries]
        assert ("borrowed", "3000000011") in actions and ("returned", "3000000001") in actions
        await rig.kiosk.choose_receipt(core.ReceiptChoice.PRINT)
        await rig.events.wait(core.ReceiptDelivered, how="print")
        assert (await rig.events.wait(core.SessionEnded)).reason is core.EndReason.PATRON
        printed = "\n".join(p.read_text() for p in (tmp_path / "receipts").glob("*.txt"))
        assert "Röda rummet" in printed and "0001" in printed and "2150000001" not in printed
        await printer.close()


async def test_no_receipt_ends_the_visit_at_once(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        await rig.kiosk.finish()  # nothing happened: nothing to print
        assert (await rig.events.wait(core.SessionEnded)).reason is core.EndReason.PATRON
        assert rig.kiosk.mode is core.Mode.IDLE


async def test_an_emailed_receipt_goes_to_the_patrons_address(tmp_path) -> None:
    sink = SmtpSink()
    server = await asyncio.start_server(sink.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server, kiosk_rig(tmp_path, receipt_email=True) as rig:
        rig.kiosk.receipt_sender = core.SmtpReceiptSender(host="127.0.0.1", port=port)
        await rig.login()
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        await rig.events.wait(core.ItemBorrowed, item_id="3000000011")
        await rig.kiosk.finish()
        ready = await rig.events.wait(core.ReceiptReady)
        assert ready.email_available
        await rig.kiosk.choose_receipt(core.ReceiptChoice.EMAIL)  # to the address on file
        await rig.events.wait(core.ReceiptDelivered, how="email")
    assert len(sink.messages) == 1 and "To: asa.oberg@example.se" in sink.messages[0]


async def test_staff_can_print_a_test_receipt(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        printer = SimulatedPrinter(tmp_path / "receipts", png=False)
        await printer.open()
        rig.kiosk.printer = printer
        assert not (await rig.kiosk.staff_print_test()).printed  # not in staff mode
        assert await rig.kiosk.staff_enter("2468")
        assert (await rig.kiosk.staff_print_test()).printed
        printed = "\n".join(p.read_text() for p in (tmp_path / "receipts").glob("*.txt"))
        assert "ÅÄÖ" in printed
        status = await rig.kiosk.staff_status()
        assert status.printer is not None and status.printer.online
        await printer.close()
