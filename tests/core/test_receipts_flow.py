"""The end of a visit: the receipt offered, printed or skipped, and the patron forgotten."""

from __future__ import annotations

from drivers.printer import SimulatedPrinter
from kiosk.core import (
    EndReason,
    ItemBorrowed,
    ItemReturned,
    Mode,
    ReceiptChoice,
    ReceiptDelivered,
    ReceiptReady,
    SessionEnded,
)
from tests.core.fixtures import kiosk_rig


async def test_a_printed_receipt_lists_the_visit_with_a_masked_card(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        printer = SimulatedPrinter(tmp_path / "receipts", png=False)
        await printer.open()
        rig.kiosk.printer = printer
        await rig.login()
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        await rig.events.wait(ItemBorrowed, item_id="3000000011")
        rig.take("3000000011")
        rig.place("3000000001", secured=False)
        await rig.kiosk.start_return()
        await rig.events.wait(ItemReturned, item_id="3000000001")
        await rig.kiosk.finish()
        ready = await rig.events.wait(ReceiptReady)
        assert rig.kiosk.mode is Mode.RECEIPT and ready.print_available
        actions = [(e.action, e.item_id) for e in ready.receipt.entries]
        assert ("borrowed", "3000000011") in actions and ("returned", "3000000001") in actions
        await rig.kiosk.choose_receipt(ReceiptChoice.PRINT)
        await rig.events.wait(ReceiptDelivered, how="print")
        assert (await rig.events.wait(SessionEnded)).reason is EndReason.PATRON
        printed = "\n".join(p.read_text() for p in (tmp_path / "receipts").glob("*.txt"))
        assert "Röda rummet" in printed and "0001" in printed and "2150000001" not in printed
        await printer.close()


async def test_no_receipt_ends_the_visit_at_once(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        await rig.kiosk.finish()  # nothing happened: nothing to print
        assert (await rig.events.wait(SessionEnded)).reason is EndReason.PATRON
        assert rig.kiosk.mode is Mode.IDLE
