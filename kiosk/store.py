"""Versioned SQLite stores: every file the kiosk keeps knows whose it is and at which version.

Why one helper: the kiosk keeps four SQLite files (the transaction journal, the statistics, the
return station's ledger and the embedded library system's ``--db``), and each must

- refuse a file that is not its own -- another program's database, another of the kiosk's
  stores, or no SQLite file at all -- instead of creating its tables in it (``kiosk stats --db
  journal.db`` must not turn the journal into a statistics file) or failing with a traceback;
- bring a file written by an older kiosk up to date, by ordered migrations;
- refuse a file written by a newer kiosk rather than misread it.

Whose a file is goes in the header field SQLite keeps for exactly this, ``PRAGMA
application_id``; its version in ``PRAGMA user_version``, which counts the migrations applied.
Files written before this helper existed carry application id 0: one is adopted when its tables
are the store's own (``legacy_tables``), which is why a store's first migration creates its
tables with ``IF NOT EXISTS``. Usage::

    STATISTICS = StoreSchema(
        name="statistics database",
        application_id=APPLICATION_IDS["statistics database"],
        migrations=(CREATE_TABLES_V1, add_a_column),     # SQL text, or a function(connection)
        legacy_tables=frozenset({"transactions"}),
    )
    connection = open_store(path, STATISTICS, synchronous="NORMAL")   # raises StoreError

A migration runs in the same transaction as the version it sets, so a crash in the middle leaves
the file at the version before. SQL migrations are run statement by statement (never with
``executescript``, which would commit half-way); a function migration must not commit either.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = [
    "APPLICATION_IDS",
    "ForeignStore",
    "Migration",
    "NewerStore",
    "StoreError",
    "StoreSchema",
    "open_store",
]


def _tag(text: str) -> int:
    """Four ASCII letters as the 32-bit number SQLite keeps in the header (readable in a hex
    dump of the file at offset 68)."""
    return int.from_bytes(text.encode("ascii"), "big")


#: The application id of each of the kiosk's stores, by the name error messages use. All are
#: here (not beside each store) so that a message can say *which* of the kiosk's files a wrong
#: one is ("data/journal.db is the kiosk's transaction journal, not its statistics database").
APPLICATION_IDS: dict[str, int] = {
    "transaction journal": _tag("NKjn"),
    "statistics database": _tag("NKst"),
    "return-station ledger": _tag("NKrl"),
    "library-system database": _tag("NKac"),
    "lockout file": _tag("NKlk"),
}

#: A step from one schema version to the next: SQL statements, or a function of the connection.
Migration = str | Callable[[sqlite3.Connection], None]


class StoreError(Exception):
    """The file cannot be used as this store: ``path`` and ``reason`` (``str()``: both)."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class ForeignStore(StoreError):
    """The file belongs to another program or another store, or is no SQLite file at all."""


class NewerStore(StoreError):
    """The file was written by a newer kiosk (a schema version this one does not know)."""


@dataclass(frozen=True, slots=True)
class StoreSchema:
    """What one kind of store is: its name, its mark, and how to build it version by version.

    ``migrations[n]`` takes a file from version ``n`` to ``n + 1``; the current version is their
    number. ``legacy_tables`` are the tables a file of this store had before stores carried an
    application id; ``legacy_signature`` (default: all of them) must be among its tables for
    such a file to be adopted.
    """

    name: str
    application_id: int
    migrations: tuple[Migration, ...]
    legacy_tables: frozenset[str] = frozenset()
    legacy_signature: frozenset[str] | None = None

    @property
    def version(self) -> int:
        return len(self.migrations)


