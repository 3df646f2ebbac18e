"""The crash test's side of its processes: zygotes to fork from, and the library system's process.

:class:`Zygote` talks to a zygote (:mod:`tests.crash.zygote`): it spawns children, reads their
lines and says ``go``. :class:`LibrarySystemProcess` is ``kiosk acs --db FILE`` forked from its
own zygote (``acs_zygote.py``): started, SIGKILLed and started again on the same file and ports,
with the fault knobs the test wants carried over a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kiosk.acs import send_command

ROOT = Path(__file__).resolve().parents[2]
LINE_TIMEOUT = 20.0
VERBOSE = bool(os.environ.get("CRASH_VERBOSE"))  # print every line the processes write


class Zygote:
    """A running zygote: ``spawn`` children, read their lines, let a paused child ``go``."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, log: Path) -> None:
        self.name = name
        self.process = process
        self.log = log  # the children's log output, drained to a file so it never blocks
        self.child: int | None = None  # the child now running, if any

    async def line(self, timeout: float = LINE_TIMEOUT) -> list[str]:
        """The next line as [kind, pid, rest]; fails after ``timeout`` seconds of silence."""
        assert self.process.stdout is not None
        try:
            raw = await asyncio.wait_for(self.process.stdout.readline(), max(timeout, 0.01))
        except TimeoutError:
            raise AssertionError(
                f"no awaited word from the {self.name} for {LINE_TIMEOUT} s;"
                f" its log ends:\n{self.log_tail()}"
            ) from None
        if not raw:
            raise AssertionError(f"the {self.name} zygote died; its log ends:\n{self.log_tail()}")
        if VERBOSE:
            print(f"{time.monotonic():.3f} {self.name}: {raw.decode().rstrip()}", flush=True)
        return raw.decode().rstrip("\n").split(" ", 2)

    async def next_line(self, deadline: float | None) -> list[str] | None:
        """The next line, or None once ``deadline`` (monotonic) has passed without one."""
        if deadline is None:
            return await self.line()
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        assert self.process.stdout is not None
        reading = asyncio.ensure_future(self.process.stdout.readline())
        done, _ = await asyncio.wait({reading}, timeout=left)
        if not done:
            reading.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reading
            return None
        raw = reading.result()
        if not raw:
            raise AssertionError(f"the {self.name} zygote died; its log ends:\n{self.log_tail()}")
        if VERBOSE:
            print(f"{time.monotonic():.3f} {self.name}: {raw.decode().rstrip()}", flush=True)
        return raw.decode().rstrip("\n").split(" ", 2)

    async def expect(self, *kinds: str) -> list[str]:
        """The next line of one of ``kinds``, skipping others, within LINE_TIMEOUT in all (a
        busy kiosk writes lines all the time: waiting for one it never writes must fail)."""
        deadline = time.monotonic() + LINE_TIMEOUT
        while True:
            words = await self.line(deadline - time.monotonic())
            if words[0] == "crashed":
                raise AssertionError(f"the {self.name} crashed by itself: {' '.join(words)}")
            if words[0] == "exited" and "exited" not in kinds:
                raise AssertionError(f"the {self.name} exited unexpectedly: {' '.join(words)}")
            if words[0] in kinds:
                return words

    async def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await asyncio.wait_for(self.process.stdin.drain(), LINE_TIMEOUT)

    async def spawn(self, *args: str) -> int:
        await self.command(" ".join(["spawn", *args]))
        self.child = int((await self.expect("spawned"))[1])
        return self.child

    async def kill(self) -> None:
        """SIGKILL the running child and wait until the zygote has seen it die."""
        pid = self.child
        assert pid is not None
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        words = await self.expect("exited")
        assert words[1:] == [str(pid), "signal9"], f"{self.name} {pid} ended by itself: {words}"
        self.child = None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.asynccontextmanager
