"""A safe end of a visit: no armed loan in the patron's hands without them knowing, a printer
that cannot print is not offered, and what one patron leaves on the pad is not lent to the next
without asking (issue 14, "unsafe ends")."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from drivers.printer import SimulatedPrinter
from kiosk.core import (
    EndReason,
    FinishHeld,
    ItemBorrowed,
    ItemDescribed,
    ItemLeftOnPad,
    ItemRefused,
    ItemReturned,
    Mode,
    Reason,
    ReceiptChoice,
    ReceiptFailed,
    ReceiptReady,
    SecurityNotCleared,
    SentToStaff,
    SessionEnded,
)
from kiosk.ils.journal import Attention
from tests.core.fixtures import Rig, kiosk_rig

BOOK, OTHER_BOOK = "3000000011", "3000000012"
REFERENCE_BOOK = "3000000010"  # its tag says: not for circulation
RETURNED_BOOK = "3000000001"  # on loan in the demo data, returned here


@contextlib.asynccontextmanager
async def with_printer(rig: Rig, folder: Path) -> AsyncIterator[SimulatedPrinter]:
    printer = SimulatedPrinter(folder, png=False)
    await printer.open()
    rig.kiosk.printer = printer
    try:
        yield printer
    finally:
        await printer.close()


async def _lend_with_a_failing_security_write(rig: Rig, item: str = BOOK) -> None:
    rig.sim.faults.fail_writes(rig.tags(item)[0].uid, times=50)
    await rig.login()
    rig.place(item)
    await rig.kiosk.start_borrow()
    await rig.events.wait(SecurityNotCleared, item_id=item)


# ------------------------------------------------------------------ armed loans hold "finish"


async def test_finish_waits_while_a_loan_still_has_its_security_on(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await _lend_with_a_failing_security_write(rig)
        await rig.kiosk.finish()
        held = await rig.events.wait(FinishHeld)
        assert [ref.item_id for ref in held.items] == [BOOK]
        assert rig.kiosk.mode is Mode.BORROW and not rig.events.of(SessionEnded)
        # Placed on the pad again (the reader works now): the loan is finished, and so may
        # the visit be.
        rig.sim.faults.clear()
        rig.take(BOOK)
        await rig.settle()
        rig.place(BOOK, secured=True)
        await rig.events.wait(ItemBorrowed, item_id=BOOK)
        assert not rig.secured(BOOK)
        await rig.kiosk.finish()
        assert (await rig.events.wait(SessionEnded)).reason is EndReason.PATRON


async def test_a_patron_sent_to_the_staff_gets_a_slip_a_true_receipt_and_a_staff_list_entry(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig, with_printer(rig, tmp_path / "out") as printer:
        await _lend_with_a_failing_security_write(rig)
        await rig.kiosk.finish()
        await rig.events.wait(FinishHeld)
        await rig.kiosk.seek_staff()
        sent = await rig.events.wait(SentToStaff)
        assert sent.slip_printed and [ref.item_id for ref in sent.items] == [BOOK]
        slip = " ".join(printer.receipts[-1].text.split())  # large print wraps its lines
        assert "show this slip at the desk" in slip and BOOK in slip
        [entry] = [e for e in rig.journal.entries() if e.item_id == BOOK]
        assert rig.journal.get(entry.id).attention is Attention.SECURITY_UNRESOLVED
        await rig.kiosk.finish()  # no longer held: the patron knows, and so do the staff
        ready = await rig.events.wait(ReceiptReady)
        [line] = [e for e in ready.receipt.entries if e.item_id == BOOK]
        assert line.action == "borrowed" and line.attention == "security_not_cleared"


async def test_a_visit_that_ends_with_an_armed_loan_puts_it_on_the_staffs_list(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await _lend_with_a_failing_security_write(rig)
        await rig.kiosk.end_session(EndReason.TIMEOUT)  # the patron walked away
        await rig.events.wait(SessionEnded)
        [entry] = [e for e in rig.journal.entries() if e.item_id == BOOK]
        assert rig.journal.get(entry.id).attention is Attention.SECURITY_UNRESOLVED


# ---------------------------------------------------------------------- the receipt printer


async def test_a_printer_out_of_paper_is_not_offered_and_the_patron_sees_why(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig, with_printer(rig, tmp_path / "out") as printer:
        printer.device.paper = "out"
        await rig.login()
        await rig.borrow(BOOK)
        await rig.kiosk.finish()
        ready = await rig.events.wait(ReceiptReady)
        assert not ready.print_available
        assert ready.printer is not None and ready.printer.paper == "out"
        assert rig.kiosk.mode is Mode.RECEIPT  # the visit's loans and due dates stay on screen
        await rig.kiosk.choose_receipt(ReceiptChoice.NONE)
        await rig.events.wait(SessionEnded)


async def test_a_print_that_fails_is_told_and_the_patron_chooses_again(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig, with_printer(rig, tmp_path / "out") as printer:
        await rig.login()
        await rig.borrow(BOOK)
        await rig.kiosk.finish()
        first = await rig.events.wait(ReceiptReady)
        assert first.print_available
        printer.device.paper_lines = 2  # the roll runs out in the middle of the receipt
        rig.events.clear()
        await rig.kiosk.choose_receipt(ReceiptChoice.PRINT)
        await rig.events.wait(ReceiptFailed, how="print")
        again = await rig.events.wait(ReceiptReady)
        assert not again.print_available and not rig.events.of(SessionEnded)
        assert rig.kiosk.mode is Mode.RECEIPT
        await rig.kiosk.choose_receipt(ReceiptChoice.NONE)
        assert (await rig.events.wait(SessionEnded)).reason is EndReason.PATRON


# ------------------------------------------------------------------ what is left on the pad


async def _return_and_leave_it_on_the_pad(rig: Rig) -> None:
    rig.place(RETURNED_BOOK, secured=False)
    await rig.kiosk.start_return()
    await rig.events.wait(ItemReturned, item_id=RETURNED_BOOK)
    await rig.kiosk.finish()
    await rig.events.wait(SessionEnded)
    rig.events.clear()


async def _next_patron_is_asked_about_the_return_left_on_the_pad(rig: Rig) -> ItemLeftOnPad:
    """A return left on the pad, then the next patron logs in and starts borrowing."""
    await _return_and_leave_it_on_the_pad(rig)
    await rig.login()
    await rig.kiosk.start_borrow()
    return await rig.events.wait(ItemLeftOnPad, item_id=RETURNED_BOOK)


async def test_a_return_left_on_the_pad_is_not_lent_to_the_next_patron_who_says_no(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        left = await _next_patron_is_asked_about_the_return_left_on_the_pad(rig)
        assert left.item_id == RETURNED_BOOK
        await rig.settle()
        assert rig.acs.model.item(RETURNED_BOOK).loan is None  # asked, not lent
        described = await rig.events.wait(ItemDescribed, item_id=RETURNED_BOOK)
        assert described.title == rig.acs.model.item(RETURNED_BOOK).title
        await rig.kiosk.confirm_left_items(False)
        refused = await rig.events.wait(ItemRefused, item_id=RETURNED_BOOK)
        assert refused.reason is Reason.LEFT_ON_PAD
        rig.place(BOOK)  # the patron's own book is lent as ever
        await rig.events.wait(ItemBorrowed, item_id=BOOK)
        await rig.settle()
        assert rig.acs.model.item(RETURNED_BOOK).loan is None


async def test_items_left_on_the_pad_are_lent_when_the_patron_says_they_are_theirs(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await _next_patron_is_asked_about_the_return_left_on_the_pad(rig)
        await rig.kiosk.confirm_left_items(True)
        await rig.events.wait(ItemBorrowed, item_id=RETURNED_BOOK)
        assert rig.acs.model.item(RETURNED_BOOK).loan is not None


async def test_loans_left_on_the_pad_are_counted_at_the_goodbye_and_asked_about_after(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        await rig.borrow(BOOK)
        await rig.kiosk.finish()
        ended = await rig.events.wait(SessionEnded)
        assert ended.items_on_pad == 1  # the goodbye reminds the patron to take it
        rig.events.clear()
        await rig.login("2150000002", "2345")
        await rig.kiosk.start_borrow()
        await rig.events.wait(ItemLeftOnPad, item_id=BOOK)
        await rig.settle()
        assert rig.acs.model.item(BOOK).loan.patron == "2150000001"


async def test_an_item_taken_off_the_pad_and_placed_again_is_an_ordinary_loan(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await _next_patron_is_asked_about_the_return_left_on_the_pad(rig)
        rig.take(RETURNED_BOOK)
        refused = await rig.events.wait(ItemRefused, item_id=RETURNED_BOOK)
        assert refused.reason is Reason.LEFT_ON_PAD  # the question is withdrawn
        rig.place(RETURNED_BOOK, secured=True)  # the patron puts it down: theirs to borrow
        await rig.events.wait(ItemBorrowed, item_id=RETURNED_BOOK)


# ---------------------------------------------------------------------- titles, not barcodes


async def test_an_item_refused_at_the_pad_gets_its_title_from_the_library_system(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        refused = await rig.borrow_refused(REFERENCE_BOOK)
        assert refused.reason is Reason.NOT_FOR_LOAN and refused.title == ""
        described = await rig.events.wait(ItemDescribed, item_id=REFERENCE_BOOK)
        assert described.title == rig.acs.model.item(REFERENCE_BOOK).title


async def test_an_unknown_return_is_left_for_staff_on_the_receipt_not_returned(tmp_path) -> None:
    from drivers.rfid import tag_for_item

    async with kiosk_rig(tmp_path) as rig, with_printer(rig, tmp_path / "out"):
        await rig.kiosk.start_return()
        rig.sim.place(tag_for_item("3999999999", "SE-BOL", secured=False))
        rig.place(RETURNED_BOOK, secured=False)
        await rig.events.wait(ItemReturned, item_id="3999999999")
        await rig.events.wait(ItemReturned, item_id=RETURNED_BOOK)
        await rig.kiosk.finish()
        ready = await rig.events.wait(ReceiptReady)
        actions = {e.item_id: e.action for e in ready.receipt.entries}
        assert actions == {"3999999999": "left_for_staff", RETURNED_BOOK: "returned"}
