"""Changing items' security state, and proving it changed.

Why verify: writes on a pad fail often (a tag at the edge of the field, a stack shading another
tag), and a write the reader acknowledged can still leave the old value. An item must never leave
with the wrong state, so every change is read back and retried a few times; the caller learns
only which tags were verified and which were not.

Why verify many at once: reading back tag by tag costs a reader round trip per tag. One
inventory filtered by the target AFI answers for every tag at once (a tag that answers has that
AFI and is on the pad), and one EAS alarm to the whole field says that no tag there is still
armed. Checks wanted at the same time by several items share one turn of the reader
(:class:`_Check`), taken when no reads or writes wait for it. Whatever the look does not prove
-- a tag that did not answer, an alarm from somewhere in the field, an AFI value an inventory
cannot single out -- is read back tag by tag in the same turn, as before; and where only a few
tags of a full pad are to be checked, reading those back is cheaper than the look.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from drivers.rfid.contract import ReaderError, RfidReader
from kiosk.core.settings import SecuritySettings
from kiosk.core.shared_reader import SharedReader, Turn

__all__ = ["SecurityWriter", "afi_selects_exactly"]

log = logging.getLogger(__name__)

#: A tag in a filtered inventory costs about this fraction of reading one tag back alone (its
#: slot and ten bytes of reply, against a whole Get System Information exchange). A check of a
#: few tags on a full pad is cheaper tag by tag: the inventory finds every tag with that AFI.
SLOT_PER_READ_BACK = 0.4


def afi_selects_exactly(afi: int) -> bool:
    """True when an inventory filtered by ``afi`` finds only tags with exactly that AFI.

    ISO/IEC 15693-3: a 0 nibble in the requested AFI matches any family (high nibble) or any
    subfamily (low nibble), so a request for 0x07 also finds tags with 0x17 or 0xD7.
    """
    return afi & 0xF0 != 0 and afi & 0x0F != 0


@dataclass(slots=True)
class _Check:
    """One verification turn for the tags of several items wanting the same state."""

    secured: bool
    uids: set[bytes] = field(default_factory=set)
    verified: asyncio.Future[frozenset[bytes]] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class SecurityWriter:
    def __init__(self, reader: SharedReader, settings: SecuritySettings) -> None:
        self.reader = reader
        self.settings = settings
        self._open: dict[bool, _Check] = {}
        #: How many tags the field checks proved and how many fell back to one-by-one reads
        #: (tests and benchmarks read them).
        self.proven_together = 0
        self.read_back_alone = 0

    async def secure(self, uid: bytes) -> bool:
        """Arm the item (in stock): True when verified."""
        return not await self.change([uid], secured=True)

    async def unsecure(self, uid: bytes) -> bool:
        """Disarm the item (on loan): True when verified."""
        return not await self.change([uid], secured=False)

    async def is_secured(self, uid: bytes) -> bool | None:
        """The tag's state by the configured method; None when it cannot be read or is mixed."""
        try:
            async with self.reader.turn(Turn.VERIFY) as reader:
                return await self._state(reader, uid)
        except ReaderError:
            return None

    async def change(self, uids: Iterable[bytes], *, secured: bool) -> frozenset[bytes]:
        """Arm (``secured``) or disarm every tag, verify, and retry what did not take, up to
        the configured attempts. Returns the UIDs whose state is not verified."""
        pending = list(dict.fromkeys(bytes(uid) for uid in uids))
        for attempt in range(1, max(1, self.settings.attempts) + 1):
            if not pending:
                break
            written = [uid for uid in pending if await self._write(uid, secured, attempt)]
            verified = await self._verify(written, secured) if written else frozenset()
            for uid in written:
                if uid not in verified:
                    log.info(
                        "tag %s: security not verified (attempt %d)", uid.hex().upper(), attempt
                    )
            pending = [uid for uid in pending if uid not in verified]
        return frozenset(pending)

    async def _write(self, uid: bytes, secured: bool, attempt: int) -> bool:
        """Write the state (one command per security element); False when a write failed."""
        try:
            if self.settings.uses_afi:
                await self.reader.write_afi(uid, self._target_afi(secured))
            if self.settings.uses_eas:
                if secured:
                    await self.reader.set_eas(uid)
                else:
                    await self.reader.reset_eas(uid)
        except ReaderError as error:
            log.info(
                "tag %s: security write failed (attempt %d): %s", uid.hex().upper(), attempt, error
            )
            return False
        return True

    def _target_afi(self, secured: bool) -> int:
        return self.settings.afi_secured if secured else self.settings.afi_unsecured

    # --- verification -------------------------------------------------------------------------

    async def _verify(self, uids: Sequence[bytes], secured: bool) -> frozenset[bytes]:
        """The UIDs whose state now reads as wanted. Checks wanted at the same time share one
        turn of the reader: one look at the field where that is cheaper, then a read-back of
        each tag it did not prove."""
        check = self._open.get(secured)
        leader = check is None
        if check is None:
            check = self._open[secured] = _Check(secured)
        check.uids.update(uids)
        if leader:
            await self._lead(check)
        verified = await asyncio.shield(check.verified)
        return verified.intersection(uids)

    async def _lead(self, check: _Check) -> None:
        """Wait for the reader's verification turn, then verify everyone who joined by then."""
        verified: set[bytes] = set()
        try:
            async with self.reader.turn(Turn.VERIFY) as reader:
                self._close(check)  # who comes now waits for the next turn
                if self._look_pays(check):
                    try:
                        verified |= await self._look(reader, check.uids, check.secured)
                    except ReaderError as error:
                        log.info("security check of %d tags failed: %s", len(check.uids), error)
                    self.proven_together += len(verified)
                for uid in check.uids - verified:
                    self.read_back_alone += 1
                    try:
                        if await self._state(reader, uid) is check.secured:
                            verified.add(uid)
                    except ReaderError as error:
                        log.info("tag %s: security read-back failed: %s", uid.hex().upper(), error)
        finally:
            self._close(check)
            if not check.verified.done():
                check.verified.set_result(frozenset(verified))

    def _close(self, check: _Check) -> None:
        if self._open.get(check.secured) is check:
            del self._open[check.secured]

    def _look_pays(self, check: _Check) -> bool:
        """Whether one look at the field can prove these tags, for less than reading each back:
        the look finds every tag in the field with the target AFI, not only these."""
        settings = self.settings
        if settings.uses_afi and not afi_selects_exactly(self._target_afi(check.secured)):
            return False
        if not settings.uses_afi and check.secured:
            # An armed tag's EAS answer cannot be told apart in a crowd: arming by EAS alone is
            # proven tag by tag (EAS ALARM to one tag answers exactly when it is armed).
            return False
        return len(check.uids) >= SLOT_PER_READ_BACK * self.reader.field_size

    async def _look(self, reader: RfidReader, uids: set[bytes], secured: bool) -> set[bytes]:
        """The tags among ``uids`` one inventory (and one EAS alarm) prove to be as wanted."""
        settings = self.settings
        if settings.uses_afi:
            found = await reader.inventory(self._target_afi(secured))
        else:
            found = await reader.inventory()  # EAS alone: an EAS alarm's silence needs presence
        proven = uids.intersection(info.uid for info in found)
        if proven and settings.uses_eas and not secured:
            if await reader.eas_alarm_any() is not False:
                return set()  # something in the field is armed (or the reader cannot tell)
        elif proven and settings.uses_eas:
            proven = {uid for uid in proven if await reader.check_eas(uid)}
        return proven

    async def _state(self, reader: RfidReader, uid: bytes) -> bool | None:
        """One tag's state read back (in a turn the caller holds)."""
        afi_state: bool | None = None
        eas_state: bool | None = None
        if self.settings.uses_afi:
            afi = (await reader.system_info(uid)).afi
            if afi == self.settings.afi_secured:
                afi_state = True
            elif afi == self.settings.afi_unsecured:
                afi_state = False
            else:
                return None
        if self.settings.uses_eas:
            if not self.settings.uses_afi:
                # EAS ALARM is silent both for "EAS off" and for "no tag": prove the tag is here.
                await reader.system_info(uid)
            eas_state = await reader.check_eas(uid)
        if afi_state is not None and eas_state is not None and afi_state != eas_state:
            return None
        return afi_state if afi_state is not None else eas_state
