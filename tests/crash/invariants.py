"""What must hold once the kiosk has recovered, after every restart and at the end.

Read from where the state lives, not from what any process says: the kiosk's journal file, the
library system's database file, and the tags in the reader simulator. The checks:

- nothing half done and nothing on the staff's list (recovery finished every entry);
- nothing lost or doubled: per item, the library system's log of loan changes equals the
  journal's applied transactions, in the same order, and no request was carried out twice
  (which would show as an extra renewal or check-in);
- every tag is secured exactly when the library system says its item is not on loan;
- an item whose tag says "not for loan while offline" was never lent offline.

Items with an offline transaction still queued for replay are left out of the two middle checks
until the end (the library system has not heard of it yet, or a replay's answer was lost).
"""

from __future__ import annotations

import collections
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from kiosk.acs import ConsortiumModel
from kiosk.ils.journal import Entry, EntryKind, Journal, Status


@dataclass
class History:
    """One item's transactions: those that changed its loan, and the no-ops (a checkout of an
    item the patron already had is a renewal; a check-in of an item not on loan)."""

    changes: list[str] = field(default_factory=list)
    noops: collections.Counter[str] = field(default_factory=collections.Counter)


def history_in_acs(model: ConsortiumModel, item: str) -> History:
    """What the library system carried out for this item, from its circulation log."""
    found = History()
    for entry in model.circulation_log(item=item):
        if not entry.ok:
            continue
        if entry.action == "checkout":
            found.changes.append("checkout")
        elif entry.action == "checkin" and entry.patron:
            found.changes.append("checkin")
        elif entry.action in ("checkin", "renew"):
            found.noops[entry.action] += 1
        else:
            raise AssertionError(f"item {item}: unexpected {entry.action} in the ACS log")
    return found


def history_in_journal(entries: Iterable[Entry]) -> History:
    """What the journal says the library system applied, replayed against the loan state
    (``entries``: one item's, in journal order)."""
    expected = History()
    on_loan = False  # every item starts in stock (checked when the world is built)
    for entry in entries:
        if entry.status not in (Status.OK, Status.REPLAYED):
            continue
        if entry.kind is EntryKind.CHECKIN:
            if on_loan:
                expected.changes.append("checkin")
            else:
                expected.noops["checkin"] += 1
            on_loan = False
        elif entry.kind is EntryKind.CHECKOUT and not on_loan:
            expected.changes.append("checkout")
            on_loan = True
        else:
            expected.noops["renew"] += 1
    return expected


@dataclass(frozen=True)
class World:
    """What the checks need to know of the test's world."""

    items: Mapping[str, list[str]]  # barcode -> tag UIDs (hex)
    afi_secured: int
    afi_unsecured: int
    not_for_loan_offline: frozenset[str]  # items whose tags say so
    whole_stacks: bool  # every transaction changes a loan (the pieces engine): no no-op at all


@dataclass
class Findings:
    problems: list[str] = field(default_factory=list)
    applied: int = 0  # loan changes the journal records as applied
    queued_items: int = 0  # items left out: an offline transaction still queued


def check(
    world: World, journal: Journal, model: ConsortiumModel, afis: Mapping[str, int]
) -> Findings:
    """Every invariant at a moment when nothing moves: the kiosk has recovered and waits, or it
    is dead. ``afis``: each tag's AFI now (UID hex -> AFI), as the reader simulator holds it."""
    found = Findings()
    found.problems += [f"half done: {entry!r}" for entry in journal.half_done()]
    found.problems += [f"on the staff's list: {item!r}" for item in journal.reconciliation()]
    per_item: dict[str, list[Entry]] = collections.defaultdict(list)
    for entry in journal.entries():
        per_item[entry.item_id].append(entry)
    queued = {entry.item_id for entry in journal.replay_queue()}
    found.queued_items = len(queued & set(world.items))
    for item, uids in world.items.items():
        entries = per_item.get(item, [])
        if item in world.not_for_loan_offline:
            found.problems += [
                f"item {item} is not for loan offline, yet lent offline: {entry!r}"
                for entry in entries
                if entry.kind is EntryKind.CHECKOUT and entry.offline
            ]
        if item in queued:
            continue
        in_acs = history_in_acs(model, item)
        in_journal = history_in_journal(entries)
        found.applied += len(in_journal.changes)
        # Every loan change exactly once, in the same order: nothing lost, nothing doubled.
        if in_acs.changes != in_journal.changes:
            found.problems.append(
                f"item {item}: ACS {in_acs.changes} != journal {in_journal.changes}"
            )
        # A request sent twice would show up as an extra no-op (a renewal, a second check-in).
        # The journal may count more: a no-op whose outcome recovery could not tell apart (see
        # kiosk.ils.offline.settle_outcome) is recorded as applied.
        for kind, count in in_acs.noops.items():
            if count > in_journal.noops[kind]:
                found.problems.append(
                    f"item {item}: {count} {kind} no-ops in the ACS, the journal has"
                    f" {in_journal.noops[kind]}: a doubled request?"
                )
        if world.whole_stacks and (in_acs.noops or in_journal.noops):
            found.problems.append(
                f"item {item}: no-ops where every transaction flips a loan:"
                f" ACS {dict(in_acs.noops)}, journal {dict(in_journal.noops)}"
            )
        on_loan = model.loan(item) is not None
        expected = world.afi_unsecured if on_loan else world.afi_secured
        for uid in uids:
            if afis.get(uid) != expected:
                found.problems.append(
                    f"item {item} tag {uid}: AFI {afis.get(uid)!r}, but the item is"
                    f" {'on loan' if on_loan else 'in stock'} in the library system"
                )
    return found
