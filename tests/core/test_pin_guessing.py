"""PIN guessing: wrong PINs are counted per card over every visit and restart, not per visit.

Issue 15.13: the count used to start again each time the card was read, so reading the card
again bought three new guesses (a PIN fell in 371 visits).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.attempts import AttemptPolicy, Attempts
from kiosk.core import IdentifyRefused, Mode, PinRefused, Reason, SessionStarted
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
    now = [datetime(2026, 12, 6, 12, 0, tzinfo=UTC)]
    policy = AttemptPolicy(limit=2, lock_seconds=900)
    attempts = Attempts(tmp_path / "attempts.db", clock=lambda: now[0])
    assert not attempts.failed("patron-pin", PATRON, policy).locked
    assert attempts.failed("patron-pin", PATRON, policy).locked
    attempts.close()
    restarted = Attempts(tmp_path / "attempts.db", clock=lambda: now[0])
    assert restarted.verdict("patron-pin", PATRON).locked
    restarted.succeeded("patron-pin", PATRON)  # a right answer does not lift a running lock
    assert restarted.verdict("patron-pin", PATRON).locked
    now[0] += timedelta(minutes=15)
    assert not restarted.verdict("patron-pin", PATRON).locked
    assert restarted.verdict("patron-pin", PATRON).failures == 0
    restarted.close()


def test_the_counter_file_holds_no_card_number(tmp_path: Path) -> None:
    path = tmp_path / "attempts.db"
    attempts = Attempts(path)
    attempts.failed("patron-pin", PATRON, AttemptPolicy(limit=5, lock_seconds=60))
    attempts.close()
    for file in tmp_path.iterdir():
        assert PATRON.encode() not in file.read_bytes(), file.name
