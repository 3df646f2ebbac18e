"""Privacy: a whole visit leaves no PIN, patron name or full card number in the logs."""

from __future__ import annotations

import logging

from kiosk.core import ItemBorrowed, ItemReturned
from kiosk.ils.port import LoanRequest, RenewRequest
from tests.core.fixtures import PATRON, PIN, kiosk_rig


async def test_a_visit_logs_no_pin_name_or_card_number(tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify(PATRON)
        await rig.kiosk.enter_pin("9999")  # a wrong PIN first
        await rig.kiosk.enter_pin(PIN)
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        await rig.events.wait(ItemBorrowed, item_id="3000000011")
        rig.take("3000000011")
        rig.place("3000000005", secured=False)  # a hold for someone else: names on slips
        await rig.kiosk.start_return()
        await rig.events.wait(ItemReturned, item_id="3000000005")
        await rig.kiosk.show_account()
        await rig.kiosk.end_session()
        entries = rig.journal.entries()
        assert entries and all(e.patron_id is None or e.patron_id.startswith("•") for e in entries)
    text = caplog.text
    assert PATRON not in text
    assert "AD1234" not in text and "AD9999" not in text
    assert "Åsa" not in text and "Öberg" not in text


def test_a_loan_or_renewal_request_shown_in_a_log_line_leaves_out_the_pin() -> None:
    for request in (
        LoanRequest(patron_id="2150000001", item_id="3000000011", pin="4711"),
        RenewRequest(patron_id="2150000001", item_id="3000000011", pin="4711"),
    ):
        assert "4711" not in repr(request) and "3000000011" in repr(request)
