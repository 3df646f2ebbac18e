"""A FOLIO kiosk's configuration: the shipped example, wrong values, and the port it builds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.assembly import library_system
from kiosk.config import ConfigError, load_config, validate_config
from kiosk.ils.folio import FolioLibrarySystem
from kiosk.ils.sip2 import SIP2LibrarySystem
from tests.config.fixtures import minimal_config, write_secret

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
EXAMPLE = CONFIG_DIR / "folio-kiosk.toml"

FOLIO: dict[str, Any] = {
    "base_url": "https://folio.example.se",
    "tenant": "diku",
    "username": "kiosk",
    "password": "p",
    "service_point_id": "3a40852d-49fd-4df2-a1f9-6e2641a6e91f",
}


def test_the_folio_example_loads_once_its_secret_files_exist(tmp_path: Path) -> None:
    env = {
        "KIOSK__ILS__FOLIO__PASSWORD_FILE": str(write_secret(tmp_path, "folio", "s3cret")),
        "KIOSK__UI__STAFF_CODE_FILE": str(write_secret(tmp_path, "staff", "13579")),
    }
    config = load_config(EXAMPLE, env=env)
    folio = config.ils.folio
    assert config.ils.backend == "folio" and folio is not None
    assert folio.password is not None and folio.password.get_secret_value() == "s3cret"
    assert str(folio.service_point_id) == "09dd3748-a0ca-5aff-bd6d-0f40a1d2e41c"
    assert folio.base_url.startswith("https://") and folio.verify
    assert folio.lost_card_block_codes == ["LOST-CARD"]
    assert config.kiosk.branch == "BOL-HB"


def test_the_folio_example_can_be_inspected_without_its_files() -> None:
    config = load_config(EXAMPLE, env={}, check_files=False)
    assert config.ils.backend == "folio" and config.kiosk.id


def test_kiosk_config_check_accepts_the_folio_example(tmp_path: Path, capsys: Any) -> None:
    from kiosk.cli import main

    assert main(["config", "check", str(EXAMPLE), "--no-env", "--no-files"]) == 0
    assert "backend FOLIO https://" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("values", "key", "expected"),
    [
        ({"retries": -1}, "ils.folio.retries", "greater than or equal to 0"),
        ({"currency": "sek"}, "ils.folio.currency", "[A-Z]{3}"),
        ({"connect_timeout_s": 0}, "ils.folio.connect_timeout_s", "greater than 0"),
        ({"password": None}, "ils.folio.password", "a password or a password_file"),
    ],
)
def test_a_wrong_folio_value_names_its_key_and_what_was_expected(
    values: dict[str, Any], key: str, expected: str
) -> None:
    folio = {k: v for k, v in {**FOLIO, **values}.items() if v is not None}
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "folio", "folio": folio}))
    issues = {issue.key: issue for issue in caught.value.issues}
    assert key in issues and expected in issues[key].expected


def test_tls_files_need_an_https_folio(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    folio = {**FOLIO, "base_url": "http://folio.example.se", "ca_file": str(ca)}
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "folio", "folio": folio}))
    assert [issue.key for issue in caught.value.issues] == ["ils.folio.base_url"]


def test_the_backend_setting_alone_decides_which_port_the_kiosk_builds() -> None:
    on_sip2 = validate_config(minimal_config(ils={"folio": FOLIO}))
    on_folio = validate_config(minimal_config(ils={"backend": "folio", "folio": FOLIO}))
    assert isinstance(library_system(on_sip2), SIP2LibrarySystem)
    port = library_system(on_folio, branch_names={"BOL-HB": "Bollnäs"})
    assert isinstance(port, FolioLibrarySystem)
    assert port.options.service_point_id == FOLIO["service_point_id"]
    assert port.connection.settings.tenant == "diku"
    assert port.branch_names() == {"BOL-HB": "Bollnäs"}
