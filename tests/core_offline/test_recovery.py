"""Start-up recovery against the embedded library system and the simulated reader.

Each test builds the state a SIGKILL leaves at one point of a transaction (journal entries on
disk, the library system's state, the tag on the pad or not) and checks that recovery makes
the tag match the loan, records what it did, and never sends a transaction twice.
"""

from __future__ import annotations

from kiosk.acs import EmbeddedACS
from kiosk.core.recovery import RecoveryAction, recover
from kiosk.ils.journal import (
    Attention,
    Entry,
    EntryKind,
    Journal,
    OfflineAcceptance,
    Security,
    SecurityTarget,
    Status,
)
from kiosk.ils.offline import OfflineMode, OfflinePolicy, Replayer
from kiosk.ils.port import LoanRequest, ReturnRequest
from kiosk.ils.sip2 import SIP2LibrarySystem
from tests.core_offline.fixtures import AFI_SECURED, AFI_UNSECURED, PATRON, Pad

ITEM = "3000000011"
OTHER = "3000000012"
#: A loan the offline policy accepted: the tag is to be disarmed.
LENT_OFFLINE = OfflineAcceptance(security_target=SecurityTarget.UNSECURED)


def log_of(acs: EmbeddedACS, item: str) -> list[tuple[str, bool]]:
    return [(e.action, e.ok) for e in acs.model.circulation_log(item=item)]


async def return_begun(journal: Journal, port: SIP2LibrarySystem, pad: Pad) -> tuple[bytes, Entry]:
    """Where a kill during a return strikes: ITEM lent to PATRON, back on the pad with its tag
    unarmed, its return journaled."""
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    uid = pad.place(ITEM, secured=False)
    return uid, journal.begin(EntryKind.CHECKIN, ITEM, tag_uid=uid)


def assert_never_lent(
    journal: Journal, pad: Pad, acs: EmbeddedACS, entry: Entry, uid: bytes
) -> None:
    """The loan did not happen: its entry abandoned, its tag armed, nothing sent for the item."""
    assert journal.get(entry.id).status is Status.ABANDONED
    assert pad.afi(uid) == AFI_SECURED
    assert log_of(acs, ITEM) == []


def checkout_begun(journal: Journal, pad: Pad) -> tuple[bytes, Entry]:
    """Where most kills strike: ITEM's armed tag on the pad, its checkout to PATRON journaled."""
    uid = pad.place(ITEM, secured=True)
    return uid, journal.begin(EntryKind.CHECKOUT, ITEM, patron_id=PATRON, tag_uid=uid)


