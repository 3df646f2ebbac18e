"""Changing an item's security state, and proving it changed.

Why verify: writes on a pad fail often (a tag at the edge of the field, a stack shading another
tag), and a write the reader acknowledged can still leave the old value. An item must never leave
with the wrong state, so every change is read back (AFI via Get System Information, EAS via EAS
ALARM) and retried a few times; the caller learns only "verified" or "not verified".
"""

from __future__ import annotations

import logging

from drivers.rfid.contract import ReaderError
from kiosk.core.pad import SharedReader
from kiosk.core.settings import SecuritySettings

__all__ = ["SecurityWriter"]

log = logging.getLogger(__name__)


class SecurityWriter:
    def __init__(self, reader: SharedReader, settings: SecuritySettings) -> None:
        self.reader = reader
        self.settings = settings

    async def secure(self, uid: bytes) -> bool:
        """Arm the item (in stock): True when verified."""
        return await self._apply(uid, secured=True)

    async def unsecure(self, uid: bytes) -> bool:
        """Disarm the item (on loan): True when verified."""
        return await self._apply(uid, secured=False)

    async def is_secured(self, uid: bytes) -> bool | None:
        """The tag's state by the configured method; None when it cannot be read or is mixed."""
        try:
            return await self._state(uid)
        except ReaderError:
            return None

    async def _apply(self, uid: bytes, *, secured: bool) -> bool:
        for attempt in range(1, max(1, self.settings.attempts) + 1):
            try:
                if self.settings.uses_afi:
                    afi = self.settings.afi_secured if secured else self.settings.afi_unsecured
                    await self.reader.write_afi(uid, afi)
                if self.settings.uses_eas:
                    if secured:
                        await self.reader.set_eas(uid)
                    else:
                        await self.reader.reset_eas(uid)
                if await self._state(uid) is secured:
                    return True
                log.info("tag %s: security not verified (attempt %d)", uid.hex().upper(), attempt)
            except ReaderError as error:
                log.info(
                    "tag %s: security write failed (attempt %d): %s",
                    uid.hex().upper(),
                    attempt,
                    error,
                )
        return False

    async def _state(self, uid: bytes) -> bool | None:
        afi_state: bool | None = None
        eas_state: bool | None = None
        if self.settings.uses_afi:
            afi = (await self.reader.system_info(uid)).afi
            if afi == self.settings.afi_secured:
                afi_state = True
            elif afi == self.settings.afi_unsecured:
                afi_state = False
            else:
                return None
        if self.settings.uses_eas:
            if not self.settings.uses_afi:
                # EAS ALARM is silent both for "EAS off" and for "no tag": prove the tag is here.
                await self.reader.system_info(uid)
            eas_state = await self.reader.check_eas(uid)
        if afi_state is not None and eas_state is not None and afi_state != eas_state:
            return None
        return afi_state if afi_state is not None else eas_state
