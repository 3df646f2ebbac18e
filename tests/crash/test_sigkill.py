"""Crash safety: SIGKILL the kiosk at random points of stack loans and returns, many times.

Three processes, as in a real installation:
- the library system: the embedded ACS, served by this test's event loop over real sockets;
- the RFID reader: the simulated FEIG reader in its own process (``python -m
  drivers.rfid.simulator``), so the tags and their security bits outlive every kiosk;
- the kiosk: ``tests/crash/kiosk_worker.py``, forked afresh from a pre-imported zygote for each
  run, which recovers from the journal, then borrows and returns the whole stack over and over
  until this test kills it with SIGKILL after a random delay (some kills land in recovery).

Between kills the library system is now and then switched offline (the kiosk then lends and
takes back under its offline policy and replays later) or told to drop a connection after
carrying out a request (the client's retransmission is answered from the server's resend
cache), or for a while drops every few requests (the kiosk never hears the answer and keeps the
transaction as an offline one, to be settled before any resend). At the end the library system is
healthy, one last kiosk run settles everything, and the test checks:

- every item's tag is secured exactly when the library system says it is not on loan;
- nothing was lost or doubled: per item, the library system's log of loan changes equals the
  journal's applied transactions, in the same order, and no request was carried out twice (which
  would show as an extra renewal or check-in);
- nothing is left half done, queued, or on the staff's list.

``CRASH_KILLS`` sets the number of kills per engine (default 120, so 240 in all); ``CRASH_SEED``
replays a run; the test prints what it did.

It runs twice: with the real kiosk facade (``kiosk.core.Kiosk``: pad watcher, loan and return
pipelines, offline policy, replayer) and with the worker's own small pipeline over the same
pieces (journal, port, pad watcher, security writer), which flips whole stacks only, so there
every transaction must change a loan and no no-op is tolerated.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.rfid.sim_control import SimulatorControl
from kiosk.ils.journal import EntryKind, Journal, Status
from tests.crash.conftest import CrashWorld

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("kiosk_worker.py")
KILLS = int(os.environ.get("CRASH_KILLS", "120"))  # per engine
SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
LINE_TIMEOUT = 20.0
VERBOSE = bool(os.environ.get("CRASH_VERBOSE"))  # print every line the workers write

pytestmark = pytest.mark.timeout(300)


@dataclass
class Tally:
    kills: int = 0
    killed_in_recovery: int = 0
    cycles: int = 0
    offline_periods: int = 0
    drops: int = 0
    deferred: int = 0
    flaky_periods: int = 0
    recovery: collections.Counter[str] = field(default_factory=collections.Counter)


class Zygote:
    """The pre-imported worker that forks a kiosk per request (see kiosk_worker.py)."""

    def __init__(self, process: asyncio.subprocess.Process, stderr: Path) -> None:
        self.process = process
        self.stderr = stderr  # the workers' log output, drained to a file so it never blocks
        self.child: int | None = None  # the kiosk process now running, if any

    async def line(self, timeout: float = LINE_TIMEOUT) -> list[str]:
        assert self.process.stdout is not None
        try:
            raw = await asyncio.wait_for(self.process.stdout.readline(), max(timeout, 0.01))
        except TimeoutError:
            raise AssertionError(
                f"no awaited word from the kiosk for {LINE_TIMEOUT} s;"
                f" its log ends:\n{self.log_tail()}"
            ) from None
        if not raw:
            raise AssertionError(f"the worker zygote died; its log ends:\n{self.log_tail()}")
        if VERBOSE:
            print(f"{time.monotonic():.3f} worker: {raw.decode().rstrip()}", flush=True)
        return raw.decode().rstrip("\n").split(" ", 2)

    async def expect(self, *kinds: str) -> list[str]:
        """The next line of one of ``kinds``, skipping others, within LINE_TIMEOUT in all (a
        busy kiosk writes lines all the time: waiting for one it never writes must fail)."""
        deadline = time.monotonic() + LINE_TIMEOUT
        while True:
            words = await self.line(deadline - time.monotonic())
            if words[0] == "crashed":
                raise AssertionError(f"the kiosk crashed by itself: {' '.join(words)}")
            if words[0] == "exited" and "exited" not in kinds:
                raise AssertionError(f"the kiosk exited unexpectedly: {' '.join(words)}")
            if words[0] in kinds:
                return words

    async def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await asyncio.wait_for(self.process.stdin.drain(), LINE_TIMEOUT)

    def log_tail(self, lines: int = 30) -> str:
        text = self.stderr.read_text(errors="replace") if self.stderr.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.asynccontextmanager
async def zygote(world: CrashWorld) -> AsyncIterator[Zygote]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **world.worker_env)
    stderr_path = world.journal_path.with_name(f"worker-{world.engine}.log")
    stderr = stderr_path.open("wb")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        *world.worker_args,
        "--zygote",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=stderr,
        env=env,
        cwd=ROOT,
    )
    z = Zygote(process, stderr_path)
    try:
        await z.expect("zygote")
        yield z
    finally:
        if z.child is not None:  # a test failure left a kiosk running: end it first
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


async def one_kill(z: Zygote, rng: random.Random, tally: Tally) -> None:
    await z.command("spawn")
    pid = z.child = int((await z.expect("spawned"))[1])
    if rng.random() < 0.15:
        await z.expect("started")
        await asyncio.sleep(rng.uniform(0, 0.03))  # somewhere in start-up or recovery
        tally.killed_in_recovery += 1
    else:
        words = await z.expect("recovered", "deferred")
        if words[0] == "deferred":  # waiting for the library system: a fine place to die
            tally.killed_in_recovery += 1
            tally.deferred += 1
        else:
            tally.recovery.update(json.loads(words[2]))
            await z.expect("ready")
        await asyncio.sleep(rng.uniform(0.0, 0.7))  # a stack cycle takes 0.3 to 0.8 s
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while True:
        words = await z.expect("exited", "cycle", "recovered", "ready", "started", "deferred")
        if words[0] == "cycle":
            tally.cycles += 1
        elif words[0] == "recovered":
            tally.recovery.update(json.loads(words[2]))
        elif words[0] == "exited":
            assert words[1:] == [str(pid), "signal9"], f"kiosk {pid} ended by itself: {words}"
            break
    z.child = None
    tally.kills += 1


@dataclass
class History:
    """One item's transactions: those that changed its loan, and the no-ops (a checkout of an
    item the patron already had is a renewal; a check-in of an item not on loan)."""

    changes: list[str] = field(default_factory=list)
    noops: collections.Counter[str] = field(default_factory=collections.Counter)


def history_in_acs(world: CrashWorld, item: str) -> History:
    """What the library system carried out for this item, from its circulation log."""
    found = History()
    for entry in world.acs.model.circulation_log(item=item):
        if not entry.ok:
            continue
        if entry.action == "checkout":
            found.changes.append("checkout")
        elif entry.action == "checkin" and entry.patron:
            found.changes.append("checkin")
        elif entry.action in ("checkin", "renew"):
            found.noops[entry.action] += 1
        else:
            raise AssertionError(f"item {item}: unexpected {entry.action} in the ACS log")
    return found


def history_in_journal(journal: Journal, item: str) -> History:
    """What the journal says the library system applied, replayed against the loan state."""
    expected = History()
    on_loan = False  # every item starts in stock (checked when the world is built)
    for entry in journal.entries():
        if entry.item_id != item or entry.status not in (Status.OK, Status.REPLAYED):
            continue
        if entry.kind is EntryKind.CHECKIN:
            if on_loan:
                expected.changes.append("checkin")
            else:
                expected.noops["checkin"] += 1
            on_loan = False
        elif entry.kind is EntryKind.CHECKOUT and not on_loan:
            expected.changes.append("checkout")
            on_loan = True
        else:
            expected.noops["renew"] += 1
    return expected


@pytest.mark.parametrize("engine", ["pieces", "kiosk"])
async def test_sigkill_at_random_points_loses_and_doubles_nothing(
    crash_world: CrashWorld, engine: str
) -> None:
    world = crash_world
    world.engine = engine
    print(f"crash test ({engine} engine): seed {SEED} (CRASH_SEED={SEED} replays it)")
    rng = random.Random(SEED)
    tally = Tally()
    started = time.monotonic()
    async with zygote(world) as z:
        for n in range(KILLS):
            roll, faults = rng.random(), world.acs.faults
            if roll < 0.06 and not faults.offline:
                faults.update(offline=True)
                tally.offline_periods += 1
            elif faults.offline and roll < 0.35:
                faults.update(offline=False)
            elif roll > 0.97:
                faults.update(drop_after=rng.randint(2, 5), drop_repeat=True)
                tally.flaky_periods += 1
            elif roll > 0.94:
                faults.update(drop_after=rng.randint(1, 6), drop_repeat=False)
                tally.drops += 1
            elif faults.drop_repeat and roll < 0.5:
                faults.update(drop_after=0, drop_repeat=False)
            await one_kill(z, rng, tally)
            if n % 50 == 49:
                print(f"crash test: {n + 1} kills, {time.monotonic() - started:.1f} s")
        world.acs.faults.reset()
        await z.command("settle")
        z.child = int((await z.expect("spawned"))[1])
        words = await z.expect("settled")
        summary = json.loads(words[2])
        await z.expect("exited")

    elapsed = time.monotonic() - started
    print(
        f"\ncrash test ({engine} engine): seed {SEED}, {tally.kills} SIGKILLs"
        f" ({tally.killed_in_recovery} during start-up/recovery) in {elapsed:.1f} s,"
        f" {tally.cycles} completed stack cycles,"
        f" {tally.offline_periods} offline periods, {tally.drops} dropped connections,"
        f" {tally.flaky_periods} periods of lost answers,"
        f" {tally.deferred} recoveries waiting for the library system;"
        f" recovery actions: {dict(sorted(tally.recovery.items()))}"
    )
    assert summary == {"queue": 0, "half_done": 0, "reconciliation": 0}

    with Journal(world.journal_path) as journal:
        applied_total = 0
        for item in world.items:
            in_acs = history_in_acs(world, item)
            in_journal = history_in_journal(journal, item)
            # Every loan change exactly once, in the same order: nothing lost, nothing doubled.
            assert in_acs.changes == in_journal.changes, (
                f"item {item}: ACS {in_acs.changes} != journal {in_journal.changes}"
            )
            # A request sent twice would show up as an extra no-op (a renewal, a second
            # check-in). The journal may count more: a no-op whose outcome recovery could not
            # tell apart (see kiosk.ils.offline.settle_outcome) is recorded as applied.
            for kind, count in in_acs.noops.items():
                assert count <= in_journal.noops[kind], (
                    f"item {item}: {count} {kind} no-ops in the ACS, journal has"
                    f" {in_journal.noops[kind]}: a doubled request?"
                )
            if engine == "pieces":  # it only ever flips whole stacks: no no-ops at all
                assert not in_acs.noops and not in_journal.noops, item
            applied_total += len(in_journal.changes)
        entries = journal.entries()
        offline_total = sum(1 for e in entries if e.offline)
        maybe_sent = sum(1 for e in entries if e.maybe_sent)
        settled = sum(1 for e in entries if e.reason == "settled")
    print(
        f"crash test: {applied_total} loan changes applied, {offline_total} transactions taken"
        f" offline, {maybe_sent} whose request may have arrived, {settled} settled by asking"
        " the library system instead of resending"
    )

    with SimulatorControl(world.control) as control:
        tags = {tag.uid.hex().upper(): tag for tag in control.tags()}
    for item, uids in world.items.items():
        on_loan = world.acs.model.loan(item) is not None
        for uid in uids:
            afi = tags[uid].afi
            expected = world.afi_unsecured if on_loan else world.afi_secured
            assert afi == expected, (
                f"item {item} tag {uid}: AFI {afi:#04x}, but the item is"
                f" {'on loan' if on_loan else 'in stock'} in the library system"
            )
    assert tally.kills == KILLS
    assert applied_total > KILLS // 4, "the kiosk hardly did anything between kills"
    assert sum(tally.recovery.values()) > 0, "no kill ever left anything for recovery"
