"""Valid but risky settings are named by ``kiosk config check`` as warnings (exit status 0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import config_warnings, validate_config

from .fixtures import MINIMAL_TOML, minimal_config, write_config


def warnings_for(**sections: dict[str, object]) -> list[str]:
    return config_warnings(validate_config(minimal_config(**sections), check_files=False))


def test_clear_text_sip2_to_another_host_is_flagged() -> None:
    [tls, password, staff] = warnings_for(ils={"sip2": {"host": "sip.example.se", "user": "k",
                                                       "password": "p"}})  # fmt: skip
    assert tls.startswith("ils.sip2.tls.enabled: false for sip.example.se")
    assert password.startswith("ils.sip2.password: written in the config file")
    assert staff.startswith("ui: no staff_code and no staff_card_uids")


def test_a_careful_config_has_no_warnings(tmp_path: Path) -> None:
    config = minimal_config(
        ils={"sip2": {"host": "127.0.0.1", "user": "k", "password_file": "p"}},
        ui={"staff_card_uids": ["04A1B2C3"]},
    )
    assert config_warnings(validate_config(config, check_files=False)) == []


def test_unverified_tls_and_an_open_health_endpoint_are_flagged() -> None:
    found = warnings_for(
        ils={
            "sip2": {
                "host": "sip.example.se",
                "user": "k",
                "password_file": "p",
                "tls": {"enabled": True, "verify": False},
            }
        },
        health={"host": "0.0.0.0"},
        ui={"staff_card_uids": ["04A1B2C3"]},
    )
    assert any(w.startswith("ils.sip2.tls.verify: false") for w in found)
    assert any(w.startswith("health.host: 0.0.0.0") for w in found)


def test_check_prints_warnings_and_still_succeeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, MINIMAL_TOML.replace("[ils.sip2]", '[ils.sip2]\nhost = "10.1.2.3"')
    )
    assert main(["config", "check", "--no-env", str(path)]) == 0
    out = capsys.readouterr().out
    assert f"{path}: warning: ils.sip2.tls.enabled: false for 10.1.2.3" in out
