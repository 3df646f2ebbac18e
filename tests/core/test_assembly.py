"""The composition root: a whole kiosk from a configuration file, as `kiosk demo` builds it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from drivers.cards import PcscDaemon
from drivers.printer.testpage import build_test_page
from kiosk.assembly import RunningKiosk, demo_item_tags, open_kiosk
from kiosk.config import load_config
from kiosk.core import ItemBorrowed, ItemReturned, Kiosk, KioskEvent
from tests.core.configs import EMBEDDED_SIP2, KIOSK, POLICY_AND_HARDWARE
from tests.core.fixtures import lend_and_take_back, logged_in

CONFIG = KIOSK + EMBEDDED_SIP2 + "pool_size = 4\n" + POLICY_AND_HARDWARE


@contextlib.asynccontextmanager
async def configured_kiosk(
    tmp_path: Path, config: str = CONFIG, **options: Any
) -> AsyncIterator[RunningKiosk]:
    """The kiosk ``config`` describes, built as ``kiosk demo`` builds it (state in tmp_path)."""
    path = tmp_path / "kiosk.toml"
    path.write_text(config.format(state=tmp_path / "state"), encoding="utf-8")
    async with open_kiosk(load_config(path, env={}), simulator_timing=False, **options) as running:
        yield running


async def test_a_configured_kiosk_lends_and_takes_back(tmp_path) -> None:
    async with configured_kiosk(tmp_path, replay_interval_s=0.5) as running:
        assert running.ils.online and running.recovery is not None
        kiosk, model = running.kiosk, running.acs.model
        assert kiosk.settings.branch_names["SOD-HB"]  # the branch directory of the consortium
        await lend_and_take_back(running, model, await logged_in(kiosk))
        await kiosk.end_session()
        assert running.statistics.total(action="borrow") == 1
        assert running.statistics.summary(("library", "action")) == [
            ("SE-BOL", "borrow", 1),
            ("SE-SOD", "return", 1),
        ]
    assert (tmp_path / "state" / "journal.db").exists()


@pytest.mark.parametrize(
    ("item", "first", "done", "then", "not_done", "lent"),
    [
        ("3000000012", Kiosk.start_borrow, ItemBorrowed, Kiosk.start_return, ItemReturned, True),
        # 3000000001 is on loan to her
        ("3000000001", Kiosk.start_return, ItemReturned, Kiosk.start_borrow, ItemBorrowed, False),
    ],
    ids=["lent-are-not-returned", "returned-are-not-lent-again"],
)
async def test_items_just_handled_stay_so_when_the_patron_switches_with_them_on_the_pad(
    tmp_path,
    item: str,
    first: Callable[[Kiosk], Awaitable[None]],
    done: type[KioskEvent],
    then: Callable[[Kiosk], Awaitable[None]],
    not_done: type[KioskEvent],
    lent: bool,
) -> None:
    async with configured_kiosk(tmp_path) as running:
        kiosk, model = running.kiosk, running.acs.model
        log = await logged_in(kiosk)
        running.simulator.place(*demo_item_tags(model, item))
        await first(kiosk)
        await log.wait(done, item_id=item)
        await then(kiosk)  # the item still lies on the pad
        await asyncio.sleep(0.3)
        await kiosk.wait_idle()
        assert not log.of(not_done)
        assert (model.item(item).loan is not None) is lent


async def test_a_missing_card_reader_or_printer_does_not_stop_the_kiosk(
    tmp_path, pcscd: PcscDaemon
) -> None:
    broken = CONFIG.replace(
        '[hardware.printer]\ntype = "none"',
        '[hardware.printer]\ntype = "escpos-network"\naddress = "127.0.0.1:9"\n\n'
        '[hardware.card_reader]\ntype = "pcsc"\nreader_pattern = "No such reader"',
    )
    async with configured_kiosk(tmp_path, broken) as running:
        assert running.card_reader is None
        assert "card reader" in running.device_errors
        await logged_in(running.kiosk)


async def test_a_file_printer_appends_each_receipt_to_its_spool_file(tmp_path) -> None:
    spool = tmp_path / "receipts.bin"
    with_file_printer = CONFIG.replace(
        '[hardware.printer]\ntype = "none"',
        f'[hardware.printer]\ntype = "file"\naddress = "{spool}"',
    )
    async with configured_kiosk(tmp_path, with_file_printer) as running:
        assert running.printer is not None, running.device_errors
        await running.printer.print_document(build_test_page("file", ["cp865"]))
        await running.printer.print_document(build_test_page("file", ["cp865"]))
    printed = spool.read_bytes()
    assert printed.count(b"Test page") == 2  # appended, not overwritten
