"""A pre-imported process that forks a fresh child per request: restarts in milliseconds.

Why: the crash test starts the kiosk and the library system hundreds of times. A new Python
interpreter spends most of a second importing; a child forked from a process that has imported
everything once starts at once, and still begins from nothing but its files and sockets: it opens
the journal, the database, the serial port and the SIP2 connections itself, exactly as a newly
started process would. Only the imported code is shared.

Protocol. The harness writes one command per line on the zygote's stdin:

- ``spawn [ARG ...]``: fork a child that runs ``run(ARGS, gate)``; at most one child at a time
  (the harness waits for ``exited`` before the next ``spawn``);
- ``go``: one byte on the running child's gate, which the child awaits where it lets the harness
  look at the state it left (:meth:`Gate.wait`);
- ``quit``: stop (after the child has exited).

The zygote writes ``zygote PID`` once, ``spawned PID`` before the child's own first line, and
``exited PID STATUS`` (an exit code, or ``signalN``) when the child has ended; a child that raised
writes ``crashed PID TYPE MESSAGE`` first. Every line goes out with one ``write()``, so lines of
the zygote and its child never mix.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable

__all__ = ["Gate", "say", "serve"]


def say(*words: object) -> None:
    """One short line on stdout, written with one write() so lines from processes never mix."""
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


class Gate:
    """The child's end of the pipe the zygote writes ``go`` bytes into."""

    def __init__(self, fd: int) -> None:
        self.fd = fd

    def pass_once(self) -> None:
        """Block until the zygote lets the child through (used once, before it starts)."""
        os.read(self.fd, 1)

    async def wait(self) -> None:
        """Until the harness says ``go``; the event loop keeps running meanwhile."""
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()

        def readable() -> None:
            if not ready.done():
                ready.set_result(None)

        loop.add_reader(self.fd, readable)
        try:
            await ready
        finally:
            loop.remove_reader(self.fd)
        os.read(self.fd, 1)


def serve(run: Callable[[list[str], Gate], int]) -> int:
    """The zygote's loop: fork ``run`` per ``spawn`` line until ``quit`` or end of input."""
    say("zygote", os.getpid())
    gate: int | None = None  # the zygote's end of the running child's gate
    waiter: threading.Thread | None = None
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] == "go":
            if gate is not None:
                with contextlib.suppress(BrokenPipeError):  # the child was killed meanwhile
                    os.write(gate, b"!")
            continue
        if words[0] != "spawn":
            say("error", "unknown command", words[0])
            continue
        if waiter is not None:
            waiter.join()  # fork only while this process has no other thread
        if gate is not None:
            os.close(gate)
        child_gate, gate = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a fresh process from here on
            os.close(gate)
            _child(run, words[1:], Gate(child_gate))
        os.close(child_gate)
        say("spawned", pid)
        # The child waits for this byte: its first line must not overtake "spawned".
        os.write(gate, b"!")
        waiter = threading.Thread(target=_report_exit, args=(pid,), daemon=True)
        waiter.start()
    if waiter is not None:
        waiter.join()
    return 0


def _child(run: Callable[[list[str], Gate], int], args: list[str], gate: Gate) -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    gate.pass_once()
    try:
        code = run(args, gate)
    except BaseException as exc:  # report and die; the harness reads the status
        say("crashed", os.getpid(), type(exc).__name__, str(exc).replace("\n", " "))
        code = 3
    os._exit(code)


def _report_exit(pid: int) -> None:
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        say("exited", pid, f"signal{os.WTERMSIG(status)}")
    else:
        say("exited", pid, os.WEXITSTATUS(status))
