"""The staff console in a real browser (Debian's Chromium driven by Playwright): both levels,
every page, a setting changed and used by the kiosk after the restart, a bad value refused with
its field named, and nothing served or done without a login."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect

from kiosk.config import load_config

from .rig import ADMIN, STAFF, KioskProcess, log_in, screenshot

PAGES = ("/status", "/reconciliation", "/statistics", "/devices", "/configuration")


def test_every_page_and_every_form_post_needs_a_login(
    kiosk_process: KioskProcess, page: Any
) -> None:
    base = kiosk_process.url
    for path in PAGES:
        page.goto(f"{base}{path}")
        expect(page).to_have_url(f"{base}/login")
        expect(page.locator("h1")).to_have_text("Staff console")
    screenshot(page, "login")
    for path in ("/devices/print-test", "/restart", "/configuration", "/logout"):
        answer = httpx.post(f"{base}{path}", data={"csrf": "x"})
        assert answer.status_code == 401, path
    assert httpx.get(f"{base}/status.json").status_code == 401
    assert httpx.get(f"{base}/statistics.csv").status_code in (303, 401)
    assert kiosk_process.process is not None and kiosk_process.process.poll() is None


def test_staff_level_walks_every_page_but_the_configuration(
    kiosk_process: KioskProcess, page: Any
) -> None:
    base = kiosk_process.url
    log_in(page, base, STAFF)
    expect(page.locator("table.status")).to_contain_text("online")
    expect(page.locator("table.status")).to_contain_text("paper: ok")
    expect(page.locator("nav")).not_to_contain_text("Configuration")
    expect(page.locator("#live")).to_contain_text("live ·", timeout=12_000)  # refreshed
    screenshot(page, "status")

    page.click("text=Reconciliation")
    expect(page.locator("section.entry")).to_have_count(1)
    expect(page.locator("section.entry")).to_contain_text("3000000042")
    expect(page.locator("section.entry")).to_contain_text("replay refused")
    expect(page.locator("section.entry")).not_to_contain_text("2150000001")  # masked
    screenshot(page, "reconciliation")
    page.fill("section.entry input[name=note]", "checked on the shelf")
    page.click("section.entry button")
    expect(page.locator(".notice")).to_have_text("Entry resolved.")
    expect(page.locator("section.entry")).to_have_count(0)

    page.click("text=Statistics")
    expect(page.locator("svg.chart")).to_have_count(5)
    expect(page.locator("section.chart").first).to_contain_text("SE-BOL")
    totals = page.locator("p.totals").inner_text()
    assert re.search(r"\d+ loans, \d+ returns, \d+ renewals", totals)
    screenshot(page, "statistics")
    with page.expect_download() as download:
        page.click("text=Download CSV")
    csv_text = Path(download.value.path()).read_text(encoding="utf-8")
    assert (
        csv_text.splitlines()[0] == "hour,action,outcome,library,branch,media_type,language,count"
    )
    assert len(csv_text.splitlines()) > 10

    page.click("text=Devices")
    expect(page.locator("h2").first).to_contain_text("Reader test")
    page.click("text=Print a test page")
    expect(page.locator(".notice")).to_have_text("Test page printed.")
    [receipt] = kiosk_process.receipts.glob("*.txt")
    assert_centred_in(receipt.read_text(encoding="utf-8"), 42)  # the paper width before
    screenshot(page, "devices")

    page.goto(f"{base}/configuration")
    expect(page.locator("p.error")).to_contain_text("admin level")


def test_admin_changes_a_setting_and_the_kiosk_uses_it_after_the_restart(
    kiosk_process: KioskProcess, page: Any
) -> None:
    base = kiosk_process.url
    log_in(page, base, ADMIN)
    page.click("text=Configuration")
    width = page.locator("[data-key='hardware.printer.width'] input")
    expect(width).to_have_value("42")
    expect(page.locator("table.values")).to_contain_text("ui.staff_code")
    screenshot(page, "configuration")
    width.fill("32")
    page.fill("[data-key='ui.theme.welcome.sv'] textarea", "Välkommen till Bollnäs!")
    page.click("form.settings button[type=submit]")
    expect(page.locator(".notice")).to_contain_text("hardware.printer.width")
    config = load_config(kiosk_process.config, env={})
    assert config.hardware.printer.width == 32
    assert config.ui.theme.welcome["sv"] == "Välkommen till Bollnäs!"
    assert kiosk_process.config.with_name("kiosk.toml.bak").exists()
    audit = (kiosk_process.state / "config-audit.log").read_text(encoding="utf-8")
    assert "olle (console) changed hardware.printer.width, ui.theme.welcome.sv" in audit

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=Restart to apply saved settings")
    expect(page.locator("h1")).to_have_text("Restarting")
    assert kiosk_process.wait_exit() == 3  # the unit's Restart=always starts it again
    kiosk_process.start()

    log_in(page, base, STAFF)
    page.click("text=Devices")
    page.click("text=Print a test page")
    expect(page.locator(".notice")).to_have_text("Test page printed.")
    receipt = sorted(kiosk_process.receipts.glob("*.txt"))[-1].read_text(encoding="utf-8")
    assert_centred_in(receipt, 32)


def assert_centred_in(receipt: str, columns: int) -> None:
    """The receipt's date line is centred on a paper ``columns`` characters wide."""
    [line] = [line for line in receipt.splitlines() if re.fullmatch(r"\s*\d{4}-\d\d-\d\d .*", line)]
    text = line.strip()
    indent = len(line) - len(line.lstrip())
    assert indent in ((columns - len(text)) // 2, (columns - len(text) + 1) // 2), receipt


def test_a_bad_value_is_refused_with_its_field_named(
    kiosk_process: KioskProcess, page: Any
) -> None:
    base = kiosk_process.url
    before = kiosk_process.config.read_text(encoding="utf-8")
    log_in(page, base, ADMIN)
    page.goto(f"{base}/configuration")
    page.fill("[data-key='policy.pin_attempts'] input", "99")
    page.fill("[data-key='ui.theme.primary'] input", "blue")
    page.click("form.settings button[type=submit]")
    expect(page.locator("div.error")).to_contain_text("Not saved")
    pin = page.locator("[data-key='policy.pin_attempts']")
    expect(pin).to_have_class(re.compile("invalid"))
    expect(pin.locator(".field-error")).to_contain_text("policy.pin_attempts: got 99")
    expect(pin.locator("input")).to_have_value("99")
    colour = page.locator("[data-key='ui.theme.primary'] .field-error")
    expect(colour).to_contain_text("#RRGGBB")
    screenshot(page, "configuration-refused")
    assert kiosk_process.config.read_text(encoding="utf-8") == before


def test_a_form_post_without_the_session_token_is_refused(
    kiosk_process: KioskProcess, page: Any
) -> None:
    base = kiosk_process.url
    log_in(page, base, ADMIN)
    answer = page.request.post(f"{base}/restart", form={"csrf": "forged"})
    assert answer.status == 403
    answer = page.request.post(f"{base}/restart", form={})
    assert answer.status == 403
    assert kiosk_process.process is not None and kiosk_process.process.poll() is None
