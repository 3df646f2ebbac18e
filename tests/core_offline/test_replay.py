"""Replaying offline transactions against the embedded library system: in order, with no block
and the original date, exactly once, and refused ones on the staff's reconciliation list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from kiosk.acs import EmbeddedACS
from kiosk.ils.journal import (
    Attention,
    Entry,
    EntryKind,
    Journal,
    OfflineAcceptance,
    SecurityTarget,
    Status,
)
from kiosk.ils.offline import Replayer, must_work_offline, settle_outcome
from kiosk.ils.port import LibrarySystemUnavailable, LoanRequest, OutcomeUnknown
from kiosk.ils.sip2 import SIP2LibrarySystem
from tests.core_offline.fixtures import PATRON

STACK = ["3000000011", "3000000012", "3000000013"]
NOT_FOR_OFFLINE = "3000000009"


def lend_offline(journal: Journal, item: str, patron: str = PATRON) -> Entry:
    entry = journal.begin(
        EntryKind.CHECKOUT,
        item,
        patron_id=patron,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )
    return journal.security_done(entry.id)


def return_offline(journal: Journal, item: str) -> Entry:
    entry = journal.begin(
        EntryKind.CHECKIN, item, offline=OfflineAcceptance(security_target=SecurityTarget.SECURED)
    )
    return journal.security_done(entry.id)


def actions(acs: EmbeddedACS, item: str) -> list[tuple[str, bool, str]]:
    return [(e.action, e.ok, e.detail) for e in acs.model.circulation_log(item=item)]


async def test_offline_loans_are_replayed_in_order_with_no_block_and_the_original_date(
    tmp_path: Path, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    when = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=3)
    with Journal(tmp_path / "j.db", clock=lambda: when) as journal:
        entries = [lend_offline(journal, item) for item in STACK]
        assert journal.offline_queue_depth() == 3

        report = await Replayer(journal, port).replay()

        assert report.replayed == [e.id for e in entries] and report.stopped is None
        assert journal.offline_queue_depth() == 0
        for entry, item in zip(entries, STACK, strict=True):
            after = journal.get(entry.id)
            assert (after.status, after.attempts) == (Status.REPLAYED, 1)
            assert after.due_date is not None
            loan = acs.model.loan(item)
            assert loan is not None and loan.patron == PATRON
            assert loan.loaned.replace(tzinfo=None) == when.astimezone().replace(tzinfo=None)
            assert actions(acs, item) == [("checkout", True, " offline")]


async def test_a_loan_and_return_made_offline_reach_the_library_system_in_that_order(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    lend_offline(journal, STACK[0])
    return_offline(journal, STACK[0])
    report = await Replayer(journal, port).replay()
    assert len(report.replayed) == 2
    assert [a for a, _, _ in actions(acs, STACK[0])] == ["checkout", "checkin"]
    assert acs.model.loan(STACK[0]) is None


async def test_replay_stops_while_the_library_system_is_offline_and_keeps_the_queue(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    for item in STACK:
        lend_offline(journal, item)
    acs.faults.update(offline=True)
    report = await Replayer(journal, port).replay()
    assert report.done == 0 and report.stopped and "unavailable" in report.stopped
    assert journal.offline_queue_depth() == 3
    assert must_work_offline(port, journal)

    acs.faults.update(offline=False)
    assert await port.check_online()
    assert must_work_offline(port, journal)  # still: the queue is not drained
    report = await Replayer(journal, port).replay()
    assert report.done == 3
    assert not must_work_offline(port, journal)
    for item in STACK:  # the refused attempt changed nothing; the replay counted once
        assert [(a, ok) for a, ok, _ in actions(acs, item)] == [("checkout", True)]


async def test_a_replay_whose_answer_was_lost_is_not_sent_twice(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    entry = lend_offline(journal, STACK[0])
    # Carried out, then every answer is lost (the client's retransmissions too): no answer.
    acs.faults.update(drop_after=1, drop_repeat=True)

    first = await Replayer(journal, port).replay()

    assert first.stopped and first.done == 0
    assert journal.get(entry.id).status is Status.REPLAYING
    assert acs.model.loan(STACK[0]) is not None  # it did arrive
    acs.faults.reset()

    second = await Replayer(journal, port).replay()

    assert second.already_applied == [entry.id] and second.replayed == []
    after = journal.get(entry.id)
    assert (after.status, after.attempts) == (Status.REPLAYED, 1)
    assert [(a, ok) for a, ok, _ in actions(acs, STACK[0])] == [("checkout", True)]
    loan = acs.model.loan(STACK[0])
    assert loan is not None and loan.renewals == 0


async def test_a_replay_lost_before_it_arrived_is_sent_again(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    entry = lend_offline(journal, STACK[0])
    acs.faults.update(drop_after=1, drop_repeat=True, drop_before_processing=True)
    await Replayer(journal, port).replay()
    assert journal.get(entry.id).status is Status.REPLAYING
    assert acs.model.loan(STACK[0]) is None

    acs.faults.reset()
    report = await Replayer(journal, port).replay()

    assert report.replayed == [entry.id]
    assert journal.get(entry.id).attempts == 2
    assert [(a, ok) for a, ok, _ in actions(acs, STACK[0])] == [("checkout", True)]


async def test_a_checkout_whose_answer_was_lost_can_go_offline_without_doubling(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    entry = journal.begin(EntryKind.CHECKOUT, STACK[1], patron_id=PATRON)
    acs.faults.update(drop_after=1, drop_repeat=True)
    try:
        await port.checkout(LoanRequest(patron_id=PATRON, item_id=STACK[1]))
    except OutcomeUnknown:
        entry = journal.accept_offline(
            entry.id, OfflineAcceptance(security_target=SecurityTarget.UNSECURED)
        )
    else:
        raise AssertionError("the dropped connection should leave the outcome unknown")
    assert entry.maybe_sent
    acs.faults.reset()

    report = await Replayer(journal, port).replay()

    assert report.already_applied == [entry.id]
    assert [(a, ok) for a, ok, _ in actions(acs, STACK[1])] == [("checkout", True)]


async def test_refused_replays_go_to_the_reconciliation_list_with_the_reason(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    # Lent offline by a kiosk that could not read the "not for loan offline" mark, and an
    # item someone else borrowed online meanwhile.
    refused_flag = lend_offline(journal, NOT_FOR_OFFLINE)
    await port.checkout(LoanRequest(patron_id="2150000002", item_id=STACK[2]))
    refused_other = lend_offline(journal, STACK[2])
    fine = lend_offline(journal, STACK[0])

    report = await Replayer(journal, port).replay()

    assert report.refused == [refused_flag.id, refused_other.id]
    assert report.replayed == [fine.id]
    lines = {line.entry_id: line for line in journal.reconciliation()}
    assert set(lines) == {refused_flag.id, refused_other.id}
    for line in lines.values():
        assert line.attention is Attention.REPLAY_REFUSED
        assert line.masked_patron == "••••••0001"
        assert line.messages, "the library system's reason is kept for staff"
    assert journal.get(refused_flag.id).patron_id == PATRON  # staff can reach the borrower
    assert journal.offline_queue_depth() == 0


async def test_replays_older_than_the_library_systems_limit_are_refused_not_lost(
    tmp_path: Path, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    long_ago = datetime.now(UTC) - timedelta(days=30)
    with Journal(tmp_path / "j.db", clock=lambda: long_ago) as journal:
        entry = lend_offline(journal, STACK[0])
        report = await Replayer(journal, port).replay()
        assert report.refused == [entry.id]
        assert [line.entry_id for line in journal.reconciliation()] == [entry.id]
    assert acs.model.loan(STACK[0]) is None


async def test_settling_asks_and_never_sends(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    loan = journal.begin(EntryKind.CHECKOUT, STACK[0], patron_id=PATRON)
    back = journal.begin(EntryKind.CHECKIN, STACK[1])
    assert await settle_outcome(port, loan) is False
    assert await settle_outcome(port, back) is True  # not on loan: nothing to return
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=STACK[0]))
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=STACK[1]))
    assert await settle_outcome(port, loan) is True
    assert await settle_outcome(port, back) is False
    someone_else = journal.begin(EntryKind.CHECKOUT, STACK[0], patron_id="2150000002")
    assert await settle_outcome(port, someone_else) is False
    assert len(acs.model.circulation_log()) == 2


async def test_the_replayer_runs_in_the_background_until_the_queue_is_empty(
    journal: Journal, port: SIP2LibrarySystem, acs: EmbeddedACS
) -> None:
    import asyncio

    acs.faults.update(offline=True)
    lend_offline(journal, STACK[0])
    seen: list[Status] = []
    replayer = Replayer(journal, port, on_progress=lambda e: seen.append(e.status))
    task = asyncio.create_task(replayer.run(interval_s=0.02))
    try:
        await asyncio.sleep(0.1)
        assert journal.offline_queue_depth() == 1
        acs.faults.update(offline=False)
        for _ in range(200):
            if not journal.offline_queue_depth():
                break
            await asyncio.sleep(0.02)
    finally:
        task.cancel()
    assert journal.offline_queue_depth() == 0
    assert seen == [Status.REPLAYED]
    assert isinstance(LibrarySystemUnavailable("x"), Exception)
