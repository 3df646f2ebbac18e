"""Patron sessions: identification by barcode, RFID card or PC/SC card; PIN; blocks; timeout."""

from __future__ import annotations

import asyncio

from drivers.cards import SimulatedBarcodeScanner, SimulatedCardReader
from kiosk import core
from kiosk.ils.offline import OfflineMode
from tests.core.fixtures import PATRON, PIN, kiosk_rig


async def test_barcode_and_pin_start_a_session(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify(PATRON)
        asked = await rig.events.wait(core.PinRequired)
        assert asked.masked_card == "••••••0001"
        await rig.kiosk.enter_pin(PIN)
        started = await rig.events.wait(core.SessionStarted)
        assert started.display_name == "Åsa Öberg" and started.language == "sv"
        assert started.can_borrow and rig.kiosk.mode is core.Mode.MENU


async def test_a_wrong_pin_is_refused_and_three_end_the_session(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify(PATRON)
        await rig.kiosk.enter_pin("0000")
        assert (await rig.events.wait(core.PinRefused)).attempts_left == 2
        await rig.kiosk.enter_pin("0001")
        await rig.kiosk.enter_pin("0002")
        refused = await rig.events.wait(core.IdentifyRefused)
        assert refused.reason is core.Reason.PIN_ATTEMPTS_EXCEEDED
        assert (await rig.events.wait(core.SessionEnded)).reason is core.EndReason.REFUSED
        assert rig.kiosk.mode is core.Mode.IDLE and not rig.events.of(core.SessionStarted)


async def test_an_unknown_card_is_refused(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify("2159999999")
        await rig.kiosk.enter_pin("1234")
        assert (await rig.events.wait(core.IdentifyRefused)).reason is core.Reason.PATRON_UNKNOWN


async def test_a_card_reported_lost_is_refused(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        await rig.kiosk.identify("2150000006")
        await rig.kiosk.enter_pin("6789")
        assert (await rig.events.wait(core.IdentifyRefused)).reason is core.Reason.CARD_LOST


async def test_an_rfid_library_card_on_the_pad_identifies_the_patron(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        rig.place_patron_card(PATRON)
        await rig.events.wait(core.PinRequired)
        await rig.kiosk.enter_pin(PIN)
        assert (await rig.events.wait(core.SessionStarted)).display_name == "Åsa Öberg"


async def test_a_card_on_the_pcsc_reader_identifies_the_patron(tmp_path) -> None:
    reader = SimulatedCardReader()
    await reader.open()
    async with kiosk_rig(tmp_path, pin=core.PinPolicy.NEVER, card_reader=reader) as rig:
        reader.present(bytes.fromhex("E004015000000001"))  # Åsa's card UID
        started = await rig.events.wait(core.SessionStarted)
        assert started.display_name == "Åsa Öberg"
        assert started.masked_card.endswith("0001") and "E00401" not in started.masked_card
        await rig.kiosk.end_session()
        reader.present_unreadable()  # a foreign card: its number cannot be read
        refused = await rig.events.wait(core.IdentifyRefused)
        assert refused.reason is core.Reason.TAG_UNREADABLE
    await reader.close()


async def test_a_scanned_card_barcode_identifies_the_patron(tmp_path) -> None:
    scanner = SimulatedBarcodeScanner()
    await scanner.open()
    async with kiosk_rig(tmp_path, scanner=scanner) as rig:
        scanner.scan(PATRON)
        await rig.events.wait(core.PinRequired)
        await rig.kiosk.enter_pin(PIN)
        await rig.events.wait(core.SessionStarted)
    await scanner.close()


async def test_pin_policy_never_needs_no_pin(tmp_path) -> None:
    async with kiosk_rig(tmp_path, pin=core.PinPolicy.NEVER) as rig:
        await rig.kiosk.identify(PATRON)
        await rig.events.wait(core.SessionStarted)
        assert not rig.events.of(core.PinRequired)


async def test_inactivity_warns_then_ends_the_session_and_forgets_the_patron(tmp_path) -> None:
    async with kiosk_rig(tmp_path, inactivity_timeout_s=1.5, inactivity_warning_s=1.0) as rig:
        await rig.login()
        warning = await rig.events.wait(core.InactivityWarning, timeout=5)
        assert 0 < warning.seconds_left <= 1
        ended = await rig.events.wait(core.SessionEnded, timeout=5)
        assert ended.reason is core.EndReason.TIMEOUT
        assert rig.kiosk.mode is core.Mode.IDLE
        session = rig.kiosk.ctx.session
        assert session.patron_id is None and session.pin is None and session.patron is None
        assert not session.receipt_entries


async def test_touching_the_screen_postpones_the_timeout(tmp_path) -> None:
    async with kiosk_rig(tmp_path, inactivity_timeout_s=1.0, inactivity_warning_s=0.5) as rig:
        await rig.login()
        for _ in range(6):
            await asyncio.sleep(0.3)
            rig.kiosk.touch()
        assert not rig.events.of(core.SessionEnded)
        await rig.events.wait(core.SessionEnded, timeout=5)


async def test_staff_mode_needs_the_staff_code(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        assert not await rig.kiosk.staff_enter("1111")
        await rig.events.wait(core.StaffModeRefused)
        assert await rig.kiosk.staff_enter("2468")
        await rig.events.wait(core.StaffModeEntered)
        status = await rig.kiosk.staff_status()
        assert status.library_system_online and status.reader_ok
        assert status.offline_queue == 0 and status.reconciliation == ()
        rig.place("3000000011")
        await rig.settle()
        assert [tag.item_id for tag in rig.kiosk.pad_contents()] == ["3000000011"]
        await rig.kiosk.staff_exit()
        assert rig.kiosk.mode is core.Mode.IDLE


async def test_a_staff_card_ends_a_patron_session_and_opens_staff_mode(tmp_path) -> None:
    async with kiosk_rig(tmp_path, staff_card_uids=frozenset({"04A1B2C3"})) as rig:
        await rig.login()
        await rig.kiosk.identify_card_uid(bytes.fromhex("04a1b2c3"))
        assert (await rig.events.wait(core.SessionEnded)).reason is core.EndReason.STAFF
        await rig.events.wait(core.StaffModeEntered)
        assert rig.kiosk.mode is core.Mode.STAFF and rig.kiosk.ctx.session.patron_id is None


async def test_per_patron_pin_asks_only_when_the_library_wants_one(tmp_path) -> None:
    async with kiosk_rig(tmp_path, pin=core.PinPolicy.PER_PATRON) as rig:
        await rig.kiosk.identify(PATRON)  # the demo patrons all have a PIN
        await rig.events.wait(core.PinRequired)
        await rig.kiosk.enter_pin(PIN)
        await rig.events.wait(core.SessionStarted)


async def test_events_are_also_an_async_iterator(tmp_path) -> None:
    async with kiosk_rig(tmp_path) as rig:
        stream = rig.kiosk.events()
        await rig.kiosk.identify(PATRON)
        kinds = []
        async with asyncio.timeout(5):
            async for event in stream:
                kinds.append(type(event))
                if isinstance(event, core.PinRequired):
                    break
        await stream.aclose()
        assert core.PinRequired in kinds


async def test_without_the_library_system_and_without_offline_mode_nobody_is_let_in(
    tmp_path,
) -> None:
    async with kiosk_rig(tmp_path, offline=OfflineMode.OFF) as rig:
        rig.acs.faults.update(refuse_logins=True)
        await rig.acs.drop_connections()
        await rig.kiosk.identify(PATRON)
        await rig.kiosk.enter_pin(PIN)
        refused = await rig.events.wait(core.IdentifyRefused)
        assert refused.reason is core.Reason.LIBRARY_SYSTEM_UNAVAILABLE
        assert rig.kiosk.mode is core.Mode.IDLE
