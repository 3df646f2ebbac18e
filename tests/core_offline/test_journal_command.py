"""``kiosk journal``: staff see the queue and the reconciliation list, and resolve items."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.ils.journal import EntryKind, Journal, OfflineAcceptance, SecurityTarget

PATRON = "20000012345678"


@pytest.fixture
def journal_file(tmp_path: Path) -> Path:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        queued = journal.begin(
            EntryKind.CHECKIN,
            "37001",
            offline=OfflineAcceptance(security_target=SecurityTarget.SECURED),
        )
        journal.security_done(queued.id)
        refused = journal.begin(
            EntryKind.CHECKOUT,
            "37002",
            patron_id=PATRON,
            offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
        )
        journal.security_done(refused.id)
        journal.start_replay(refused.id)
        journal.record_result(refused.id, ok=False, messages=["Exemplaret är reserverat"])
    return path


def test_status_counts_the_queue_and_the_staff_list(
    journal_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", "--journal", str(journal_file), "status", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "half_done": 0,
        "offline_queue": 1,
        "reconciliation": 1,
    }


def test_the_list_masks_patrons_and_resolve_takes_an_item_off_it(
    journal_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", "--journal", str(journal_file), "list", "--json"]) == 0
    [line] = [json.loads(text) for text in capsys.readouterr().out.splitlines()]
    assert (line["item_id"], line["patron"], line["attention"]) == (
        "37002",
        "••••••••••5678",
        "replay_refused",
    )
    assert line["messages"] == ["Exemplaret är reserverat"]
    assert PATRON not in json.dumps(line)

    argv = ["journal", "--journal", str(journal_file), "resolve", line["entry_id"]]
    assert main([*argv, "--note", "lent by hand"]) == 0
    assert "resolved" in capsys.readouterr().out
    assert main(["journal", "--journal", str(journal_file), "list"]) == 0
    assert "empty" in capsys.readouterr().out
    assert main(["journal", "--journal", str(journal_file), "show", line["entry_id"]]) == 0
    shown = capsys.readouterr().out
    assert "replay_refused" in shown and PATRON not in shown


def test_a_missing_journal_or_entry_is_a_clear_error(
    journal_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["journal", "--journal", str(tmp_path / "nope.db"), "status"]) == 1
    assert "no journal at" in capsys.readouterr().err
    assert main(["journal", "--journal", str(journal_file), "resolve", "no-such-id"]) == 1
    assert "no journal entry with transaction id" in capsys.readouterr().err
