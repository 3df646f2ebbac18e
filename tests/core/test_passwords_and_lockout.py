"""Salted password hashes (kiosk.passwords) and durable guess counting (kiosk.lockout)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.lockout import GuessGuard, Verdict
from kiosk.passwords import PasswordHashError, hash_password, is_password_hash, verify_password
from kiosk.store import ForeignStore


def test_a_hash_names_its_algorithm_and_parameters_and_is_salted() -> None:
    first, second = hash_password("2468"), hash_password("2468")
    assert first.startswith("scrypt$n=16384,r=8,p=1$")
    assert first != second  # a salt of its own each time
    assert verify_password("2468", first) and verify_password("2468", second)
    assert not verify_password("2469", first)
    assert "2468" not in first


def test_pbkdf2_hashes_are_read_too() -> None:
    hashed = hash_password("lösenord", algorithm="pbkdf2_sha256")
    assert hashed.startswith("pbkdf2_sha256$i=600000$")
    assert verify_password("lösenord", hashed) and not verify_password("losenord", hashed)


@pytest.mark.parametrize(
    "broken",
    [
        "2468",
        "md5$x$y$z",
        "scrypt$n=16384,r=8$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
        "scrypt$n=1000,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",  # not a power of two
        "scrypt$n=1073741824,r=8,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",  # gigabytes
        "scrypt$n=16384,r=8,p=1$***$a2V5a2V5a2V5a2V5a2V5",
    ],
)
def test_a_broken_hash_is_an_error_not_a_wrong_password(broken: str) -> None:
    assert not is_password_hash(broken)
    with pytest.raises(PasswordHashError):
        verify_password("2468", broken)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_lock_ends_after_its_time_and_the_count_starts_again(tmp_path: Path) -> None:
    clock = Clock()
    guard = GuessGuard(tmp_path / "l.db", kind="console", attempts=2, lockout_s=60, clock=clock)
    assert guard.record("anna", right=False) is Verdict.WRONG
    assert guard.record("anna", right=False) is Verdict.LOCKED
    assert guard.check("anna", lambda: True) is Verdict.LOCKED
    assert guard.record("bo", right=True) is Verdict.ACCEPTED  # other subjects are not locked
    clock.now += 61
    assert guard.locked_until("anna") is None
    assert guard.record("anna", right=False) is Verdict.WRONG
    assert guard.check("anna", lambda: True) is Verdict.ACCEPTED
    assert guard.failures("anna") == 0


def test_a_locked_subject_is_not_even_checked(tmp_path: Path) -> None:
    guard = GuessGuard(tmp_path / "l.db", kind="staff_code", attempts=1, lockout_s=60)
    assert guard.record("", right=False) is Verdict.LOCKED
    asked: list[bool] = []
    assert guard.check("", lambda: asked.append(True) or True) is Verdict.LOCKED
    assert asked == []


def test_two_guards_on_one_file_share_the_count(tmp_path: Path) -> None:
    one = GuessGuard(tmp_path / "l.db", kind="console", attempts=2, lockout_s=60)
    two = GuessGuard(tmp_path / "l.db", kind="console", attempts=2, lockout_s=60)
    assert one.record("anna", right=False) is Verdict.WRONG
    assert two.record("anna", right=False) is Verdict.LOCKED


def test_the_lockout_file_refuses_another_store(tmp_path: Path) -> None:
    from kiosk.core.statistics import Statistics

    Statistics(tmp_path / "statistics.db").close()
    with pytest.raises(ForeignStore, match="statistics database"):
        GuessGuard(tmp_path / "statistics.db", kind="console", attempts=2, lockout_s=60)
