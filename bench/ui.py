"""Benchmark of the touch screen: cold start, frame times while a stack is lent, memory.

    python bench/ui.py            # prints the figures
    python bench/ui.py --json     # one JSON object

What is measured (targets from issue 14: cold start <= 2 s, no frame > 50 ms while a 10-item
stack is lent, <= 120 MB resident after the stack without the software rasterizer):

- ``cold_start_s``: a fresh Python process runs the demo kiosk (embedded library system on a real
  socket, simulated FEIG reader on a pty, the Kivy window) until the welcome screen's first frame
  is drawn; wall time seen by the parent, interpreter start-up included. ``cold_start_ui_s`` is
  the same for the screen alone (no library system, no devices).
- ``frame_*``: intervals between frames of the Kivy loop while a patron's 10-item stack is lent
  (tags placed on the simulated pad, checkouts over SIP2, security writes, the list updating),
  in a kiosk process shaped as deployed: configured as a kiosk is (the shared file with the
  machine's settings from the environment), importing nothing of the demo; the library system
  answers SIP2 from another process (here the benchmark's own) and the FEIG reader simulator
  runs in a process of its own behind a pty, as the real reader sits behind a serial port.
  A long interval is what a patron sees as a stutter. The window renders offscreen through Mesa
  llvmpipe (software); on a Pi the GPU draws instead. Each frame is finished (``glFinish``)
  when it is flipped, as llvmpipe does when it shows a frame on a real screen (X11 or KMS):
  an offscreen window is never shown, so without that the rasterizer thread queues frame after
  frame, falls up to seconds behind while the loop looks fast, and holds the memory of every
  queued frame. ``draw_*`` is the loop's own drawing (issuing the GL calls, uploading text),
  ``raster_*`` the wait for llvmpipe to finish the frame's pixels.
- ``rss_mb`` / ``peak_rss_mb``: resident memory of that kiosk process after the stack;
  ``rss_every_look_mb`` after it has also shown every language with large text and high
  contrast (a day's patrons), and ``rss_next_patron_mb`` once that session has ended and the
  screen has been wiped (when the kiosk gives freed memory back): what a long-running kiosk
  settles at.
  ``demo_*`` are the same for ``kiosk demo``, which also holds the embedded library system
  and the reader simulator in its process.
  ``rss_software_gl_mb`` is the part mapped from Mesa's rasterizer libraries (LLVM, swrast);
  ``bare_window_rss_mb`` is a process that only opens the same Kivy window and draws one frame:
  Python, Kivy and the software GL stack with no kiosk code, the floor under every figure here;
  ``own_rss_mb`` is the kiosk's share above that floor (after the stack).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
STACK = 10


def _mapped_mb(names: tuple[str, ...]) -> float:
    """Resident MB of the shared libraries whose path contains one of ``names``."""
    total = 0
    current = ""
    for line in Path("/proc/self/smaps").read_text().splitlines():
        parts = line.split()
        if parts and "-" in parts[0] and not parts[0].endswith(":"):
            current = parts[5] if len(parts) > 5 else ""
        elif parts and parts[0] == "Rss:" and any(n in current for n in names):
            total += int(parts[1])
    return total / 1024


def _rss_mb() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


_RASTERIZER_LIBS = ("libLLVM", "swrast_dri", "kms_swrast")


async def _welcome(mode: str) -> None:
    """Child process: start, draw the welcome screen (or, for ``window``, only open the same
    window and draw one empty frame), print READY with its memory, exit."""
    import tempfile

    from kiosk.ui.harness import HeadlessUI, configure_kivy

    configure_kivy(headless=True)
    from kivy.graphics.opengl import glFinish

    if mode == "window":
        from kivy.base import EventLoop

        EventLoop.ensure_window()
        EventLoop.window.dispatch("on_draw")
        EventLoop.window.dispatch("on_flip")
        glFinish()
        rss, _ = _rss_mb()
        print(f"READY {rss:.1f} {_mapped_mb(_RASTERIZER_LIBS):.1f}", flush=True)
        return

    from kiosk.ui.app import KioskApp

    if mode == "ui":
        ui = HeadlessUI(KioskApp(None))
        await ui.start()
        glFinish()
        rss, _ = _rss_mb()
        print(f"READY {rss:.1f} {_mapped_mb(_RASTERIZER_LIBS):.1f}", flush=True)
        return
    from kiosk.demo.scenarios import demo_config, open_demo
    from kiosk.ui.settings import ui_settings_from_config

    with tempfile.TemporaryDirectory() as state:
        config = demo_config(Path(state))
        async with open_demo(config) as running:
            ui = HeadlessUI(KioskApp(running.kiosk, ui_settings_from_config(config)))
            await ui.start()
            glFinish()
            print("READY 0 0", flush=True)
            ui.close()


def cold_start(mode: str, runs: int = 3) -> tuple[float, float, float, float]:
    """Median wall time from spawning the process to the welcome screen drawn, and the median
    CPU seconds the process used for it (less sensitive to other load on the machine); then
    the resident memory and the part of it that is the software rasterizer, from the last run.

    ``mode``: ``full`` (demo kiosk), ``ui`` (the screen alone), ``window`` (a bare window)."""
    import resource

    times = []
    cpu = []
    memory = (0.0, 0.0)
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, __file__, "--child-welcome", mode],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=ROOT,
        )
        assert child.stdout is not None
        for line in child.stdout:
            if line.startswith("READY"):
                times.append(time.perf_counter() - started)
                _, rss, gl = line.split()
                memory = (float(rss), float(gl))
                break
        child.wait(timeout=60)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if not times:
        raise RuntimeError("the kiosk never reached its welcome screen")
    return statistics.median(times), statistics.median(cpu), *memory


async def _lend_stack(
    app: Any,
    ui: Any,
    kiosk: Any,
    patron: dict[str, str],
    barcodes: list[str],
    put_on_pad: Callable[[], Awaitable[None]],
) -> dict[str, float]:
    """Log ``patron`` in, open the borrow screen, put the stack's tags on the pad and record
    every frame until each item shows as borrowed; then the process's memory."""
    from kivy.base import EventLoop
    from kivy.graphics.opengl import glFinish

    from kiosk.ui.presenter import ItemState, Screen

    await kiosk.identify(patron["barcode"])
    await kiosk.enter_pin(patron["pin"])
    await kiosk.start_borrow()
    await ui.wait_for(lambda: app.presenter.state.screen is Screen.BORROW, what="borrow")
    await ui.pump(seconds=0.5)

    def done() -> bool:
        items = app.presenter.state.items
        return all(b in items and items[b].state is ItemState.BORROWED for b in barcodes)

    intervals: list[float] = []
    draws: list[float] = []
    rasters: list[float] = []
    window = EventLoop.window
    draw, flip = window.on_draw, window.on_flip

    def timed_draw(*args: object) -> None:
        began = time.perf_counter()
        draw(*args)
        draws.append(time.perf_counter() - began)

    def finished_flip(*args: object) -> None:
        # What showing the frame costs on a real screen (see the module docstring).
        flip(*args)
        began = time.perf_counter()
        glFinish()
        rasters.append(time.perf_counter() - began)

    window.on_draw, window.on_flip = timed_draw, finished_flip
    glFinish()
    await put_on_pad()
    started = last = time.perf_counter()
    while not done():
        await EventLoop.async_idle()
        now = time.perf_counter()
        intervals.append(now - last)
        last = now
        if now - started > 60:
            raise RuntimeError("the stack was not lent within 60 s")
    elapsed = time.perf_counter() - started
    window.on_draw, window.on_flip = draw, flip
    rss, peak = _rss_mb()
    intervals.sort()
    return {
        "stack_items": len(barcodes),
        "stack_seconds": round(elapsed, 3),
        "frames": len(intervals),
        "frames_drawn": len(draws),
        "frame_mean_ms": round(1000 * statistics.fmean(intervals), 1),
        "frame_p95_ms": round(1000 * intervals[int(0.95 * (len(intervals) - 1))], 1),
        "frame_max_ms": round(1000 * intervals[-1], 1),
        "draw_total_s": round(sum(draws), 3),
        "draw_max_ms": round(1000 * max(draws, default=0.0), 1),
        "raster_total_s": round(sum(rasters), 3),
        "raster_max_ms": round(1000 * max(rasters, default=0.0), 1),
        "rss_mb": round(rss, 1),
        "rss_software_gl_mb": round(_mapped_mb(_RASTERIZER_LIBS), 1),
        "peak_rss_mb": round(peak, 1),
    }


