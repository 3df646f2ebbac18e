"""The RFID reader contract every reader driver implements.

A reader sees ISO 15693 tags on its antenna (the pad, or a return chute) and offers the few
operations a library needs: inventory, block reads and writes, AFI and NXP EAS security.
UIDs are 8 bytes, most significant byte (0xE0) first, as FEIG and 3M serial protocols send them.

Errors that concern one tag (gone from the field, write refused, CRC error on air) raise
:class:`TagError` carrying the UID; errors that concern the reader itself (port gone, no answer,
garbled frames) raise :class:`ReaderError`. Messages are written for staff fixing the hardware.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from drivers.device import Device


class ReaderError(Exception):
    """The reader itself failed: port missing, no answer, garbled frames, wrong settings."""


class TagError(ReaderError):
    """One tag could not be read or written; other tags in the field are unaffected."""

    def __init__(self, uid: bytes, message: str, status: int | None = None) -> None:
        super().__init__(f"tag {uid.hex().upper()}: {message}")
        self.uid = uid
        self.status = status


@dataclass(frozen=True, slots=True)
class TagInfo:
    """One tag found by an inventory."""

    uid: bytes
    dsfid: int = 0
    afi: int | None = None  # None where the reader's inventory does not report it


@dataclass(frozen=True, slots=True)
class SystemInfo:
    """ISO 15693 Get System Information, as far as the tag answers it."""

    uid: bytes
    dsfid: int | None
    afi: int | None
    block_size: int | None
    block_count: int | None
    ic_reference: int | None = None


class RfidReader(Device):
    """An async RFID reader. Use ``async with reader:`` or call open() and close()."""

    @abc.abstractmethod
    async def inventory(self, afi: int | None = None) -> list[TagInfo]:
        """Every tag in the field (only those with this AFI, when one is given)."""

    @abc.abstractmethod
    async def system_info(self, uid: bytes) -> SystemInfo: ...

    @abc.abstractmethod
    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        """``count`` blocks from block ``first``, concatenated."""

    @abc.abstractmethod
    async def write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        """Write whole blocks from ``first``; ``len(data)`` is a multiple of the block size."""

    @abc.abstractmethod
    async def write_afi(self, uid: bytes, afi: int) -> None: ...

    @abc.abstractmethod
    async def set_eas(self, uid: bytes) -> None:
        """Arm the NXP EAS bit (gates alarm)."""

    @abc.abstractmethod
    async def reset_eas(self, uid: bytes) -> None:
        """Disarm the NXP EAS bit."""

    @abc.abstractmethod
    async def check_eas(self, uid: bytes) -> bool:
        """True when the tag answers EAS ALARM, i.e. its EAS bit is set."""

    async def eas_alarm_any(self) -> bool | None:
        """Does any tag in the field have its EAS bit set (EAS ALARM to all, as a gate asks)?

        True or False where the reader can ask every tag at once; None where it cannot (the
        default): callers then ask tag by tag with :meth:`check_eas`."""
        return None
