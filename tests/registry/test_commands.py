"""The commands ask the registries: ``kiosk devices types``, ``kiosk tag scan``, ``kiosk devices
printer --config``, ``kiosk config check`` and ``kiosk config schema``."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from drivers.rfid import FeigSimulator, tag_for_item
from kiosk.cli import main
from kiosk.registry import REGISTRIES
from tests.config.fixtures import MINIMAL_TOML, write_config


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.fixture
def simulator() -> Iterator[FeigSimulator]:
    with FeigSimulator(timing=False) as sim:
        sim.place(tag_for_item("37001", "SE-Hud"))
        yield sim


def test_devices_types_lists_every_registered_type(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, "devices", "types")
    assert status == 0
    for key, registry in REGISTRIES.items():
        assert (f"[{key}] type" if key != "ils" else "[ils] backend") in out
        for entry in registry:
            assert f"  {entry.name:<16} {entry.description}" in out


def test_devices_types_lists_a_vendor_of_ones_own(
    acme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run(capsys, "devices", "types")
    assert "  acme             ACME pads (a test)" in out
    assert "  acme-sip2        SIP2 at an address of its own (a test)" in out


def test_tag_scan_reads_with_the_reader_a_config_names(
    simulator: FeigSimulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path,
        MINIMAL_TOML + f'[hardware.rfid]\ntype = "feig"\nport = "{simulator.port}"\n'
        "timeout_s = 0.3\n",
    )
    status, out, err = run(capsys, "tag", "scan", "--config", str(path))
    assert status == 0, err
    assert [json.loads(line)["primary_item_id"] for line in out.splitlines()] == ["37001"]


def test_tag_scan_takes_any_setting_of_a_type(
    simulator: FeigSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["tag", "scan", "--type", "feig", "--set", f"port={simulator.port}"]
    status, out, err = run(capsys, *argv, "--set", "timeout_s=0.3", "--set", "parity=even")
    assert status == 0, err
    assert json.loads(out)["primary_item_id"] == "37001"


def test_tag_scan_with_a_vendor_of_ones_own(acme: Any, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, "tag", "scan", "--type", "acme", "--set", "antenna=left")
    assert (status, out, err) == (0, "", "")  # an empty pad: no tags, the reader answered


def test_tag_scan_refuses_settings_its_type_does_not_have(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, _, err = run(capsys, "tag", "scan", "--port", "/dev/ttyUSB0", "--set", "speed=9")
    assert status == 2
    assert "kiosk tag scan: hardware.rfid.speed: Extra inputs are not permitted" in err
    status, _, err = run(capsys, "tag", "scan", "--type", "koala")
    assert status == 2
    assert err == ("kiosk tag scan: no RFID reader of type 'koala'; one of 'feig' or 'simulated'\n")


def test_devices_printer_checks_the_configured_printer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "receipts"
    path = write_config(
        tmp_path, MINIMAL_TOML + f'[hardware.printer]\ntype = "simulated"\naddress = "{folder}"\n'
    )
    status, out, _ = run(capsys, "devices", "printer", "--config", str(path), "--test-page")
    assert (status, out) == (0, "online: True; paper: ok\ntest page printed\n")
    assert "å ä ö æ ø Å Ä Ö Æ Ø" in (folder / "receipt-0001.txt").read_text(encoding="utf-8")


def test_devices_printer_needs_a_url_or_a_config(capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, "devices", "printer")
    assert status == 2 and "give a printer URL or --config FILE" in err


def test_config_check_names_the_devices_it_will_use(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + '[hardware.card_reader]\ntype = "none"\n')
    status, out, _ = run(capsys, "config", "check", "--no-env", str(path))
    assert status == 0
    assert out.splitlines()[1] == (
        f"{path}: devices: rfid simulated, card_reader none, scanner simulated, "
        "printer simulated, sorter none"
    )


def test_config_schema_offers_every_registered_vendor(
    acme: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(capsys, "config", "schema")
    assert status == 0
    schema = json.loads(out)
    definitions = schema["$defs"]
    rfid = definitions["HardwareSettings"]["properties"]["rfid"]["oneOf"]
    assert [ref["$ref"].rsplit("/", 1)[1] for ref in rfid] == [
        "FeigReaderSettings",
        "SimulatedReaderSettings",
        "AcmeReaderSettings",
    ]
    assert definitions["AcmeReaderSettings"]["properties"]["type"]["const"] == "acme"
    ils = definitions["IlsSettings"]["properties"]
    assert ils["backend"]["enum"] == ["sip2", "folio", "acme-sip2"]
    assert ils["acme-sip2"] == {"$ref": "#/$defs/AcmeSip2Settings"}