def _stack_barcodes(examples: dict[str, dict[str, str]]) -> list[str]:
    first = int(examples["borrow_stack"]["first"])
    return [str(first + i) for i in range(STACK)]


async def demo_stack() -> dict[str, float]:
    """The 10-item stack on ``kiosk demo``: library system and reader simulator in-process."""
    import tempfile

    from kiosk.ui.harness import HeadlessUI, configure_kivy

    configure_kivy(headless=True)
    from kiosk.assembly import demo_item_tags
    from kiosk.demo.scenarios import demo_config, open_demo
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import ui_settings_from_config

    with tempfile.TemporaryDirectory() as state:
        config = demo_config(Path(state))
        async with open_demo(config) as running:
            app = KioskApp(running.kiosk, ui_settings_from_config(config))
            ui = HeadlessUI(app)
            await ui.start()
            examples = running.acs.examples
            barcodes = _stack_barcodes(examples)
            tags = [t for b in barcodes for t in demo_item_tags(running.acs.model, b)]

            async def put_on_pad() -> None:
                running.simulator.place(*tags)

            figures = await _lend_stack(
                app, ui, running.kiosk, examples["patron"], barcodes, put_on_pad
            )
            ui.close()
    return figures


async def _kiosk_process(spec: dict[str, Any]) -> None:
    """Child process: the kiosk as deployed, its library system and reader elsewhere.

    It prints ``PLACE`` when the borrow screen is up, waits for ``PLACED`` on stdin (the parent
    has put the tags on the simulator's pad) and prints ``RESULT`` with the figures."""
    import tempfile

    from kiosk.ui.harness import HeadlessUI, configure_kivy

    configure_kivy(headless=True)
    from kiosk.assembly import open_kiosk
    from kiosk.config import DEMO_CONFIG, load_config
    from kiosk.ui.app import KioskApp
    from kiosk.ui.settings import ui_settings_from_config

    with tempfile.TemporaryDirectory() as state:
        # As a deployed kiosk gets its own settings: the environment over the shared file (and
        # without importing the demo, which a kiosk does not run).
        config = load_config(
            DEMO_CONFIG,
            env={
                "KIOSK__KIOSK__STATE_DIR": state,
                "KIOSK__ILS__EMBEDDED__ENABLED": "false",
                "KIOSK__ILS__SIP2__HOST": spec["host"],
                "KIOSK__ILS__SIP2__PORT": str(spec["port"]),
                "KIOSK__HARDWARE__RFID__TYPE": "feig",
                "KIOSK__HARDWARE__RFID__PORT": spec["reader"],
            },
        )
        async with open_kiosk(config) as running:
            app = KioskApp(running.kiosk, ui_settings_from_config(config))
            ui = HeadlessUI(app)
            await ui.start()

            async def put_on_pad() -> None:
                print("PLACE", flush=True)
                await asyncio.to_thread(sys.stdin.readline)

            figures = await _lend_stack(
                app, ui, running.kiosk, spec["patron"], spec["barcodes"], put_on_pad
            )
            figures["rss_every_look_mb"] = round(await _every_language_and_look(app, ui), 1)
            figures["rss_next_patron_mb"] = round(await _next_patron(app, ui, running.kiosk), 1)
            ui.close()
    print("RESULT " + json.dumps(figures), flush=True)


