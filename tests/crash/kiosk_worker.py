"""The kiosk process the crash test kills: stack loans and returns, forever, until SIGKILL.

It is a real kiosk process as far as crash safety goes: its state lives only where a kiosk's
does (the SQLite journal on disk, the library system behind SIP2, the tags in the simulated FEIG
reader that runs as its own process), and every start begins with recovery
(:func:`kiosk.core.recovery.recover`) and a replay of offline transactions.

One cycle: inventory the pad, decode every tag, group the parts of each item; an item whose tag
is secured is borrowed, an unsecured one is returned (so the stack flips between "all on loan"
and "all in stock", and recovery keeps tags matching loans). The items of a stack run in
parallel, as in the kiosk. While the library system is unavailable (offline, or killed by the
test) the offline policy decides and the journal queues the transactions; they are replayed when
it is back.

Output, one line per event on stdout (the harness reads them): ``started PID``,
``deferred PID`` (recovery waits for the library system), ``recovered PID JSON``, ``ready PID``,
``cycle PID N``, ``settled PID JSON``. Under the zygote the kiosk stops after ``recovered``
until the harness, having checked what recovery left, says ``go``.

Restarting fast: ``--zygote`` imports everything once and then forks one fresh kiosk process per
``spawn`` line on stdin (:mod:`tests.crash.zygote`; ``spawn --settle`` for the last run, which
recovers, replays everything and exits). The harness SIGKILLs the child.

Two engines (``--engine``), both on the kiosk's own transaction (:mod:`kiosk.core.transaction`:
journal, library system, journal, then the tag):

- ``pieces`` (default): whole stacks flipped through the loan and return services
  (:class:`~kiosk.core.loans.LoanService`, :class:`~kiosk.core.returns.ReturnService`) without
  a session; every library system transaction changes a loan.
- ``kiosk``: the real facade, :class:`kiosk.core.Kiosk`, driven like a patron would: identify,
  "borrow" with the stack on the pad, finish; then "return" the stack. A stack left half lent
  by a kill is returned as a whole (the kiosk then also checks in items that were not on loan,
  which changes nothing in the library system).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

# Imported at module level on purpose: the zygote pays for imports once.
from drivers.rfid.feig import FeigReader
from kiosk.core.events import ItemLeftOnPad
from kiosk.core.kiosk import Kiosk
from kiosk.core.loans import LoanOutcome, LoanService
from kiosk.core.pad import PadTag, PadWatcher, SharedReader
from kiosk.core.recovery import recover
from kiosk.core.returns import ReturnService
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.core.transaction import Transactions
from kiosk.ils.journal import Journal
from kiosk.ils.offline import OfflinePolicy, Replayer
from kiosk.ils.port import LibrarySystem
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.sip2 import ClientSettings
from tests.crash.zygote import Gate, say, serve

PASSWORD_ENV = "CRASH_WORKER_SIP2_PASSWORD"


class Worker:
    """The pieces engine: whole stacks flipped through the kiosk's own loan and return services
    (:class:`LoanService`, :class:`ReturnService`: the one journalled transaction), with the pad
    watcher, the security writer, recovery and the replayer, but no session or screen."""

    def __init__(
        self,
        journal: Journal,
        port: LibrarySystem,
        reader: SharedReader,
        security: SecurityWriter,
        policy: OfflinePolicy,
        settings: KioskSettings,
        patron_id: str,
    ) -> None:
        self.journal = journal
        self.port = port
        self.reader = reader
        self.security = security
        self.policy = policy
        self.patron_id = patron_id
        transactions = Transactions(ils=port, journal=journal, security=security)
        self.loans = LoanService(transactions, offline_policy=policy)
        self.returns = ReturnService(transactions, settings=settings, offline_policy=policy)
        self.replayer = Replayer(journal, port)
        self.session_id = uuid.uuid4().hex

    # ------------------------------------------------------------------------- start-up

    async def recover_fully(self) -> dict[str, int]:
        """Recovery until nothing is deferred, then replay if the library system is there."""
        counts: dict[str, int] = {}
        waiting = False
        while True:
            report = await recover(self.journal, self.port, self.security, policy=self.policy)
            for step in report.steps:
                counts[step.action.value] = counts.get(step.action.value, 0) + 1
            if report.complete:
                break
            if not waiting:  # e.g. a loan's outcome while the library system is unreachable
                say("deferred", os.getpid())
                waiting = True
            await asyncio.sleep(0.05)
        await self.replay_if_online()
        return counts

    async def queued(self) -> int:
        return await self.journal.call(self.journal.offline_queue_depth)

    async def replay_if_online(self) -> None:
        if await self.queued() and await self.port.check_online():
            await self.replayer.replay()

    # --------------------------------------------------------------------------- cycles

    async def stack(self) -> list[list[PadTag]]:
        """The items on the pad, each as the list of its parts' tags (two inventories)."""
        watcher = PadWatcher(self.reader)
        await watcher.scan_once()
        await watcher.scan_once()
        items: dict[str, list[PadTag]] = {}
        for tag in watcher.present.values():
            if tag.data.ok and not tag.is_patron_card:
                items.setdefault(tag.item_id, []).append(tag)
        return [sorted(parts, key=lambda t: t.part_number) for parts in items.values()]

    async def cycle(self) -> None:
        self.session_id = uuid.uuid4().hex
        await self.replay_if_online()
        items = await self.stack()
        states = [await self.security.is_secured(parts[0].uid) for parts in items]
        await asyncio.gather(
            *(
                self.borrow(parts) if secured else self.give_back(parts)
                for parts, secured in zip(items, states, strict=True)
                if secured is not None and all(p.parts == len(parts) for p in parts)
            )
        )

    async def borrow(self, parts: list[PadTag]) -> None:
        """Lend one item (every part), then disarm its tags, as the borrowing pipeline does."""
        done = await self.loans.check_out(
            self.patron_id, parts[0].item_id, parts, session_id=self.session_id
        )
        if done.outcome is LoanOutcome.LENT and done.disarm and done.entry_id is not None:
            await self.loans.disarm(done.entry_id, [part.uid for part in parts])

    async def give_back(self, parts: list[PadTag]) -> None:
        """Return one item (every part); the return service re-arms its tags itself."""
        await self.returns.check_in(parts[0].item_id, parts, session_id=self.session_id)


