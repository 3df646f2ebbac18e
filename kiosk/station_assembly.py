"""The return station's composition root: a running station from a :class:`KioskConfig`.

Beside :mod:`kiosk.assembly` (the patron kiosk's) and built from its helpers: the same library
system port, chute reader, scanner, slip printer, journal, statistics and start-up recovery,
plus the sorter and the station's ledger::

    async with open_return_station(load_config(path)) as running:
        running.station.subscribe(on_event)
        running.chute.insert("3000000001")        # demo only: an item dropped into the slot

The sorter is the one ``[hardware.sorter] type`` names in :data:`kiosk.registry.SORTERS`; with
``type = "simulated"`` it is :class:`drivers.sorter.SorterSimulator` (a simulated PLC on
loopback, spoken to by the real Modbus driver), and with a simulated RFID reader as well,
:class:`SimulatedChute` puts each item's tags into the reader's field while the machine holds it
at the read position, so the demo, the tests and the benchmark run every real component but the
hardware.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.cards import SimulatedBarcodeScanner
from drivers.rfid import FeigSimulator, VirtualTag
from drivers.sorter import Sorter, SorterSimulator
from kiosk.assembly import (
    Running,
    demo_item_tags,
    kiosk_settings,
    open_basics,
    printer_for,
    scanner_for,
    state_path,
)
from kiosk.config import KioskConfig
from kiosk.core import station_events as sev
from kiosk.core.station import ReturnStation, StationSettings
from kiosk.core.station_bins import StationBin
from kiosk.core.station_ledger import StationLedger
from kiosk.registry import SORTERS, SorterContext

__all__ = [
    "ChuteItem",
    "RunningStation",
    "SimulatedChute",
    "ledger_path",
    "observe_station",
    "open_return_station",
    "station_settings",
]

log = logging.getLogger(__name__)

#: The chute reader is inventoried this often: an item waits at the read position for it.
CHUTE_INTERVAL_S = 0.02


@dataclass(slots=True)
class ChuteItem:
    """One physical item in the simulated machine: its tags (their state follows the item:
    armed at the read position, they stay armed in the bin) and the barcode a scanner reads."""

    barcode: str
    tags: list[VirtualTag] = field(default_factory=list)
    scan: bool = False  # the scanner at the read position reads its barcode


class SimulatedChute:
    """The simulated world between the sorter simulator, the reader simulator and the scanner."""

    def __init__(
        self,
        reader: FeigSimulator,
        *,
        scanner: SimulatedBarcodeScanner | None = None,
        tags_for: Callable[[str], list[VirtualTag]] | None = None,
    ) -> None:
        self.reader = reader
        self.scanner = scanner
        self.tags_for = tags_for
        self.sorter: SorterSimulator | None = None

    def insert(
        self,
        barcode: str,
        *,
        tags: list[VirtualTag] | None = None,
        scan: bool = False,
        parts: list[int] | None = None,
    ) -> ChuteItem | None:
        """Drop an item into the slot (its demo tags unless ``tags`` is given; only the part
        numbers in ``parts``); None when the slot is closed (the inlet is paused)."""
        if tags is None:
            tags = self.tags_for(barcode) if self.tags_for is not None else []
        if parts is not None:
            tags = [tags[n - 1] for n in parts]
        item = ChuteItem(barcode, list(tags), scan)
        assert self.sorter is not None, "the chute has no sorter"
        return item if self.sorter.mechanics.insert(item) else None

    def at_reader(self, payload: Any) -> None:
        item: ChuteItem = payload
        self.reader.place(*item.tags)
        if item.scan and self.scanner is not None:
            with contextlib.suppress(Exception):  # the scanner was closed: the demo is ending
                self.scanner.scan(item.barcode)

    def left_reader(self, payload: Any) -> None:
        item: ChuteItem = payload
        for n, tag in enumerate(item.tags):
            final = self.reader.remove(tag.uid)
            if final is not None:
                item.tags[n] = final


@dataclass(slots=True, kw_only=True)
class RunningStation(Running):
    """Everything :func:`open_return_station` built."""

    station: ReturnStation
    sorter: Sorter
    ledger: StationLedger
    sorter_simulator: SorterSimulator | None = None
    chute: SimulatedChute | None = None


def observe_station(
    metrics: Any,
    station: ReturnStation,
    *,
    name: str,
    status: Callable[[str], None] | None = None,
) -> Callable[[], None]:
    """Feed a :class:`kiosk.health.Metrics` from the station's events: bin counts and
    capacities (``kiosk_bin_items``/``kiosk_bin_capacity``), the sorter's state, jams and
    unconfirmed drops; ``status`` gets a one-line state for systemd when the inlet pauses or
    opens. Returns the unsubscriber. (Item events are counted by ``observe_kiosk``.)"""
    metrics.set_sorter_state(up=True)
    book = station.bins
    for bin_ in book.bins.values():
        metrics.set_bin_fill(bin_.id, count=book.counts[bin_.id], capacity=bin_.capacity)

    def observe(event: Any) -> None:
        match event:
            case sev.BinState():
                metrics.set_bin_fill(event.bin_id, count=event.count, capacity=event.capacity)
            case sev.SorterState(up=up, detail=detail):
                metrics.set_sorter_state(up=up, detail=detail)
            case sev.SorterJammed():
                metrics.set_component("sorter", "failing", "jammed")
                metrics.error("sorter", "jam")
            case sev.SorterJamCleared():
                metrics.set_sorter_state(up=True)
            case sev.DeliveryProblem():
                metrics.error("sorter", "delivery_unconfirmed")
            case sev.InletPaused(message=message) if status is not None:
                status(f"return station {name}: inlet paused: {message}")
            case sev.InletResumed() if status is not None:
                status(f"return station {name} running")
            case _:
                pass

    return station.subscribe(observe)


def station_settings(config: KioskConfig, *, replay_interval_s: float = 5.0) -> StationSettings:
    """The core's station settings from the config's ``[return_station]``."""
    station = config.return_station
    if station is None:
        raise ValueError("the configuration has no [return_station] section")
    numbers = station.bin_numbers()
    bins = tuple(
        StationBin(
            id=b.id,
            number=numbers[b.id],
            label=b.label,
            capacity=b.capacity,
            overflow=b.overflow,
        )
        for b in station.bins
    )
    return StationSettings(
        bins=bins,
        rules=tuple(station.rules),
        exception_bin=station.exception_bin,
        slip_for_holds=station.slip_for_holds,
        slip_for_transits=station.slip_for_transits,
        when_full=station.when_full,
        identify_timeout_s=station.identify_timeout_s,
        station_name=config.kiosk.branch_name or config.kiosk.id,
        replay_interval_s=replay_interval_s,
    )


def ledger_path(config: KioskConfig) -> Path:
    """Where the station's ledger lives (``return_station.ledger_path`` or the state dir)."""
    explicit = config.return_station.ledger_path if config.return_station else None
    return state_path(config, explicit, "return-station.db")


