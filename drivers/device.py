"""What every device driver has: it is opened before use and closed after.

The kiosk opens and closes card readers, scanners, printers, RFID readers and sorters alike, and
tests use each with ``async with``; one base class says so once.
"""

from __future__ import annotations

import abc
from typing import Self


class Device(abc.ABC):
    """A driver's life cycle: :meth:`open` before use, :meth:`close` after, or ``async with``."""

    @abc.abstractmethod
    async def open(self) -> None: ...

    @abc.abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
