"""kiosk.store: one versioned-store helper for every SQLite file the kiosk keeps.

A file is this store's, at a version, or it is refused before anything is written to it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from kiosk.store import (
    APPLICATION_IDS,
    ForeignStore,
    NewerStore,
    StoreError,
    StoreSchema,
    open_store,
)

V1 = """
-- notes; with a semicolon in a comment
CREATE TABLE IF NOT EXISTS note (id INTEGER PRIMARY KEY, text TEXT NOT NULL DEFAULT 'a;b');
"""


def add_author(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE note ADD COLUMN author TEXT NOT NULL DEFAULT 'staff'")


NOTES_V1 = StoreSchema(
    name="notes file",
    application_id=0x4E4B7465,
    migrations=(V1,),
    legacy_tables=frozenset({"note"}),
)
NOTES_V2 = StoreSchema(
    name="notes file",
    application_id=0x4E4B7465,
    migrations=(V1, add_author),
    legacy_tables=frozenset({"note"}),
)


def header(path: Path) -> tuple[int, int]:
    with sqlite3.connect(path) as raw:
        return (
            raw.execute("PRAGMA application_id").fetchone()[0],
            raw.execute("PRAGMA user_version").fetchone()[0],
        )


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def notes_opened_as_version_2(path: Path) -> list[tuple[str, str]]:
    """The notes (text, author) of the file opened as version 2, which marks it so (checked)."""
    db = open_store(path, NOTES_V2)
    try:
        notes: list[tuple[str, str]] = db.execute("SELECT text, author FROM note").fetchall()
    finally:
        db.close()
    assert header(path) == (NOTES_V2.application_id, 2)
    return notes


def test_a_new_file_is_marked_as_the_store_and_built_to_the_current_version(
    tmp_path: Path,
) -> None:
    db = open_store(tmp_path / "sub" / "notes.db", NOTES_V2)
    db.execute("INSERT INTO note (text) VALUES ('x')")
    assert db.execute("SELECT text, author FROM note").fetchall() == [("x", "staff")]
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    assert header(tmp_path / "sub" / "notes.db") == (NOTES_V2.application_id, 2)


def test_a_file_of_an_older_version_is_migrated_and_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    db = open_store(path, NOTES_V1)
    db.execute("INSERT INTO note (text) VALUES ('kept')")
    db.close()
    assert notes_opened_as_version_2(path) == [("kept", "staff")]


def test_a_file_of_a_newer_version_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    open_store(path, NOTES_V2).close()
    before = path.read_bytes()
    with pytest.raises(NewerStore, match="schema version 2; this kiosk knows up to 1: upgrade"):
        open_store(path, NOTES_V1)
    assert path.read_bytes() == before


def test_another_programs_database_is_refused_without_getting_our_tables(
    tmp_path: Path,
) -> None:
    path = tmp_path / "firefox.sqlite"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE moz_places (id INTEGER PRIMARY KEY, url TEXT)")
    with pytest.raises(ForeignStore) as caught:
        open_store(path, NOTES_V1)
    assert str(caught.value) == (
        f"{path}: not a kiosk notes file: it holds other tables (moz_places); give the right file"
    )
    assert tables(path) == {"moz_places"}
    assert header(path) == (0, 0)
    with sqlite3.connect(path) as raw:  # not even the journal mode was changed
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_a_file_marked_by_another_program_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA application_id = 1234")
    with pytest.raises(ForeignStore, match=r"another program's database .*0x000004d2"):
        open_store(path, NOTES_V1)
    assert tables(path) == set()


def test_another_of_the_kiosks_stores_is_named_in_the_refusal(tmp_path: Path) -> None:
    path = tmp_path / "journal.db"
    with sqlite3.connect(path) as raw:
        raw.execute(f"PRAGMA application_id = {APPLICATION_IDS['transaction journal']}")
    with pytest.raises(ForeignStore, match="the kiosk's transaction journal, not its notes file"):
        open_store(path, NOTES_V1)


@pytest.mark.parametrize(
    "content", [b"this is not sqlite at all\n" * 100, b"SQLite format 3\x00" + b"\xff" * 200]
)
def test_a_file_that_is_not_sqlite_is_refused_and_left_as_it_was(
    tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(content)
    with pytest.raises(StoreError, match="not an SQLite database, so not a kiosk notes file"):
        open_store(path, NOTES_V1)
    assert path.read_bytes() == content
    assert not (tmp_path / "notes.db-wal").exists()


def test_a_file_from_before_stores_were_marked_is_adopted_with_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as raw:  # what the kiosk wrote before the helper: no marks
        raw.execute("CREATE TABLE note (id INTEGER PRIMARY KEY, text TEXT NOT NULL)")
        raw.execute("INSERT INTO note (text) VALUES ('old')")
    assert notes_opened_as_version_2(path) == [("old", "staff")]


def test_an_empty_unmarked_file_of_a_newer_version_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    with sqlite3.connect(path) as raw:
        raw.execute("PRAGMA user_version = 99")
    with pytest.raises(NewerStore, match="schema version 99"):
        open_store(path, NOTES_V2)


def test_a_failing_migration_leaves_the_file_at_the_version_before(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    open_store(path, NOTES_V1).close()

    def half_done(db: sqlite3.Connection) -> None:
        db.execute("CREATE TABLE extra (id INTEGER)")
        raise RuntimeError("power cut")

    broken = StoreSchema(
        name="notes file", application_id=NOTES_V1.application_id, migrations=(V1, half_done)
    )
    with pytest.raises(RuntimeError, match="power cut"):
        open_store(path, broken)
    assert header(path) == (NOTES_V1.application_id, 1)
    assert tables(path) == {"note"}


def test_an_in_memory_store_needs_no_file(tmp_path: Path) -> None:
    db = open_store(":memory:", NOTES_V2)
    assert db.execute("PRAGMA user_version").fetchone()[0] == 2
    db.close()


def test_the_kiosks_stores_have_distinct_marks() -> None:
    assert len(set(APPLICATION_IDS.values())) == len(APPLICATION_IDS)
    assert all(0 < mark < 2**31 for mark in APPLICATION_IDS.values())
