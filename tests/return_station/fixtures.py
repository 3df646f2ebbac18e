"""A return station rig: the demo return-station config with a fast simulated machine, built by
the real composition root (embedded library system over SIP2, FEIG simulator + real driver,
sorter simulator + real Modbus driver, real journal and ledger)::

    async with station_rig(tmp_path) as rig:
        rig.insert("3000000004")                      # a hold for this branch into the slot
        sorted_ = await rig.sorted("3000000004")      # ItemSorted: bin "holds"
        await rig.delivered("3000000004")
"""

from __future__ import annotations

import contextlib
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, validate_config
from kiosk.core import station_events as sev
from kiosk.demo.scenario_run import overlay
from kiosk.station_assembly import ChuteItem, RunningStation, open_return_station
from tests.core.fixtures import EventLog

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
DEMO = CONFIG_DIR / "demo-return-station.toml"

#: A quick machine: tests wait on events, never on wall-clock figures.
FAST_SORTER = {"time_per_item_s": 0.05, "feed_s": 0.02, "travel_s": 0.15}


def bins_changed(**changes: dict[str, Any]) -> dict[str, Any]:
    """Config changes for some of the demo's bins (TOML lists are replaced whole)."""
    data = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    bins = [{**b, **changes.get(b["id"], {})} for b in data["return_station"]["bins"]]
    return {"return_station": {"bins": bins}}


def station_config(state_dir: Path, changes: dict[str, Any] | None = None) -> KioskConfig:
    data = tomllib.loads(DEMO.read_text(encoding="utf-8"))
    data = overlay(
        data,
        {
            "kiosk": {"state_dir": str(state_dir)},
            "hardware": {"sorter": {"poll_interval_s": 0.01, "simulator": FAST_SORTER}},
            "return_station": {"identify_timeout_s": 0.6},
            "health": {"enabled": False},
        },
    )
    return validate_config(overlay(data, changes or {}), base_dir=CONFIG_DIR, env={})


class StationRig:
    def __init__(self, running: RunningStation) -> None:
        self.running = running
        self.station = running.station
        self.events = EventLog(running.station)  # type: ignore[arg-type]
        assert running.chute is not None and running.sorter_simulator is not None
        self.chute = running.chute
        self.machine = running.sorter_simulator.mechanics
        self.acs = running.acs
        self.ledger = running.ledger

    def example(self, name: str) -> str:
        return self.acs.examples[name]["item"]

    def insert(self, barcode: str, **kw: Any) -> ChuteItem:
        item = self.chute.insert(barcode, **kw)
        assert item is not None, "the slot is closed"
        return item

    async def sorted(self, item_id: str, timeout: float = 10.0) -> sev.ItemSorted:
        return await self.events.wait(
            sev.ItemSorted, timeout=timeout, item_ids=(item_id,) if item_id else ()
        )

    async def delivered(self, item_id: str, timeout: float = 10.0) -> sev.ItemDelivered:
        return await self.events.wait(
            sev.ItemDelivered, timeout=timeout, item_ids=(item_id,) if item_id else ()
        )

    def bin_contents(self, bin_id: str) -> list[str]:
        number = self.station.bins.bin(bin_id).number
        return [item.barcode for item in self.machine.bin_items(number)]

    def secured(self, item: ChuteItem) -> bool:
        security = self.station.kiosk_settings.security
        return all(tag.afi == security.afi_secured for tag in item.tags)


@contextlib.asynccontextmanager
async def station_rig(
    state_dir: Path, changes: dict[str, Any] | None = None
) -> AsyncIterator[StationRig]:
    config = station_config(state_dir, changes)
    async with open_return_station(
        config, simulator_timing=False, replay_interval_s=0.2
    ) as running:
        yield StationRig(running)