async def _every_language_and_look(app: Any, ui: Any) -> float:
    """Show the screen in every language, each with large text and high contrast, and return
    the resident memory then: what a kiosk holds once a day's patrons have used it all (fonts
    at every size, glyphs of every script, the rasterizer's caches), as memory is not given
    back to the system after a peak."""
    for code in app.settings.languages:
        app.set_language(code)
        await ui.pump(frames=2)
        for toggle in (app.toggle_large_text, app.toggle_high_contrast):
            toggle()
            await ui.pump(frames=2)
            toggle()
            await ui.pump(frames=2)
    return _rss_mb()[0]


async def _next_patron(app: Any, ui: Any, kiosk: Any) -> float:
    """End the session and wait until the screen has been wiped for the next patron (which
    also hands the session's freed memory back, see kiosk.ui.memory); the memory then."""
    from kiosk.core import EndReason
    from kiosk.ui.presenter import Screen

    await kiosk.end_session(EndReason.PATRON)
    await ui.wait_for(lambda: app.presenter.state.screen is Screen.WELCOME, 30, "welcome")
    await ui.pump(seconds=1.0)
    return _rss_mb()[0]


def production_stack() -> dict[str, float]:
    """The 10-item stack on a kiosk process shaped as in production: the library system (the
    embedded one, in this process) over SIP2 and the FEIG reader simulator in its own process
    behind a pty, so the kiosk process holds only what a deployed kiosk holds."""
    from drivers.rfid.sim_control import SimulatorControl
    from kiosk.acs import ThreadedACS
    from kiosk.assembly import demo_item_tags

    simulator = subprocess.Popen(
        [sys.executable, "-m", "drivers.rfid.simulator", "--pty", "--no-timing"],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert simulator.stdout is not None
        reader = json.loads(simulator.stdout.readline())
        with ThreadedACS() as acs, SimulatorControl(reader["control"]) as control:
            barcodes = _stack_barcodes(acs.examples)
            tags = [t for b in barcodes for t in demo_item_tags(acs.model, b)]
            spec = {
                "host": acs.host,
                "port": acs.port,
                "reader": reader["port"],
                "patron": acs.examples["patron"],
                "barcodes": barcodes,
            }
            kiosk = subprocess.Popen(
                [sys.executable, __file__, "--child-kiosk", json.dumps(spec)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                cwd=ROOT,
            )
            assert kiosk.stdin is not None and kiosk.stdout is not None
            figures: dict[str, float] | None = None
            for line in kiosk.stdout:
                if line.startswith("PLACE"):
                    for tag in tags:
                        control.place(tag)
                    kiosk.stdin.write("PLACED\n")
                    kiosk.stdin.flush()
                elif line.startswith("RESULT "):
                    figures = json.loads(line.removeprefix("RESULT "))
            kiosk.wait(timeout=60)
    finally:
        simulator.terminate()
        simulator.wait(timeout=10)
    if figures is None:
        raise RuntimeError(f"the kiosk process ended (exit {kiosk.returncode}) without figures")
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--child-welcome", choices=["ui", "full", "window"], help=argparse.SUPPRESS)
    parser.add_argument("--child-kiosk", metavar="SPEC", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("LP_NUM_THREADS", "1")
    if args.child_welcome:
        asyncio.run(_welcome(args.child_welcome))
        return 0
    if args.child_kiosk:
        asyncio.run(_kiosk_process(json.loads(args.child_kiosk)))
        return 0
    load = os.getloadavg()[0]
    full_wall, full_cpu, _, _ = cold_start("full")
    ui_wall, ui_cpu, ui_rss, ui_gl = cold_start("ui")
    _, _, window_rss, window_gl = cold_start("window", runs=1)
    figures: dict[str, float] = {
        "cold_start_s": round(full_wall, 3),
        "cold_start_cpu_s": round(full_cpu, 3),
        "cold_start_ui_s": round(ui_wall, 3),
        "cold_start_ui_cpu_s": round(ui_cpu, 3),
        "ui_only_rss_mb": ui_rss,
        "ui_only_rss_software_gl_mb": ui_gl,
        "bare_window_rss_mb": window_rss,
        "bare_window_rss_software_gl_mb": window_gl,
        "load_average": round(load, 2),
    }
    figures.update(production_stack())
    own = (figures["rss_mb"] - figures["rss_software_gl_mb"]) - (window_rss - window_gl)
    figures["own_rss_mb"] = round(own, 1)
    demo = asyncio.run(demo_stack())
    figures.update({f"demo_{key}": demo[key] for key in ("frame_max_ms", "rss_mb", "peak_rss_mb")})
    if args.json:
        print(json.dumps(figures))
        return 0
    print(f"machine load average (1 min) at start: {figures['load_average']}")
    print(
        f"cold start to the welcome screen (demo kiosk): {figures['cold_start_s']:.2f} s wall, "
        f"{figures['cold_start_cpu_s']:.2f} s CPU   (target <= 2 s)"
    )
    print(
        f"cold start to the welcome screen (screen only): {figures['cold_start_ui_s']:.2f} s "
        f"wall, {figures['cold_start_ui_cpu_s']:.2f} s CPU"
    )
    print("the kiosk process as deployed (library system and reader in other processes):")
    print(
        f"{STACK}-item stack lent in {figures['stack_seconds']:.2f} s over "
        f"{figures['frames']} frames ({figures['frames_drawn']} drawn): "
        f"mean {figures['frame_mean_ms']} ms, "
        f"p95 {figures['frame_p95_ms']} ms, max {figures['frame_max_ms']} ms"
        f"   (target: no frame > 50 ms)"
    )
    print(
        f"  of which drawing: {figures['draw_total_s']:.2f} s in total, longest "
        f"{figures['draw_max_ms']} ms; waiting for the software rasterizer (llvmpipe) to "
        f"finish frames: {figures['raster_total_s']:.2f} s, longest {figures['raster_max_ms']} ms"
    )
    print(
        f"resident memory: {figures['rss_mb']} MB (peak {figures['peak_rss_mb']} MB), of which "
        f"{figures['rss_software_gl_mb']} MB is Mesa's software rasterizer (LLVM and swrast "
        f"code, which a GPU driver does not run): "
        f"{figures['rss_mb'] - figures['rss_software_gl_mb']:.1f} MB without it"
        f"   (target <= 120 MB); the kiosk's own share above a bare Kivy window: "
        f"{figures['own_rss_mb']} MB"
    )
    print(
        f"  after showing every language with large text and high contrast: "
        f"{figures['rss_every_look_mb']} MB (fonts at every size, glyphs of every script); "
        f"once the screen is wiped for the next patron: {figures['rss_next_patron_mb']} MB"
    )
    print(
        f"  kiosk demo (library system and reader simulator in the same process): "
        f"{figures['demo_rss_mb']} MB (peak {figures['demo_peak_rss_mb']} MB); its longest "
        f"frame while lending the same stack: {figures['demo_frame_max_ms']} ms"
    )
    print(
        f"  the screen alone (no library system, no simulators): {figures['ui_only_rss_mb']} MB,"
        f" of which {figures['ui_only_rss_software_gl_mb']} MB is the software rasterizer"
    )
    print(
        f"  a bare Kivy window (Python, Kivy, software GL; no kiosk code): "
        f"{figures['bare_window_rss_mb']} MB, of which "
        f"{figures['bare_window_rss_software_gl_mb']} MB is the software rasterizer"
    )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    raise SystemExit(main())
