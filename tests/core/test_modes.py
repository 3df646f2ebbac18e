"""The table of modes: every command tried in every mode on a real kiosk.

A command the table refuses changes nothing (the mode stays, the library system is not asked)
and is answered with ``CommandRefused``; a command it takes is never answered so.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from drivers.printer import SimulatedPrinter
from kiosk.core import (
    RULES,
    Command,
    CommandRefused,
    ItemLeftOnPad,
    ItemRefused,
    Mode,
    ReceiptChoice,
    ReceiptReady,
    allowed,
)
from kiosk.ils.journal import Attention, EntryKind
from tests.core.fixtures import PATRON, PIN, Rig, kiosk_rig

REFERENCE_BOOK = "3000000010"  # its tag says: not for circulation (refused at the pad)


def test_the_table_has_a_rule_for_every_command_and_touching_is_always_taken() -> None:
    assert set(RULES) == set(Command)
    for mode in Mode:
        for patron in (True, False):
            assert allowed(Command.TOUCH, mode, patron=patron)
            assert allowed(Command.STAFF_ENTER, mode, patron=patron)


def test_an_identified_patron_cannot_be_replaced_by_another_card() -> None:
    for mode in Mode:
        assert not allowed(Command.IDENTIFY, mode, patron=True)


# --------------------------------------------------------------------------- the states


async def _identifying(rig: Rig) -> asyncio.Task[None]:
    await rig.kiosk.identify(PATRON)
    rig.acs.faults.update(latency_ms=1500)  # the PIN is being checked
    task = asyncio.get_running_loop().create_task(rig.kiosk.enter_pin(PIN))
    while rig.kiosk.mode is not Mode.IDENTIFYING:
        await asyncio.sleep(0.01)
    return task


async def _receipt(rig: Rig) -> None:
    if rig.kiosk.printer is None:
        rig.kiosk.printer = SimulatedPrinter(Path(rig.journal.path).parent / "receipts", png=False)
        await rig.kiosk.printer.open()
    await rig.login()
    rig.place(REFERENCE_BOOK)
    await rig.kiosk.start_borrow()
    await rig.settle()
    if rig.events.of(ItemLeftOnPad, item_id=REFERENCE_BOOK):  # the last visit left it there
        await rig.kiosk.confirm_left_items(True)
    await rig.events.wait(ItemRefused, item_id=REFERENCE_BOOK)
    await rig.kiosk.finish()
    await rig.events.wait(ReceiptReady)


async def _borrow(rig: Rig) -> None:
    await rig.login()
    await rig.kiosk.start_borrow()


async def _return_with_patron(rig: Rig) -> None:
    await rig.login()
    await rig.kiosk.start_return()


async def _account(rig: Rig) -> None:
    await rig.login()
    await rig.kiosk.show_account()


async def _pin(rig: Rig) -> None:
    await rig.kiosk.identify(PATRON)


async def _menu(rig: Rig) -> None:
    await rig.login()


async def _anonymous_return(rig: Rig) -> None:
    await rig.kiosk.start_return()


async def _staff(rig: Rig) -> None:
    assert await rig.kiosk.staff_enter("2468")


async def _idle(rig: Rig) -> None:
    pass


async def _closed(rig: Rig) -> None:
    """Out of service (as staff set it in the configuration), between visits."""
    ctx = rig.kiosk.ctx
    ctx.settings = dataclasses.replace(ctx.settings, out_of_service=True)
    ctx.follow_opening_hours()


STATES: dict[str, tuple[Callable[[Rig], Awaitable[Any]], Mode, bool]] = {
    "idle": (_idle, Mode.IDLE, False),
    "identifying": (_identifying, Mode.IDENTIFYING, False),
    "pin": (_pin, Mode.PIN, False),
    "menu": (_menu, Mode.MENU, True),
    "borrow": (_borrow, Mode.BORROW, True),
    "anonymous return": (_anonymous_return, Mode.RETURN, False),
    "return": (_return_with_patron, Mode.RETURN, True),
    "account": (_account, Mode.ACCOUNT, True),
    "receipt": (_receipt, Mode.RECEIPT, True),
    "staff": (_staff, Mode.STAFF, False),
    "closed": (_closed, Mode.CLOSED, False),
}


def _send(rig: Rig, command: Command, entry_id: str) -> Awaitable[Any]:
    kiosk = rig.kiosk
    calls: dict[Command, Callable[[], Awaitable[Any]]] = {
        Command.IDENTIFY: lambda: kiosk.identify("2150000002"),
        Command.ENTER_PIN: lambda: kiosk.enter_pin(PIN),
        Command.START_BORROW: kiosk.start_borrow,
        Command.START_RETURN: kiosk.start_return,
        Command.SHOW_ACCOUNT: kiosk.show_account,
        Command.RENEW: lambda: kiosk.renew([]),
        Command.ACKNOWLEDGE_FEE: lambda: kiosk.acknowledge_fee("3000000099", True),
        Command.RETRY: kiosk.retry,
        Command.FINISH: kiosk.finish,
        Command.SEEK_STAFF: kiosk.seek_staff,
        Command.CONFIRM_LEFT_ITEMS: lambda: kiosk.confirm_left_items(False),
        Command.CHOOSE_RECEIPT: lambda: kiosk.choose_receipt(ReceiptChoice.NONE),
        Command.END_SESSION: kiosk.end_session,
        Command.STAFF_ENTER: lambda: kiosk.staff_enter("2468"),
        Command.STAFF_EXIT: kiosk.staff_exit,
        Command.STAFF_STATUS: kiosk.staff_status,
        Command.STAFF_RESOLVE: lambda: kiosk.staff_resolve(entry_id, "checked by hand"),
        Command.STAFF_PRINT_TEST: kiosk.staff_print_test,
    }
    sync: dict[Command, Callable[[], Any]] = {
        Command.READER_TEST: kiosk.reader_test,
        Command.TOUCH: kiosk.touch,
        Command.SET_LANGUAGE: lambda: kiosk.set_language("fi"),
    }
    if command in sync:
        sync[command]()
        return asyncio.sleep(0)
    return calls[command]()


@pytest.mark.parametrize("state", list(STATES))
async def test_every_command_in_every_mode(tmp_path, state: str) -> None:
    setup, mode, patron = STATES[state]
    async with kiosk_rig(tmp_path) as rig:
        entry = rig.journal.begin(EntryKind.CHECKOUT, "3000000099", patron_id=PATRON)
        rig.journal.flag(entry.id, Attention.OUTCOME_UNRESOLVED, note="for the staff")
        for command in Command:
            pending = await setup(rig)
            assert rig.kiosk.mode is mode, (state, command)
            rig.events.clear()
            await _send(rig, command, entry.id)
            refusals = rig.events.of(CommandRefused, command=command)
            if allowed(command, mode, patron=patron):
                assert refusals == [], (state, command)
            else:
                assert refusals == [CommandRefused(command=command, mode=mode, at=refusals[0].at)]
                assert rig.kiosk.mode is mode, (state, command)
            if isinstance(pending, asyncio.Task):
                await pending
                rig.acs.faults.reset()
            await rig.kiosk.wait_idle()
            if rig.kiosk.mode is Mode.STAFF:
                await rig.kiosk.staff_exit()
            elif rig.kiosk.mode not in (Mode.IDLE, Mode.CLOSED):
                await rig.kiosk.end_session()
            assert rig.kiosk.mode in (Mode.IDLE, Mode.CLOSED), (state, command)


def test_idle_and_closed_are_the_modes_between_visits() -> None:
    """Nothing to time out, end or cancel in them (the inactivity watch and the screens ask)."""
    assert {mode for mode in Mode if mode.between_visits} == {Mode.IDLE, Mode.CLOSED}
