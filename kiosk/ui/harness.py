"""Run the touch screen without a display: real Kivy rendering, simulated touches, screenshots.

Why: tests, scripted scenarios (``kiosk demo --scenario``) and the benchmark all need to drive
the real screens the way a patron does, on machines with no monitor. Kivy's bundled SDL2 renders
offscreen (EGL + Mesa), so what the PNGs show is what the touch screen shows.

Usage (inside a running asyncio loop)::

    configure_kivy(headless=True)          # before anything imports kivy
    ui = HeadlessUI(KioskApp(kiosk, settings))
    await ui.start()
    await ui.tap("Borrow")                  # by the visible (translated) text, or a widget
    await ui.screenshot(out / "borrow.png")
    ui.close()

The window is one per process (Kivy's rule); ``HeadlessUI.close`` detaches the app so the next
one can use the same window.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kivy.uix.widget import Widget

    from kiosk.ui.app import KioskApp

__all__ = ["HeadlessUI", "configure_kivy"]


def configure_kivy(
    *, headless: bool = True, width: int = 800, height: int = 480, fullscreen: bool = False
) -> None:
    """Set Kivy's environment and window size. Must run before the first ``import kivy``.

    Headless forces SDL2's ``offscreen`` driver (no X server needed); otherwise the normal
    window (X11, or KMS/DRM on a Pi without a desktop).
    """
    if "kivy" in sys.modules:
        # Already set up in this process (e.g. by an earlier test): sizes still apply below.
        pass
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    # SDL2_image reads every picture the kiosk shows (PNG, JPEG, SVG logos) and writes the
    # screenshots; Kivy's Pillow provider would only add ~4 MB to every kiosk.
    os.environ.setdefault("KIVY_IMAGE", "tex,dds,sdl2")
    os.environ.setdefault("KIVY_HOME", str(Path(tempfile.gettempdir()) / "nordic-kiosk-kivy"))
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "offscreen"
        os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "fullscreen", "auto" if fullscreen else "0")
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if "kivy.core.window" in sys.modules:
        from kivy.core.window import Window

        if tuple(Window.size) != (width, height):
            Window.size = (width, height)


class HeadlessUI:
    """Drives a :class:`~kiosk.ui.app.KioskApp` frame by frame inside the caller's asyncio loop."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._started = False

    async def start(self) -> None:
        from kivy.base import EventLoop
        from kivy.clock import Clock

        Clock.init_async_lib("asyncio")
        EventLoop.ensure_window()
        window = EventLoop.window
        for child in list(window.children):
            window.remove_widget(child)
        app = self.app
        type(app)._running_app = app
        app.root = app.build()
        window.add_widget(app.root)
        app.dispatch("on_start")
        self._started = True
        await self.pump(frames=2)

    def close(self) -> None:
        if not self._started:
            return
        from kivy.base import EventLoop

        app = self.app
        app.dispatch("on_stop")
        if app.root is not None and app.root.parent is not None:
            app.root.parent.remove_widget(app.root)
        for view in list(EventLoop.window.children):
            EventLoop.window.remove_widget(view)
        self._started = False

    # ------------------------------------------------------------------------- frames

    async def pump(self, seconds: float = 0.0, frames: int = 1) -> None:
        """Render at least ``frames`` frames and for at least ``seconds``, yielding to asyncio.

        Each frame is finished before the next, as a screen shows it: Mesa's software
        rasterizer shows a frame on X11 or KMS only once it is drawn, but an offscreen window is
        never shown, so without the wait it queues frame after frame, seconds behind and holding
        the memory of each (drawing every screen five times: 300 MB resident instead of 215).
        """
        from kivy.base import EventLoop
        from kivy.graphics.opengl import glFinish

        deadline = time.perf_counter() + seconds
        done = 0
        while done < frames or time.perf_counter() < deadline:
            # The async variant waits for the next frame with asyncio.sleep, so the kiosk's
            # own tasks (SIP2, the pad) run between frames exactly as under App.async_run.
            await EventLoop.async_idle()
            glFinish()
            done += 1

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until screen commands and the kiosk's transactions are done, then redraw."""

        async def quiet() -> None:
            for _ in range(2):
                await self.app.settle()
                if self.app.port is not None:
                    await self.app.port.wait_idle()
                await self.pump(frames=1)

        await asyncio.wait_for(quiet(), timeout)

    async def wait_for(self, predicate: Any, timeout: float = 10.0, what: str = "") -> None:
        """Pump frames until ``predicate()`` holds; ``TimeoutError`` names ``what`` otherwise."""
        deadline = time.perf_counter() + timeout
        while not predicate():
            if time.perf_counter() > deadline:
                raise TimeoutError(f"timed out waiting for {what or predicate}")
            await self.pump(frames=1)

    # ----------------------------------------------------------------------- touching

    def widgets(self) -> Iterator[Widget]:
        """Every widget on the window, modal views first (they are on top)."""
        from kivy.base import EventLoop

        for top in EventLoop.window.children:  # the window's topmost child comes first
            yield from top.walk(restrict=True)

    def buttons(self) -> list[Any]:
        from kiosk.ui.widgets import KButton

        return [w for w in self.widgets() if isinstance(w, KButton) and w.get_root_window()]

    def find(self, text: str) -> Any:
        """The visible button whose text is ``text`` (exactly, or after a ☑/☐ mark)."""
        for button in self.buttons():
            logical = button.logical
            if logical == text or logical[2:] == text:
                return button
        shown = ", ".join(repr(b.logical) for b in self.buttons())
        raise LookupError(
            f"no button {text!r} on screen {self.app.manager.current}; buttons: {shown}"
        )

    def texts(self) -> list[str]:
        """Every text on screen in logical order (what a patron reads)."""
        from kiosk.ui.widgets import KLabel

        return [w.logical for w in self.widgets() if isinstance(w, KLabel) and w.logical.strip()]

    def text(self) -> str:
        return "\n".join(self.texts())

    async def tap(self, target: str | Widget) -> None:
        """Touch the centre of a button (found by its text) and release, like a finger."""
        from kivy.base import EventLoop
        from kivy.tests.common import UnitTestTouch

        # A frame first: a screen just switched to ignores touches until its (instant)
        # transition has ended on the next frame, as a finger could not be faster either.
        await self.pump(frames=1)
        widget = self.find(target) if isinstance(target, str) else target
        if widget.get_root_window() is None:
            raise RuntimeError(f"{getattr(widget, 'logical', widget)!r} is no longer on screen")
        if widget.disabled:
            raise RuntimeError(f"button {getattr(widget, 'logical', widget)!r} is disabled")
        await self._scroll_into_view(widget)
        x, y = widget.to_window(*widget.center)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        await EventLoop.async_idle()
        touch.touch_up()
        await self.pump(frames=1)

    async def _scroll_into_view(self, widget: Widget) -> None:
        """Scroll the lists that hold ``widget`` until it is in view, as a finger would before
        tapping it (a tap at a place scrolled away would touch what lies there instead)."""
        from kivy.core.window import Window

        from kiosk.ui.widgets import KScroll

        parent = widget.parent
        while parent is not None and parent is not Window:
            if isinstance(parent, KScroll):
                parent.scroll_to(widget, padding=4, animate=False)
                await self.pump(frames=2)
            parent = parent.parent

    async def type_digits(self, digits: str) -> None:
        """Press keypad keys one by one (card number, PIN, staff code)."""
        for digit in digits:
            await self.tap(digit)

    # -------------------------------------------------------------------- screenshots

    async def screenshot(self, path: Path) -> Path:
        """Save what the screen shows now as a PNG at exactly ``path``."""
        from kivy.base import EventLoop

        await self.pump(frames=1)
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as scratch:
            written = EventLoop.window.screenshot(name=str(Path(scratch) / "shot.png"))
            shutil.move(written, path)
        return path