class FacadeWorker:
    """Drives :class:`kiosk.core.Kiosk` as a patron would, one session per cycle."""

    def __init__(self, kiosk: Kiosk, patron_id: str) -> None:
        self.kiosk = kiosk
        self.patron_id = patron_id

    async def cycle(self) -> None:
        kiosk = self.kiosk
        assert kiosk.pad is not None and kiosk.security is not None
        await kiosk.pad.wait_rounds(3)  # every tag on the pad read and decoded
        tags = [tag for tag in kiosk.pad_contents() if tag.data.ok]
        states = [await kiosk.security.is_secured(tag.uid) for tag in tags]
        if tags and all(state is True for state in states):
            left: list[ItemLeftOnPad] = []
            unsubscribe = kiosk.subscribe(
                lambda event: left.append(event) if isinstance(event, ItemLeftOnPad) else None
            )
            try:
                await kiosk.identify(self.patron_id)
                await kiosk.start_borrow()
                await kiosk.wait_idle()
                if left:  # the stack lay there before the visit: the patron says it is theirs
                    await kiosk.confirm_left_items(borrow=True)
            finally:
                unsubscribe()
        else:
            await kiosk.start_return()
        await kiosk.wait_idle()
        await kiosk.end_session()


# ------------------------------------------------------------------------------ the process


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journal", required=True, type=Path)
    parser.add_argument("--sip2", required=True, help="HOST:PORT of the library system")
    parser.add_argument("--user", required=True, help="SIP2 login user")
    parser.add_argument("--location", default="", help="SIP2 location code (CP)")
    parser.add_argument("--institution", default="", help="institution id (AO)")
    parser.add_argument("--reader", required=True, help="serial port of the (simulated) reader")
    parser.add_argument("--patron", required=True, help="the patron who borrows the stack")
    parser.add_argument("--pool", type=int, default=2)
    parser.add_argument("--offline", default="returns-and-loans")
    parser.add_argument("--max-offline-loans", type=int, default=50)
    parser.add_argument("--cycles", type=int, default=0, help="stop after N cycles (0: never)")
    parser.add_argument("--settle", action="store_true", help="recover, replay, exit 0")
    parser.add_argument(
        "--zygote", action="store_true", help="fork a kiosk per stdin 'spawn' (tests.crash.zygote)"
    )
    parser.add_argument("--engine", choices=("pieces", "kiosk"), default="pieces")
    return parser.parse_args(argv)


