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
carrying out a request (the kiosk never hears the answer). At the end the library system is
healthy, one last kiosk run settles everything, and the test checks:

- every item's tag is secured exactly when the library system says it is not on loan;
- nothing was lost or doubled: per item, the library system's log of loan changes equals the
  journal's applied transactions, in the same order, and no checkout was turned into a renewal;
- nothing is left half done, queued, or on the staff's list.

``CRASH_KILLS`` sets the number of kills (default 200); the test prints what it did.

Why the worker drives journal + port + security writer + pad watcher itself rather than the
``kiosk.core.Kiosk`` facade: the facade's pipelines were still being written when this test
was; the worker uses the same pieces in the same order (see its docstring).
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
from kiosk.ils.journal import Journal, Status
from tests.crash.conftest import CrashWorld

ROOT = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("kiosk_worker.py")
KILLS = int(os.environ.get("CRASH_KILLS", "200"))
SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
LINE_TIMEOUT = 20.0

pytestmark = pytest.mark.timeout(600)


@dataclass
class Tally:
    kills: int = 0
    killed_in_recovery: int = 0
    cycles: int = 0
    offline_periods: int = 0
    drops: int = 0
    recovery: collections.Counter[str] = field(default_factory=collections.Counter)


class Zygote:
    """The pre-imported worker that forks a kiosk per request (see kiosk_worker.py)."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    async def line(self) -> list[str]:
        assert self.process.stdout is not None
        raw = await asyncio.wait_for(self.process.stdout.readline(), LINE_TIMEOUT)
        if not raw:
            stderr = b""
            if self.process.stderr is not None:
                with contextlib.suppress(asyncio.TimeoutError):
                    stderr = await asyncio.wait_for(self.process.stderr.read(), 2)
            raise AssertionError(f"the worker zygote died: {stderr.decode(errors='replace')}")
        return raw.decode().rstrip("\n").split(" ", 2)

    async def expect(self, *kinds: str) -> list[str]:
        while True:
            words = await self.line()
            if words[0] == "crashed":
                raise AssertionError(f"the kiosk crashed by itself: {' '.join(words)}")
            if words[0] == "exited" and "exited" not in kinds:
                raise AssertionError(f"the kiosk exited unexpectedly: {' '.join(words)}")
            if words[0] in kinds:
                return words

    async def command(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text.encode() + b"\n")
        await self.process.stdin.drain()


@contextlib.asynccontextmanager
async def zygote(world: CrashWorld) -> AsyncIterator[Zygote]:
    env = dict(os.environ, PYTHONPATH=str(ROOT), **world.worker_env)
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(WORKER),
        *world.worker_args,
        "--zygote",
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    z = Zygote(process)
    try:
        await z.expect("zygote")
        yield z
    finally:
        with contextlib.suppress(ProcessLookupError, BrokenPipeError, ConnectionResetError):
            await z.command("quit")
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()


async def one_kill(z: Zygote, rng: random.Random, tally: Tally) -> None:
    await z.command("spawn")
    pid = int((await z.expect("spawned"))[1])
    if rng.random() < 0.15:
        await z.expect("started")
        await asyncio.sleep(rng.uniform(0, 0.03))  # somewhere in start-up or recovery
        tally.killed_in_recovery += 1
    else:
        words = await z.expect("recovered")
        tally.recovery.update(json.loads(words[2]))
        await z.expect("ready")
        await asyncio.sleep(rng.uniform(0.0, 0.45))  # a stack cycle takes about 0.35 s
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    while True:
        words = await z.expect("exited", "cycle", "recovered", "ready", "started")
        if words[0] == "cycle":
            tally.cycles += 1
        elif words[0] == "recovered":
            tally.recovery.update(json.loads(words[2]))
        elif words[0] == "exited":
            assert words[1:] == [str(pid), "signal9"], f"kiosk {pid} ended by itself: {words}"
            break
    tally.kills += 1


def loan_changes_in_acs(world: CrashWorld, item: str) -> list[str]:
    """The library system's log of this item's loan changes, oldest first."""
    changes = []
    for entry in world.acs.model.circulation_log(item=item):
        if not entry.ok:
            continue
        assert entry.action in ("checkout", "checkin"), (
            f"item {item}: unexpected {entry.action} ({entry.detail}): a doubled checkout?"
        )
        if entry.action == "checkin":
            assert entry.patron, f"item {item}: checked in while not on loan: a doubled return?"
        changes.append(entry.action)
    return changes


def applied_in_journal(journal: Journal, item: str) -> list[str]:
    return [
        e.kind.value
        for e in journal.entries()
        if e.item_id == item and e.status in (Status.OK, Status.REPLAYED)
    ]


async def test_sigkill_at_random_points_loses_and_doubles_nothing(crash_world: CrashWorld) -> None:
    world = crash_world
    rng = random.Random(SEED)
    tally = Tally()
    started = time.monotonic()
    async with zygote(world) as z:
        for n in range(KILLS):
            roll = rng.random()
            if roll < 0.06 and not world.acs.faults.offline:
                world.acs.faults.update(offline=True)
                tally.offline_periods += 1
            elif world.acs.faults.offline and roll < 0.35:
                world.acs.faults.update(offline=False)
            elif roll > 0.94:
                world.acs.faults.update(drop_after=rng.randint(1, 6))
                tally.drops += 1
            await one_kill(z, rng, tally)
            if n % 50 == 49:
                print(f"crash test: {n + 1} kills, {time.monotonic() - started:.1f} s")
        world.acs.faults.reset()
        await z.command("settle")
        words = await z.expect("settled")
        summary = json.loads(words[2])
        await z.expect("exited")

    elapsed = time.monotonic() - started
    print(
        f"\ncrash test: seed {SEED}, {tally.kills} SIGKILLs ({tally.killed_in_recovery} during"
        f" start-up/recovery) in {elapsed:.1f} s, {tally.cycles} completed stack cycles,"
        f" {tally.offline_periods} offline periods, {tally.drops} dropped connections;"
        f" recovery actions: {dict(sorted(tally.recovery.items()))}"
    )
    assert summary == {"queue": 0, "half_done": 0, "reconciliation": 0}

    with Journal(world.journal_path) as journal:
        applied_total = 0
        for item in world.items:
            in_acs = loan_changes_in_acs(world, item)
            in_journal = applied_in_journal(journal, item)
            assert in_acs == in_journal, f"item {item}: ACS {in_acs} != journal {in_journal}"
            applied_total += len(in_journal)
        offline_total = sum(1 for e in journal.entries() if e.offline)
    print(f"crash test: {applied_total} transactions applied, {offline_total} of them offline")

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
