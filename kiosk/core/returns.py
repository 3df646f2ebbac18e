"""One return, start to finish: the check-in pipeline the kiosk and the return station share.

Why a service of its own: a patron's return at the kiosk and an item dropping down the return
station's chute are the same transaction — journal first, check in (or accept it offline under
the policy), re-arm the tag and verify it, route it — only what happens around them differs
(events for a screen, a sorter for the station). So there is exactly one check-in path.

Order (the journal's rule: written before any security change)::

    journal.begin -> ils.checkin -> journal.record_result(SECURED) -> arm + verify -> done/failed
    (unavailable) -> offline policy -> journal.accept_offline / begin_offline -> arm + verify

Returns are never refused at the kiosk: an item the library system refuses (unknown, not ours)
gets the EXCEPTION outcome and is armed, because it stays in the building. Only when the library
system is unavailable *and* the offline policy allows no returns is an item not taken
(``ReturnDone.refused``), and then nothing was changed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from kiosk.core.events import Reason
from kiosk.core.model import ReturnOutcome
from kiosk.core.pad import PadTag
from kiosk.core.routing import decide_return, exception_outcome
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import EntryKind, Journal, SecurityTarget
from kiosk.ils.offline import OfflinePolicy, must_work_offline
from kiosk.ils.port import (
    CheckinResult,
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
)

__all__ = ["ReturnDone", "ReturnService"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ReturnDone:
    """What one return came to.

    ``outcome`` is None exactly when ``refused`` is set (the item was not taken: library system
    unavailable and no offline returns). ``unverified`` lists tags whose re-arming could not be
    verified (lifted too early, write errors): re-arm them with :meth:`ReturnService.rearm`.
    """

    item_id: str
    title: str = ""
    outcome: ReturnOutcome | None = None
    offline: bool = False
    refused: Reason | None = None
    entry_id: str | None = None
    armed: bool = False  # the tag(s) had to be armed
    unverified: frozenset[bytes] = field(default_factory=frozenset)
    media_type: str | None = None
    checkin: CheckinResult | None = None


class ReturnService:
    """Checks items in. Safe to use from several tasks at once (one call per item)."""

    def __init__(
        self,
        *,
        ils: LibrarySystem,
        journal: Journal,
        security: SecurityWriter | None,
        settings: KioskSettings,
        offline_policy: OfflinePolicy | None = None,
        statistics: Statistics | None = None,
        on_online: Callable[[bool], None] | None = None,
        branch_name: Callable[[str | None], str | None] | None = None,
    ) -> None:
        self.ils = ils
        self.journal = journal
        self.security = security
        self.settings = settings
        self.offline_policy = offline_policy or OfflinePolicy()
        self.statistics = statistics
        self.on_online = on_online
        self.branch_name = branch_name or self._branch_name

    def _branch_name(self, code: str | None) -> str | None:
        if code is None:
            return None
        return self.settings.branch_name_of(code) or self.ils.branch_names().get(code)

    def _online(self, online: bool) -> None:
        if self.on_online is not None:
            self.on_online(online)

    async def check_in(
        self,
        item_id: str,
        tags: Sequence[PadTag],
        *,
        session_id: str | None = None,
        language: str | None = None,
    ) -> ReturnDone:
        """Check one item in (all its tags that are present), re-arm and route it."""
        uids = ",".join(tag.uid_hex for tag in tags) or None
        if must_work_offline(self.ils, self.journal):
            return await self._offline(item_id, tags, uids, session_id, None, language)
        entry = await asyncio.to_thread(
            self.journal.begin, EntryKind.CHECKIN, item_id, tag_uid=uids, session_id=session_id
        )
        try:
            result = await self.ils.checkin(item_id)
        except LibrarySystemUnavailable as error:
            self._online(False)
            unknown = isinstance(error, OutcomeUnknown)
            return await self._offline(
                item_id, tags, uids, session_id, (entry.id, unknown), language
            )
        except LibrarySystemError as error:
            # The answer made no sense: the outcome is unknown; recovery settles the entry.
            log.warning("check-in of %s failed: %s", item_id, error)
            return ReturnDone(item_id=item_id, refused=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
        self._online(True)
        outcome = decide_return(result, here=self.settings.branch_code, name_of=self.branch_name)
        # Re-arm when the library system says so; an exception stays in the building, armed.
        arm = result.resensitize is not False or not result.ok
        await asyncio.to_thread(
            self.journal.record_result,
            entry.id,
            ok=result.ok,
            security_target=SecurityTarget.SECURED if arm else None,
            reason=None if result.ok else "checkin_refused",
            messages=result.messages,
        )
        unverified: frozenset[bytes] = frozenset()
        if arm:
            unverified = await self._arm(entry.id, [tag.uid for tag in tags])
        self._stat(outcome.kind.value, tags, result.media_type, result.owner, language)
        return ReturnDone(
            item_id=item_id,
            title=result.title,
            outcome=replace(outcome, security_ok=not unverified),
            entry_id=entry.id,
            armed=arm,
            unverified=unverified,
            media_type=result.media_type,
            checkin=result,
        )

    async def rearm(
        self, entry_id: str, uids: Sequence[bytes], *, last: bool = True
    ) -> frozenset[bytes]:
        """Arm tags of a return again (placed back on the pad); returns those still unverified.

        ``last``: these are all the tags still pending, so success finishes the journal entry.
        """
        return await self._arm(entry_id, list(uids), record=last)

    async def _arm(
        self, entry_id: str, uids: list[bytes], *, record: bool = True
    ) -> frozenset[bytes]:
        failed: set[bytes] = set()
        for uid in uids:
            if self.security is None or not await self.security.secure(uid):
                failed.add(uid)
        if record:
            if failed:
                await asyncio.to_thread(
                    self.journal.security_failed, entry_id, "tag not armed or not verified"
                )
            else:
                await asyncio.to_thread(self.journal.security_done, entry_id)
        return frozenset(failed)

    async def _offline(
        self,
        item_id: str,
        tags: Sequence[PadTag],
        uids: str | None,
        session_id: str | None,
        attempt: tuple[str, bool] | None,
        language: str | None,
    ) -> ReturnDone:
        """The library system is unavailable: the offline policy decides about this return.

        ``attempt`` is the (entry id, outcome unknown) of an online try that failed.
        """
        if not self.offline_policy.may_return():
            if attempt is not None and not attempt[1]:
                await asyncio.to_thread(
                    self.journal.abandon, attempt[0], reason="library_system_unavailable"
                )
            return ReturnDone(item_id=item_id, refused=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
        if attempt is not None:
            entry = await asyncio.to_thread(
                self.journal.accept_offline, attempt[0], security_target=SecurityTarget.SECURED
            )
        else:
            entry = await asyncio.to_thread(
                self.journal.begin_offline,
                EntryKind.CHECKIN,
                item_id,
                tag_uid=uids,
                session_id=session_id,
                security_target=SecurityTarget.SECURED,
            )
        unverified = await self._arm(entry.id, [tag.uid for tag in tags])
        outcome = exception_outcome(item_id, "returned_offline")
        self._stat("offline", tags, None, None, language)
        return ReturnDone(
            item_id=item_id,
            outcome=replace(outcome, security_ok=not unverified),
            offline=True,
            entry_id=entry.id,
            armed=True,
            unverified=unverified,
        )

    def _stat(
        self,
        outcome: str,
        tags: Sequence[PadTag],
        media_type: str | None,
        owner: str | None,
        language: str | None,
    ) -> None:
        if self.statistics is None:
            return
        if owner is None:
            owner = next(
                (t.data.owner_library.isil for t in tags if t.data.owner_library is not None), None
            )
        try:
            self.statistics.record(
                action="return",
                outcome=outcome,
                library=owner,
                branch=self.settings.branch_code,
                media_type=media_type,
                language=language or self.settings.default_language,
            )
        except Exception:  # statistics must never stop a return
            log.exception("statistics could not be recorded")
