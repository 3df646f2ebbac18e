"""The journal: every transaction durable before it matters, with states that say what is left."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.ils.journal import (
    Attention,
    EntryKind,
    Journal,
    JournalError,
    JournalStateError,
    OfflineAcceptance,
    Security,
    SecurityTarget,
    Status,
    UnknownEntry,
    mask_identifier,
)

UID = bytes.fromhex("E004015012345678")
PATRON = "20000012345678"


@pytest.fixture
def journal(tmp_path: Path) -> Journal:
    with Journal(tmp_path / "journal.db") as opened:
        yield opened


def test_the_journal_is_sqlite_in_wal_mode_with_full_synchronous_commits(journal: Journal) -> None:
    assert journal.durability == ("wal", 2)


def test_a_loan_goes_pending_ok_security_required_done(journal: Journal) -> None:
    entry = journal.begin(
        EntryKind.CHECKOUT, "37001", patron_id=PATRON, tag_uid=UID, session_id="s1"
    )
    assert (entry.status, entry.security, entry.security_target) == (
        Status.PENDING,
        Security.NONE,
        None,
    )
    assert entry.tag_uid == "E004015012345678"
    assert entry.half_done

    due = datetime(2026, 12, 13, tzinfo=UTC)
    entry = journal.record_result(
        entry.id, ok=True, security_target=SecurityTarget.UNSECURED, due_date=due
    )
    assert (entry.status, entry.security) == (Status.OK, Security.REQUIRED)
    assert entry.security_target is SecurityTarget.UNSECURED
    assert entry.due_date == due
    assert entry.half_done and not entry.finished

    entry = journal.security_done(entry.id)
    assert entry.security is Security.DONE
    assert entry.finished and not entry.half_done
    assert journal.half_done() == []
    axes = [(axis, before, after) for _, axis, before, after in journal.history(entry.id)]
    assert axes == [
        ("status", None, "pending"),
        ("status", "pending", "ok"),
        ("security", "none", "required"),
        ("security", "required", "done"),
    ]


def test_a_refused_loan_leaves_the_tag_alone(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, "37002", patron_id=PATRON)
    entry = journal.record_result(
        entry.id, ok=False, reason="refused_by_library", messages=["Max lån", "Kontakta oss"]
    )
    assert entry.status is Status.REFUSED
    assert entry.security is Security.NONE
    assert entry.messages == ("Max lån", "Kontakta oss")
    assert entry.finished


def test_every_state_survives_closing_and_reopening(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as first:
        pending = first.begin(EntryKind.CHECKIN, "37003", tag_uid=UID)
        required = first.begin(EntryKind.CHECKOUT, "37004", patron_id=PATRON, tag_uid=UID)
        first.record_result(required.id, ok=True, security_target=SecurityTarget.UNSECURED)
    with Journal(path) as second:
        half = second.half_done()
    assert [(e.id, e.status, e.security) for e in half] == [
        (pending.id, Status.PENDING, Security.NONE),
        (required.id, Status.OK, Security.REQUIRED),
    ]


def test_a_begun_entry_is_on_disk_when_begin_returns_even_if_the_process_is_killed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal.db"
    child = textwrap.dedent(
        f"""
        import os, signal
        from kiosk.ils.journal import EntryKind, Journal
        journal = Journal({str(path)!r})
        entry = journal.begin(EntryKind.CHECKOUT, "37005", patron_id="{PATRON}")
        print(entry.id, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    run = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=30, check=False
    )
    assert run.returncode == -signal.SIGKILL
    entry_id = run.stdout.strip()
    with Journal(path) as reopened:
        entry = reopened.get(entry_id)
    assert entry.status is Status.PENDING
    assert entry.patron_id == PATRON


def test_transitions_the_state_does_not_allow_are_refused(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, "37006", patron_id=PATRON)
    journal.record_result(entry.id, ok=True)
    with pytest.raises(JournalStateError, match="no result is expected"):
        journal.record_result(entry.id, ok=False)
    with pytest.raises(JournalStateError, match="cannot go from ok to replaying"):
        journal.start_replay(entry.id)
    with pytest.raises(JournalStateError, match="no security target"):
        journal.security_done(entry.id)
    with pytest.raises(JournalStateError, match="settle the outcome first"):
        journal.set_security_target(
            journal.begin(EntryKind.CHECKIN, "37007").id, SecurityTarget.SECURED
        )


