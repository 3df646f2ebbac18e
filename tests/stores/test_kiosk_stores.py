"""Each of the kiosk's SQLite files through the store helper: the journal, the statistics, the
return station's ledger and the embedded library system's --db, and the commands that open
them (``kiosk journal``, ``kiosk stats``, ``kiosk acs``)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.acs import AcsError
from kiosk.acs.model import ConsortiumModel
from kiosk.cli import main
from kiosk.core.station_ledger import StationLedger
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import EntryKind, Journal, JournalError
from kiosk.store import ForeignStore, StoreError


def another_programs_database(path: Path) -> Path:
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)")
    return path


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def unmark(path: Path, version: int) -> None:
    """Make a store file look as the kiosk wrote it before stores were marked."""
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA application_id = 0")
        raw.execute(f"PRAGMA user_version = {version}")


def as_version_1(path: Path) -> None:
    """Make a library-system database look as version 1 (``schema.sql`` alone) wrote it."""
    with sqlite3.connect(path) as raw:
        raw.execute("ALTER TABLE patron DROP COLUMN address")
        raw.execute("DROP TABLE lockout")
        raw.execute("DROP TABLE sip2_resends")
        raw.execute("PRAGMA user_version = 1")


# ------------------------------------------------------------------------------- journal


def test_the_journal_refuses_another_programs_database(tmp_path: Path) -> None:
    path = another_programs_database(tmp_path / "accounts.db")
    with pytest.raises(JournalError, match=r"cannot open journal .*accounts\.db: not a kiosk"):
        Journal(path)
    assert table_names(path) == {"invoices"}


def test_the_journal_refuses_the_statistics_file(tmp_path: Path) -> None:
    Statistics(tmp_path / "statistics.db").close()
    with pytest.raises(JournalError, match="the kiosk's statistics database, not its"):
        Journal(tmp_path / "statistics.db")


def test_a_journal_written_before_stores_were_marked_is_adopted(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with Journal(path) as journal:
        kept = journal.begin(EntryKind.CHECKIN, "30001")
    unmark(path, 1)  # the old journal set user_version 1 and no application id
    with Journal(path) as journal:
        assert journal.get(kept.id).item_id == "30001"


def test_kiosk_journal_refuses_another_programs_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = another_programs_database(tmp_path / "accounts.db")
    assert main(["journal", "--journal", str(path), "status"]) == 1
    assert "not a kiosk transaction journal" in capsys.readouterr().err
    assert table_names(path) == {"invoices"}


# ---------------------------------------------------------------------------- statistics


def test_kiosk_stats_refuses_a_file_that_is_not_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "statistics.db"
    path.write_text("hour,action,count\n2026-11-22 10,borrow,3\n", encoding="utf-8")
    assert main(["stats", "--db", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"kiosk stats: {path}: not an SQLite database")
    assert "Traceback" not in err


def test_kiosk_stats_refuses_another_programs_database(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = another_programs_database(tmp_path / "accounts.db")
    assert main(["stats", "--db", str(path)]) == 1
    assert "not a kiosk statistics database: it holds other tables (invoices)" in (
        capsys.readouterr().err
    )
    assert table_names(path) == {"invoices"}


def test_kiosk_stats_pointed_at_the_journal_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Journal(tmp_path / "journal.db").close()
    assert main(["stats", "--db", str(tmp_path / "journal.db")]) == 1
    assert "the kiosk's transaction journal, not its statistics database" in (
        capsys.readouterr().err
    )
    assert "transactions" not in table_names(tmp_path / "journal.db")


def test_statistics_written_before_stores_were_marked_are_adopted(tmp_path: Path) -> None:
    path = tmp_path / "statistics.db"
    statistics = Statistics(path)
    statistics.record(
        action="borrow", outcome="ok", library="SE-BOL", branch="B", media_type="001",
        language="sv",
    )  # fmt: skip
    statistics.close()
    unmark(path, 0)
    statistics = Statistics(path)
    assert statistics.total(action="borrow") == 1
    statistics.close()


# --------------------------------------------------------------------------------- ledger


def test_the_ledger_refuses_another_programs_database(tmp_path: Path) -> None:
    path = another_programs_database(tmp_path / "station.db")
    with pytest.raises(ForeignStore, match="not a kiosk return-station ledger"):
        StationLedger(path)
    assert table_names(path) == {"invoices"}


def test_a_ledger_written_before_stores_were_marked_keeps_its_bin_counts(tmp_path: Path) -> None:
    path = tmp_path / "return-station.db"
    ledger = StationLedger(path)
    record = ledger.arrived(1)
    ledger.routed(record.id, item_ids=["3001"], bin="A", reason="rule")
    ledger.diverted(record.id, "A")
    ledger.delivered(1, "A", seq=1)
    ledger.close()
    unmark(path, 0)
    ledger = StationLedger(path)
    assert ledger.counts() == {"A": 1}
    ledger.close()


# ------------------------------------------------------------------- embedded library system


def test_the_library_system_refuses_another_programs_database(tmp_path: Path) -> None:
    path = another_programs_database(tmp_path / "consortium.db")
    with pytest.raises(AcsError, match=r"--db .*consortium\.db: not a kiosk library-system"):
        ConsortiumModel.open(path)
    assert table_names(path) == {"invoices"}


def test_kiosk_acs_refuses_a_db_that_is_not_sqlite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "consortium.db"
    path.write_bytes(b"\x00\x01 not a database " * 64)
    assert main(["acs", "--db", str(path), "--port", "0"]) == 1
    assert f"kiosk acs: --db {path}: not an SQLite database" in capsys.readouterr().err


def test_a_library_system_db_written_before_stores_were_marked_keeps_its_state(
    tmp_path: Path,
) -> None:
    path = tmp_path / "consortium.db"
    model = ConsortiumModel.open(path)
    with model.transaction() as db:
        db.execute("UPDATE meta SET value = 'Renamed consortium' WHERE key = 'name'")
    model.close()
    as_version_1(path)
    unmark(path, 0)
    model = ConsortiumModel.open(path)  # not reloaded from the demo data: the file is adopted
    assert model.name == "Renamed consortium"
    model.close()


def test_store_errors_name_the_file(tmp_path: Path) -> None:
    path = another_programs_database(tmp_path / "x.db")
    with pytest.raises(StoreError) as caught:
        Statistics(path)
    assert caught.value.path == str(path)


def test_kiosk_journal_with_a_broken_config_says_what_is_wrong(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text("[kiosk]\nid = 'k 1'\n", encoding="utf-8")
    assert main(["journal", "--config", str(config), "status"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("kiosk journal: ") and "kiosk.id" in err
    assert "Traceback" not in err
