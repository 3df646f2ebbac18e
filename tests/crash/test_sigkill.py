"""Crash safety: SIGKILL the kiosk and the library system at random points, many times.

Three processes, as in a real installation:
- the library system: ``kiosk acs --db FILE``, forked afresh from a pre-imported zygote for each
  start (``acs_zygote.py``); its state lives in its SQLite file, answers to retransmissions
  included;
- the RFID reader: the simulated FEIG reader in its own process (``python -m
  drivers.rfid.simulator``), so the tags and their security bits outlive every kiosk;
- the kiosk: ``tests/crash/kiosk_worker.py``, forked afresh from its own zygote for each run,
  which recovers from the journal, then borrows and returns the whole stack over and over until
  this test kills it with SIGKILL after a random delay (some kills land in recovery).

In about a third of the kiosk's runs the library system is SIGKILLed too, at a random moment
(during the kiosk's recovery, in the middle of a loan, a return or a replay), and started again
on the same file and ports after a random pause. Between kills the library system is now and
then switched offline (the kiosk then lends and takes back under its offline policy and replays
later) or told to drop a connection after carrying out a request (the client's retransmission is
answered from the server's resend store), or for a while drops every few requests (the kiosk
never hears the answer and keeps the transaction as an offline one, to be settled before any
resend).

Every time the kiosk has recovered it waits until this test has checked the state it left,
from the files (:mod:`tests.crash.invariants`: nothing half done, nothing lost or doubled, tags
matching loans, nothing lent offline that must not be); a kiosk killed after recovering is
checked the same way. At the end the library system is healthy, one last kiosk run settles
everything, the library system is killed, and the same checks run on its database file with
nothing left queued.

``CRASH_KILLS`` sets the number of kiosk kills per engine (default 100); ``CRASH_SEED`` replays a
run (as far as timing allows); the test prints what it did.

It runs twice: with the real kiosk facade (``kiosk.core.Kiosk``: pad watcher, loan and return
pipelines, offline policy, replayer) and with the worker's pieces engine (the loan and return
services without a session), which flips whole stacks only, so there every transaction must
change a loan and no no-op is tolerated.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.rfid.sim_control import SimulatorControl
from kiosk.acs import ConsortiumModel
from kiosk.ils.journal import Journal
from tests.crash.conftest import CrashWorld
from tests.crash.harness import LibrarySystemProcess, Zygote, start_zygote
from tests.crash.invariants import Findings, check

WORKER = Path(__file__).with_name("kiosk_worker.py")
KILLS = int(os.environ.get("CRASH_KILLS", "100"))  # kiosk kills per engine
SEED = int(os.environ.get("CRASH_SEED", str(int(time.time()))))
DEFERRED_WAIT = 3.0  # seconds a kiosk waiting for the library system may take to recover
ACS_KILL_CHANCE = 0.3  # per kiosk run: the library system is killed (unless it is already)

pytestmark = pytest.mark.timeout(max(300, 3 * KILLS))


@dataclass
class Tally:
    kills: int = 0
    killed_in_recovery: int = 0
    acs_kills: int = 0
    checks: int = 0
    check_seconds: float = 0.0
    cycles: int = 0
    offline_periods: int = 0
    drops: int = 0
    deferred: int = 0
    flaky_periods: int = 0
    recovery: collections.Counter[str] = field(default_factory=collections.Counter)


@dataclass
class Inspector:
    """Checks the invariants whenever nothing moves, from the journal's and the library
    system's files and the reader's tags; fails the test on the first problem."""

    world: CrashWorld
    journal: Journal
    model: ConsortiumModel
    tally: Tally

    def __call__(self, when: str) -> Findings:
        started = time.perf_counter()
        with SimulatorControl(self.world.control) as control:
            afis = {tag.uid.hex().upper(): tag.afi for tag in control.tags()}
        found = check(self.world.invariants, self.journal, self.model, afis)
        self.tally.checks += 1
        self.tally.check_seconds += time.perf_counter() - started
        assert not found.problems, (
            f"{when} ({self.world.engine} engine, CRASH_SEED={SEED}):\n  "
            + "\n  ".join(found.problems)
        )
        return found


async def acs_outage(
    acs: LibrarySystemProcess, after: float, downtime: float, tally: Tally
) -> None:
    """SIGKILL the library system ``after`` seconds from now; start it again ``downtime`` later."""
    await asyncio.sleep(after)
    await acs.kill()
    tally.acs_kills += 1
    await asyncio.sleep(downtime)
    await acs.start()


async def one_kill(
    z: Zygote,
    rng: random.Random,
    tally: Tally,
    inspect: Inspector,
    outage: asyncio.Future[None] | None,
) -> None:
    """One kiosk run, SIGKILLed at a random point, while the library system may be killed."""
    pid = await z.spawn()
    kiosk = asyncio.ensure_future(kiosk_run(z, pid, rng, tally, inspect))
    waiting: set[asyncio.Future[None]] = {kiosk}
    if outage is not None and not outage.done():
        waiting.add(outage)
    try:
        # Either failing fails the test at once: a library system that does not come back
        # must not look like a kiosk that hangs.
        while not kiosk.done():
            done, waiting = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
    finally:
        kiosk.cancel()
    tally.kills += 1


async def kiosk_run(
    z: Zygote, pid: int, rng: random.Random, tally: Tally, inspect: Inspector
) -> None:
    kill_at: float | None = None
    recovered = False
    if rng.random() < 0.15:
        await z.expect("started")
        kill_at = time.monotonic() + rng.uniform(0, 0.03)  # in start-up or recovery
    while (words := await z.next_line(kill_at)) is not None:
        kind = words[0]
        if kind == "deferred":  # waiting for the library system: a fine place to die
            tally.deferred += 1
            if kill_at is None:
                # Half the time soon; else when it has not recovered within DEFERRED_WAIT
                # (a library system dropping every few requests never lets it).
                soon = rng.random() < 0.5
                kill_at = time.monotonic() + (rng.uniform(0.0, 0.2) if soon else DEFERRED_WAIT)
        elif kind == "recovered":
            recovered = True
            tally.recovery.update(json.loads(words[2]))
            inspect(f"kiosk {pid} recovered, run {tally.kills + 1}")
            await z.command("go")
        elif kind == "ready":
            cycling = time.monotonic() + rng.uniform(0.0, 0.7)  # a cycle takes 0.3-0.8 s
            kill_at = cycling if kill_at is None else min(kill_at, cycling)
        elif kind == "cycle":
            tally.cycles += 1
        elif kind in ("crashed", "exited"):
            raise AssertionError(f"kiosk {pid} ended by itself: {' '.join(words)}")
    os.kill(pid, signal.SIGKILL)
    tally.killed_in_recovery += not recovered
    while (last := await z.expect("exited", "cycle", "recovered"))[0] != "exited":
        if last[0] == "cycle":
            tally.cycles += 1
        else:  # it had recovered and waited for us when it died: check what it left
            tally.recovery.update(json.loads(last[2]))
            inspect(f"kiosk {pid} recovered and was killed, run {tally.kills + 1}")
    assert last[1:] == [str(pid), "signal9"], f"kiosk {pid} ended by itself: {last}"
    z.child = None


async def settle(z: Zygote, inspect: Inspector) -> dict[str, int]:
    """One last kiosk run with a healthy library system: recover, replay everything, exit."""
    pid = await z.spawn("--settle")
    words = await z.expect("recovered")
    inspect(f"the last kiosk {pid} recovered")
    await z.command("go")
    summary: dict[str, int] = json.loads((await z.expect("settled"))[2])
    words = await z.expect("exited")
    assert words[1:] == [str(pid), "0"], words
    z.child = None
    return summary


async def run_kills(
    world: CrashWorld, rng: random.Random, tally: Tally, inspect: Inspector
) -> None:
    acs = world.acs
    async with start_zygote(
        "kiosk",
        WORKER,
        [*world.worker_args, "--zygote"],
        world.journal_path.with_name(f"worker-{world.engine}.log"),
        env=world.worker_env,
    ) as z:
        started = time.monotonic()
        outage: asyncio.Future[None] | None = None  # the library system's, may span kiosk runs
        try:
            for n in range(KILLS):
                roll, knobs = rng.random(), acs.knobs
                if roll < 0.06 and not knobs.offline:
                    await acs.set_knobs(offline=True)
                    tally.offline_periods += 1
                elif knobs.offline and roll < 0.35:
                    await acs.set_knobs(offline=False)
                elif roll > 0.97:
                    await acs.set_knobs(drop_after=rng.randint(2, 5), drop_repeat=True)
                    tally.flaky_periods += 1
                elif roll > 0.94:
                    await acs.set_knobs(drop_after=rng.randint(1, 6), drop_repeat=False)
                    tally.drops += 1
                elif knobs.drop_repeat and roll < 0.5:
                    await acs.set_knobs(drop_after=0, drop_repeat=False)
                if (outage is None or outage.done()) and rng.random() < ACS_KILL_CHANCE:
                    if outage is not None:
                        outage.result()
                    after, downtime = rng.uniform(0.0, 1.0), rng.uniform(0.0, 0.5)
                    outage = asyncio.ensure_future(acs_outage(acs, after, downtime, tally))
                await one_kill(z, rng, tally, inspect, outage)
                if n % 50 == 49:
                    print(f"crash test: {n + 1} kills, {time.monotonic() - started:.1f} s")
            if outage is not None:
                await outage
        finally:
            if outage is not None:
                outage.cancel()
        await acs.reset_knobs()
        summary = await settle(z, inspect)
    assert summary == {"queue": 0, "half_done": 0, "reconciliation": 0}


@pytest.mark.parametrize("engine", ["pieces", "kiosk"])
async def test_sigkill_of_kiosk_and_library_system_loses_and_doubles_nothing(
    crash_world: CrashWorld, engine: str
) -> None:
    world = crash_world
    world.engine = engine
    print(f"crash test ({engine} engine): seed {SEED} (CRASH_SEED={SEED} replays it)")
    rng = random.Random(SEED)
    tally = Tally()
    started = time.monotonic()
    with Journal(world.journal_path) as journal:
        model = ConsortiumModel(world.acs.db_path)
        try:
            await run_kills(world, rng, tally, Inspector(world, journal, model, tally))
        finally:
            model.close()
        await world.acs.kill()  # the end state is read from its file, not asked of the process
        final = ConsortiumModel(world.acs.db_path)
        try:
            found = Inspector(world, journal, final, tally)("at the end")
        finally:
            final.close()
        entries = journal.entries()
    elapsed = time.monotonic() - started
    print(
        f"\ncrash test ({engine} engine): seed {SEED}, {tally.kills} SIGKILLs of the kiosk"
        f" ({tally.killed_in_recovery} during start-up/recovery) and {tally.acs_kills} of the"
        f" library system in {elapsed:.1f} s, {tally.checks} checks of the invariants"
        f" ({tally.check_seconds:.1f} s),"
        f" {tally.cycles} completed stack cycles,"
        f" {tally.offline_periods} offline periods, {tally.drops} dropped connections,"
        f" {tally.flaky_periods} periods of lost answers,"
        f" {tally.deferred} recoveries waiting for the library system;"
        f" recovery actions: {dict(sorted(tally.recovery.items()))}"
    )
    offline_total = sum(1 for e in entries if e.offline)
    maybe_sent = sum(1 for e in entries if e.maybe_sent)
    settled = sum(1 for e in entries if e.reason == "settled")
    print(
        f"crash test: {found.applied} loan changes applied, {offline_total} transactions taken"
        f" offline, {maybe_sent} whose request may have arrived, {settled} settled by asking"
        " the library system instead of resending"
    )
    assert found.queued_items == 0, "offline transactions left queued after the last run"
    assert tally.kills == KILLS
    assert found.applied > KILLS // 4, "the kiosk hardly did anything between kills"
    assert sum(tally.recovery.values()) > 0, "no kill ever left anything for recovery"
    assert tally.acs_kills > 0 or KILLS < 20, "the library system was never killed"