def test_unknown_ids_and_missing_fields_get_typed_errors(journal: Journal) -> None:
    with pytest.raises(UnknownEntry):
        journal.get("no-such-id")
    with pytest.raises(JournalError, match="needs a patron"):
        journal.begin(EntryKind.CHECKOUT, "37008")
    with pytest.raises(JournalError, match="needs an item"):
        journal.begin(EntryKind.CHECKIN, "")
    entry = journal.begin(EntryKind.CHECKIN, "37009", entry_id="fixed-id")
    assert entry.id == "fixed-id"
    with pytest.raises(JournalError, match="already in the journal"):
        journal.begin(EntryKind.CHECKIN, "37009", entry_id="fixed-id")


def test_a_file_that_is_not_a_journal_gets_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    path.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(JournalError, match=r"cannot open journal .*journal\.db"):
        Journal(path)


def test_a_journal_from_a_newer_kiosk_is_not_touched(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.close()
    with pytest.raises(JournalError, match="schema version 99"):
        Journal(path)


def test_patron_numbers_are_masked_once_an_entry_is_finished(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, "37010", patron_id=PATRON)
    assert PATRON not in repr(entry)
    assert entry.patron_id == PATRON  # still needed: the outcome may have to be settled
    entry = journal.record_result(entry.id, ok=True, security_target=SecurityTarget.UNSECURED)
    assert entry.patron_id == PATRON
    entry = journal.security_done(entry.id)
    assert entry.patron_id == "••••••••••5678"
    with sqlite3.connect(journal.path) as raw:  # what a thief of the SD card would read
        assert raw.execute("SELECT patron_id FROM entries").fetchall() == [("••••••••••5678",)]
    assert mask_identifier("••••••••••5678") == "••••••••••5678"


def test_offline_entries_count_towards_limits_until_replayed(journal: Journal) -> None:
    for item in ("a", "b"):
        journal.begin(
            EntryKind.CHECKOUT,
            item,
            patron_id=PATRON,
            session_id="s1",
            offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
        )
    journal.begin(
        EntryKind.CHECKOUT,
        "c",
        patron_id="other",
        session_id="s2",
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )
    journal.begin(
        EntryKind.CHECKIN, "d", offline=OfflineAcceptance(security_target=SecurityTarget.SECURED)
    )
    assert journal.offline_queue_depth() == 4
    assert journal.offline_loans(patron_id=PATRON) == 2
    assert journal.offline_loans(session_id="s2") == 1
    assert [e.item_id for e in journal.replay_queue()] == ["a", "b", "c", "d"]

    first = journal.replay_queue()[0]
    journal.start_replay(first.id)
    assert journal.offline_loans(patron_id=PATRON) == 2  # sent but not yet confirmed
    journal.record_result(first.id, ok=True)
    assert journal.offline_loans(patron_id=PATRON) == 1
    assert journal.offline_queue_depth() == 3


def test_a_send_that_failed_as_unavailable_can_be_accepted_offline(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKIN, "37011", tag_uid=UID)
    entry = journal.accept_offline(
        entry.id, OfflineAcceptance(security_target=SecurityTarget.SECURED)
    )
    assert (entry.status, entry.offline, entry.security) == (
        Status.OFFLINE,
        True,
        Security.REQUIRED,
    )
    assert journal.replay_queue() == [entry]


def test_a_refused_replay_goes_to_the_reconciliation_list_until_staff_resolve_it(
    journal: Journal,
) -> None:
    entry = journal.begin(
        EntryKind.CHECKOUT,
        "37012",
        patron_id=PATRON,
        tag_uid=UID,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )
    journal.security_done(entry.id)
    journal.start_replay(entry.id)
    entry = journal.record_result(
        entry.id, ok=False, reason="refused_on_replay", messages=["Exemplaret är reserverat"]
    )
    assert entry.status is Status.REPLAY_REFUSED
    assert entry.patron_id == PATRON  # staff need to reach the borrower
    [line] = journal.reconciliation()
    assert (line.entry_id, line.kind, line.item_id) == (entry.id, EntryKind.CHECKOUT, "37012")
    assert line.attention is Attention.REPLAY_REFUSED
    assert line.masked_patron == "••••••••••5678"
    assert line.messages == ("Exemplaret är reserverat",)
    assert line.security_target is SecurityTarget.UNSECURED

    resolved = journal.resolve(entry.id, note="patron phoned, loan registered by hand")
    assert journal.reconciliation() == []
    assert [r.entry_id for r in journal.reconciliation(include_resolved=True)] == [entry.id]
    assert resolved.finished
    assert resolved.patron_id == "••••••••••5678"


def test_abandoning_drops_a_recorded_target_unless_a_new_one_is_given(journal: Journal) -> None:
    untouched = journal.begin(
        EntryKind.CHECKOUT,
        "37013",
        patron_id=PATRON,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )
    untouched = journal.abandon(untouched.id, reason="patron cancelled")
    assert (untouched.status, untouched.security, untouched.security_target) == (
        Status.ABANDONED,
        Security.NONE,
        None,
    )
    half = journal.begin(
        EntryKind.CHECKOUT,
        "37014",
        patron_id=PATRON,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )
    half = journal.abandon(half.id, security_target=SecurityTarget.SECURED)
    assert (half.security, half.security_target) == (Security.REQUIRED, SecurityTarget.SECURED)
    assert journal.half_done() == [half]


def test_a_failed_security_change_stays_half_done_until_it_succeeds(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, "37015", patron_id=PATRON, tag_uid=UID)
    journal.record_result(entry.id, ok=True, security_target=SecurityTarget.UNSECURED)
    entry = journal.security_failed(entry.id, note="tag lifted before read-back")
    assert entry.security is Security.FAILED
    assert journal.half_done() == [entry]
    entry = journal.security_done(entry.id)
    assert entry.finished


def test_flagged_entries_leave_recovery_to_the_staff(journal: Journal) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, "37016", patron_id=PATRON, tag_uid=UID)
    journal.record_result(entry.id, ok=True, security_target=SecurityTarget.UNSECURED)
    journal.flag(entry.id, Attention.SECURITY_UNRESOLVED, note="tag not on the pad")
    assert journal.half_done() == []
    [line] = journal.reconciliation()
    assert line.attention is Attention.SECURITY_UNRESOLVED
    assert line.note == "tag not on the pad"


