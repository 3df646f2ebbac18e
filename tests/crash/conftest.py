"""The world the crash test's kiosk lives in: library system and reader processes, a journal."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from drivers.rfid.sim_control import SimulatorControl
from kiosk.acs import ConsortiumModel
from tests.crash.harness import LibrarySystemProcess, start_zygote
from tests.crash.invariants import World

ROOT = Path(__file__).resolve().parents[2]
ACS_ZYGOTE = Path(__file__).with_name("acs_zygote.py")
KIOSK_LOGIN = "kiosk-bol-hb"
PATRON = "2150000001"
#: A stack of plain books, a three-part audiobook and an item not for loan while offline.
SINGLE_ITEMS = [f"30000000{n}" for n in range(11, 19)]
SET_ITEM = "3000000007"
NOT_OFFLINE_ITEM = "3000000009"
AFI_SECURED, AFI_UNSECURED = 0x07, 0xC2


@dataclass
class CrashWorld:
    acs: LibrarySystemProcess
    control: str  # the simulator's control channel, host:port
    reader_port: str  # the pty the kiosk opens
    journal_path: Path
    login: str  # the kiosk's SIP2 account: login, password, location
    password: str
    location: str
    items: dict[str, list[str]] = field(default_factory=dict)  # barcode -> tag UIDs (hex)
    not_for_loan_offline: set[str] = field(default_factory=set)
    afi_secured: int = AFI_SECURED
    afi_unsecured: int = AFI_UNSECURED
    engine: str = "pieces"  # kiosk_worker.py --engine

    @property
    def worker_args(self) -> list[str]:
        return [
            "--journal",
            str(self.journal_path),
            "--sip2",
            f"{self.acs.host}:{self.acs.port}",
            "--user",
            self.login,
            "--location",
            self.location,
            "--reader",
            self.reader_port,
            "--patron",
            PATRON,
            "--engine",
            self.engine,
        ]

    @property
    def worker_env(self) -> dict[str, str]:
        # The password travels in the environment, not on a command line others can read.
        return {"CRASH_WORKER_SIP2_PASSWORD": self.password}

    @property
    def invariants(self) -> World:
        return World(
            items=self.items,
            afi_secured=self.afi_secured,
            afi_unsecured=self.afi_unsecured,
            not_for_loan_offline=frozenset(self.not_for_loan_offline),
            whole_stacks=self.engine == "pieces",
        )


@pytest.fixture
async def crash_world(tmp_path: Path) -> AsyncIterator[CrashWorld]:
    # The library system's file is made (the demo consortium) before its first process starts.
    acs_db = tmp_path / "acs.db"
    model = ConsortiumModel.open(acs_db)
    try:
        account = model.account(KIOSK_LOGIN)
        assert account is not None
        stack = {barcode: model.item(barcode) for barcode in [*SINGLE_ITEMS, SET_ITEM]}
        stack[NOT_OFFLINE_ITEM] = model.item(NOT_OFFLINE_ITEM)
    finally:
        model.close()
    simulator = subprocess.Popen(
        [sys.executable, "-m", "drivers.rfid.simulator", "--pty", "--no-timing"],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert simulator.stdout is not None
        info = json.loads(simulator.stdout.readline())
        async with start_zygote(
            "library system", ACS_ZYGOTE, [], tmp_path / "acs.log"
        ) as acs_zygote:
            acs = LibrarySystemProcess(acs_zygote, acs_db)
            await acs.start()
            world = CrashWorld(
                acs,
                info["control"],
                info["port"],
                tmp_path / "journal.db",
                login=account.login,
                password=account.password,
                location=account.location_code,
            )
            with SimulatorControl(world.control) as control:
                for barcode, item in stack.items():
                    assert item is not None and item.loan is None and item.hold is None, barcode
                    if not item.offline_loan:
                        world.not_for_loan_offline.add(barcode)
                    world.items[barcode] = [
                        control.place_item(
                            barcode,
                            owner=item.owner_isil,
                            parts=item.parts,
                            part_number=part,
                            not_for_loan_offline=not item.offline_loan,
                            secured=True,
                        )
                        .hex()
                        .upper()
                        for part in range(1, item.parts + 1)
                    ]
            assert world.not_for_loan_offline == {NOT_OFFLINE_ITEM}
            yield world
    finally:
        simulator.send_signal(signal.SIGTERM)
        try:
            simulator.wait(10)
        except subprocess.TimeoutExpired:
            simulator.kill()
            simulator.wait()
