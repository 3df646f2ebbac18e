"""The return station's ledger: every item the chute saw, where it went, and the bin counts.

Why a ledger beside the transaction journal: the journal knows each *check-in* (and replays the
offline ones), but not the *physical* item: which sorter item number it was, which bin it was
sent to, whether it dropped in, whether staff took it out at a jam. The ledger follows each
item through ``arrived -> routed -> diverted -> delivered`` (or ``taken_out`` / ``unconfirmed``)
and counts the bins, durably (SQLite, WAL, ``synchronous=FULL``), so that a restart, a jam or a
full bin loses nothing and the counts survive until staff empty a bin.

Items that could not be checked in (not identified, library system unavailable with offline
returns off) have no journal entry; the ledger row, with its reason, is their record.
"""

from __future__ import annotations

import enum
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from kiosk.store import APPLICATION_IDS, StoreSchema, open_store

__all__ = ["LEDGER_STORE", "LedgerRecord", "LedgerState", "StationLedger"]


class LedgerState(enum.Enum):
    ARRIVED = "arrived"  # at the read position
    ROUTED = "routed"  # checked in (or not) and its bin decided
    DIVERTED = "diverted"  # on its way to the bin
    DELIVERED = "delivered"  # the sorter saw it drop into the bin
    TAKEN_OUT = "taken_out"  # staff took it out while clearing a jam
    UNCONFIRMED = "unconfirmed"  # the sorter lost track of drops (log overrun): staff check


_OPEN = (LedgerState.ARRIVED, LedgerState.ROUTED, LedgerState.DIVERTED)


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    id: int
    sorter_item: int
    state: LedgerState
    arrived_at: datetime
    item_ids: tuple[str, ...] = ()
    bin: str | None = None
    reason: str | None = None  # "rule" or the exception reason
    rule: str | None = None
    entry_ids: tuple[str, ...] = ()

    @property
    def items(self) -> int:
        """How many library items this record counts for in its bin (at least one)."""
        return max(1, len(self.item_ids))


