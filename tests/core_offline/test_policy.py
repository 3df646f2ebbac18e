"""The offline policy: what a kiosk may do while the library system is away."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.ils.journal import EntryKind, Journal, OfflineAcceptance, SecurityTarget
from kiosk.ils.offline import (
    OfflineMode,
    OfflinePolicy,
    OfflineRefusal,
    offline_security_target,
)

PATRON = "20000012345678"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    with Journal(tmp_path / "journal.db") as opened:
        yield opened


def lend_offline(journal: Journal, item: str, patron: str = PATRON, session: str = "s1") -> None:
    journal.begin(
        EntryKind.CHECKOUT,
        item,
        patron_id=patron,
        session_id=session,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )


def test_off_refuses_everything_as_library_system_unavailable(journal: Journal) -> None:
    policy = OfflinePolicy(mode=OfflineMode.OFF)
    assert policy.may_return().reason is OfflineRefusal.LIBRARY_SYSTEM_UNAVAILABLE
    decision = policy.may_lend(journal, patron_id=PATRON, session_id="s1")
    assert not decision
    assert decision.reason is OfflineRefusal.LIBRARY_SYSTEM_UNAVAILABLE


def test_returns_only_takes_returns_and_refuses_loans(journal: Journal) -> None:
    policy = OfflinePolicy(mode=OfflineMode.RETURNS)
    assert policy.may_return()
    assert policy.may_return().reason is None
    assert policy.may_lend(journal, patron_id=PATRON, session_id="s1").reason is (
        OfflineRefusal.NOT_ALLOWED_NOW
    )


def test_renewals_are_never_offline() -> None:
    for mode in OfflineMode:
        assert not OfflinePolicy(mode=mode).may_renew()


def test_loans_stop_at_the_per_patron_limit_across_sessions(journal: Journal) -> None:
    policy = OfflinePolicy(
        mode=OfflineMode.RETURNS_AND_LOANS, max_loans_per_patron=2, max_loans_per_session=None
    )
    lend_offline(journal, "a", session="morning")
    assert policy.may_lend(journal, patron_id=PATRON, session_id="afternoon")
    lend_offline(journal, "b", session="afternoon")
    decision = policy.may_lend(journal, patron_id=PATRON, session_id="evening")
    assert (decision.allowed, decision.reason, decision.limit) == (
        False,
        OfflineRefusal.OFFLINE_LIMIT_REACHED,
        2,
    )
    assert policy.may_lend(journal, patron_id="someone-else", session_id="evening")


def test_loans_stop_at_the_per_session_limit(journal: Journal) -> None:
    policy = OfflinePolicy(
        mode=OfflineMode.RETURNS_AND_LOANS, max_loans_per_patron=None, max_loans_per_session=3
    )
    for item in "abc":
        lend_offline(journal, item, patron=f"p-{item}", session="s1")
    assert policy.may_lend(journal, patron_id="p-d", session_id="s1").limit == 3
    assert policy.may_lend(journal, patron_id="p-d", session_id="s2")


def test_a_stack_checked_before_writing_counts_its_own_items(journal: Journal) -> None:
    policy = OfflinePolicy(mode=OfflineMode.RETURNS_AND_LOANS, max_loans_per_patron=3)
    lend_offline(journal, "a")
    assert policy.may_lend(journal, patron_id=PATRON, session_id="s", already_in_this_request=1)
    assert not policy.may_lend(journal, patron_id=PATRON, session_id="s", already_in_this_request=2)


def test_replayed_loans_no_longer_count(journal: Journal) -> None:
    policy = OfflinePolicy(mode=OfflineMode.RETURNS_AND_LOANS, max_loans_per_patron=1)
    lend_offline(journal, "a")
    assert not policy.may_lend(journal, patron_id=PATRON, session_id="s2")
    [entry] = journal.replay_queue()
    journal.start_replay(entry.id)
    journal.record_result(entry.id, ok=True)
    assert policy.may_lend(journal, patron_id=PATRON, session_id="s2")


def test_tags_marked_not_for_loan_offline_are_refused(journal: Journal) -> None:
    policy = OfflinePolicy(mode=OfflineMode.RETURNS_AND_LOANS)
    decision = policy.may_lend(
        journal, patron_id=PATRON, session_id="s1", not_for_loan_offline=True
    )
    assert decision.reason is OfflineRefusal.NOT_FOR_LOAN_OFFLINE


def test_config_values_build_a_policy_and_bad_ones_say_what_was_expected() -> None:
    policy = OfflinePolicy.from_values("returns-and-loans", 4, 8)
    assert policy == OfflinePolicy(
        mode=OfflineMode.RETURNS_AND_LOANS, max_loans_per_patron=4, max_loans_per_session=8
    )
    with pytest.raises(ValueError, match="'sometimes' is not one of: off, returns, returns-and"):
        OfflinePolicy.from_values("sometimes")
    with pytest.raises(ValueError, match="max_loans_per_patron must be 0 or more"):
        OfflinePolicy(mode=OfflineMode.RETURNS, max_loans_per_patron=-1)


def test_the_refusal_codes_are_the_core_reason_codes() -> None:
    from kiosk.core.events import Reason

    assert {r.value for r in OfflineRefusal} <= {r.value for r in Reason}


def test_offline_loans_disarm_and_offline_returns_rearm() -> None:
    assert offline_security_target(EntryKind.CHECKOUT) is SecurityTarget.UNSECURED
    assert offline_security_target(EntryKind.CHECKIN) is SecurityTarget.SECURED
    assert offline_security_target(EntryKind.RENEW) is None
