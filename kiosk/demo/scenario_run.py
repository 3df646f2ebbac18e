"""What a scripted patron uses: the run (taps, typing, items on the pad, expectations), the
layout audit after every step, the looks, and playing a scenario headless.

Scripted patrons play whole visits on the real screens, the real core, the embedded library
system and the simulated hardware, with a screenshot after every step (the scripts are in
:mod:`kiosk.demo.scenarios`).

Why scripts and not only unit tests: a scenario is what a librarian evaluating the kiosk, a
translator checking a language, or CI wants to *see*: ``kiosk demo --scenario borrow-stack
--screenshots out/`` plays it headless and exits 0 only when every expectation held.

A scenario is an async function taking a :class:`ScenarioRun`; every helper that changes
something (tap, type, place, remove, present a card) is a *step*: it waits for the kiosk to
settle and saves ``NN-step.png``. Buttons are found by their catalog text translated into the
scenario's language, so each scenario also runs in any UI language (``--language``).

The demo consortium's named examples (``acs.examples``) supply patrons and items, so the
scenarios follow the demo data rather than hard-coding numbers where it can be helped.
"""

from __future__ import annotations

import contextlib
import logging
import re
import tempfile
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

from kiosk.ui.i18n import N_

if TYPE_CHECKING:  # the UI is imported once Kivy is configured (headless or not)
    from kiosk.ui.app import KioskApp

__all__ = [
    "LOOKS",
    "Scenario",
    "ScenarioFailed",
    "ScenarioResult",
    "ScenarioRun",
    "demo_config",
    "open_demo",
    "overlay",
    "parse_look",
    "play",
]

#: The looks a patron can choose on the welcome screen, as ``--look`` names them.
LOOKS = ("large-text", "high-contrast")


def parse_look(text: str | None) -> frozenset[str]:
    """``"large-text,high-contrast"`` (either or both, or empty) as a look; a clear error
    names what is known."""
    names = {part.strip() for part in (text or "").split(",") if part.strip()}
    unknown = sorted(names - set(LOOKS))
    if unknown:
        raise ValueError(f"unknown look {', '.join(unknown)}; known: {', '.join(LOOKS)}")
    return frozenset(names)


log = logging.getLogger(__name__)


class ScenarioFailed(AssertionError):
    """An expectation of the scenario did not hold; the message says which."""


