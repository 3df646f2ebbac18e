"""The staff code: kept as a salted hash, locked after a few wrong tries, and the count survives
a restart of the kiosk (issue 15, item 13)."""

from __future__ import annotations

from pathlib import Path

from kiosk.core.events import StaffModeEntered, StaffModeRefused
from kiosk.core.settings import StaffCode
from kiosk.lockout import GuessGuard
from kiosk.passwords import hash_password

from .fixtures import kiosk_rig

CODE = "24680"


def staff_code(state: Path, attempts: int = 3) -> StaffCode:
    guard = GuessGuard(state / "lockouts.db", kind="staff_code", attempts=attempts, lockout_s=600)
    return StaffCode(hash_password(CODE), guard)


async def test_a_hashed_staff_code_opens_staff_mode(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, staff_code=staff_code(tmp_path)) as rig:
        assert not await rig.kiosk.staff_enter("13579")
        await rig.events.wait(StaffModeRefused)
        assert await rig.kiosk.staff_enter(CODE)
        await rig.events.wait(StaffModeEntered)


async def test_wrong_codes_lock_the_staff_code_even_against_the_right_one(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, staff_code=staff_code(tmp_path)) as rig:
        for guess in ("1111", "2222", "3333"):
            assert not await rig.kiosk.staff_enter(guess)
        assert not await rig.kiosk.staff_enter(CODE)
        assert not rig.kiosk.staff_desk.code_matches(CODE)


async def test_the_count_of_wrong_codes_survives_a_restart(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, staff_code=staff_code(tmp_path)) as rig:
        assert not await rig.kiosk.staff_enter("1111")
        assert not await rig.kiosk.staff_enter("2222")
    async with kiosk_rig(tmp_path, staff_code=staff_code(tmp_path)) as rig:  # a new process
        assert not await rig.kiosk.staff_enter("3333")
        assert not await rig.kiosk.staff_enter(CODE)  # locked: the third wrong one locked it


async def test_a_right_code_before_the_limit_starts_the_count_afresh(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, staff_code=staff_code(tmp_path)) as rig:
        desk = rig.kiosk.staff_desk
        assert not desk.code_matches("1111")
        assert not desk.code_matches("2222")
        assert desk.code_matches(CODE)
        assert not desk.code_matches("1111")
        assert not desk.code_matches("2222")
        assert desk.code_matches(CODE)
