"""The consortium model: SQLite storage, loading a data file, and read access.

Why SQLite and not dictionaries: the embedded library system is also what libraries try a kiosk
against, possibly from several kiosks and processes on one database file, and what the crash
tests restart. Every circulation change runs in one ``BEGIN IMMEDIATE`` transaction
(:meth:`ConsortiumModel.transaction`), so concurrent kiosks can neither lose nor double an update,
and the ``loan`` table's primary key on the item makes a double loan impossible by construction.

The write operations themselves live in :mod:`kiosk.acs.circulation`; this module only stores,
loads and reads.
"""

from __future__ import annotations

import functools
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from kiosk.acs import records
from kiosk.acs.dataformat import ConsortiumData, LoanRule, Policy, SortRule, read_data
from kiosk.acs.errors import AcsError
from kiosk.store import APPLICATION_IDS, StoreError, StoreSchema, open_store

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Clock = Callable[[], datetime]

DEMO_DATA = Path(str(resources.files("kiosk.acs") / "data" / "demo-consortium.json"))


def iso(moment: datetime | date | None) -> str | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return moment.replace(microsecond=0, tzinfo=None).isoformat()
    return moment.isoformat()


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


#: How a stored column becomes a record field of that type: dates are ISO text, flags 0 or 1.
_FROM_COLUMN: dict[str, Callable[[Any], Any]] = {"datetime": _dt, "date | None": _d, "bool": bool}

_Record = TypeVar("_Record", bound="DataclassInstance")

_Plan = tuple[tuple[str, str, Callable[[Any], Any] | None], ...]


@functools.cache
def _plan(record: type[DataclassInstance], prefix: str, given: frozenset[str]) -> _Plan:
    """Each field read from a column: its name, the column's and the conversion (None: as is)."""
    return tuple(
        (f.name, prefix + f.name, _FROM_COLUMN.get(str(f.type)))
        for f in fields(record)
        if f.name not in given
    )


def _record(record: type[_Record], row: sqlite3.Row, prefix: str = "", **given: Any) -> _Record:
    """A record from a row whose columns are named as its fields (``prefix`` first, as a join's
    aliases are: ``n_due``). Why one builder: the tables and the records share their names, so
    each record's conversion is written once and an item's loan reads the same as a patron's.
    ``given`` fields are not columns (the loan's item when joined on it, a hold's queue place)."""
    for name, column, convert in _plan(record, prefix, frozenset(given)):
        value = row[column]
        given[name] = value if convert is None else convert(value)
    return record(**given)


_parsed: dict[tuple[str, int, int], ConsortiumData] = {}


def _read_cached(path: Path) -> ConsortiumData:
    """Parse a data file once per process (tests start hundreds of servers on the demo data)."""
    stat = path.stat() if path.exists() else None
    key = (str(path.resolve()), stat.st_mtime_ns if stat else 0, stat.st_size if stat else 0)
    if key not in _parsed:
        _parsed[key] = read_data(path)
    return _parsed[key]


def _local_now() -> datetime:
    return datetime.now().replace(microsecond=0)


class Rows:
    """The rows of one statement, fetched while the lock was held (a cursor's reading API)."""

    __slots__ = ("_index", "_rows", "lastrowid", "rowcount")

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._rows = cursor.fetchall()
        self._index = 0
        self.lastrowid = cursor.lastrowid
        self.rowcount = cursor.rowcount

    def fetchone(self) -> Any:
        if self._index >= len(self._rows):
            return None
        self._index += 1
        return self._rows[self._index - 1]

    def fetchall(self) -> list[Any]:
        rest, self._index = self._rows[self._index :], len(self._rows)
        return rest

    def __iter__(self) -> Iterator[Any]:
        return iter(self.fetchall())


class LockedConnection:
    """An SQLite connection whose every statement runs under the model's lock.

    The server's loop thread writes while a test or the demo panel may read from another thread
    (:class:`kiosk.acs.ThreadedACS`); holding the same re-entrant lock as
    :meth:`ConsortiumModel.transaction` means a reader never sees half a transaction.
    """

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock

    def execute(self, sql: str, args: Sequence[Any] = ()) -> Rows:
        with self._lock:
            return Rows(self._conn.execute(sql, args))

    def executescript(self, script: str) -> None:
        with self._lock:
            self._conn.executescript(script)

    def close(self) -> None:
        with self._lock:
            self._conn.close()