async def test_a_journal_with_nothing_half_done_needs_no_pad_and_no_library_system(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    entry = journal.begin(EntryKind.CHECKIN, ITEM)
    journal.record_result(entry.id, ok=True)
    report = await recover(journal, port, pad.security)
    assert report.steps == [] and report.complete


async def test_killed_after_the_checkout_arrived_the_loan_stands_and_the_tag_is_disarmed(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = checkout_begun(journal, pad)
    # ... and the kiosk died before hearing the answer:
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.UNSECURED]
    assert pad.afi(uid) == AFI_UNSECURED
    after = journal.get(entry.id)
    assert (after.status, after.security) == (Status.OK, Security.DONE)
    assert log_of(acs, ITEM) == [("checkout", True)]  # not sent again
    assert journal.half_done() == []


async def test_killed_before_the_checkout_was_sent_nothing_happened_and_the_tag_stays_armed(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = checkout_begun(journal, pad)

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [
        RecoveryAction.SETTLED_NOT_APPLIED,
        RecoveryAction.SECURED,
    ]
    assert_never_lent(journal, pad, acs, entry, uid)
    assert acs.model.loan(ITEM) is None


async def test_killed_between_the_answer_and_the_tag_write_the_tag_is_changed_now(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    uid, entry = checkout_begun(journal, pad)
    result = await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    journal.record_result(entry.id, ok=result.ok, security_target=SecurityTarget.UNSECURED)

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.UNSECURED]
    assert pad.afi(uid) == AFI_UNSECURED
    assert journal.get(entry.id).finished


async def test_an_item_that_left_with_an_unverified_tag_goes_on_the_staff_list(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    uid, entry = checkout_begun(journal, pad)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    pad.lift(uid)  # the patron walked off with it while the kiosk restarted

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.TO_STAFF]
    [line] = journal.reconciliation()
    assert (line.item_id, line.attention) == (ITEM, Attention.SECURITY_UNRESOLVED)
    assert line.security_target is SecurityTarget.UNSECURED
    assert uid.hex().upper() in (line.note or "")
    assert journal.half_done() == []  # the kiosk stops trying; staff have it


async def test_a_return_that_never_reached_the_library_system_is_completed_once(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = await return_begun(journal, port, pad)

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.RETURN_COMPLETED, RecoveryAction.SECURED]
    assert acs.model.loan(ITEM) is None
    assert pad.afi(uid) == AFI_SECURED
    assert log_of(acs, ITEM) == [("checkout", True), ("checkin", True)]
    assert (await recover(journal, port, pad.security)).steps == []  # and only once


async def test_a_return_that_arrived_is_only_re_armed(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = await return_begun(journal, port, pad)
    await port.checkin(ReturnRequest(item_id=ITEM))

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.SECURED]
    assert log_of(acs, ITEM) == [("checkout", True), ("checkin", True)]
    assert pad.afi(uid) == AFI_SECURED


async def test_a_return_whose_item_left_the_pad_is_dropped_and_the_loan_stays(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    entry = journal.begin(EntryKind.CHECKIN, ITEM, tag_uid=bytes.fromhex("E004010000000001"))

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.RETURN_ABANDONED]
    assert acs.model.loan(ITEM) is not None  # on loan and (as the patron took it) unarmed
    assert journal.reconciliation() == []


async def test_an_interrupted_offline_loan_whose_item_stayed_is_withdrawn(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid = pad.place(ITEM, secured=False)  # the write went through, the read-back did not
    entry = journal.begin(
        EntryKind.CHECKOUT,
        ITEM,
        patron_id=PATRON,
        tag_uid=uid,
        offline=OfflineAcceptance(security_target=SecurityTarget.UNSECURED),
    )

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [
        RecoveryAction.OFFLINE_LOAN_WITHDRAWN,
        RecoveryAction.SECURED,
    ]
    assert pad.afi(uid) == AFI_SECURED
    assert journal.offline_queue_depth() == 0
    assert acs.model.loan(ITEM) is None


async def test_an_interrupted_offline_loan_the_library_system_got_after_all_stands(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = checkout_begun(journal, pad)
    # carried out, but the answer was lost on the way back,
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    journal.accept_offline(entry.id, LENT_OFFLINE)  # so: offline

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.UNSECURED]
    assert pad.afi(uid) == AFI_UNSECURED  # the tag matches the loan the library system has
    after = journal.get(entry.id)
    assert (after.status, after.security) == (Status.REPLAYED, Security.DONE)
    assert journal.offline_queue_depth() == 0
    assert log_of(acs, ITEM) == [("checkout", True)]  # asked, never resent


async def test_an_interrupted_offline_loan_whose_request_may_have_been_lost_is_withdrawn(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = checkout_begun(journal, pad)
    journal.accept_offline(entry.id, LENT_OFFLINE)  # never arrived

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [
        RecoveryAction.OFFLINE_LOAN_WITHDRAWN,
        RecoveryAction.SECURED,
    ]
    assert_never_lent(journal, pad, acs, entry, uid)


async def test_an_interrupted_offline_return_is_re_armed_and_still_replayed(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    uid = pad.place(ITEM, secured=False)
    entry = journal.begin(
        EntryKind.CHECKIN,
        ITEM,
        tag_uid=uid,
        offline=OfflineAcceptance(security_target=SecurityTarget.SECURED),
    )

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SECURED]
    assert pad.afi(uid) == AFI_SECURED
    assert [e.id for e in journal.replay_queue()] == [entry.id]


async def test_with_the_library_system_unreachable_unknown_outcomes_wait_untouched(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = checkout_begun(journal, pad)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    acs.faults.update(refuse_logins=True)
    await acs.drop_connections()

    first = await recover(journal, port, pad.security)

    assert first.deferred == [entry.id] and not first.complete
    assert journal.get(entry.id).status is Status.PENDING
    assert pad.afi(uid) == AFI_SECURED  # untouched: a tag changes only after a known result

    acs.faults.update(refuse_logins=False)
    second = await recover(journal, port, pad.security)
    assert second.complete
    assert second.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.UNSECURED]
    assert pad.afi(uid) == AFI_UNSECURED


async def test_every_part_of_a_set_on_the_pad_is_fixed_and_a_missing_one_reported(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    set_item = "3000000007"  # three discs
    uids = [pad.place(set_item, secured=True, part=part) for part in (1, 2, 3)]
    entry = journal.begin(
        EntryKind.CHECKOUT,
        set_item,
        patron_id=PATRON,
        tag_uid=",".join(uid.hex().upper() for uid in uids),
    )
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=set_item))
    pad.lift(uids[2])

    report = await recover(journal, port, pad.security)

    assert report.actions(entry.id) == [RecoveryAction.SETTLED_APPLIED, RecoveryAction.TO_STAFF]
    assert [pad.afi(uid) for uid in uids[:2]] == [AFI_UNSECURED, AFI_UNSECURED]
    [line] = journal.reconciliation()
    assert uids[2].hex().upper() in (line.note or "")


async def test_an_unreadable_pad_leaves_tags_for_the_next_run_and_loses_nothing(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    uid, entry = checkout_begun(journal, pad)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    pad.sim.faults.silent = True

    report = await recover(journal, port, pad.security)

    assert not report.pad_readable and not report.complete
    assert report.actions(entry.id) == [
        RecoveryAction.SETTLED_APPLIED,
        RecoveryAction.SECURITY_WRITE_FAILED,
    ]
    assert journal.half_done() == [journal.get(entry.id)]
    pad.sim.faults.silent = False
    assert (await recover(journal, port, pad.security)).actions(entry.id) == [
        RecoveryAction.UNSECURED
    ]
    assert pad.afi(uid) == AFI_UNSECURED


async def test_recovery_of_other_items_is_independent(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    first = pad.place(ITEM, secured=True)
    second = pad.place(OTHER, secured=True)
    a = journal.begin(EntryKind.CHECKOUT, ITEM, patron_id=PATRON, tag_uid=first)
    b = journal.begin(EntryKind.CHECKOUT, OTHER, patron_id=PATRON, tag_uid=second)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=OTHER))

    report = await recover(journal, port, pad.security)

    assert report.actions(a.id)[0] is RecoveryAction.SETTLED_NOT_APPLIED
    assert report.actions(b.id)[0] is RecoveryAction.SETTLED_APPLIED
    assert (pad.afi(first), pad.afi(second)) == (AFI_SECURED, AFI_UNSECURED)


async def test_a_half_done_return_becomes_an_offline_return_when_circulation_is_refused(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    uid, entry = await return_begun(journal, port, pad)
    acs.faults.update(offline=True)

    strict = await recover(journal, port, pad.security)  # no offline policy: wait
    assert strict.deferred == [entry.id]
    assert pad.afi(uid) == AFI_UNSECURED

    report = await recover(
        journal, port, pad.security, policy=OfflinePolicy(mode=OfflineMode.RETURNS)
    )

    assert report.actions(entry.id) == [
        RecoveryAction.RETURN_QUEUED_OFFLINE,
        RecoveryAction.SECURED,
    ]
    assert pad.afi(uid) == AFI_SECURED
    assert [e.id for e in journal.replay_queue()] == [entry.id]
    acs.faults.update(offline=False)
    assert (await Replayer(journal, port).replay()).replayed == [entry.id]
    assert acs.model.loan(ITEM) is None
    assert [a for a, _ in log_of(acs, ITEM)] == ["checkout", "checkin"]


async def test_a_loan_settled_at_start_up_leaves_the_tag_of_a_later_return_armed(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad, acs: EmbeddedACS
) -> None:
    # The checkout arrived but its answer was lost, and the item may not be lent offline: it
    # stays pending for recovery. The kiosk ran on, the item came back as an offline return.
    uid, loan = checkout_begun(journal, pad)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    back = journal.begin(
        EntryKind.CHECKIN,
        ITEM,
        tag_uid=uid,
        offline=OfflineAcceptance(security_target=SecurityTarget.SECURED),
    )
    journal.security_done(back.id)

    report = await recover(journal, port, pad.security)

    assert report.actions(loan.id)[0] is RecoveryAction.SETTLED_APPLIED
    assert journal.get(loan.id).status is Status.OK
    assert pad.afi(uid) == AFI_SECURED  # the newest transaction decides the tag: the return
    assert journal.half_done() == []
    assert (await Replayer(journal, port).replay()).replayed == [back.id]
    assert acs.model.loan(ITEM) is None and pad.afi(uid) == AFI_SECURED


async def test_a_failed_tag_write_is_not_retried_over_a_later_transaction_of_the_item(
    journal: Journal, port: SIP2LibrarySystem, pad: Pad
) -> None:
    uid, loan = checkout_begun(journal, pad)
    await port.checkout(LoanRequest(patron_id=PATRON, item_id=ITEM))
    journal.record_result(loan.id, ok=True, security_target=SecurityTarget.UNSECURED)
    journal.security_failed(loan.id, "lifted too early")  # the tag stayed armed ...
    back = journal.begin(EntryKind.CHECKIN, ITEM, tag_uid=uid)  # ... and came back
    await port.checkin(ReturnRequest(item_id=ITEM))
    journal.record_result(back.id, ok=True, security_target=SecurityTarget.SECURED)
    journal.security_done(back.id)

    report = await recover(journal, port, pad.security)

    assert report.actions(loan.id) == [RecoveryAction.SECURED]
    assert pad.afi(uid) == AFI_SECURED
    assert journal.half_done() == []
