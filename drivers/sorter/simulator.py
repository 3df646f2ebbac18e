"""A simulated sorter: the mechanics, the PLC program and a Modbus TCP server, on their own thread.

Like the FEIG reader simulator, it simulates at the lowest layer: the station talks to it with
the real driver (:class:`drivers.sorter.modbus.ModbusSorter`) over a real TCP connection, so the
driver code runs in every test, in ``kiosk demo`` and in the benchmark::

    with SorterSimulator(bins=7, timing=MechanicsTiming(time_per_item_s=1.5)) as sim:
        async with ModbusSorter(sim.host, sim.port) as sorter:
            sim.mechanics.insert("a book")               # a patron drops an item in the slot
            ...
        sim.mechanics.jam_next(); sim.mechanics.set_full(3)   # fault knobs, from anywhere

The controller scans every ``scan_s`` (5 ms), as a PLC's cycle. Run it as a process for a second
terminal (``python -m drivers.sorter.simulator --port 5020``): it prints one JSON line with the
address and serves until SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from drivers.loop_thread import LoopThread
from drivers.sorter.mechanics import Mechanics, MechanicsTiming
from drivers.sorter.modbus_server import ModbusTcpServer
from drivers.sorter.plc import IllegalAddress, PlcProgram

__all__ = ["SorterSimulator"]


class SorterSimulator(LoopThread):
    """The simulated machine on ``host:port`` (port 0: a free one, see :attr:`port`)."""

    thread_name = "sorter-simulator"
    description = "the sorter simulator"

    def __init__(
        self,
        *,
        bins: int = 8,
        timing: MechanicsTiming | None = None,
        unit: int = 1,
        host: str = "127.0.0.1",
        port: int = 0,
        scan_s: float = 0.005,
        on_at_reader: Callable[[Any], None] | None = None,
        on_left_reader: Callable[[Any], None] | None = None,
    ) -> None:
        super().__init__()
        self.mechanics = Mechanics(
            bins, timing, on_at_reader=on_at_reader, on_left_reader=on_left_reader
        )
        self.plc = PlcProgram(self.mechanics)
        self.unit = unit
        self.host = host
        self.port = port
        self.scan_s = scan_s
        self._server: ModbusTcpServer | None = None
        self._scan_task: asyncio.Task[None] | None = None

    def start(self, timeout: float = 5.0) -> SorterSimulator:
        self.start_loop(timeout)
        return self

    def stop(self) -> None:
        self.stop_loop(timeout=5)

    def __enter__(self) -> SorterSimulator:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def drop_connections(self) -> None:
        """Fault knob: close every Modbus connection now (a network blip)."""
        if self._server is not None:
            self.call_on_loop(self._server.drop_connections())

    def unplug(self) -> None:
        """Fault knob: the network cable is out; the machine itself runs on."""
        if self._server is not None:
            self.call_on_loop(self._server.unplug(True))

    def plug(self) -> None:
        """The cable is back in."""
        if self._server is not None:
            self.call_on_loop(self._server.unplug(False))

    async def open_on_loop(self) -> None:
        self._server = await ModbusTcpServer(
            self.plc, unit=self.unit, illegal=IllegalAddress
        ).start(self.host, self.port)
        self.host, self.port = self._server.host, self._server.port
        self._scan_task = asyncio.get_running_loop().create_task(self._scan())

    async def close_on_loop(self) -> None:
        if self._scan_task is not None:
            self._scan_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._scan_task
        if self._server is not None:
            await self._server.close()

    async def _scan(self) -> None:
        while True:
            self.plc.tick()
            await asyncio.sleep(self.scan_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A simulated return-station sorter (Modbus TCP).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5020)
    parser.add_argument("--unit", type=int, default=1)
    parser.add_argument("--bins", type=int, default=8)
    parser.add_argument("--time-per-item", type=float, default=1.5, metavar="SECONDS")
    args = parser.parse_args(argv)
    timing = MechanicsTiming(time_per_item_s=args.time_per_item)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    with SorterSimulator(
        bins=args.bins, timing=timing, unit=args.unit, host=args.host, port=args.port
    ) as sim:
        print(json.dumps({"host": sim.host, "port": sim.port, "pid": os.getpid()}), flush=True)
        stop.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