def make_port(args: argparse.Namespace) -> SIP2LibrarySystem:
    host, _, port = args.sip2.rpartition(":")
    settings = ClientSettings(
        host=host,
        port=int(port),
        user=args.user,
        password=os.environ.get(PASSWORD_ENV, ""),
        location_code=args.location,
        institution_id=args.institution,
        pool_size=args.pool,
        timeout=2.0,
        connect_timeout=2.0,
    )
    return SIP2LibrarySystem(settings)


async def run(args: argparse.Namespace, gate: Gate | None = None) -> int:
    """One kiosk process: recover, let the harness look (``gate``), then cycle until killed."""
    say("started", os.getpid())
    journal = Journal(args.journal)
    policy = OfflinePolicy.from_values(args.offline, args.max_offline_loans, args.max_offline_loans)
    settings = KioskSettings(
        branch_code="BOL-HB",
        pin=PinPolicy.NEVER,
        security=SecuritySettings(method=SecurityMethod.AFI),
        pad_interval_s=0.0,
        inactivity_timeout_s=3600.0,
    )
    async with make_port(args) as port, FeigReader(args.reader, timeout=0.5) as reader:
        shared = SharedReader(reader)
        security = SecurityWriter(shared, settings.security)
        worker = Worker(journal, port, shared, security, policy, settings, args.patron)
        counts = await worker.recover_fully()
        say("recovered", os.getpid(), json.dumps(counts, sort_keys=True))
        if gate is not None:  # nothing moves until the harness has checked the state we left
            await gate.wait()
        if args.settle:
            while await worker.queued():
                if not await port.check_online():
                    await asyncio.sleep(0.1)
                report = await worker.replayer.replay()
                if report.stopped:
                    await asyncio.sleep(0.1)
            summary = {
                "queue": await worker.queued(),
                "half_done": len(await journal.call(journal.half_done)),
                "reconciliation": len(await journal.call(journal.reconciliation)),
            }
            say("settled", os.getpid(), json.dumps(summary, sort_keys=True))
            return 0
        say("ready", os.getpid())
        if args.engine == "kiosk":
            kiosk = Kiosk(
                ils=port,
                reader=reader,
                settings=settings,
                journal=journal,
                offline_policy=policy,
                replay_interval_s=0.1,
            )
            async with kiosk:
                await cycles(FacadeWorker(kiosk, args.patron), args.cycles)
        else:
            await cycles(worker, args.cycles)
    return 0


async def cycles(worker: Worker | FacadeWorker, count: int) -> None:
    done = 0
    while not count or done < count:
        await worker.cycle()
        done += 1
        say("cycle", os.getpid(), done)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if not args.zygote:
        return asyncio.run(run(args))
    base = [arg for arg in argv if arg != "--zygote"]
    # Each "spawn [--settle]" line forks a kiosk with these arguments plus the line's own.
    return serve(lambda extra, gate: asyncio.run(run(parse_args([*base, *extra]), gate)))


if __name__ == "__main__":
    raise SystemExit(main())
