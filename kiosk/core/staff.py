"""What staff do at a kiosk or a return station: get in, see its health, settle the journal's
open entries, test the printer and the reader.

Why shared: the kiosk's staff screen and the return station's display offer the same staff
tools over the same journal, printer and reader; only what "entering staff mode" ends differs
(a patron's session at the kiosk, nothing at the station), and that stays with each owner.
No patron data leaves here: reconciliation lines carry masked numbers, the reader test never
shows a library card's number.
"""

from __future__ import annotations

import abc
import asyncio
import hmac
import logging
from collections.abc import Callable

from kiosk.core import events as ev
from kiosk.core.model import (
    PrintOutcome,
    PrintProblem,
    ReconciliationLine,
    StaffStatus,
    TagKind,
    TagReading,
)
from kiosk.core.modes import Command
from kiosk.core.pad import PadTag, PadWatcher
from kiosk.core.printing import Printing
from kiosk.core.settings import KioskSettings
from kiosk.ils.journal import Journal, ReconciliationItem
from kiosk.lockout import Verdict
from kiosk.passwords import PasswordHashError, verify_password

__all__ = ["StaffCommandSet", "StaffDesk", "reading_of"]

log = logging.getLogger(__name__)


class StaffDesk:
    """The staff tools of one kiosk or return station. The staff code and cards and the names
    printed come from the kiosk's settings; ``branch_name``, where given, is printed instead of
    the settings' own (a return station's name)."""

    def __init__(
        self,
        settings: KioskSettings,
        *,
        journal: Journal,
        printing: Printing,
        pad: PadWatcher | None,
        online: Callable[[], bool],
        branch_name: str = "",
    ) -> None:
        self.journal = journal
        self.printing = printing
        self.pad = pad
        self._online = online
        self._settings = settings
        self._branch_name = branch_name or settings.branch_name

    def code_matches(self, code: str) -> bool:
        """Whether ``code`` opens staff mode now: right, and the code not locked by wrong tries
        (each try is counted). No code configured: nobody gets in."""
        return self.check_code(code) is Verdict.ACCEPTED

    def check_code(self, code: str) -> Verdict:
        """Check ``code`` and count the try. A hashed code costs a KDF's time (tens of ms):
        from the event loop, use :meth:`check_code_async`."""
        expected = self._settings.staff_code
        if not expected:
            return Verdict.WRONG
        if isinstance(expected, str):  # a plain code given to the core directly (tests)
            return Verdict.ACCEPTED if _same(code, expected) else Verdict.WRONG
        stored = expected

        def verify() -> bool:
            try:
                return verify_password(code, stored.hash)
            except PasswordHashError:  # the config check refuses such a hash; never let it in
                log.error("the staff code's hash cannot be read: nobody can open staff mode")
                return False

        if stored.guard is None:
            return Verdict.ACCEPTED if verify() else Verdict.WRONG
        verdict = stored.guard.check("", verify)
        if verdict is Verdict.LOCKED:
            log.warning("staff code locked after repeated wrong tries")
        return verdict

    async def check_code_async(self, code: str) -> Verdict:
        """:meth:`check_code` on a worker thread: the KDF and the lockout file's fsync must not
        stall the screen."""
        return await asyncio.to_thread(self.check_code, code)

    def is_staff_card(self, uid: bytes) -> bool:
        return uid.hex().upper() in self._settings.staff_card_uids

    async def status(self) -> StaffStatus:
        journal = self.journal
        queue = await journal.call(journal.offline_queue_depth)
        items = await journal.call(journal.reconciliation)
        return StaffStatus(
            library_system_online=self._online(),
            reader_ok=bool(self.pad and self.pad.healthy),
            printer=await self.printing.state(),
            offline_queue=queue,
            reconciliation=tuple(_line(item) for item in items),
        )

    async def resolve(self, entry_id: str, note: str | None = None) -> None:
        await self.journal.call(self.journal.resolve, entry_id, note)

    async def print_test(self) -> PrintOutcome:
        return await self.printing.print_test(self._settings.library_name, self._branch_name)

    def reader_test(self) -> tuple[TagReading, ...]:
        if self.pad is None:
            return ()
        return tuple(reading_of(tag) for tag in self.pad.present.values())


class StaffCommandSet(abc.ABC):
    """The staff commands of a screen port (:class:`~kiosk.core.port.StaffCommands`), gated by
    the table of modes, for the kiosk and the return station's display alike. An owner says
    what entering and leaving staff mode means for it, and hands out its :class:`StaffDesk`."""

    @property
    @abc.abstractmethod
    def staff_desk(self) -> StaffDesk: ...

    @abc.abstractmethod
    def _may(self, command: Command) -> bool:
        """The table of modes' word on ``command`` now (a refusal is told to the screen)."""

    @abc.abstractmethod
    def _announce(self, event: ev.KioskEvent) -> None: ...

    @abc.abstractmethod
    async def _enter_staff(self) -> None:
        """Into staff mode (the kiosk ends a patron's session first)."""

    @abc.abstractmethod
    async def _leave_staff(self) -> None: ...

    async def staff_enter(self, code: str) -> bool:
        """Staff mode behind the staff code."""
        if not self._may(Command.STAFF_ENTER):
            return False
        if await self.staff_desk.check_code_async(code) is not Verdict.ACCEPTED:
            self._announce(ev.StaffModeRefused())
            return False
        await self._enter_staff()
        return True

    async def staff_exit(self) -> None:
        if self._may(Command.STAFF_EXIT):
            await self._leave_staff()

    async def staff_status(self) -> StaffStatus | None:
        if not self._may(Command.STAFF_STATUS):
            return None
        return await self.staff_desk.status()

    async def staff_resolve(self, entry_id: str, note: str | None = None) -> bool:
        """Staff dealt with a reconciliation item."""
        if not self._may(Command.STAFF_RESOLVE):
            return False
        await self.staff_desk.resolve(entry_id, note)
        return True

    async def staff_print_test(self) -> PrintOutcome:
        if not self._may(Command.STAFF_PRINT_TEST):
            return PrintOutcome(problem=PrintProblem.NOT_NOW)
        return await self.staff_desk.print_test()

    def reader_test(self) -> tuple[TagReading, ...]:
        """What lies on the pad (or in the chute reader's field) now, decoded."""
        if not self._may(Command.READER_TEST):
            return ()
        return self.staff_desk.reader_test()


def reading_of(tag: PadTag) -> TagReading:
    """One tag as the staff's reader test shows it."""
    if not tag.data.ok or tag.is_patron_card:  # nothing of an item to show
        kind = TagKind.PATRON_CARD if tag.data.ok else TagKind.UNREADABLE
        return TagReading(uid=tag.uid_hex, kind=kind, afi=tag.afi)
    return TagReading(
        uid=tag.uid_hex,
        kind=TagKind.ITEM,
        item_id=tag.item_id,
        part=tag.part_number,
        parts=tag.parts,
        afi=tag.afi,
    )


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _line(item: ReconciliationItem) -> ReconciliationLine:
    return ReconciliationLine(
        entry_id=item.entry_id,
        kind=item.kind.value,
        item_id=item.item_id,
        attention=item.attention.value,
        reason=item.reason,
        note=item.note,
        masked_patron=item.masked_patron,
    )
