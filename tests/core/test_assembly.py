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
from kiosk.assembly import RunningKiosk, demo_item_tags, kiosk_settings, open_basics, open_kiosk
from kiosk.config import load_config
from kiosk.core import ItemBorrowed, ItemReturned, Kiosk, KioskEvent
from kiosk.core.recovery import RecoveryAction
from kiosk.core.security import SecurityWriter
from kiosk.core.shared_reader import SharedReader
from kiosk.ils.journal import EntryKind
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


async def test_start_up_recovery_finishes_a_return_left_on_the_pad_as_the_offline_policy_allows(
    tmp_path,
) -> None:
    # The kiosk stopped in the middle of a return: journalled, never answered, the item left
    # on the pad with its tag unarmed. On start-up the library system takes no check-ins, and
    # the kiosk's offline policy takes returns: the return is queued as an offline return and
    # the tag armed now, as a return made during the outage would be (not left until a restart).
    path = tmp_path / "kiosk.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state"), encoding="utf-8")
    config = load_config(path, env={})
    async with contextlib.AsyncExitStack() as stack:
        basics = await open_basics(
            config, stack, settings=kiosk_settings(config), simulator_timing=False
        )
        assert basics.simulator is not None and basics.offline.may_return()
        item = "3000000001"  # on loan to the test patron: her tag is unarmed
        [tag] = demo_item_tags(basics.acs.model, item)
        basics.simulator.place(tag)
        journal = basics.journal
        entry = await journal.call(journal.begin, EntryKind.CHECKIN, item, tag_uid=tag.uid)
        basics.acs.faults.update(offline=True)

        security = SecurityWriter(SharedReader(basics.reader), basics.settings.security)
        report = await basics.recover_half_done(security)

        assert report.actions(entry.id) == [
            RecoveryAction.RETURN_QUEUED_OFFLINE,
            RecoveryAction.SECURED,
        ]
        assert [queued.id for queued in await journal.call(journal.replay_queue)] == [entry.id]


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