async def start_zygote(
    name: str, script: Path, args: Sequence[str], log: Path, env: Mapping[str, str] | None = None
) -> AsyncIterator[Zygote]:
    """Run ``script ARGS`` as a zygote; on the way out, kill its child and let it quit."""
    stderr = log.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(script),
        *args,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=dict(os.environ, PYTHONPATH=str(ROOT), **(env or {})),
        cwd=ROOT,
    )
    z = Zygote(name, process, log)
    try:
        await z.expect("zygote")
        yield z
    finally:
        if z.child is not None:  # a test failure left a child running: end it first
            with contextlib.suppress(ProcessLookupError):
                os.kill(z.child, signal.SIGKILL)
        with contextlib.suppress(
            ProcessLookupError, BrokenPipeError, ConnectionResetError, TimeoutError
        ):
            await z.command("quit")
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await asyncio.wait_for(process.wait(), 10)
        finally:
            stderr.close()


@dataclass
class Knobs:
    """The library system's fault knobs the test keeps set, also over a restart."""

    offline: bool = False
    drop_after: int = 0
    drop_repeat: bool = False  # a one-shot drop (drop_repeat off) is not set again on restart

    def options(self) -> list[str]:
        """The ``kiosk acs`` options that start a library system in this state."""
        options = ["--offline"] if self.offline else []
        if self.drop_repeat and self.drop_after:
            options += ["--drop-after", str(self.drop_after), "--drop-repeat"]
        return options


_LISTENING = re.compile(r"SIP2 on (?P<host>[\w.]+):(?P<port>\d+), control on [\w.]+:(?P<ctl>\d+)")


def fixed_port(taken: Collection[int] = ()) -> int:
    """A free loopback port below the kernel's range for outgoing connections.

    Why not port 0: a library system that is down for a moment leaves its port free, and a port
    from that range can then be handed to any outgoing connection on the machine (even to the
    kiosk's own attempt to reach it, which then connects to itself), so the restart would find
    its port taken.
    """
    low = 32768
    with contextlib.suppress(OSError, ValueError):
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    rng = random.Random()
    for _ in range(100):
        port = rng.randrange(max(1024, low - 12000), low)
        if port in taken:
            continue
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port
    raise AssertionError(f"no free port found below {low}")


class LibrarySystemProcess:
    """``kiosk acs --db FILE`` in its own process, killed and started again at will.

    It listens on the same ports after every restart, as a library system does, so the kiosk
    finds it again by itself. Starting, killing and setting knobs take turns (one lock).
    """

    def __init__(self, zygote: Zygote, db_path: Path) -> None:
        self.zygote = zygote
        self.db_path = db_path
        self.host = "127.0.0.1"
        self.port = fixed_port()
        self.control_port = fixed_port({self.port})
        self.knobs = Knobs()
        self.starts = 0
        self._turn = asyncio.Lock()

    @property
    def up(self) -> bool:
        return self.zygote.child is not None

    async def start(self) -> None:
        async with self._turn:
            await self._start()

    async def _start(self) -> None:
        assert not self.up
        await self.zygote.spawn(
            "--db",
            str(self.db_path),
            "--host",
            self.host,
            "--port",
            str(self.port),
            "--control-port",
            str(self.control_port),
            *self.knobs.options(),
        )
        words = await self.zygote.expect("kiosk")  # "kiosk acs: NAME: ...; SIP2 on H:P, ..."
        listening = _LISTENING.search(" ".join(words))
        assert listening is not None, f"kiosk acs says: {' '.join(words)}"
        assert (int(listening["port"]), int(listening["ctl"])) == (self.port, self.control_port)
        self.starts += 1

    async def kill(self) -> None:
        async with self._turn:
            await self.zygote.kill()

    async def set_knobs(self, **settings: bool | int) -> None:
        """Set fault knobs now (when up) and on every later start (the lasting ones)."""
        async with self._turn:
            for name, value in settings.items():
                setattr(self.knobs, name, value)
            if self.up:
                words = " ".join(f"{name}={value}" for name, value in settings.items())
                answer = await send_command(self.host, self.control_port, f"set {words}")
                assert answer["ok"], answer

    async def reset_knobs(self) -> None:
        async with self._turn:
            self.knobs = Knobs()
            if self.up:
                answer = await send_command(self.host, self.control_port, "reset")
                assert answer["ok"], answer
