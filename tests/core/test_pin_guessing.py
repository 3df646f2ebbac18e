"""PIN guessing: wrong PINs are counted per card over every visit and restart, not per visit.

Issue 15.13: the count used to start again each time the card was read, so reading the card
again bought three new guesses (a PIN fell in 371 visits).
"""

from __future__ import annotations

from pathlib import Path

from kiosk.core import IdentifyRefused, Mode, PinRefused, Reason, SessionStarted
from kiosk.lockout import GuessGuard, Verdict
from tests.core.fixtures import PATRON, PIN, kiosk_rig

WRONG = "0000"


async def test_guesses_over_several_visits_lock_the_card_at_this_kiosk(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, pin_attempts=3, pin_lockout_after=4) as rig:
        kiosk = rig.kiosk
        await kiosk.identify(PATRON)  # visit 1: three wrong PINs end the visit
        for _ in range(3):
            await kiosk.enter_pin(WRONG)
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.PIN_ATTEMPTS_EXCEEDED
        rig.events.clear()
        await kiosk.identify(PATRON)  # visit 2: the fourth wrong PIN in a row locks the card
        await kiosk.enter_pin(WRONG)
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.PIN_ATTEMPTS_EXCEEDED
        assert not rig.events.of(PinRefused)  # no attempts left to offer
        asked = rig.acs.stats.requests
        rig.events.clear()
        await kiosk.identify(PATRON)  # visit 3: refused at once, even before the right PIN
        refused = await rig.events.wait(IdentifyRefused)
        assert refused.reason is Reason.PIN_ATTEMPTS_EXCEEDED
        assert kiosk.mode is Mode.IDLE
        await kiosk.enter_pin(PIN)
        assert not rig.events.of(SessionStarted)
        assert rig.acs.stats.requests == asked  # the library system was not even asked


async def test_a_right_pin_starts_the_count_again(tmp_path: Path) -> None:
    async with kiosk_rig(tmp_path, pin_attempts=3, pin_lockout_after=4) as rig:
        for _ in range(3):  # three visits of two wrong PINs and a right one: six wrong in all
            await rig.kiosk.identify(PATRON)
            await rig.kiosk.enter_pin(WRONG)
            await rig.kiosk.enter_pin(WRONG)
            await rig.kiosk.enter_pin(PIN)
            await rig.events.wait(SessionStarted)
            await rig.kiosk.end_session()
            rig.events.clear()
        assert not rig.events.of(IdentifyRefused)


def test_the_lock_outlives_a_restart_and_runs_out(tmp_path: Path) -> None:
    now = [1_000_000.0]
    path = tmp_path / "lockouts.db"

    def guard() -> GuessGuard:
        return GuessGuard(
            path, kind="patron_pin", attempts=2, lockout_s=900, hide_subjects=True,
            clock=lambda: now[0],
        )  # fmt: skip

    assert guard().record(PATRON, right=False) is Verdict.WRONG
    assert guard().record(PATRON, right=False) is Verdict.LOCKED
    restarted = guard()
    assert restarted.locked_until(PATRON) is not None
    assert restarted.record(PATRON, right=True) is Verdict.LOCKED  # a right PIN lifts no lock
    now[0] += 900
    assert restarted.locked_until(PATRON) is None
    assert restarted.failures(PATRON) == 0


def test_the_lockout_file_holds_no_card_number(tmp_path: Path) -> None:
    guard = GuessGuard(
        tmp_path / "lockouts.db", kind="patron_pin", attempts=5, lockout_s=60, hide_subjects=True
    )
    guard.record(PATRON, right=False)
    assert guard.failures(PATRON) == 1
    for file in tmp_path.iterdir():
        assert PATRON.encode() not in file.read_bytes(), file.name
