"""``kiosk stats``: the transaction statistics a consortium shares costs by.

Reads the kiosk's statistics database (``[kiosk] statistics_path``, default
``<state_dir>/statistics.db``; or ``--db FILE``) and prints totals grouped by any of the
dimensions hour, month, action, outcome, library, branch, media_type, language — as a table,
CSV or JSON. There is no personal data in it to print: the kiosk stores counters only.

Several kiosks at once: ``--db`` and ``--csv`` may be given many times, and their counters are
added up -- the figures a consortium divides its costs by, e.g. loans per owner library and
month over the whole fleet. ``--csv`` reads what ``kiosk stats --format csv --by all`` and the
staff console's statistics page export (a header of the dimensions and ``count``).

    kiosk stats --config /etc/kiosk/kiosk.toml --by library action
    kiosk stats --db statistics.db --by hour --where action=borrow --format csv
    kiosk stats --db bol-1.db --db bol-2.db --csv hud-1.csv --by library month --where action=borrow
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Derived from the hour ('YYYY-MM-DD HH' -> 'YYYY-MM'): what invoices are made per.
MONTH = "month"
#: ``--by all``: every stored dimension (the export format).
ALL = "all"


class StatsError(Exception):
    """A source that cannot be read; the message names it. ``status`` is the exit status."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.status = status


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from kiosk.core.statistics import DIMENSIONS

    parser = subparsers.add_parser(
        "stats",
        help="print transaction statistics (per library, branch, media type, hour, language)",
        description="Totals of the kiosk's transactions, grouped by the dimensions given. "
        "The statistics hold counters only, never a patron or an item. Give --db and --csv "
        "several times to add up the statistics of several kiosks (cost sharing).",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--db", type=Path, action="append", help="a statistics database file (repeatable)"
    )
    source.add_argument("--config", type=Path, help="a kiosk configuration (TOML) naming it")
    parser.add_argument(
        "--csv",
        type=Path,
        action="append",
        default=[],
        metavar="FILE",
        help="a CSV export of a kiosk's statistics to add (repeatable; with --db or alone)",
    )
    choices = (*DIMENSIONS, MONTH, ALL)
    parser.add_argument(
        "--by",
        nargs="+",
        default=["library", "action"],
        choices=choices,
        metavar="DIMENSION",
        help=f"group by these ({', '.join(choices)}); default: library action",
    )
    parser.add_argument(
        "--where",
        action="append",
        default=[],
        metavar="DIMENSION=VALUE",
        help="only count these (repeatable), e.g. --where action=borrow",
    )
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    parser.set_defaults(handler=_stats)


def _database(args: argparse.Namespace) -> list[Path]:
    if args.db is not None:
        return [Path(path) for path in args.db]
    if args.config is None:
        return []
    from kiosk.config import load_config

    config = load_config(args.config)
    if config.kiosk.statistics_path is not None:
        return [Path(config.kiosk.statistics_path).expanduser()]
    return [Path(config.kiosk.state_dir).expanduser() / "statistics.db"]


def _stats(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError
    from kiosk.core.statistics import DIMENSIONS

    if args.db is None and args.config is None and not args.csv:
        print("kiosk stats: give --db FILE, --config FILE or --csv FILE", file=sys.stderr)
        return 2
    where: dict[str, str] = {}
    for condition in args.where:
        name, sep, value = condition.partition("=")
        if not sep:
            print(f"kiosk stats: --where needs DIMENSION=VALUE, not {condition!r}", file=sys.stderr)
            return 2
        where[name.strip()] = value.strip()
    unknown = [name for name in where if name not in (*DIMENSIONS, MONTH)]
    if unknown:
        print(
            f"kiosk stats: unknown statistics dimension {unknown[0]!r}; "
            f"use one of {(*DIMENSIONS, MONTH)}",
            file=sys.stderr,
        )
        return 2
    by = list(DIMENSIONS) if ALL in args.by else list(args.by)
    try:
        databases = _database(args)
        rows = [*_database_rows(databases), *_csv_rows(args.csv)]
    except ConfigError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 2
    except StatsError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return error.status
    totals = merge(rows, by, where)
    _print(args.format, [*by, "count"], totals)
    return 0


Row = dict[str, str | int]


def _database_rows(paths: Sequence[Path]) -> Iterable[Row]:
    from kiosk.core.statistics import DIMENSIONS, Statistics
    from kiosk.store import StoreError

    for path in paths:
        if not path.exists():
            raise StatsError(f"no statistics database at {path}")
        try:
            statistics = Statistics(path)
        except StoreError as error:  # another program's file, the journal, or no SQLite at all
            raise StatsError(str(error)) from None
        try:
            found = statistics.summary(DIMENSIONS)
        finally:
            statistics.close()
        for values in found:
            yield {**dict(zip(DIMENSIONS, (str(v) for v in values[:-1]), strict=True)),
                   "count": int(str(values[-1]))}  # fmt: skip


def _csv_rows(paths: Sequence[Path]) -> Iterable[Row]:
    """Rows of CSV exports; a file whose header lacks a dimension or ``count`` is refused
    (adding up files of different shapes would count wrong, silently)."""
    from kiosk.core.statistics import DIMENSIONS

    for path in paths:
        try:
            with open(path, encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                missing = [n for n in (*DIMENSIONS, "count") if n not in (reader.fieldnames or [])]
                if missing:
                    raise StatsError(
                        f"{path}: not a statistics export (no column {', '.join(missing)}); "
                        "export with kiosk stats --format csv --by all or the staff console"
                    )
                for number, record in enumerate(reader, start=2):
                    try:
                        count = int(record["count"])
                    except (TypeError, ValueError):
                        raise StatsError(
                            f"{path}:{number}: count {record['count']!r} is not a whole number"
                        ) from None
                    yield {**{name: record[name] or "" for name in DIMENSIONS}, "count": count}
        except (OSError, UnicodeDecodeError) as error:
            raise StatsError(f"{path}: cannot read it ({error})") from None


def merge(
    rows: Iterable[Row], by: Sequence[str], where: dict[str, str]
) -> list[tuple[object, ...]]:
    """Counts added up per value of the ``by`` dimensions (``month`` derived from the hour),
    only rows matching ``where``; sorted like the single-database summary."""
    totals: dict[tuple[str, ...], int] = {}
    for row in rows:
        values = {**row, MONTH: str(row["hour"])[:7]}
        if any(str(values[name]) != wanted for name, wanted in where.items()):
            continue
        key = tuple(str(values[name]) for name in by)
        totals[key] = totals.get(key, 0) + int(row["count"])
    return [(*key, count) for key, count in sorted(totals.items())]


def _print(fmt: str, header: list[str], rows: list[tuple[object, ...]]) -> None:
    if fmt == "json":
        print(json.dumps([dict(zip(header, row, strict=True)) for row in rows], ensure_ascii=False))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    else:
        table = [header, *[[str(value) for value in row] for row in rows]]
        widths = [max(len(line[n]) for line in table) for n in range(len(header))]
        for line in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