@contextlib.asynccontextmanager
async def open_return_station(
    config: KioskConfig,
    *,
    simulator_timing: bool = True,
    run_recovery: bool = True,
    replay_interval_s: float = 5.0,
) -> AsyncIterator[RunningStation]:
    """Build, open and start the return station the config describes; close it all on exit."""
    station_config = config.return_station
    if station_config is None:
        raise ValueError("the configuration has no [return_station] section")
    async with AsyncExitStack() as stack:
        settings = dataclasses.replace(kiosk_settings(config), pad_interval_s=CHUTE_INTERVAL_S)
        basics = await open_basics(
            config, stack, settings=settings, simulator_timing=simulator_timing
        )
        settings, ils, reader = basics.settings, basics.ils, basics.reader
        acs, simulator, journal = basics.acs, basics.simulator, basics.journal
        statistics, offline = basics.statistics, basics.offline
        devices = basics.devices
        scanner = await basics.open_device("scanner", scanner_for(config, devices))
        printer = await basics.open_device("printer", printer_for(config, devices))
        ledger = StationLedger(ledger_path(config))
        stack.callback(ledger.close)

        # With the simulated reader, a simulated chute carries each item's tags into the
        # reader's field; a simulated sorter (kiosk.vendors.sorters) moves it along.
        chute = None
        if simulator is not None:
            tags_for = None
            if acs is not None:
                model, security = acs.model, settings.security
                tags_for = lambda code: demo_item_tags(model, code, security=security)  # noqa: E731
            sim_scanner = scanner if isinstance(scanner, SimulatedBarcodeScanner) else None
            chute = SimulatedChute(simulator, scanner=sim_scanner, tags_for=tags_for)
        sorter_context = SorterContext(
            stack,
            simulator_timing=simulator_timing,
            bins=max(station_config.bin_numbers().values()),
            on_at_reader=chute.at_reader if chute else None,
            on_left_reader=chute.left_reader if chute else None,
        )
        sorter = SORTERS.build(config.hardware.sorter, sorter_context)
        if sorter is None:  # the config model requires a sorter for a return station
            raise ValueError("a return station needs a sorter: [hardware.sorter] type")
        sorter_sim: SorterSimulator | None = sorter_context.simulators.get("sorter")
        if chute is not None:
            if sorter_sim is None:
                chute = None  # no simulated machine to move the items along
            else:
                chute.sorter = sorter_sim
        sorter.deliveries_after = ledger.delivery_mark
        await stack.enter_async_context(sorter)
        if ledger.delivery_mark is None:  # a new ledger: count from where the machine is now
            ledger.set_delivery_mark(sorter.controller_run, (await sorter.status()).deliveries)

        station = ReturnStation(
            sorter=sorter,
            reader=reader,
            ils=ils,
            journal=journal,
            ledger=ledger,
            settings=station_settings(config, replay_interval_s=replay_interval_s),
            kiosk_settings=settings,
            offline_policy=offline,
            statistics=statistics,
            scanner=scanner,
            printer=printer,
        )
        report = await basics.recover_half_done(station.security) if run_recovery else None
        await stack.enter_async_context(station)
        yield RunningStation.on(
            basics,
            config,
            station=station,
            sorter=sorter,
            ledger=ledger,
            recovery=report,
            sorter_simulator=sorter_sim,
            chute=chute,
            scanner=scanner,
            printer=printer,
        )
