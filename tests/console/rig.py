"""A real kiosk process (``kiosk run --headless`` on the embedded library system and simulated
hardware) with its staff console, and Debian's Chromium driven by Playwright.

Why a process: the console is meant to run beside the touch screen in the kiosk's own process,
on its own thread; the tests see it as staff would, over HTTP, and restart it as systemd does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import tomlkit

from kiosk.config import DEMO_CONFIG
from kiosk.core.statistics import Statistics
from kiosk.ils.journal import Attention, EntryKind, Journal
from kiosk.passwords import hash_password
from tests.ports import free_port

CHROMIUM = Path("/usr/bin/chromium")
#: The flags that make headless Chromium work on a machine without a network or a sandbox.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
STAFF = ("maja", "maja-staff-pw")
ADMIN = ("olle", "olle-admin-pw")


@dataclass
class KioskProcess:
    """One ``kiosk run`` with its console; ``restart()`` starts it again as systemd would."""

    config: Path
    state: Path
    receipts: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK__")}
        env["KIVY_NO_ARGS"] = "1"
        log = open(self.state / "kiosk.log", "ab")  # noqa: SIM115 - the process owns it
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kiosk", "run", "--headless", "--config", str(self.config)],
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"kiosk run exited {self.process.returncode}:\n{self.log()}")
            try:
                httpx.get(f"{self.url}/login", timeout=1)
                return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise AssertionError(f"the console did not answer:\n{self.log()}")

    def wait_exit(self, timeout: float = 30) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return (self.state / "kiosk.log").read_text(encoding="utf-8", errors="replace")


def write_kiosk_config(folder: Path, port: int) -> tuple[Path, Path, Path]:
    """config/demo.toml with its state, a receipt folder, the console and two logins."""
    state, receipts = folder / "state", folder / "receipts"
    state.mkdir()
    receipts.mkdir()
    document = tomlkit.parse(DEMO_CONFIG.read_text(encoding="utf-8"))
    document["kiosk"]["state_dir"] = str(state)  # type: ignore[index]
    document["hardware"] = {"printer": {"type": "simulated", "address": str(receipts)}}
    document["health"] = {"enabled": False}
    document["console"] = {
        "enabled": True,
        "port": port,
        "login_attempts": 3,
        "users": {
            STAFF[0]: {"level": "staff", "password_hash": hash_password(STAFF[1])},
            ADMIN[0]: {"level": "admin", "password_hash": hash_password(ADMIN[1])},
        },
    }
    path = folder / "kiosk.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path, state, receipts


def seed_state(state: Path) -> str:
    """A reconciliation entry and a month of statistics, as a kiosk in use has them."""
    journal = Journal(state / "journal.db")
    try:
        entry = journal.begin(EntryKind.CHECKOUT, "3000000042", patron_id="2150000001")
        journal.abandon(entry.id, reason="refused when replayed")
        journal.flag(entry.id, Attention.REPLAY_REFUSED, "item lost in the system")
    finally:
        journal.close()
    statistics = Statistics(state / "statistics.db")
    now = datetime.now().replace(minute=0, second=0, microsecond=0)
    try:
        for n in range(40):
            at = now - timedelta(hours=n * 5 % 48)
            action = ("borrow", "borrow", "return", "renew")[n % 4]
            statistics.record(
                action=action,
                outcome="ok",
                library=("SE-BOL", "SE-HUD", "SE-SOD")[n % 3],
                branch="BOL-HB",
                media_type=("book", "dvd")[n % 2],
                language=("sv", "en", "ar")[n % 3],
                at=at,
            )
    finally:
        statistics.close()
    return entry.id


@pytest.fixture
def kiosk_process(tmp_path: Path) -> Iterator[KioskProcess]:
    port = free_port()
    config, state, receipts = write_kiosk_config(tmp_path, port)
    seed_state(state)
    kiosk = KioskProcess(config, state, receipts, port)
    kiosk.start()
    try:
        yield kiosk
    finally:
        kiosk.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Chromium for one module's tests. Not for the session: Playwright's sync API keeps an
    event loop of its own in this thread while it runs, which pytest-asyncio's tests that
    follow must not meet."""
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/setup installs it")
        pytest.skip("no /usr/bin/chromium (bash .ci/setup installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def screenshot(page: Any, name: str) -> None:
    """With CONSOLE_SCREENSHOTS=DIR, keep a full-page PNG of what the test sees (README)."""
    folder = os.environ.get("CONSOLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"console-{name}.png"), full_page=True)


def log_in(page: Any, base: str, user: tuple[str, str]) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=name]", user[0])
    page.fill("input[name=password]", user[1])
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/status")
