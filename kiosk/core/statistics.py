"""Transaction statistics for the consortium's cost sharing, with no personal data.

Why counters and not a log: cost sharing needs "how many loans of whose items, where, when, in
which language", never "who borrowed what". So each transaction only increments a counter keyed
by (hour, action, outcome, owner library, branch, media type, UI language); no item or patron
identifier is ever stored, and the hour is the finest time resolution.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from kiosk.store import APPLICATION_IDS, StoreSchema, open_store

__all__ = ["DIMENSIONS", "STATISTICS_STORE", "Statistics"]

#: What a summary can be grouped by.
DIMENSIONS = ("hour", "action", "outcome", "library", "branch", "media_type", "language")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS transactions (
    hour TEXT NOT NULL,          -- 'YYYY-MM-DD HH' local time
    action TEXT NOT NULL,        -- borrow | renew | return
    outcome TEXT NOT NULL,       -- ok | refused | exception | offline
    library TEXT NOT NULL,       -- owner library of the item (ISIL), '' when unknown
    branch TEXT NOT NULL,        -- branch where the kiosk stands
    media_type TEXT NOT NULL,
    language TEXT NOT NULL,      -- UI language during the transaction
    count INTEGER NOT NULL,
    PRIMARY KEY (hour, action, outcome, library, branch, media_type, language)
)
"""


#: The statistics file (see kiosk.store); files from before it are adopted by their table.
STATISTICS_STORE = StoreSchema(
    name="statistics database",
    application_id=APPLICATION_IDS["statistics database"],
    migrations=(_SCHEMA,),
    legacy_tables=frozenset({"transactions"}),
)


class Statistics:
    """Counters in SQLite (a file, or ``:memory:``). Thread-safe; each call is one transaction."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        # Counters, not transactions: WAL + NORMAL does not fsync each commit (a power cut
        # may lose the last few counts), so recording never stalls the kiosk's event loop.
        # Raises kiosk.store.StoreError for a file that is not a statistics database.
        self._db = open_store(path, STATISTICS_STORE, synchronous="NORMAL")
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def record(
        self,
        *,
        action: str,
        outcome: str,
        library: str | None,
        branch: str,
        media_type: str | None,
        language: str,
        at: datetime | None = None,
    ) -> None:
        hour = (at or datetime.now()).strftime("%Y-%m-%d %H")
        key = (hour, action, outcome, library or "", branch, media_type or "", language)
        with self._lock:
            self._db.execute(
                "INSERT INTO transactions VALUES (?, ?, ?, ?, ?, ?, ?, 1) "
                "ON CONFLICT DO UPDATE SET count = count + 1",
                key,
            )

    def summary(self, by: Sequence[str] = ("action",), **where: str) -> list[tuple[object, ...]]:
        """Totals grouped by the given dimensions, e.g. ``summary(("library", "action"))``.

        Rows are ``(*dimension values, count)``, sorted. ``where`` filters on dimensions.
        """
        for name in (*by, *where):
            if name not in DIMENSIONS:
                raise ValueError(f"unknown statistics dimension {name!r}; use one of {DIMENSIONS}")
        columns = ", ".join(by)
        condition = " AND ".join(f"{name} = ?" for name in where) or "1"
        group = f"GROUP BY {columns} ORDER BY {columns}" if by else ""
        select = f"{columns}, " if by else ""
        sql = f"SELECT {select}SUM(count) FROM transactions WHERE {condition} {group}"
        with self._lock:
            return [tuple(row) for row in self._db.execute(sql, tuple(where.values()))]

    def total(self, **where: str) -> int:
        rows = self.summary((), **where)
        count = rows[0][0] if rows else None  # SUM() of no rows is NULL
        return count if isinstance(count, int) else 0
