"""Opening hours and "out of service": the kiosk serves patrons only when the library says so,
and the clock never cuts a visit short."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from drivers.printer import SimulatedPrinter
from kiosk.config import ConfigError, load_config
from kiosk.core import (
    Command,
    CommandRefused,
    InactivityWarning,
    ItemBorrowed,
    Mode,
    ReceiptChoice,
    ReceiptReady,
    ServiceChanged,
    SessionEnded,
)
from kiosk.opening import OpeningHours, parse_hours
from tests.core.fixtures import PATRON, Rig, kiosk_rig

WEEKDAYS_10_TO_19 = OpeningHours.from_config(
    {day: "10:00-19:00" for day in ("mon", "tue", "wed", "thu", "fri")} | {"sat": "10:00-14:00"}
)
FRIDAY_EVENING = datetime(2026, 12, 4, 19, 30)  # a Friday


def test_hours_are_read_as_libraries_write_them() -> None:
    assert parse_hours("08:00-12:00, 13:00-20:00") == parse_hours("13:00-20:00,8:00-12:00")
    assert parse_hours("") == ()
    assert WEEKDAYS_10_TO_19.is_open(datetime(2026, 12, 4, 18, 59))
    assert not WEEKDAYS_10_TO_19.is_open(FRIDAY_EVENING)
    assert not WEEKDAYS_10_TO_19.is_open(datetime(2026, 12, 6, 12, 0))  # Sunday: closed
    assert WEEKDAYS_10_TO_19.next_opening(FRIDAY_EVENING) == datetime(2026, 12, 5, 10, 0)
    assert OpeningHours.from_config({}).next_opening(FRIDAY_EVENING) is None
    assert parse_hours("20:00-24:00")[0][1] > parse_hours("20:00-23:59")[0][1]


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("10-19", "HH:MM-HH:MM"),
        ("19:00-10:00", "closes before it opens"),
        ("10:00-12:00, 11:00-13:00", "overlap"),
        ("25:00-26:00", "time of day"),
    ],
)
def test_wrong_hours_are_refused_with_the_key_named(tmp_path: Path, text: str, says: str) -> None:
    with pytest.raises(ValueError, match=says):
        parse_hours(text)
    config = tmp_path / "kiosk.toml"
    config.write_text(
        "[kiosk]\nid = 'k1'\nlibrary = 'SE-BOL'\nbranch = 'BOL-HB'\n"
        f"[kiosk.opening_hours]\nmon = '{text}'\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert "kiosk.opening_hours" in str(caught.value) and says in str(caught.value)


def _close_at(rig: Rig, moment: datetime, hours: OpeningHours = WEEKDAYS_10_TO_19) -> None:
    ctx = rig.kiosk.ctx
    ctx.settings = dataclasses.replace(ctx.settings, opening_hours=hours)
    ctx.clock = lambda: moment


async def test_outside_the_hours_the_kiosk_serves_staff_only(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        _close_at(rig, FRIDAY_EVENING)
        rig.kiosk.ctx.follow_opening_hours()
        closed = await rig.events.wait(ServiceChanged)
        assert not closed.open and closed.opens_at == datetime(2026, 12, 5, 10, 0)
        assert rig.kiosk.mode is Mode.CLOSED
        await rig.kiosk.identify(PATRON)
        await rig.events.wait(CommandRefused, command=Command.IDENTIFY)
        await rig.kiosk.start_return()
        await rig.events.wait(CommandRefused, command=Command.START_RETURN)
        assert await rig.kiosk.staff_enter("2468")  # staff still get in
        await rig.kiosk.staff_exit()
        assert rig.kiosk.mode is Mode.CLOSED  # and leave it closed
        rig.kiosk.ctx.clock = lambda: datetime(2026, 12, 5, 10, 0)  # Saturday morning
        rig.kiosk.ctx.follow_opening_hours()
        assert (await rig.events.wait(ServiceChanged, open=True)).open
        assert rig.kiosk.mode is Mode.IDLE


async def test_a_closed_kiosk_has_no_visit_to_time_out_or_end(tmp_path: Path) -> None:
    """Out of service from the start, with a short inactivity timeout: nothing to warn about,
    no visit ended again and again while it stands closed; a staff visit ends none either."""
    async with kiosk_rig(
        tmp_path, out_of_service=True, inactivity_timeout_s=0.3, inactivity_warning_s=0.2
    ) as rig:
        rig.kiosk.ctx.follow_opening_hours()
        assert rig.kiosk.mode is Mode.CLOSED
        await asyncio.sleep(1.0)  # three timeouts' worth of nobody touching the screen
        assert await rig.kiosk.staff_enter("2468")
        await rig.kiosk.staff_exit()
        assert rig.kiosk.mode is Mode.CLOSED
        assert not rig.events.of(InactivityWarning) and not rig.events.of(SessionEnded)


async def test_closing_time_never_cuts_a_visit_short(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.login()
        rig.place("3000000011")
        await rig.kiosk.start_borrow()
        _close_at(rig, FRIDAY_EVENING)  # 19:00 passes while the patron borrows
        rig.kiosk.ctx.follow_opening_hours()
        await rig.events.wait(ItemBorrowed, item_id="3000000011")
        assert rig.kiosk.mode is Mode.BORROW and not rig.events.of(ServiceChanged)
        await rig.kiosk.end_session()
        await rig.events.wait(SessionEnded)
        assert not (await rig.events.wait(ServiceChanged)).open  # closed once they left
        assert rig.kiosk.mode is Mode.CLOSED


async def test_the_receipt_ends_with_the_librarys_own_lines_in_the_patrons_language(
    tmp_path: Path,
) -> None:
    footer = {"sv": ("Tack för besöket!", "Öppet 10-19"), "en": ("Thank you!",)}
    async with kiosk_rig(tmp_path, receipt_footer=footer, default_language="sv") as rig:
        printer = SimulatedPrinter(tmp_path / "receipts", png=False)
        await printer.open()
        rig.kiosk.printer = printer
        await rig.login()
        rig.kiosk.set_language("en")
        await rig.borrow("3000000011")
        await rig.kiosk.finish()
        ready = await rig.events.wait(ReceiptReady)
        assert ready.receipt.footer == ("Thank you!",)
        await rig.kiosk.choose_receipt(ReceiptChoice.PRINT)
        await rig.events.wait(SessionEnded)
        printed = "\n".join(p.read_text() for p in (tmp_path / "receipts").glob("*.txt"))
        assert "Thank you!" in printed and "Tack" not in printed
        await printer.close()
