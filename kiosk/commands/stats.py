"""``kiosk stats``: the transaction statistics a consortium shares costs by.

Reads the kiosk's statistics database (``[kiosk] statistics_path``, default
``<state_dir>/statistics.db``; or ``--db FILE``) and prints totals grouped by any of the
dimensions hour, action, outcome, library, branch, media_type, language — as a table, CSV or
JSON. There is no personal data in it to print: the kiosk stores counters only.

    kiosk stats --config /etc/kiosk/kiosk.toml --by library action
    kiosk stats --db statistics.db --by hour --where action=borrow --format csv
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from kiosk.core.statistics import DIMENSIONS

    parser = subparsers.add_parser(
        "stats",
        help="print transaction statistics (per library, branch, media type, hour, language)",
        description="Totals of the kiosk's transactions, grouped by the dimensions given. "
        "The statistics hold counters only, never a patron or an item.",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--db", type=Path, help="the statistics database file")
    source.add_argument("--config", type=Path, help="a kiosk configuration (TOML) naming it")
    parser.add_argument(
        "--by",
        nargs="+",
        default=["library", "action"],
        choices=DIMENSIONS,
        metavar="DIMENSION",
        help=f"group by these ({', '.join(DIMENSIONS)}); default: library action",
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


def _database(args: argparse.Namespace) -> Path:
    if args.db is not None:
        return Path(args.db)
    from kiosk.config import load_config

    config = load_config(args.config)
    if config.kiosk.statistics_path is not None:
        return Path(config.kiosk.statistics_path).expanduser()
    return Path(config.kiosk.state_dir).expanduser() / "statistics.db"


def _stats(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError
    from kiosk.core.statistics import Statistics
    from kiosk.store import StoreError

    where: dict[str, str] = {}
    for condition in args.where:
        name, sep, value = condition.partition("=")
        if not sep:
            print(f"kiosk stats: --where needs DIMENSION=VALUE, not {condition!r}", file=sys.stderr)
            return 2
        where[name.strip()] = value.strip()
    try:
        path = _database(args)
    except ConfigError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"kiosk stats: no statistics database at {path}", file=sys.stderr)
        return 1
    try:
        statistics = Statistics(path)
    except StoreError as error:  # another program's file, the journal, or no SQLite at all
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 1
    try:
        rows = statistics.summary(tuple(args.by), **where)
    except ValueError as error:
        print(f"kiosk stats: {error}", file=sys.stderr)
        return 2
    finally:
        statistics.close()
    header = [*args.by, "count"]
    if args.format == "json":
        print(json.dumps([dict(zip(header, row, strict=True)) for row in rows], ensure_ascii=False))
    elif args.format == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(header)
        writer.writerows(rows)
    else:
        table = [header, *[[str(value) for value in row] for row in rows]]
        widths = [max(len(line[n]) for line in table) for n in range(len(header))]
        for line in table:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=True)))
    return 0