@functools.cache
def _store() -> StoreSchema:
    """The ``--db`` file (see kiosk.store): ``schema.sql`` is version 1, ``schema_2.sql`` (the
    patron's address, PIN and login lockouts, resends per login) version 2. A file from before
    the store helper (application id 0) is adopted when its tables are among schema.sql's."""
    files = resources.files("kiosk.acs")
    schema = files.joinpath("schema.sql").read_text(encoding="utf-8")
    version_2 = files.joinpath("schema_2.sql").read_text(encoding="utf-8")
    tables = frozenset(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", schema))
    return StoreSchema(
        name="library-system database",
        application_id=APPLICATION_IDS["library-system database"],
        migrations=(schema, version_2),
        legacy_tables=tables,
        legacy_signature=frozenset({"meta", "library"}),
    )


class ConsortiumModel:
    """The consortium's state in SQLite (``":memory:"`` or a file), with read helpers.

    Open with :meth:`open`; a file that already holds a consortium keeps its state (loans made
    before a restart survive) unless ``reset=True``.
    """

    def __init__(self, db_path: str | Path = ":memory:", *, clock: Clock | None = None) -> None:
        self.db_path = str(db_path)
        self.clock: Clock = clock or _local_now
        self._lock = threading.RLock()
        self._depth = 0  # nesting of transaction(), guarded by _lock
        try:
            raw = open_store(self.db_path, _store(), synchronous="NORMAL", timeout=5.0)
        except StoreError as exc:
            raise AcsError(f"--db {exc.path}: {exc.reason}") from exc
        raw.row_factory = sqlite3.Row
        self.conn = LockedConnection(raw, self._lock)
        self.conn.execute("PRAGMA foreign_keys = ON")
        self._policy: Policy | None = None
        self._rules: dict[tuple[str, str], LoanRule] = {}
        self._sort_rules: dict[str, list[SortRule]] = {}

    # -- opening and loading -------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        db_path: str | Path = ":memory:",
        data: ConsortiumData | str | Path | None = None,
        *,
        reset: bool = False,
        clock: Clock | None = None,
    ) -> ConsortiumModel:
        """Open a model; load ``data`` (the demo consortium if None) unless the file has one."""
        model = cls(db_path, clock=clock)
        if reset or not model.loaded:
            if data is None:
                data = DEMO_DATA
            if not isinstance(data, ConsortiumData):
                data = _read_cached(Path(data))
            model.load(data)
        return model

    def close(self) -> None:
        self.conn.close()

    @property
    def loaded(self) -> bool:
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'name'").fetchone()
        return row is not None

    @contextmanager
    def transaction(self) -> Iterator[LockedConnection]:
        """One atomic change: ``BEGIN IMMEDIATE`` takes the write lock before reading.

        Transactions nest: inside another one this is a savepoint, so the SIP2 server can run a
        whole request (the change and building its answer) as one transaction and roll all of
        it back when anything in it fails, while each circulation operation stays atomic on
        its own too.
        """
        with self._lock:
            depth = self._depth
            if depth:
                self.conn.execute(f"SAVEPOINT nested_{depth}")
            else:
                self.conn.execute("BEGIN IMMEDIATE")
            self._depth = depth + 1
            try:
                yield self.conn
            except BaseException:
                if depth:
                    self.conn.execute(f"ROLLBACK TO nested_{depth}")
                    self.conn.execute(f"RELEASE nested_{depth}")
                else:
                    self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute(f"RELEASE nested_{depth}" if depth else "COMMIT")
            finally:
                self._depth = depth

    def now(self) -> datetime:
        return self.clock()

    def load(self, data: ConsortiumData) -> None:
        """Replace everything with ``data`` (one transaction: all or nothing)."""
        now = iso(self.now())
        with self.transaction() as db:
            for table in (
                "lockout",
                "circulation_log",
                "fee",
                "hold",
                "loan",
                "account",
                "item",
                "patron_card",
                "patron",
                "loan_rule",
                "sort_rule",
                "branch",
                "library",
                "meta",
            ):
                db.execute(f"DELETE FROM {table}")
            db.execute("INSERT INTO meta VALUES ('name', ?)", (data.name,))
            db.execute("INSERT INTO meta VALUES ('policy', ?)", (data.policy.model_dump_json(),))
            db.execute("INSERT INTO meta VALUES ('examples', ?)", (json.dumps(data.examples),))
            spelling = data.branch_spellings()

            def branch(code: str) -> str:
                return spelling[code.upper()]

            for lib in data.libraries:
                db.execute("INSERT INTO library VALUES (?, ?, ?)", (lib.code, lib.isil, lib.name))
                for br in lib.branches:
                    db.execute(
                        "INSERT INTO branch VALUES (?, ?, ?, ?)",
                        (br.code, lib.code, br.name, br.kind),
                    )
                    for pos, rule in enumerate(br.sort_bins):
                        db.execute(
                            "INSERT INTO sort_rule VALUES (?, ?, ?, ?, ?, ?, ?)",
                            (
                                br.code,
                                pos,
                                rule.outcome,
                                rule.media_type,
                                rule.destination_library,
                                rule.collection,
                                rule.bin,
                            ),
                        )
            for r in data.loan_rules:
                db.execute(
                    "INSERT INTO loan_rule VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        r.library,
                        r.media_type,
                        r.loan_days,
                        r.renewals,
                        r.max_loans,
                        r.loan_fee,
                        r.overdue_fee_per_day,
                        int(r.loanable),
                    ),
                )
            for p in data.patrons:
                db.execute(
                    "INSERT INTO patron (barcode, pin, name, home_branch, language, email, phone,"
                    " blocked, card_lost, expires, address) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        p.barcode,
                        p.pin,
                        p.name,
                        branch(p.home_branch),
                        p.language,
                        p.email,
                        p.phone,
                        p.blocked,
                        int(p.card_lost),
                        iso(p.expires),
                        p.address,
                    ),
                )
                for uid in p.card_uids:
                    db.execute("INSERT INTO patron_card VALUES (?, ?)", (uid, p.barcode))
                for fee in p.fees:
                    db.execute(
                        "INSERT INTO fee (patron, amount, type, item, description, created)"
                        " VALUES (?, ?, ?, ?, ?, ?)",
                        (p.barcode, fee.amount, fee.type, fee.item, fee.description, now),
                    )
            for i in data.items:
                db.execute(
                    "INSERT INTO item VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        i.barcode,
                        i.record,
                        i.title,
                        i.author,
                        i.language,
                        i.media_type,
                        i.owner,
                        branch(i.home_branch),
                        branch(i.location or i.home_branch),
                        i.collection,
                        i.call_number,
                        i.parts,
                        int(i.floating),
                        i.status,
                        None,
                        "",
                        i.tag.model,
                        i.tag.usage,
                        int(i.tag.offline_loan),
                    ),
                )
            for loan in data.loans:
                db.execute(
                    "INSERT INTO loan VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        loan.item,
                        loan.patron,
                        branch(loan.branch),
                        iso(loan.loaned),
                        iso(loan.due),
                        loan.renewals,
                    ),
                )
                db.execute("UPDATE item SET status = 'on_loan' WHERE barcode = ?", (loan.item,))
            for h in data.holds:
                pickup = branch(h.pickup)
                db.execute(
                    "INSERT INTO hold (patron, record, pickup, placed, state, item, expires)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (h.patron, h.record, pickup, iso(h.placed), h.state, h.item, iso(h.expires)),
                )
                if h.state == "ready":
                    db.execute(
                        "UPDATE item SET status = 'on_hold_shelf', location = ?,"
                        " transit_to = NULL WHERE barcode = ?",
                        (pickup, h.item),
                    )
                elif h.state == "in_transit":
                    db.execute(
                        "UPDATE item SET status = 'in_transit', transit_to = ? WHERE barcode = ?",
                        (pickup, h.item),
                    )
            for a in data.accounts:
                db.execute(
                    "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        a.login,
                        a.password,
                        branch(a.branch),
                        a.location_code,
                        a.charset,
                        int(a.error_detection),
                        a.terminator,
                        a.timeout_seconds,
                        a.retries,
                    ),
                )
        self._policy = None
        self._rules.clear()
        self._sort_rules.clear()

    # -- consortium-wide settings --------------------------------------------------------------

    @property
    def name(self) -> str:
        return str(self._meta("name"))

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            # Stored already converted (cents): construct, do not re-validate the amounts.
            self._policy = Policy.model_construct(**json.loads(self._meta("policy")))
        return self._policy

    @property
    def examples(self) -> dict[str, dict[str, str]]:
        """Named showcase records of the data file (e.g. ``examples["return_hold_here"]``)."""
        return dict(json.loads(self._meta("examples")))

    def _meta(self, key: str) -> str:
        row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise LookupError(f"the model has no {key!r}: no consortium loaded")
        return str(row[0])

    # -- reads ---------------------------------------------------------------------------------

    def branch(self, code: str) -> records.BranchRecord | None:
        """A branch by its code in any case ("bol-hb" finds "BOL-HB"); the record carries the
        code as the data file defines it, which is what every other table stores."""
        row = self.conn.execute(
            "SELECT b.code, b.name, b.kind, b.library, l.name AS library_name, l.isil"
            " FROM branch b JOIN library l ON l.code = b.library WHERE b.code = ? COLLATE NOCASE",
            (code,),
        ).fetchone()
        return records.BranchRecord(**dict(row)) if row else None

    def branches(self) -> list[records.BranchRecord]:
        rows = self.conn.execute(
            "SELECT b.code, b.name, b.kind, b.library, l.name AS library_name, l.isil"
            " FROM branch b JOIN library l ON l.code = b.library ORDER BY b.library, b.code"
        ).fetchall()
        return [records.BranchRecord(**dict(r)) for r in rows]

    def library_of_isil(self, isil: str) -> str | None:
        row = self.conn.execute("SELECT code FROM library WHERE isil = ?", (isil,)).fetchone()
        return str(row[0]) if row else None

    def isil(self, library: str) -> str:
        row = self.conn.execute("SELECT isil FROM library WHERE code = ?", (library,)).fetchone()
        return str(row[0]) if row else library

    def account(self, login: str) -> records.AccountRecord | None:
        row = self.conn.execute("SELECT * FROM account WHERE login = ?", (login,)).fetchone()
        return self._account(row) if row else None

    def accounts(self) -> list[records.AccountRecord]:
        rows = self.conn.execute("SELECT * FROM account ORDER BY login").fetchall()
        return [self._account(r) for r in rows]

    @staticmethod
    def _account(row: sqlite3.Row) -> records.AccountRecord:
        return _record(
            records.AccountRecord,
            row,
            terminator=b"\r\n" if row["terminator"] == "CRLF" else b"\r",
            timeout_seconds=float(row["timeout_seconds"]),
            retries=int(row["retries"]),
        )

    def find_patron(self, identifier: str) -> records.PatronRecord | None:
        """A patron by card barcode or by RFID/NFC card UID (hex, any case)."""
        record = self.patron(identifier)
        if record is None and identifier:
            row = self.conn.execute(
                "SELECT patron FROM patron_card WHERE uid = ?", (identifier.strip().upper(),)
            ).fetchone()
            if row:
                record = self.patron(row[0])
        return record

    def patron(self, barcode: str) -> records.PatronRecord | None:
        row = self.conn.execute(
            "SELECT p.*, b.library AS home_library FROM patron p"
            " JOIN branch b ON b.code = p.home_branch WHERE p.barcode = ?",
            (barcode,),
        ).fetchone()
        if row is None:
            return None
        uids = tuple(
            r[0]
            for r in self.conn.execute(
                "SELECT uid FROM patron_card WHERE patron = ? ORDER BY uid", (barcode,)
            )
        )
        return _record(records.PatronRecord, row, card_uids=uids)

    def patrons(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT barcode FROM patron ORDER BY barcode")]

    def item(self, barcode: str) -> records.ItemRecord | None:
        """The item with its loan and the hold it is trapped for (one query: a hot path)."""
        row = self.conn.execute(
            "SELECT i.*, l.isil AS owner_isil,"
            " n.patron AS n_patron, n.branch AS n_branch, n.loaned AS n_loaned, n.due AS n_due,"
            " n.renewals AS n_renewals,"
            " h.id AS h_id, h.patron AS h_patron, h.record AS h_record, h.pickup AS h_pickup,"
            " h.placed AS h_placed, h.state AS h_state, h.expires AS h_expires"
            " FROM item i JOIN library l ON l.code = i.owner"
            " LEFT JOIN loan n ON n.item = i.barcode LEFT JOIN hold h ON h.item = i.barcode"
            " WHERE i.barcode = ?",
            (barcode,),
        ).fetchone()
        if row is None:
            return None
        loan = hold = None
        if row["n_patron"] is not None:
            loan = _record(records.LoanRecord, row, "n_", item=barcode)
        if row["h_id"] is not None:  # a trapped hold: no place in the queue any more
            hold = _record(records.HoldRecord, row, "h_", item=barcode, position=0)
        return _record(records.ItemRecord, row, loan=loan, hold=hold)

    def items(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT barcode FROM item ORDER BY barcode")]

    def copies(self, record: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT barcode FROM item WHERE record = ? ORDER BY barcode", (record,)
        )
        return [r[0] for r in rows]

    def loan(self, item: str) -> records.LoanRecord | None:
        loans = self._loans("WHERE item = ?", (item,))
        return loans[0] if loans else None

    def loans_of(self, patron: str) -> list[records.LoanRecord]:
        return self._loans("WHERE patron = ? ORDER BY due, item", (patron,))

    def all_loans(self) -> list[records.LoanRecord]:
        return self._loans("ORDER BY item")

    def _loans(self, condition: str, args: Sequence[Any] = ()) -> list[records.LoanRecord]:
        rows = self.conn.execute(f"SELECT * FROM loan {condition}", args)
        return [_record(records.LoanRecord, r) for r in rows]

    def hold(self, hold_id: int) -> records.HoldRecord | None:
        holds = self._holds("WHERE id = ?", (hold_id,))
        return holds[0] if holds else None

    def holds_of(self, patron: str) -> list[records.HoldRecord]:
        return self._holds("WHERE patron = ? ORDER BY id", (patron,))

    def holds_on(self, record: str) -> list[records.HoldRecord]:
        """The record's queue: trapped holds first, then waiting ones in order placed."""
        return self._holds("WHERE record = ? ORDER BY state = 'waiting', id", (record,))

    def _holds(self, condition: str, args: Sequence[Any]) -> list[records.HoldRecord]:
        rows = self.conn.execute(f"SELECT * FROM hold {condition}", args).fetchall()
        return [self._hold(r) for r in rows]

    def _hold(self, row: sqlite3.Row) -> records.HoldRecord:
        position = 0
        if row["state"] == "waiting":
            position = self.conn.execute(
                "SELECT COUNT(*) FROM hold WHERE record = ? AND state = 'waiting' AND id <= ?",
                (row["record"], row["id"]),
            ).fetchone()[0]
        return _record(records.HoldRecord, row, position=position)

    def fees_of(self, patron: str, *, outstanding_only: bool = True) -> list[records.FeeRecord]:
        sql = "SELECT * FROM fee WHERE patron = ?"
        if outstanding_only:
            sql += " AND paid < amount"
        rows = self.conn.execute(sql + " ORDER BY id", (patron,)).fetchall()
        return [_record(records.FeeRecord, r) for r in rows]

    def fees_total(self, patron: str) -> int:
        row = self.conn.execute(
            "SELECT COALESCE(SUM(amount - paid), 0) FROM fee WHERE patron = ?", (patron,)
        ).fetchone()
        return int(row[0])

    def loan_rule(self, library: str, media_type: str) -> LoanRule:
        """The most specific rule: (library, type), (library, *), (*, type), then (*, *).

        Rules change only when a data file is loaded, so they are read once per process.
        """
        key = (library, media_type)
        rule = self._rules.get(key)
        if rule is None:
            rule = self._rules[key] = self._read_loan_rule(library, media_type)
        return rule

    def _read_loan_rule(self, library: str, media_type: str) -> LoanRule:
        row = self.conn.execute(
            "SELECT * FROM loan_rule WHERE library IN (?, '*') AND media_type IN (?, '*')"
            " ORDER BY library = '*', media_type = '*' LIMIT 1",
            (library, media_type),
        ).fetchone()
        return LoanRule.model_construct(
            library=row["library"],
            media_type=row["media_type"],
            loan_days=row["loan_days"],
            renewals=row["renewals"],
            max_loans=row["max_loans"],
            loan_fee=row["loan_fee"],
            overdue_fee_per_day=row["overdue_fee_per_day"],
            loanable=bool(row["loanable"]),
        )

    def sort_rules(self, branch: str) -> list[SortRule]:
        """The branch's sort-bin mapping, first match wins (read once per process)."""
        rules = self._sort_rules.get(branch)
        if rules is None:
            rules = self._sort_rules[branch] = self._read_sort_rules(branch)
        return list(rules)

    def _read_sort_rules(self, branch: str) -> list[SortRule]:
        rows = self.conn.execute(
            "SELECT * FROM sort_rule WHERE branch = ? ORDER BY position", (branch,)
        ).fetchall()
        return [
            SortRule.model_construct(
                bin=r["bin"],
                outcome=r["outcome"],
                media_type=r["media_type"],
                destination_library=r["destination_library"],
                collection=r["collection"],
            )
            for r in rows
        ]

    def circulation_log(self, *, item: str | None = None) -> list[records.LogEntry]:
        sql = "SELECT * FROM circulation_log"
        args: tuple[str, ...] = ()
        if item is not None:
            sql, args = sql + " WHERE item = ?", (item,)
        rows = self.conn.execute(sql + " ORDER BY id", args).fetchall()
        return [_record(records.LogEntry, r) for r in rows]
