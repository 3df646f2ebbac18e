"""The kiosk process the crash test kills: stack loans and returns, forever, until SIGKILL.

It is a real kiosk process as far as crash safety goes: its state lives only where a kiosk's
does (the SQLite journal on disk, the library system behind SIP2, the tags in the simulated FEIG
reader that runs as its own process), and every start begins with recovery
(:func:`kiosk.core.recovery.recover`) and a replay of offline transactions.

One cycle: inventory the pad, decode every tag, group the parts of each item; an item whose tag
is secured is borrowed, an unsecured one is returned (so the stack flips between "all on loan"
and "all in stock", and recovery keeps tags matching loans). Each item's transaction follows the
kiosk's rule: journal entry, then the library system, then the result in the journal, then the
tag, read back, then "security done". The items of a stack run in parallel, as in the kiosk.
While the library system is offline (the test flips the embedded ACS's offline knob) the
offline policy decides and the journal queues the transactions; they are replayed when it is
back.

Output, one line per event on stdout (the harness reads them): ``started PID``,
``deferred PID`` (recovery waits for the library system), ``recovered PID JSON``, ``ready PID``,
``cycle PID N``, ``settled PID JSON``.

Restarting fast: ``--zygote`` imports everything once and then forks one fresh kiosk process per
``spawn`` line on stdin (``spawned PID`` / ``exited PID STATUS`` lines tell the harness). The
child opens the journal, the SIP2 connections and the serial port itself, exactly as a newly
started process would; only the imported code is shared. The harness SIGKILLs the child.

Two engines (``--engine``):

- ``pieces`` (default): the loop below drives the journal, the port, the pad watcher and the
  security writer itself, in the kiosk's order; the stack flips as a whole, so every library
  system transaction changes a loan.
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
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path

# Imported at module level on purpose: the zygote pays for imports once.
from drivers.rfid.contract import ReaderError
from drivers.rfid.feig import FeigReader
from kiosk.core.kiosk import Kiosk
from kiosk.core.pad import PadTag, PadWatcher, SharedReader
from kiosk.core.recovery import recover
from kiosk.core.security import SecurityWriter
from kiosk.core.settings import KioskSettings, PinPolicy, SecurityMethod, SecuritySettings
from kiosk.ils.journal import Entry, EntryKind, Journal, SecurityTarget
from kiosk.ils.offline import OfflinePolicy, Replayer, must_work_offline
from kiosk.ils.port import (
    LibrarySystem,
    LibrarySystemError,
    LibrarySystemUnavailable,
    OutcomeUnknown,
)
from kiosk.ils.sip2 import SIP2LibrarySystem
from kiosk.sip2 import ClientSettings

PASSWORD_ENV = "CRASH_WORKER_SIP2_PASSWORD"


def say(*words: object) -> None:
    """One short line on stdout, written with one write() so lines from processes never mix."""
    os.write(1, (" ".join(str(w) for w in words) + "\n").encode())


class Worker:
    def __init__(
        self,
        journal: Journal,
        port: LibrarySystem,
        reader: SharedReader,
        security: SecurityWriter,
        policy: OfflinePolicy,
        patron_id: str,
    ) -> None:
        self.journal = journal
        self.port = port
        self.reader = reader
        self.security = security
        self.policy = policy
        self.patron_id = patron_id
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

    async def replay_if_online(self) -> None:
        if self.journal.offline_queue_depth() and await self.port.check_online():
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
        item_id = parts[0].item_id
        uids = ",".join(p.uid_hex for p in parts)
        if must_work_offline(self.port, self.journal):
            decision = self.policy.may_lend(
                self.journal,
                patron_id=self.patron_id,
                session_id=self.session_id,
                not_for_loan_offline=any(p.data.not_for_loan_offline for p in parts),
            )
            if decision:
                entry = self.journal.begin_offline(
                    EntryKind.CHECKOUT,
                    item_id,
                    patron_id=self.patron_id,
                    tag_uid=uids,
                    session_id=self.session_id,
                    security_target=SecurityTarget.UNSECURED,
                )
                await self.change_tags(entry, parts)
            return
        entry = self.journal.begin(
            EntryKind.CHECKOUT,
            item_id,
            patron_id=self.patron_id,
            tag_uid=uids,
            session_id=self.session_id,
        )
        try:
            result = await self.port.checkout(self.patron_id, item_id)
        except OutcomeUnknown:
            await self.unknown_outcome(entry, parts, SecurityTarget.UNSECURED)
            return
        except LibrarySystemUnavailable:
            self.journal.abandon(entry.id, reason="library_system_unavailable")
            return
        except LibrarySystemError:
            return  # outcome unknown in a way we cannot classify: recovery settles it
        entry = self.journal.record_result(
            entry.id,
            ok=result.ok,
            reason=None if result.ok else "refused",
            messages=result.messages,
            due_date=result.due_date,
            security_target=SecurityTarget.UNSECURED if result.ok and result.desensitize else None,
        )
        if entry.security_target is not None:
            await self.change_tags(entry, parts)

    async def give_back(self, parts: list[PadTag]) -> None:
        item_id = parts[0].item_id
        uids = ",".join(p.uid_hex for p in parts)
        if must_work_offline(self.port, self.journal):
            if self.policy.may_return():
                entry = self.journal.begin_offline(
                    EntryKind.CHECKIN,
                    item_id,
                    tag_uid=uids,
                    session_id=self.session_id,
                    security_target=SecurityTarget.SECURED,
                )
                await self.change_tags(entry, parts)
            return
        entry = self.journal.begin(
            EntryKind.CHECKIN, item_id, tag_uid=uids, session_id=self.session_id
        )
        try:
            result = await self.port.checkin(item_id)
        except OutcomeUnknown:
            await self.unknown_outcome(entry, parts, SecurityTarget.SECURED)
            return
        except LibrarySystemUnavailable:
            self.journal.abandon(entry.id, reason="library_system_unavailable")
            return
        except LibrarySystemError:
            return
        entry = self.journal.record_result(
            entry.id,
            ok=result.ok,
            messages=result.messages,
            security_target=SecurityTarget.SECURED,  # returns are never refused; re-arm
        )
        await self.change_tags(entry, parts)

    async def unknown_outcome(
        self, entry: Entry, parts: list[PadTag], target: SecurityTarget
    ) -> None:
        """The request may have arrived. Offline policy allowing, keep it as an offline
        transaction (the replayer asks before resending); otherwise recovery settles it."""
        allowed = (
            self.policy.may_lend(self.journal, patron_id=self.patron_id, session_id=None)
            if entry.kind is EntryKind.CHECKOUT
            else self.policy.may_return()
        )
        if allowed:
            entry = self.journal.accept_offline(entry.id, security_target=target)
            await self.change_tags(entry, parts)

    async def change_tags(self, entry: Entry, parts: list[PadTag]) -> None:
        secure = entry.security_target is SecurityTarget.SECURED
        verified = True
        for part in parts:
            try:
                ok = await (
                    self.security.secure(part.uid) if secure else self.security.unsecure(part.uid)
                )
            except ReaderError:
                ok = False
            verified = verified and ok
        if verified:
            self.journal.security_done(entry.id)
        else:
            self.journal.security_failed(entry.id, "not verified")


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
            await kiosk.identify(self.patron_id)
            await kiosk.start_borrow()
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
    parser.add_argument("--zygote", action="store_true", help="fork a kiosk per stdin 'spawn'")
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


async def run(args: argparse.Namespace) -> int:
    say("started", os.getpid())
    journal = Journal(args.journal)
    policy = OfflinePolicy.from_values(args.offline, args.max_offline_loans, args.max_offline_loans)
    security_settings = SecuritySettings(method=SecurityMethod.AFI)
    async with make_port(args) as port, FeigReader(args.reader, timeout=0.5) as reader:
        shared = SharedReader(reader)
        security = SecurityWriter(shared, security_settings)
        worker = Worker(journal, port, shared, security, policy, args.patron)
        counts = await worker.recover_fully()
        say("recovered", os.getpid(), json.dumps(counts, sort_keys=True))
        if args.settle:
            while journal.offline_queue_depth():
                if not await port.check_online():
                    await asyncio.sleep(0.1)
                report = await worker.replayer.replay()
                if report.stopped:
                    await asyncio.sleep(0.1)
            summary = {
                "queue": journal.offline_queue_depth(),
                "half_done": len(journal.half_done()),
                "reconciliation": len(journal.reconciliation()),
            }
            say("settled", os.getpid(), json.dumps(summary, sort_keys=True))
            return 0
        say("ready", os.getpid())
        if args.engine == "kiosk":
            kiosk = Kiosk(
                ils=port,
                reader=reader,
                settings=KioskSettings(
                    branch_code="BOL-HB",
                    pin=PinPolicy.NEVER,
                    security=security_settings,
                    pad_interval_s=0.0,
                    inactivity_timeout_s=3600.0,
                ),
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


def zygote(args: argparse.Namespace) -> int:
    """Fork one kiosk per 'spawn' line; report each child's exit status."""
    say("zygote", os.getpid())
    for line in sys.stdin:
        command = line.strip()
        if command == "quit":
            return 0
        if command not in ("spawn", "settle"):
            say("error", "unknown command", command)
            continue
        # The child waits until "spawned" is out: its own first line ("started") must not
        # overtake it, or the harness, waiting for "spawned", would skip past "started".
        go_r, go_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: a fresh kiosk process from here on
            os.close(go_w)
            os.read(go_r, 1)
            os.close(go_r)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            child_args = argparse.Namespace(**vars(args))
            child_args.zygote = False
            child_args.settle = command == "settle"
            try:
                code = asyncio.run(run(child_args))
            except BaseException as exc:  # report and die; the harness reads the status
                say("crashed", os.getpid(), type(exc).__name__, str(exc).replace("\n", " "))
                code = 3
            os._exit(code)
        os.close(go_r)
        say("spawned", pid)
        os.write(go_w, b"!")
        os.close(go_w)
        _, status = os.waitpid(pid, 0)
        if os.WIFSIGNALED(status):
            say("exited", pid, f"signal{os.WTERMSIG(status)}")
        else:
            say("exited", pid, os.WEXITSTATUS(status))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.zygote:
        return zygote(args)
    return asyncio.run(run(args))


if __name__ == "__main__":
    raise SystemExit(main())