_SCHEMA = """
CREATE TABLE IF NOT EXISTS item (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    sorter_item INTEGER NOT NULL,
    state TEXT NOT NULL,
    arrived_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    item_ids TEXT NOT NULL DEFAULT '',
    bin TEXT,
    reason TEXT,
    rule TEXT,
    entry_ids TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS item_open ON item (state, sorter_item);
CREATE TABLE IF NOT EXISTS bin (
    id TEXT PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0,
    emptied_at TEXT
);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

#: The ledger's file (see kiosk.store); files from before it are adopted by their tables.
LEDGER_STORE = StoreSchema(
    name="return-station ledger",
    application_id=APPLICATION_IDS["return-station ledger"],
    migrations=(_SCHEMA,),
    legacy_tables=frozenset({"item", "bin", "meta"}),
    legacy_signature=frozenset({"item"}),
)

_COLUMNS = "id, sorter_item, state, arrived_at, item_ids, bin, reason, rule, entry_ids"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def _join(values: Sequence[str]) -> str:
    return ",".join(values)


def _split(text: str) -> tuple[str, ...]:
    return tuple(v for v in text.split(",") if v)


class StationLedger:
    """The ledger in one SQLite file (``":memory:"`` for tests). Thread-safe; every change is
    one committed transaction before the method returns."""

    def __init__(self, path: str | Path) -> None:
        # Raises kiosk.store.StoreError for a file that is not a return-station ledger.
        self._db = open_store(path, LEDGER_STORE, synchronous="FULL")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # --------------------------------------------------------------------------- items

    def arrived(self, sorter_item: int) -> LedgerRecord:
        """An item reached the read position. After a restart the machine may still hold an
        item the ledger knows (arrived or routed, not yet diverted): that record is reused."""
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM item WHERE sorter_item = ? AND state IN (?, ?)"
                " ORDER BY id DESC LIMIT 1",
                (sorter_item, LedgerState.ARRIVED.value, LedgerState.ROUTED.value),
            ).fetchone()
            if row is not None:
                db.execute(
                    "UPDATE item SET state = ?, updated_at = ? WHERE id = ?",
                    (LedgerState.ARRIVED.value, _now(), row[0]),
                )
                return _record((*row[:2], LedgerState.ARRIVED.value, *row[3:]))
            now = _now()
            cursor = db.execute(
                "INSERT INTO item (sorter_item, state, arrived_at, updated_at) VALUES (?, ?, ?, ?)",
                (sorter_item, LedgerState.ARRIVED.value, now, now),
            )
            record_id = cursor.lastrowid
            assert record_id is not None
            return self._get(db, record_id)

    def routed(
        self,
        record_id: int,
        *,
        item_ids: Sequence[str],
        bin: str,
        reason: str,
        rule: str | None = None,
        entry_ids: Sequence[str] = (),
    ) -> LedgerRecord:
        with self._transaction() as db:
            db.execute(
                "UPDATE item SET state = ?, updated_at = ?, item_ids = ?, bin = ?, reason = ?,"
                " rule = ?, entry_ids = ? WHERE id = ?",
                (
                    LedgerState.ROUTED.value,
                    _now(),
                    _join(item_ids),
                    bin,
                    reason,
                    rule,
                    _join(entry_ids),
                    record_id,
                ),
            )
            return self._get(db, record_id)

    def diverted(self, record_id: int, bin: str) -> LedgerRecord:
        """The sorter took it towards ``bin`` (the routed bin, or an overflow)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE item SET state = ?, updated_at = ?, bin = ? WHERE id = ?",
                (LedgerState.DIVERTED.value, _now(), bin, record_id),
            )
            return self._get(db, record_id)

    def delivered_earlier(self, record_id: int, bin: str) -> LedgerRecord:
        """The item dropped into ``bin`` before the station diverted it (a conveyor sends an
        item without a bin on to its late output); the drop was counted when it came."""
        with self._transaction() as db:
            db.execute(
                "UPDATE item SET state = ?, updated_at = ?, bin = ? WHERE id = ?",
                (LedgerState.DELIVERED.value, _now(), bin, record_id),
            )
            return self._get(db, record_id)

    def delivered(self, sorter_item: int, bin: str | None, seq: int) -> LedgerRecord | None:
        """The sorter saw ``sorter_item`` drop into ``bin`` (None: staff took it out at a jam).

        Counts the bin and remembers ``seq`` (the sorter's delivery counter), both in one
        transaction. Returns the record, or None for a drop the ledger has no diverted item for
        (still counted, so the count matches the bin).
        """
        with self._transaction() as db:
            row = db.execute(
                f"SELECT {_COLUMNS} FROM item WHERE sorter_item = ? AND state = ?"
                " ORDER BY id LIMIT 1",
                (sorter_item, LedgerState.DIVERTED.value),
            ).fetchone()
            record = _record(row) if row else None
            state = LedgerState.DELIVERED if bin is not None else LedgerState.TAKEN_OUT
            if record is not None:
                db.execute(
                    "UPDATE item SET state = ?, updated_at = ?, bin = COALESCE(?, bin)"
                    " WHERE id = ?",
                    (state.value, _now(), bin, record.id),
                )
            if bin is not None:
                db.execute(
                    "INSERT INTO bin (id, count) VALUES (?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET count = count + excluded.count",
                    (bin, record.items if record else 1),
                )
            db.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('delivery_seq', ?)", (str(seq),)
            )
            return self._get(db, record.id) if record else None

    def unconfirmed(self, count: int | None = None) -> list[LedgerRecord]:
        """``count`` drops happened that the sorter can no longer name (None: it forgot every
        item on its way, e.g. it restarted): the oldest diverted items are marked for staff
        (their bins are not counted: nobody knows which)."""
        with self._transaction() as db:
            rows = db.execute(
                "SELECT id FROM item WHERE state = ? ORDER BY id LIMIT ?",
                (LedgerState.DIVERTED.value, -1 if count is None else count),
            ).fetchall()
            for (record_id,) in rows:
                db.execute(
                    "UPDATE item SET state = ?, updated_at = ? WHERE id = ?",
                    (LedgerState.UNCONFIRMED.value, _now(), record_id),
                )
            return [self._get(db, record_id) for (record_id,) in rows]

    def get(self, record_id: int) -> LedgerRecord:
        with self._lock:
            return self._get(self._db, record_id)

    def open_records(self) -> list[LedgerRecord]:
        """Items not yet in a bin: at the read position, routed, or on their way."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM item WHERE state IN (?, ?, ?) ORDER BY id",
                tuple(s.value for s in _OPEN),
            ).fetchall()
        return [_record(row) for row in rows]

    def records(self, *, limit: int | None = None) -> list[LedgerRecord]:
        """Every record, newest first (``limit`` of them)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM item ORDER BY id DESC LIMIT ?", (limit or -1,)
            ).fetchall()
        return [_record(row) for row in rows]

    def attention(self) -> list[LedgerRecord]:
        """Records staff must look at: taken out at a jam, or drops the sorter lost."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM item WHERE state IN (?, ?) ORDER BY id",
                (LedgerState.TAKEN_OUT.value, LedgerState.UNCONFIRMED.value),
            ).fetchall()
        return [_record(row) for row in rows]

    # ---------------------------------------------------------------------------- bins

    def counts(self) -> dict[str, int]:
        """Items in each bin since staff last emptied it (bins never used are absent)."""
        with self._lock:
            return dict(self._db.execute("SELECT id, count FROM bin").fetchall())

    def en_route(self) -> dict[str, int]:
        """Items diverted towards each bin that have not dropped in yet."""
        with self._lock:
            rows = self._db.execute(
                "SELECT bin, item_ids FROM item WHERE state = ?", (LedgerState.DIVERTED.value,)
            ).fetchall()
        found: dict[str, int] = {}
        for bin_id, item_ids in rows:
            found[bin_id] = found.get(bin_id, 0) + max(1, len(_split(item_ids)))
        return found

    def bin_emptied(self, bin_id: str) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO bin (id, count, emptied_at) VALUES (?, 0, ?)"
                " ON CONFLICT(id) DO UPDATE SET count = 0, emptied_at = excluded.emptied_at",
                (bin_id, _now()),
            )

    @property
    def delivery_mark(self) -> tuple[int, int] | None:
        """(controller run, delivery counter) after the last drop recorded (None: never), to
        give the sorter driver as ``deliveries_after`` so drops while away are not missed."""
        with self._lock:
            rows = dict(
                self._db.execute(
                    "SELECT key, value FROM meta WHERE key IN ('controller_run', 'delivery_seq')"
                ).fetchall()
            )
        if "controller_run" not in rows or "delivery_seq" not in rows:
            return None
        return int(rows["controller_run"]), int(rows["delivery_seq"])

    def set_delivery_mark(self, run: int, seq: int) -> None:
        """The controller's run and counter to continue from (at start-up, after a restart)."""
        with self._transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                (("controller_run", str(run)), ("delivery_seq", str(seq))),
            )

    # ------------------------------------------------------------------------ plumbing

    @staticmethod
    def _get(db: sqlite3.Connection, record_id: int) -> LedgerRecord:
        row = db.execute(f"SELECT {_COLUMNS} FROM item WHERE id = ?", (record_id,)).fetchone()
        if row is None:
            raise KeyError(f"no ledger record {record_id}")
        return _record(row)


def _record(row: tuple[object, ...]) -> LedgerRecord:
    record_id, sorter_item, state, arrived, item_ids, bin_id, reason, rule, entry_ids = row
    return LedgerRecord(
        id=int(record_id),  # type: ignore[call-overload]
        sorter_item=int(sorter_item),  # type: ignore[call-overload]
        state=LedgerState(state),
        arrived_at=datetime.fromisoformat(str(arrived)),
        item_ids=_split(str(item_ids or "")),
        bin=str(bin_id) if bin_id is not None else None,
        reason=str(reason) if reason is not None else None,
        rule=str(rule) if rule is not None else None,
        entry_ids=_split(str(entry_ids or "")),
    )
