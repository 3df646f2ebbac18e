"""Start-up recovery: finish what a crash left half done, so every tag matches its loan.

Why at start-up: the kiosk may have been killed between any two steps of a transaction. The
journal (``kiosk.ils.journal``) says how far each one got; this module looks at every half-done
entry, asks the library system what actually happened, looks at the pad, and acts:

==========================================  ==================================================
journal says                                recovery does
==========================================  ==================================================
PENDING checkout/renew                      settle it (the item on the patron's loans?) and
                                            record OK or ABANDONED
PENDING checkin, applied                    record OK; re-arm the tag
PENDING checkin, not applied, tag on pad    finish the return the patron made (check in once,
                                            original date; offline policy allowing, as an
                                            offline return if the library system refuses
                                            circulation now) and re-arm the tag
PENDING checkin, not applied, tag gone      ABANDONED: the item left, still on loan, unarmed
OFFLINE checkout, tag not yet verified      the patron never walked off with it when it still
  and the tag is still on the pad           lies on the pad: ABANDONED, tag re-armed; but if
                                            its request may have arrived (``maybe_sent``) and
                                            the library system has the loan: REPLAYED, disarmed
security REQUIRED/FAILED, tag on the pad    write the target state and verify it
security REQUIRED/FAILED, tag not on pad    the staff's reconciliation list (the item left
                                            with a security state nobody verified)
==========================================  ==================================================

A settled entry whose library-system state is "not applied" gets the security state that
matches the item's loan state in the library system (on loan: unarmed, else armed), so an item
left on the pad is consistent whatever it looked like before. A tag always follows the item's
newest transaction: an entry settled late (the kiosk ran on after a lost answer, and the item
came back) takes the security target of a later entry of the same item when there is one.

If the library system cannot be reached, entries whose outcome is unknown stay PENDING and the
report lists them as deferred: their tags were never touched (a tag changes only after a
recorded result), so waiting is safe. Run :func:`recover` again once the library system is back.
Offline entries waiting for replay are left to :class:`kiosk.ils.offline.Replayer`.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field

from drivers.rfid.contract import ReaderError
from kiosk.core.security import SecurityWriter
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
from kiosk.ils.offline import OfflinePolicy, settle_outcome
from kiosk.ils.port import (
    ItemStatus,
    LibrarySystem,
    LibrarySystemProtocolError,
    LibrarySystemUnavailable,
    ReturnRequest,
)

__all__ = ["RecoveryAction", "RecoveryReport", "RecoveryStep", "recover"]

log = logging.getLogger(__name__)

#: Inventories whose union counts as "on the pad": one stack inventory can miss a tag.
PRESENCE_ROUNDS = 3


class RecoveryAction(enum.Enum):
    """What recovery did with one entry."""

    SETTLED_APPLIED = "settled_applied"  # the library system had it: recorded as OK
    SETTLED_NOT_APPLIED = "settled_not_applied"  # it never took effect: ABANDONED
    RETURN_COMPLETED = "return_completed"  # a half-done return checked in now
    RETURN_QUEUED_OFFLINE = "return_queued_offline"  # ... or kept as an offline return
    RETURN_ABANDONED = "return_abandoned"  # a half-done return whose item left the pad
    OFFLINE_LOAN_WITHDRAWN = "offline_loan_withdrawn"  # offline loan whose item stayed here
    SECURED = "secured"  # tag re-armed and verified
    UNSECURED = "unsecured"  # tag disarmed and verified
    SECURITY_WRITE_FAILED = "security_write_failed"  # tag here but not verified: tried again next
    TO_STAFF = "to_staff"  # on the reconciliation list
    DEFERRED = "deferred"  # the library system could not be asked; left as it was


@dataclass(frozen=True, slots=True)
class RecoveryStep:
    entry_id: str
    item_id: str
    action: RecoveryAction
    detail: str = ""


@dataclass(slots=True)
class RecoveryReport:
    steps: list[RecoveryStep] = field(default_factory=list)
    pad_readable: bool = True

    def actions(self, entry_id: str) -> list[RecoveryAction]:
        return [step.action for step in self.steps if step.entry_id == entry_id]

    @property
    def deferred(self) -> list[str]:
        return [s.entry_id for s in self.steps if s.action is RecoveryAction.DEFERRED]

    @property
    def complete(self) -> bool:
        """True when nothing is left for a later run (staff items count as handed over)."""
        return not any(
            s.action in (RecoveryAction.DEFERRED, RecoveryAction.SECURITY_WRITE_FAILED)
            for s in self.steps
        )

    def add(self, entry: Entry, action: RecoveryAction, detail: str = "") -> None:
        self.steps.append(RecoveryStep(entry.id, entry.item_id, action, detail))
        log.info(
            "recovery: %s %s of item %s %s", action.value, entry.kind.value, entry.item_id, detail
        )


async def recover(
    journal: Journal,
    port: LibrarySystem,
    security: SecurityWriter,
    *,
    policy: OfflinePolicy | None = None,
) -> RecoveryReport:
    """Resolve every half-done journal entry. Safe to run again at any time, also after a crash
    in the middle of recovery itself: every step is recorded in the journal before the next.

    ``policy``: the kiosk's offline policy; when it takes returns, a return the patron left on
    the pad is queued as an offline return if the library system does not take check-ins now.
    """
    report = RecoveryReport()
    half_done = await journal.call(journal.half_done)
    if not half_done:
        return report
    on_pad = await _tags_on_pad(security)
    report.pad_readable = on_pad is not None
    for entry in half_done:
        try:
            await _recover_one(entry, journal, port, security, on_pad, report, policy)
        except LibrarySystemUnavailable as exc:
            report.add(entry, RecoveryAction.DEFERRED, f"library system unavailable: {exc}")
        except LibrarySystemProtocolError as exc:
            report.add(entry, RecoveryAction.DEFERRED, f"library system answer unusable: {exc}")
    return report


async def _tags_on_pad(security: SecurityWriter) -> set[bytes] | None:
    """UIDs seen in any of a few inventories; None when the reader does not answer."""
    seen: set[bytes] = set()
    try:
        for _ in range(PRESENCE_ROUNDS):
            seen.update(info.uid for info in await security.reader.inventory())
    except ReaderError as exc:
        log.warning("recovery: the pad cannot be read (%s); tags are left for later", exc)
        return None
    return seen


async def _recover_one(
    entry: Entry,
    journal: Journal,
    port: LibrarySystem,
    security: SecurityWriter,
    on_pad: set[bytes] | None,
    report: RecoveryReport,
    policy: OfflinePolicy | None = None,
) -> None:
    # "Still here" when any part of the item lies on the pad: the patron did not take it.
    present = on_pad is not None and any(uid in on_pad for uid in entry.tag_uids)
    if entry.status is Status.PENDING:
        entry = await _settle(entry, journal, port, present, report, policy)
    elif (
        entry.status is Status.OFFLINE
        and entry.kind is EntryKind.CHECKOUT
        and entry.security is not Security.DONE
        and present
    ):
        entry = await _withdraw_offline_loan(entry, journal, port, report)
    if entry.security in (Security.REQUIRED, Security.FAILED):
        # The item's newest transaction decides its tag: one made after this entry (the kiosk
        # ran on while this one waited) must not be undone by settling this one now.
        later = await journal.call(journal.later_security_target, entry)
        if later is not None and later is not entry.security_target:
            entry = await journal.call(journal.set_security_target, entry.id, later)
        await _fix_security(entry, journal, security, on_pad, report)


async def _withdraw_offline_loan(
    entry: Entry, journal: Journal, port: LibrarySystem, report: RecoveryReport
) -> Entry:
    """An offline loan interrupted before the patron saw it done, its item still on the pad.

    Withdrawn and re-armed, unless its request may have reached the library system (an answer
    lost on the way back is kept as an offline loan): then the library system is asked first,
    because a loan it already has cannot be withdrawn by the kiosk alone. One it has stands, like
    a settled pending checkout, and the tag is disarmed to match.
    """
    if entry.maybe_sent and await settle_outcome(port, entry):
        entry = await journal.call(
            journal.record_result,
            entry.id,
            ok=True,
            reason="settled",
            security_target=SecurityTarget.UNSECURED,
        )
        report.add(entry, RecoveryAction.SETTLED_APPLIED)
        return entry
    entry = await journal.call(
        journal.abandon,
        entry.id,
        reason="interrupted offline loan",
        security_target=SecurityTarget.SECURED,
    )
    report.add(entry, RecoveryAction.OFFLINE_LOAN_WITHDRAWN)
    return entry


async def _settle(
    entry: Entry,
    journal: Journal,
    port: LibrarySystem,
    present: bool,
    report: RecoveryReport,
    policy: OfflinePolicy | None,
) -> Entry:
    if await settle_outcome(port, entry):
        target = {
            EntryKind.CHECKOUT: SecurityTarget.UNSECURED,
            EntryKind.CHECKIN: SecurityTarget.SECURED,
        }.get(entry.kind)
        entry = await journal.call(
            journal.record_result, entry.id, ok=True, reason="settled", security_target=target
        )
        report.add(entry, RecoveryAction.SETTLED_APPLIED)
        return entry
    if entry.kind is EntryKind.CHECKIN:
        if not present:
            entry = await journal.call(
                journal.abandon, entry.id, reason="return interrupted; item left the pad"
            )
            report.add(entry, RecoveryAction.RETURN_ABANDONED)
            return entry
        # The patron left the item with us: finish the return they made, once.
        try:
            result = await port.checkin(
                ReturnRequest(item_id=entry.item_id, transaction_date=entry.created_at)
            )
        except LibrarySystemUnavailable:
            if policy is None or not policy.may_return():
                raise
            queued = OfflineAcceptance(security_target=SecurityTarget.SECURED)
            entry = await journal.call(journal.accept_offline, entry.id, queued)
            report.add(entry, RecoveryAction.RETURN_QUEUED_OFFLINE)
            return entry
        entry = await journal.call(
            journal.record_result,
            entry.id,
            ok=result.ok,
            reason=None if result.ok else "refused_by_library",
            messages=result.messages,
            security_target=SecurityTarget.SECURED,
        )
        report.add(entry, RecoveryAction.RETURN_COMPLETED, "" if result.ok else "refused")
        return entry
    target = None
    if present:
        info = await port.item(entry.item_id)
        target = (
            SecurityTarget.UNSECURED
            if info.status is ItemStatus.ON_LOAN
            else SecurityTarget.SECURED
        )
    entry = await journal.call(
        journal.abandon, entry.id, reason="never reached the library system", security_target=target
    )
    report.add(entry, RecoveryAction.SETTLED_NOT_APPLIED)
    return entry


async def _fix_security(
    entry: Entry,
    journal: Journal,
    security: SecurityWriter,
    on_pad: set[bytes] | None,
    report: RecoveryReport,
) -> None:
    target = entry.security_target
    assert target is not None  # REQUIRED/FAILED always carry a target
    if on_pad is None:
        report.add(entry, RecoveryAction.SECURITY_WRITE_FAILED, "pad not readable")
        return
    here = [uid for uid in entry.tag_uids if uid in on_pad]
    missing = [uid.hex().upper() for uid in entry.tag_uids if uid not in on_pad]
    verified = True
    for uid in here:  # fix what lies here even when a part is missing
        if target is SecurityTarget.SECURED:
            verified = await security.secure(uid) and verified
        else:
            verified = await security.unsecure(uid) and verified
    if missing or not entry.tag_uids:
        await journal.call(
            journal.flag,
            entry.id,
            Attention.SECURITY_UNRESOLVED,
            note=f"tag {', '.join(missing) or '(unknown)'} not on the pad after a restart;"
            f" it should be {target.value}",
        )
        report.add(entry, RecoveryAction.TO_STAFF, f"should be {target.value}")
        return
    if verified:
        await journal.call(journal.security_done, entry.id)
        report.add(
            entry,
            RecoveryAction.SECURED
            if target is SecurityTarget.SECURED
            else RecoveryAction.UNSECURED,
        )
    else:
        await journal.call(
            journal.security_failed, entry.id, note="recovery could not verify the tag"
        )
        report.add(entry, RecoveryAction.SECURITY_WRITE_FAILED)
