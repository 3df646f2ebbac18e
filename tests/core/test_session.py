"""Patron sessions: identification by barcode, RFID card or PC/SC card; PIN; blocks; timeout."""

from __future__ import annotations

import asyncio

from drivers.cards import SimulatedCardReader
from kiosk.core import (
    EndReason,
    IdentifyRefused,
    InactivityWarning,
    Mode,
    PinPolicy,
    PinRefused,
    PinRequired,
    Reason,
    SessionEnded,
    SessionStarted,
    StaffModeEntered,
    StaffModeRefused,
)
from tests.core.fixtures import PATRON, PIN, kiosk_rig


async def test_barcode_and_pin_start_a_session(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify(PATRON)
        asked = await rig.events.wait(PinRequired)
        assert asked.masked_card == "••••••0001"
        await rig.kiosk.enter_pin(PIN)
        started = await rig.events.wait(SessionStarted)
        assert started.display_name == "Åsa Öberg" and started.language == "sv"
        assert started.can_borrow and rig.kiosk.mode is Mode.MENU


async def test_a_wrong_pin_is_refused_and_three_end_the_session(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify(PATRON)
        await rig.kiosk.enter_pin("0000")
        assert (await rig.events.wait(PinRefused)).attempts_left == 2
        await rig.kiosk.enter_pin("0001")
        await rig.kiosk.enter_pin("0002")
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.PIN_ATTEMPTS_EXCEEDED
        assert (await rig.events.wait(SessionEnded)).reason is EndReason.REFUSED
        assert rig.kiosk.mode is Mode.IDLE and not rig.events.of(SessionStarted)


async def test_an_unknown_card_is_refused(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify("2159999999")
        await rig.kiosk.enter_pin("1234")
        assert (await rig.events.wait(IdentifyRefused)).reason is Reason.PATRON_UNKNOWN


async def test_a_card_reported_lost_is_refused(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify("2150000006")
        await rig.kiosk.enter_pin("6789")
        assert (await rig.events.wait(IdentifyRefused)).reason is Reason.CARD_LOST


async def test_an_rfid_library_card_on_the_pad_identifies_the_patron(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        rig.place_patron_card(PATRON)
        await rig.events.wait(PinRequired)
        await rig.kiosk.enter_pin(PIN)
        assert (await rig.events.wait(SessionStarted)).display_name == "Åsa Öberg"


async def test_a_card_on_the_pcsc_reader_identifies_the_patron(tmp_path) -> None:
    async with kiosk_rig(tmp_path, pin=PinPolicy.NEVER) as rig:
        reader = SimulatedCardReader()
        await reader.open()
        task = asyncio.create_task(rig.kiosk._card_loop(reader))
        try:
            reader.present(bytes.fromhex("E004015000000001"))  # Åsa's card UID
            started = await rig.events.wait(SessionStarted)
            assert started.display_name == "Åsa Öberg"
            assert started.masked_card.endswith("0001") and "E00401" not in started.masked_card
        finally:
            task.cancel()
            await reader.close()


async def test_pin_policy_never_needs_no_pin(tmp_path) -> None:
    async with kiosk_rig(tmp_path, pin=PinPolicy.NEVER) as rig:
        await rig.kiosk.identify(PATRON)
        await rig.events.wait(SessionStarted)
        assert not rig.events.of(PinRequired)


async def test_inactivity_warns_then_ends_the_session_and_forgets_the_patron(tmp_path) -> None:
    async with kiosk_rig(tmp_path, inactivity_timeout_s=1.5, inactivity_warning_s=1.0) as rig:
        await rig.login()
        warning = await rig.events.wait(InactivityWarning, timeout=5)
        assert 0 < warning.seconds_left <= 1
        ended = await rig.events.wait(SessionEnded, timeout=5)
        assert ended.reason is EndReason.TIMEOUT
        assert rig.kiosk.mode is Mode.IDLE
        session = rig.kiosk._session
        assert session.patron_id is None and session.pin is None and session.patron is None
        assert not session.receipt_entries


async def test_touching_the_screen_postpones_the_timeout(tmp_path) -> None:
    async with kiosk_rig(tmp_path, inactivity_timeout_s=1.0, inactivity_warning_s=0.5) as rig:
        await rig.login()
        for _ in range(6):
            await asyncio.sleep(0.3)
            rig.kiosk.touch()
        assert not rig.events.of(SessionEnded)
        await rig.events.wait(SessionEnded, timeout=5)


async def test_staff_mode_needs_the_staff_code(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        assert not await rig.kiosk.staff_enter("1111")
        await rig.events.wait(StaffModeRefused)
        assert await rig.kiosk.staff_enter("2468")
        await rig.events.wait(StaffModeEntered)
        status = await rig.kiosk.staff_status()
        assert status.library_system_online and status.reader_ok
        assert status.offline_queue == 0
        await rig.kiosk.staff_exit()
        assert rig.kiosk.mode is Mode.IDLE
