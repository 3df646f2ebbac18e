"""The shipped configs load, and say what their comments say."""

from __future__ import annotations

import shutil
from pathlib import Path

from kiosk.config import DEMO_CONFIG, load_config

from .fixtures import write_secret

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def test_demo_is_the_embedded_library_system_with_simulated_hardware() -> None:
    config = load_config(DEMO_CONFIG, env={})
    assert DEMO_CONFIG == CONFIG_DIR / "demo.toml"
    assert config.ils.embedded.enabled
    assert config.kiosk.mode == "checkout"
    hardware = config.hardware
    assert hardware.rfid.type == "simulated"
    assert hardware.card_reader.type == "simulated"
    assert hardware.scanner.type == "simulated"
    assert hardware.printer.type == "simulated"
    assert config.ils.sip2.password is not None


def test_demo_stays_short_because_the_defaults_are_good() -> None:
    settings = [
        line
        for line in DEMO_CONFIG.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    ]
    assert len(settings) <= 20


def test_checkout_example_loads_once_its_files_exist(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    env = {
        "KIOSK__ILS__SIP2__PASSWORD_FILE": str(write_secret(secrets, "sip2", "s3cret")),
        "KIOSK__ILS__SIP2__TLS__CA_FILE": str(ca),
        "KIOSK__UI__STAFF_CODE_FILE": str(write_secret(secrets, "staff", "13579")),
    }
    config = load_config(CONFIG_DIR / "checkout-kiosk.toml", env=env)
    assert config.ils.sip2.password is not None
    assert config.ils.sip2.password.get_secret_value() == "s3cret"
    assert config.ui.staff_code is not None
    assert config.ui.staff_code.get_secret_value() == "13579"
    assert config.ils.sip2.charset == "cp850"
    assert config.ils.sip2.tls.enabled and config.ils.sip2.tls.ca_file == ca
    assert (config.policy.afi_secured, config.policy.afi_unsecured) == (0x07, 0xC2)
    assert config.hardware.printer.code_page == "cp865"
    assert config.policy.receipt.email is not None
    assert config.kiosk.journal_file == Path("/var/lib/kiosk/journal.db")


def test_return_station_example_reads_its_secret_next_to_itself(tmp_path: Path) -> None:
    path = tmp_path / "return.toml"
    shutil.copy(CONFIG_DIR / "return-station.toml", path)
    (tmp_path / "secrets").mkdir()
    write_secret(tmp_path / "secrets", "sip2-password", "r3turn")
    config = load_config(path, env={})
    station = config.return_station
    assert station is not None
    assert config.kiosk.mode == "return-station"
    assert config.hardware.sorter.type == "modbus-tcp"
    assert [rule.bin for rule in station.rules] == [
        "exceptions",
        "holds",
        "transit",
        "transit",
        "children",
        "reshelve",
    ]
    assert station.rules[2].alert_type == ["02", "03", "04"]
    assert station.rules[-1].conditions == {}
    assert station.bin("children").overflow == "reshelve"
    assert station.exception_bin == "exceptions"


def test_examples_can_be_inspected_without_their_files() -> None:
    shipped = sorted(path.name for path in CONFIG_DIR.glob("*.toml"))
    assert {"checkout-kiosk.toml", "return-station.toml", "demo.toml"} <= set(shipped)
    for name in shipped:  # every example that ships, also those added later
        config = load_config(CONFIG_DIR / name, env={}, check_files=False)
        assert config.kiosk.id
