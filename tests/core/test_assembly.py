"""The composition root: a whole kiosk from a configuration file, as `kiosk demo` builds it."""

from __future__ import annotations

import asyncio

from drivers.cards import PcscDaemon
from drivers.printer.testpage import build_test_page
from kiosk.assembly import demo_item_tags, open_kiosk
from kiosk.config import load_config
from kiosk.core import ItemBorrowed, ItemReturned, ReturnKind, SessionStarted
from tests.core.fixtures import EventLog

CONFIG = """
[kiosk]
id = "test-bollnas-1"
library = "SE-BOL"
library_name = "Bollnäs bibliotek"
branch = "BOL-HB"
branch_name = "Bollnäs huvudbibliotek"
state_dir = "{state}"

[ils]
embedded = true

[ils.sip2]
user = "kiosk-bol-hb"
password = "pw-bol-hb"
location_code = "BOL-HB-K1"
pool_size = 4

[policy]
pin = "always"
offline = "returns-and-loans"

[hardware.printer]
type = "none"
"""


async def test_a_configured_kiosk_lends_and_takes_back(tmp_path) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state"), encoding="utf-8")
    config = load_config(path, env={})
    async with open_kiosk(config, simulator_timing=False, replay_interval_s=0.5) as running:
        assert running.ils.online and running.recovery is not None
        kiosk, model = running.kiosk, running.acs.model
        assert kiosk.settings.branch_names["SOD-HB"]  # the branch directory of the consortium
        log = EventLog(kiosk)
        await kiosk.identify("2150000001")
        await kiosk.enter_pin("1234")
        await log.wait(SessionStarted)
        running.simulator.place(*demo_item_tags(model, "3000000012"))
        await kiosk.start_borrow()
        await log.wait(ItemBorrowed, item_id="3000000012")
        for tag in demo_item_tags(model, "3000000012"):
            running.simulator.remove(tag.uid)
        running.simulator.place(*demo_item_tags(model, "3000000003"))
        await kiosk.start_return()
        returned = await log.wait(ItemReturned, item_id="3000000003")
        assert returned.outcome.kind is ReturnKind.OTHER_LIBRARY
        await kiosk.end_session()
        assert running.statistics.total(action="borrow") == 1
        assert running.statistics.summary(("library", "action")) == [
            ("SE-BOL", "borrow", 1),
            ("SE-SOD", "return", 1),
        ]
    assert (tmp_path / "state" / "journal.db").exists()


async def test_items_just_lent_are_not_returned_when_the_patron_switches_to_returns(
    tmp_path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state"), encoding="utf-8")
    async with open_kiosk(load_config(path, env={}), simulator_timing=False) as running:
        kiosk, model = running.kiosk, running.acs.model
        log = EventLog(kiosk)
        await kiosk.identify("2150000001")
        await kiosk.enter_pin("1234")
        running.simulator.place(*demo_item_tags(model, "3000000012"))
        await kiosk.start_borrow()
        await log.wait(ItemBorrowed, item_id="3000000012")
        await kiosk.start_return()  # the loan still lies on the pad
        await asyncio.sleep(0.3)
        await kiosk.wait_idle()
        assert not log.of(ItemReturned)
        assert model.item("3000000012").loan is not None


async def test_items_just_returned_are_not_lent_again_when_the_patron_switches_to_borrowing(
    tmp_path,
) -> None:
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state"), encoding="utf-8")
    async with open_kiosk(load_config(path, env={}), simulator_timing=False) as running:
        kiosk, model = running.kiosk, running.acs.model
        log = EventLog(kiosk)
        await kiosk.identify("2150000001")
        await kiosk.enter_pin("1234")
        await log.wait(SessionStarted)
        running.simulator.place(*demo_item_tags(model, "3000000001"))  # on loan to her
        await kiosk.start_return()
        await log.wait(ItemReturned, item_id="3000000001")
        await kiosk.start_borrow()  # the returned book still lies on the pad
        await asyncio.sleep(0.3)
        await kiosk.wait_idle()
        assert not log.of(ItemBorrowed)
        assert model.item("3000000001").loan is None


async def test_a_missing_card_reader_or_printer_does_not_stop_the_kiosk(
    tmp_path, pcscd: PcscDaemon
) -> None:
    path = tmp_path / "kiosk.toml"
    broken = CONFIG.replace(
        '[hardware.printer]\ntype = "none"',
        '[hardware.printer]\ntype = "escpos-network"\naddress = "127.0.0.1:9"\n\n'
        '[hardware.card_reader]\ntype = "pcsc"\nreader_pattern = "No such reader"',
    )
    path.write_text(broken.format(state=tmp_path / "state"), encoding="utf-8")
    async with open_kiosk(load_config(path, env={}), simulator_timing=False) as running:
        assert running.card_reader is None
        assert "card reader" in running.device_errors
        log = EventLog(running.kiosk)
        await running.kiosk.identify("2150000001")
        await running.kiosk.enter_pin("1234")
        await log.wait(SessionStarted)


async def test_a_file_printer_appends_each_receipt_to_its_spool_file(tmp_path) -> None:
    path = tmp_path / "kiosk.toml"
    spool = tmp_path / "receipts.bin"
    with_file_printer = CONFIG.replace(
        '[hardware.printer]\ntype = "none"',
        f'[hardware.printer]\ntype = "file"\naddress = "{spool}"',
    )
    path.write_text(with_file_printer.format(state=tmp_path / "state"), encoding="utf-8")
    async with open_kiosk(load_config(path, env={}), simulator_timing=False) as running:
        assert running.printer is not None, running.device_errors
        await running.printer.print_document(build_test_page("file", ["cp865"]))
        await running.printer.print_document(build_test_page("file", ["cp865"]))
    printed = spool.read_bytes()
    assert printed.count(b"Test page") == 2  # appended, not overwritten
