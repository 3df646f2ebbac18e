"""The world the crash test's kiosk lives in: a library system, a reader process, a journal."""

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
from kiosk.acs import EmbeddedACS

ROOT = Path(__file__).resolve().parents[2]
KIOSK_LOGIN = "kiosk-bol-hb"
PATRON = "2150000001"
#: A stack of plain books, a three-part audiobook and an item not for loan while offline.
SINGLE_ITEMS = [f"30000000{n}" for n in range(11, 19)]
SET_ITEM = "3000000007"
NOT_OFFLINE_ITEM = "3000000009"
AFI_SECURED, AFI_UNSECURED = 0x07, 0xC2


@dataclass
class CrashWorld:
    acs: EmbeddedACS
    control: str  # the simulator's control channel, host:port
    reader_port: str  # the pty the kiosk opens
    journal_path: Path
    items: dict[str, list[str]] = field(default_factory=dict)  # barcode -> tag UIDs (hex)
    afi_secured: int = AFI_SECURED
    afi_unsecured: int = AFI_UNSECURED
    engine: str = "pieces"  # kiosk_worker.py --engine

    @property
    def worker_args(self) -> list[str]:
        account = self.acs.account(KIOSK_LOGIN)
        return [
            "--journal",
            str(self.journal_path),
            "--sip2",
            f"{self.acs.host}:{self.acs.port}",
            "--user",
            account.login,
            "--location",
            account.location_code,
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
        return {"CRASH_WORKER_SIP2_PASSWORD": self.acs.account(KIOSK_LOGIN).password}


@pytest.fixture
async def crash_world(tmp_path: Path) -> AsyncIterator[CrashWorld]:
    simulator = subprocess.Popen(
        [sys.executable, "-m", "drivers.rfid.simulator", "--pty", "--no-timing"],
        stdout=subprocess.PIPE,
        cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )
    try:
        assert simulator.stdout is not None
        info = json.loads(simulator.stdout.readline())
        async with EmbeddedACS(db_path=str(tmp_path / "acs.db")) as acs:
            world = CrashWorld(acs, info["control"], info["port"], tmp_path / "journal.db")
            with SimulatorControl(world.control) as control:
                for barcode in [*SINGLE_ITEMS, SET_ITEM, NOT_OFFLINE_ITEM]:
                    item = acs.model.item(barcode)
                    assert item is not None and item.loan is None and item.hold is None, barcode
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
            yield world
    finally:
        simulator.send_signal(signal.SIGTERM)
        try:
            simulator.wait(10)
        except subprocess.TimeoutExpired:
            simulator.kill()
            simulator.wait()
