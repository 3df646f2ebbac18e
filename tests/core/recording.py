"""The real FEIG driver, noting every command it sends: tests count reader round trips."""

from __future__ import annotations

from drivers.rfid import FeigReader, SystemInfo, TagInfo


class RecordingReader(FeigReader):
    """A :class:`FeigReader` that notes each command as ``(name, arguments)`` in ``calls``."""

    def __init__(self, port: str, **options: object) -> None:
        super().__init__(port, **options)  # type: ignore[arg-type]
        self.calls: list[tuple[str, tuple[object, ...]]] = []

    def named(self, name: str) -> list[tuple[object, ...]]:
        return [args for called, args in self.calls if called == name]

    async def inventory(self, afi: int | None = None) -> list[TagInfo]:
        self.calls.append(("inventory", (afi,)))
        return await super().inventory(afi)

    async def system_info(self, uid: bytes) -> SystemInfo:
        self.calls.append(("system_info", (uid,)))
        return await super().system_info(uid)

    async def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        self.calls.append(("read_blocks", (uid, first, count)))
        return await super().read_blocks(uid, first, count)

    async def write_afi(self, uid: bytes, afi: int) -> None:
        self.calls.append(("write_afi", (uid, afi)))
        await super().write_afi(uid, afi)

    async def set_eas(self, uid: bytes) -> None:
        self.calls.append(("set_eas", (uid,)))
        await super().set_eas(uid)

    async def reset_eas(self, uid: bytes) -> None:
        self.calls.append(("reset_eas", (uid,)))
        await super().reset_eas(uid)

    async def check_eas(self, uid: bytes) -> bool:
        self.calls.append(("check_eas", (uid,)))
        return await super().check_eas(uid)

    async def eas_alarm_any(self) -> bool | None:
        self.calls.append(("eas_alarm_any", ()))
        return await super().eas_alarm_any()