def test_the_clock_gives_the_transaction_date(tmp_path: Path) -> None:
    moments = iter(datetime(2026, 11, 1, 9, 0, tzinfo=UTC) + timedelta(minutes=m) for m in range(9))
    with Journal(tmp_path / "j.db", clock=lambda: next(moments)) as journal:
        entry = journal.begin(EntryKind.CHECKIN, "37017")
        later = journal.record_result(entry.id, ok=True)
    assert entry.created_at == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    assert later.created_at == entry.created_at
    assert later.updated_at > entry.updated_at


def test_entries_can_be_listed_per_session(journal: Journal) -> None:
    journal.begin(EntryKind.CHECKIN, "1", session_id="s1")
    journal.begin(EntryKind.CHECKIN, "2", session_id="s2")
    journal.begin(EntryKind.CHECKIN, "3", session_id="s1")
    assert [e.item_id for e in journal.entries(session_id="s1")] == ["1", "3"]
    assert [e.seq for e in journal.entries()] == sorted(e.seq for e in journal.entries())
    assert os.path.exists(journal.path)


def test_a_full_disk_is_a_journal_error_and_leaves_earlier_entries_intact(
    journal: Journal,
) -> None:
    kept = journal.begin(EntryKind.CHECKIN, "37018")
    pages = journal._db.execute("PRAGMA page_count").fetchone()[0]  # simulate a full disk:
    journal._db.execute(f"PRAGMA max_page_count={pages}")  # no page may be added any more
    with pytest.raises(JournalError, match="full"):
        for n in range(200):  # fill the pages that are left
            journal.begin(EntryKind.CHECKIN, f"filler-{n}", session_id="x" * 400)
    journal._db.execute("PRAGMA max_page_count=1073741823")
    assert journal.get(kept.id).status is Status.PENDING
    assert journal.begin(EntryKind.CHECKIN, "37019").status is Status.PENDING
