"""``kiosk journal``: the staff's view of the transaction journal, from a shell.

    kiosk journal [--config FILE | --journal PATH] status [--json]
    kiosk journal [...] list [--all] [--json]       the reconciliation list (patrons masked)
    kiosk journal [...] show ENTRY_ID               one entry and every state it went through
    kiosk journal [...] resolve ENTRY_ID [--note TEXT]

Why a command: the staff screen shows the same things, but a technician logged in over SSH
should be able to see what the kiosk still owes the library system, and clear an item from the
list once it was dealt with, without a touch screen. The journal is SQLite in WAL mode, so this
works while the kiosk runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "journal",
        help="offline queue and reconciliation list of the transaction journal",
        description="Show the kiosk's offline queue and reconciliation list; resolve items.",
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--config", help="kiosk config file (its [kiosk] journal path is used)")
    where.add_argument("--journal", help="journal file (SQLite)")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    status = actions.add_parser("status", help="queue depth, half-done entries, staff list size")
    status.add_argument("--json", action="store_true", help="one JSON object")
    listing = actions.add_parser("list", help="the reconciliation list")
    listing.add_argument("--all", action="store_true", help="include resolved items")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    show = actions.add_parser("show", help="one entry and its history")
    show.add_argument("entry_id")
    resolve = actions.add_parser("resolve", help="take an item off the reconciliation list")
    resolve.add_argument("entry_id")
    resolve.add_argument("--note", help="what was done (kept in the journal)")
    parser.set_defaults(handler=run)


def _journal_path(args: argparse.Namespace) -> Path:
    if args.journal:
        return Path(args.journal)
    from kiosk.config import load_config

    if args.config:
        return Path(load_config(args.config).kiosk.journal_file)
    raise SystemExit("kiosk journal: give --journal PATH or --config FILE")


def run(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError
    from kiosk.ils.journal import Journal, JournalError, UnknownEntry

    try:
        path = _journal_path(args)
    except ConfigError as error:
        print(f"kiosk journal: {error}", file=sys.stderr)
        return 2
    if not path.exists():
        print(f"kiosk journal: no journal at {path}", file=sys.stderr)
        return 1
    try:
        with Journal(path) as journal:
            if args.action == "status":
                return _status(journal, as_json=args.json)
            if args.action == "list":
                return _list(journal, include_resolved=args.all, as_json=args.json)
            if args.action == "show":
                return _show(journal, args.entry_id)
            entry = journal.resolve(args.entry_id, note=args.note)
            print(f"resolved {entry.id} ({entry.kind.value} of item {entry.item_id})")
            return 0
    except UnknownEntry as exc:
        print(f"kiosk journal: {exc}", file=sys.stderr)
        return 1
    except JournalError as exc:
        print(f"kiosk journal: {exc}", file=sys.stderr)
        return 1


def _status(journal: Any, *, as_json: bool) -> int:
    figures = {
        "offline_queue": journal.offline_queue_depth(),
        "half_done": len(journal.half_done()),
        "reconciliation": len(journal.reconciliation()),
    }
    if as_json:
        print(json.dumps(figures, sort_keys=True))
    else:
        print(f"offline transactions waiting for replay: {figures['offline_queue']}")
        print(f"half-done entries (recovery at next start): {figures['half_done']}")
        print(f"on the reconciliation list: {figures['reconciliation']}")
    return 0


def _list(journal: Any, *, include_resolved: bool, as_json: bool) -> int:
    lines = journal.reconciliation(include_resolved=include_resolved)
    for line in lines:
        record = {
            "entry_id": line.entry_id,
            "kind": line.kind.value,
            "item_id": line.item_id,
            "patron": line.masked_patron,
            "attention": line.attention.value,
            "reason": line.reason,
            "messages": list(line.messages),
            "created_at": line.created_at.isoformat(),
            "tag_uid": line.tag_uid,
            "tag_should_be": line.security_target.value if line.security_target else None,
            "note": line.note,
        }
        if as_json:
            print(json.dumps(record, ensure_ascii=False))
        else:
            should = f", tag should be {record['tag_should_be']}" if record["tag_should_be"] else ""
            said = f" — {' / '.join(line.messages)}" if line.messages else ""
            print(
                f"{line.entry_id}  {line.created_at:%Y-%m-%d %H:%M}  {line.kind.value} item "
                f"{line.item_id} patron {line.masked_patron or '-'}: {line.attention.value}"
                f"{should}{said}"
            )
    if not lines and not as_json:
        print("the reconciliation list is empty")
    return 0


def _show(journal: Any, entry_id: str) -> int:
    entry = journal.get(entry_id)
    print(repr(entry))
    if entry.reason or entry.messages:
        print(f"reason: {entry.reason or '-'}; messages: {' / '.join(entry.messages) or '-'}")
    for moment, axis, before, after in journal.history(entry_id):
        print(f"  {moment:%Y-%m-%d %H:%M:%S}  {axis:8} {before or '-'} -> {after}")
    return 0