def overlay(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Configuration data ``base`` with ``extra``'s changes: tables are merged key by key, any
    other value (a TOML array too) is replaced whole. Neither argument is changed.

    Scenarios and the return-station test rig change a demo configuration this way."""
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def demo_config(state_dir: Path, overrides: dict[str, Any] | None = None) -> Any:
    """``config/demo.toml`` (the kiosk in Bollnäs, where the demo consortium's showcase routing
    examples are seen), state in ``state_dir``, plus a scenario's overrides."""
    from kiosk.config import DEMO_CONFIG, validate_config

    data = tomllib.loads(DEMO_CONFIG.read_text(encoding="utf-8"))
    data = overlay(data, {"kiosk": {"state_dir": str(state_dir)}})
    data = overlay(data, overrides or {})
    return validate_config(data, source="scenario", base_dir=DEMO_CONFIG.parent, env={})


@dataclass(slots=True)
class ScenarioResult:
    name: str
    language: str
    passed: bool
    steps: list[tuple[str, Path | None]] = field(default_factory=list)
    failure: str | None = None
    seconds: float = 0.0
    look: frozenset[str] = frozenset()

    def summary(self) -> str:
        verdict = "PASS" if self.passed else f"FAIL: {self.failure}"
        steps = f"{len(self.steps)} steps, {self.seconds:.1f} s"
        look = "," + ",".join(sorted(self.look)) if self.look else ""
        return f"{self.name} [{self.language}{look}] {steps}: {verdict}"


class ScenarioRun:
    """What a scenario script uses: the UI, the kiosk, the simulated pad, the library system."""

    def __init__(
        self,
        ui: Any,
        running: Any,
        screenshots: Path | None,
        language: str,
        look: frozenset[str] = frozenset(),
        *,
        audit: bool = True,
    ) -> None:
        self.ui = ui
        self.app: KioskApp = ui.app
        self.running = running
        self.kiosk = running.kiosk
        self.acs = running.acs
        self.sim = running.simulator
        self.screenshots = screenshots
        self.language = language
        self.look = look
        self.audit = audit
        self.steps: list[tuple[str, Path | None]] = []
        self.examples: dict[str, dict[str, str]] = running.acs.examples if running.acs else {}
        self._tags: dict[str, list[Any]] = {}

    # --------------------------------------------------------------------------- steps

    async def step(self, name: str) -> Path | None:
        """Let the kiosk settle, save the screenshot for step ``name``, and audit the layout
        as drawn (:mod:`kiosk.ui.audit`): any finding fails the scenario."""
        await self.ui.settle()
        path = None
        if self.screenshots is not None:
            slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
            path = await self.ui.screenshot(
                self.screenshots / f"{len(self.steps) + 1:02d}-{slug}.png"
            )
        self.steps.append((name, path))
        if self.audit:
            from kiosk.ui.audit import audit, summary

            findings = audit(self.app)
            if findings:
                where = f"step {len(self.steps)} ({name}), {self.app.manager.current} screen"
                raise ScenarioFailed(f"layout audit at {where}:\n{summary(findings)}")
        return path

    def t(self, message: str) -> str:
        """A catalog message in the scenario's language (to find buttons by their text)."""
        return self.app.tr(message)

    async def choose_look(self) -> None:
        """On the welcome screen, the patron switches to the scenario's look (large text, high
        contrast) with the switches, as a patron would; each visit starts from the defaults."""
        from kiosk.ui.i18n import N_

        wanted = {
            "large-text": (self.app.large_text, N_("Large text")),
            "high-contrast": (self.app.high_contrast, N_("High contrast")),
        }
        for look, (on, label) in wanted.items():
            if (look in self.look) != on:
                await self.ui.tap(self.t(label))

    async def tap(self, message: str, name: str | None = None) -> None:
        if self.app.presenter.state.screen.value in ("welcome", "closed"):
            await self.choose_look()
        await self.ui.tap(self.t(message))
        await self.step(name or f"tap {message}")

    async def renew(self, item_id: str, name: str) -> None:
        """Tap "Renew" beside one loan on the account screen."""
        await self.ui.settle()
        screen = self.app.current_screen
        button = screen.renew_button(item_id)
        self.expect(button is not None, f"no Renew button for {item_id} on the account screen")
        await self.ui.tap(button)
        await self.step(name)

    async def type(self, digits: str, name: str) -> None:
        """Type on the on-screen keypad and press OK (the digits never reach a log)."""
        await self.ui.type_digits(digits)
        await self.ui.tap(self.t(N_("OK")))
        await self.step(name)

    async def place(
        self, *barcodes: str, secured: bool | None = None, name: str | None = None
    ) -> None:
        """Put items (every part of each) on the simulated pad."""
        from kiosk.assembly import demo_item_tags

        for barcode in barcodes:
            tags = demo_item_tags(self.acs.model, barcode, secured=secured)
            self._tags[barcode] = tags
            self.sim.place(*tags)
        await self.wait_items(barcodes)
        await self.step(name or f"place {len(barcodes)} item(s)")

    async def place_parts(self, barcode: str, parts: list[int], name: str) -> None:
        """Put only some parts of a multi-part item on the pad."""
        from kiosk.assembly import demo_item_tags

        tags = demo_item_tags(self.acs.model, barcode)
        self._tags[barcode] = tags
        self.sim.place(*(tags[p - 1] for p in parts))
        await self.wait_items([barcode])
        await self.step(name)

    async def remove(self, *barcodes: str, name: str | None = None) -> None:
        for barcode in barcodes:
            for tag in self._tags.pop(barcode, []):
                self.sim.remove(tag.uid)
        await self.pause(0.4)
        await self.step(name or f"remove {len(barcodes)} item(s)")

    async def present_card(self, patron: str, name: str = "present library card") -> None:
        """An RFID library card on the pad (the kiosk identifies the patron by itself)."""
        from kiosk.assembly import demo_patron_card

        card = demo_patron_card(self.acs.model, patron)
        self._tags[f"card:{patron}"] = [card]
        self.sim.place(card)
        await self.until(lambda: self.kiosk.mode.value != "idle", "the card to be read")
        await self.step(name)

    async def take_card(self, patron: str) -> None:
        for tag in self._tags.pop(f"card:{patron}", []):
            self.sim.remove(tag.uid)
        await self.pause(0.3)

    async def pause(self, seconds: float) -> None:
        await self.ui.pump(seconds=seconds)

    # ---------------------------------------------------------------------- expectations

    async def until(self, predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
        try:
            await self.ui.wait_for(predicate, timeout=timeout, what=what)
        except TimeoutError:
            raise ScenarioFailed(f"timed out waiting for {what}") from None

    async def wait_items(self, barcodes: Any, timeout: float = 15.0) -> None:
        """Until each item has left the 'seen'/'checking' states (or the screen has no list)."""
        from kiosk.ui.presenter import ItemState

        busy = {ItemState.SEEN, ItemState.CHECKING}

        def done() -> bool:
            items = self.app.presenter.state.items
            return all(b in items and items[b].state not in busy for b in barcodes)

        screen = self.app.presenter.state.screen.value
        if screen in ("borrow", "return", "return_station"):
            await self.until(done, f"items {', '.join(barcodes)} to be handled", timeout)

    def expect(self, condition: bool, description: str) -> None:
        if not condition:
            raise ScenarioFailed(description)

    def expect_screen(self, screen: str) -> None:
        shown = self.app.presenter.state.screen.value
        self.expect(shown == screen, f"expected the {screen} screen, the kiosk shows {shown}")

    def item_state(self, barcode: str) -> str | None:
        row = self.app.presenter.state.items.get(barcode)
        return row.state.value if row else None

    def expect_item(self, barcode: str, state: str) -> None:
        actual = self.item_state(barcode)
        self.expect(actual == state, f"item {barcode}: expected {state}, got {actual}")

    def expect_count(self, forms: tuple[str, str], n: int) -> None:
        """The language's plural form of ``forms`` for ``n`` is on screen ("10 borrowed")."""
        wanted = self.app.tr.plural(forms, n)
        self.expect(
            any(wanted in text for text in self.ui.texts()),
            f"expected {wanted!r} on the {self.app.manager.current} screen",
        )

    def expect_text(self, message: str, **values: object) -> None:
        """The translated ``message`` is on screen (somewhere in a visible text)."""
        wanted = self.app.tr(message, **values)
        self.expect(
            any(wanted in text for text in self.ui.texts()),
            f"expected {wanted!r} on the {self.app.manager.current} screen",
        )


ScenarioScript = Callable[[ScenarioRun], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    description: str
    script: ScenarioScript
    config: dict[str, Any] = field(default_factory=dict)


@contextlib.asynccontextmanager
async def open_demo(config: Any) -> AsyncIterator[Any]:
    """The demo kiosk (embedded library system + simulated hardware), fast simulator timing."""
    from kiosk.assembly import open_kiosk

    async with open_kiosk(config, simulator_timing=False, replay_interval_s=0.5) as running:
        yield running


class PlayOptions(TypedDict, total=False):
    """How :func:`play` plays a scenario, beyond the scenario and where its screenshots go."""

    language: str | None
    look: frozenset[str]
    state_dir: Path | None
    audit: bool


async def play(
    scenario: Scenario,
    screenshots: Path | None = None,
    *,
    language: str | None = None,
    look: frozenset[str] = frozenset(),
    state_dir: Path | None = None,
    audit: bool = True,
) -> ScenarioResult:
    """Play ``scenario`` headless; needs ``configure_kivy(headless=True)`` first."""
    import time
    from dataclasses import replace

    from kiosk.ui.app import KioskApp
    from kiosk.ui.feedback import Speaker
    from kiosk.ui.harness import HeadlessUI
    from kiosk.ui.settings import ui_settings_from_config

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kiosk-scenario-") as scratch:
        config = demo_config(state_dir or Path(scratch), scenario.config)
        settings = ui_settings_from_config(config)
        language = language or settings.default_language
        result = ScenarioResult(name=scenario.name, language=language, passed=False, look=look)
        async with open_demo(config) as running:
            # The scripted patron reads the scenario's language throughout (its screenshots are
            # per language), whatever language their library account names.
            settings = replace(
                settings, default_language=language, goodbye_s=1.0, patron_language=False
            )
            app = KioskApp(running.kiosk, settings, speaker=Speaker(enabled=False))
            ui = HeadlessUI(app)
            await ui.start()
            run = ScenarioRun(ui, running, screenshots, language, look, audit=audit)
            try:
                await run.choose_look()
                await scenario.script(run)
                await ui.settle()
                if app.errors:
                    raise ScenarioFailed(f"a screen command failed: {app.errors[0]!r}")
                result.passed = True
            except ScenarioFailed as failure:
                result.failure = str(failure)
                if not str(failure).startswith("layout audit"):
                    run.audit = False  # the failure's picture, whatever its layout
                    with contextlib.suppress(Exception):
                        await run.step("failure")
            except Exception as error:  # a crash is a failed scenario with its cause
                log.exception("scenario %s crashed", scenario.name)
                result.failure = f"{type(error).__name__}: {error}"
            finally:
                ui.close()
            result.steps = run.steps
    result.seconds = time.perf_counter() - started
    return result
