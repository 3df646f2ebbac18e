"""What staff do at a kiosk or a return station: get in, see its health, settle the journal's
open entries, test the printer and the reader.

Why shared: the kiosk's staff screen and the return station's display offer the same staff
tools over the same journal, printer and reader; only what "entering staff mode" ends differs
(a patron's session at the kiosk, nothing at the station), and that stays with each owner.
No patron data leaves here: reconciliation lines carry masked numbers, the reader test never
shows a library card's number.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from kiosk.core.model import (
    PrintOutcome,
    ReconciliationLine,
    StaffStatus,
    TagKind,
    TagReading,
)
from kiosk.core.pad import PadTag, PadWatcher
from kiosk.core.printing import Printing
from kiosk.ils.journal import Journal, ReconciliationItem

__all__ = ["StaffDesk", "reading_of"]


class StaffDesk:
    """The staff tools of one kiosk or return station."""

    def __init__(
        self,
        *,
        journal: Journal,
        printing: Printing,
        pad: PadWatcher | None,
        online: Callable[[], bool],
        staff_code: str | None,
        staff_card_uids: frozenset[str] = frozenset(),
        library_name: str = "",
        branch_name: str = "",
    ) -> None:
        self.journal = journal
        self.printing = printing
        self.pad = pad
        self._online = online
        self._staff_code = staff_code
        self._staff_cards = staff_card_uids
        self._library_name = library_name
        self._branch_name = branch_name

    def code_matches(self, code: str) -> bool:
        """The staff code, compared in constant time; no code configured: nobody gets in."""
        expected = self._staff_code
        if not expected:
            return False
        return hmac.compare_digest(code.encode(), expected.encode())

    def is_staff_card(self, uid: bytes) -> bool:
        return uid.hex().upper() in self._staff_cards

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
        return await self.printing.print_test(self._library_name, self._branch_name)

    def reader_test(self) -> tuple[TagReading, ...]:
        if self.pad is None:
            return ()
        return tuple(reading_of(tag) for tag in self.pad.present.values())


def reading_of(tag: PadTag) -> TagReading:
    """One tag as the staff's reader test shows it."""
    if not tag.data.ok:
        return TagReading(uid=tag.uid_hex, kind=TagKind.UNREADABLE, afi=tag.afi)
    if tag.is_patron_card:
        return TagReading(uid=tag.uid_hex, kind=TagKind.PATRON_CARD, afi=tag.afi)
    return TagReading(
        uid=tag.uid_hex,
        kind=TagKind.ITEM,
        item_id=tag.item_id,
        part=tag.part_number,
        parts=tag.parts,
        afi=tag.afi,
    )


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