def open_store(
    path: str | Path,
    schema: StoreSchema,
    *,
    synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL",
    timeout: float = 5.0,
) -> sqlite3.Connection:
    """Open (or create) the store ``schema`` at ``path`` and migrate it to the current version.

    The connection is in autocommit mode (``isolation_level=None``), usable from any thread
    (the caller serialises), in WAL mode for a file (not for ``":memory:"``). Nothing is written
    to a file before it is known to be this store's (or new): not even the journal mode.
    Raises :class:`ForeignStore`, :class:`NewerStore` or :class:`StoreError`.
    """
    text = str(path)
    memory = text == ":memory:"
    try:
        if not memory:
            Path(text).parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(text, isolation_level=None, check_same_thread=False, timeout=timeout)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(text, f"cannot open it as the {schema.name}: {exc}") from exc
    try:
        _starting_version(db, schema, text)  # read only: refuse before writing anything
        if not memory:
            db.execute("PRAGMA journal_mode=WAL")
        db.execute(f"PRAGMA synchronous={synchronous}")
        _migrate(db, schema, text)
    except StoreError:
        db.close()
        raise
    except sqlite3.DatabaseError as exc:
        db.close()
        raise StoreError(text, f"cannot use it as the {schema.name}: {exc}") from exc
    return db


def _starting_version(db: sqlite3.Connection, schema: StoreSchema, path: str) -> int:
    """The version the file is at, after checking that it is this store's (or empty)."""
    try:
        owner = int(db.execute("PRAGMA application_id").fetchone()[0])
        version = int(db.execute("PRAGMA user_version").fetchone()[0])
        tables = {
            str(name)
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%'"
            )
        }
    except sqlite3.DatabaseError as exc:
        if "not a database" in str(exc) or "malformed" in str(exc):
            raise ForeignStore(
                path, f"not an SQLite database, so not a kiosk {schema.name}: give the right file"
            ) from exc
        raise
    if owner != schema.application_id:
        if owner != 0:
            other = next((name for name, mark in APPLICATION_IDS.items() if mark == owner), None)
            if other is not None:
                raise ForeignStore(path, f"the kiosk's {other}, not its {schema.name}")
            raise ForeignStore(
                path,
                f"another program's database (SQLite application id {owner:#010x}), "
                f"not a kiosk {schema.name}: give the right file",
            )
        signature = (
            schema.legacy_tables if schema.legacy_signature is None else (schema.legacy_signature)
        )
        if tables and not (signature <= tables <= schema.legacy_tables):
            shown = ", ".join(sorted(tables)[:6]) + (", ..." if len(tables) > 6 else "")
            raise ForeignStore(
                path,
                f"not a kiosk {schema.name}: it holds other tables ({shown}); give the right file",
            )
    if version > schema.version:
        raise NewerStore(
            path,
            f"a {schema.name} of schema version {version}; this kiosk knows up to "
            f"{schema.version}: upgrade the kiosk software",
        )
    return version


def _migrate(db: sqlite3.Connection, schema: StoreSchema, path: str) -> None:
    """Mark the file as this store's and run the migrations it lacks, in one transaction.

    Under ``BEGIN IMMEDIATE`` the file is checked again: another process (the kiosk and
    ``kiosk journal`` share the journal) may have migrated it since the first look.
    """
    db.execute("BEGIN IMMEDIATE")
    try:
        version = _starting_version(db, schema, path)
        if int(db.execute("PRAGMA application_id").fetchone()[0]) != schema.application_id:
            db.execute(f"PRAGMA application_id={schema.application_id}")
        for number in range(version, schema.version):
            step = schema.migrations[number]
            if isinstance(step, str):
                for statement in _statements(step):
                    db.execute(statement)
            else:
                step(db)
            db.execute(f"PRAGMA user_version={number + 1}")
    except BaseException:
        if db.in_transaction:
            db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _statements(script: str) -> Iterator[str]:
    """The SQL statements of ``script``, one by one (semicolons in literals and triggers kept)."""
    pending = ""
    for piece in script.split(";"):
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            statement = pending.strip()
            if _has_code(statement):
                yield statement
            pending = ""
    if _has_code(pending.rstrip(";")):
        raise ValueError(f"an incomplete SQL statement at the end of a migration: {pending!r}")


def _has_code(sql: str) -> bool:
    """Whether ``sql`` holds more than comments, whitespace and semicolons."""
    lines = [line.split("--", 1)[0] for line in sql.splitlines()]
    return bool("".join(lines).replace(";", "").strip())
