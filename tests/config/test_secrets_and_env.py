"""Secrets come from files only their owner can read; the environment overrides the file."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from kiosk.config import (
    ConfigError,
    env_overrides,
    load_config,
    render_config,
    secret_text,
    validate_config,
)

from .fixtures import MINIMAL_TOML, write_config, write_secret

WITH_PASSWORD_FILE = MINIMAL_TOML.replace('password = "pw-bol-hb"', 'password_file = "sip2.secret"')


def test_password_file_next_to_the_config_is_read_without_its_newline(tmp_path: Path) -> None:
    write_secret(tmp_path, "sip2.secret", "hemligt-lösen")
    config = load_config(write_config(tmp_path, WITH_PASSWORD_FILE), env={})
    assert config.ils.sip2.password is not None
    assert config.ils.sip2.password.get_secret_value() == "hemligt-lösen"
    assert "hemligt" not in repr(config)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_a_secret_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    secret = write_secret(tmp_path, "sip2.secret", "hemligt", mode=mode)
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, WITH_PASSWORD_FILE), env={})
    [issue] = caught.value.issues
    assert issue.key == "ils.sip2.password_file"
    assert f"mode {mode:04o}" in issue.expected
    assert f"chmod 600 {secret}" in issue.expected
    assert "hemligt" not in str(caught.value)


def test_an_empty_or_missing_secret_file_is_refused(tmp_path: Path) -> None:
    path = write_config(tmp_path, WITH_PASSWORD_FILE)
    with pytest.raises(ConfigError, match=r"there is no .*sip2\.secret"):
        load_config(path, env={})
    (tmp_path / "sip2.secret").write_text("\n")
    (tmp_path / "sip2.secret").chmod(0o600)
    with pytest.raises(ConfigError, match="is empty"):
        load_config(path, env={})


def test_a_config_loaded_without_its_files_still_yields_the_password_from_the_file(
    tmp_path: Path,
) -> None:
    """``check_files=False`` keeps only the file's path; the client built from the settings
    reads the secret itself (kiosk.config.secret_text), without the trailing newline."""
    write_secret(tmp_path, "sip2.secret", "hemligt-lösen")
    path = write_config(tmp_path, WITH_PASSWORD_FILE)
    sip = load_config(path, env={}, check_files=False).ils.sip2
    assert sip.password is None
    assert secret_text(sip.password, sip.password_file) == "hemligt-lösen"
    loaded = load_config(path, env={}).ils.sip2
    assert secret_text(loaded.password, loaded.password_file) == "hemligt-lösen"
    assert secret_text(None, None) is None


def test_password_and_password_file_together_are_ambiguous(tmp_path: Path) -> None:
    write_secret(tmp_path, "sip2.secret", "a")
    text = WITH_PASSWORD_FILE.replace("[ils.sip2]", '[ils.sip2]\npassword = "b"')
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text), env={})
    [issue] = caught.value.issues
    assert issue.key == "ils.sip2.password_file"
    assert "not both" in issue.expected


def test_staff_code_from_a_file(tmp_path: Path) -> None:
    write_secret(tmp_path, "staff", "97531")
    text = MINIMAL_TOML + '\n[ui]\nstaff_code_file = "staff"\n'
    config = load_config(write_config(tmp_path, text), env={})
    assert config.ui.staff_code is not None
    assert config.ui.staff_code.get_secret_value() == "97531"


def test_environment_overrides_the_file_with_type_conversion(tmp_path: Path) -> None:
    env = {
        "KIOSK__ILS__SIP2__HOST": "sip-test.example.se",
        "kiosk__ils__sip2__port": "6002",
        "KIOSK__ILS__SIP2__TLS__ENABLED": "true",
        "KIOSK__UI__LANGUAGES": '["fi", "sv"]',
        "KIOSK__UI__DEFAULT_LANGUAGE": "fi",
        "KIOSK_CONFIG": "/not/a/key",
        "PATH": "/usr/bin",
    }
    config = load_config(write_config(tmp_path, MINIMAL_TOML), env=env)
    assert (config.ils.sip2.host, config.ils.sip2.port) == ("sip-test.example.se", 6002)
    assert config.ils.sip2.tls.enabled is True
    assert config.ui.languages == ["fi", "sv"]


def test_a_bad_environment_value_names_the_variable(tmp_path: Path) -> None:
    env = {"KIOSK__ILS__SIP2__TIMEOUT_S": "soon", "KIOSK__ILS__SIP2__HOTS": "x"}
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, MINIMAL_TOML), env=env)
    sources = {issue.key: issue.source for issue in caught.value.issues}
    assert sources == {
        "ils.sip2.timeout_s": "environment variable KIOSK__ILS__SIP2__TIMEOUT_S",
        "ils.sip2.hots": "environment variable KIOSK__ILS__SIP2__HOTS",
    }


def test_environment_can_reach_into_arrays_of_tables() -> None:
    overrides = env_overrides({"KIOSK__RETURN_STATION__RULES__0__BIN": "holds"})
    assert overrides == {
        ("return_station", "rules", 0, "bin"): ("KIOSK__RETURN_STATION__RULES__0__BIN", "holds")
    }


def test_show_masks_every_secret(tmp_path: Path) -> None:
    write_secret(tmp_path, "sip2.secret", "hemligt-lösen")
    text = WITH_PASSWORD_FILE + '\n[ui]\nstaff_code = "86420"\n'
    config = load_config(write_config(tmp_path, text), env={})
    for fmt in ("toml", "json"):
        shown = render_config(config, fmt)  # type: ignore[arg-type]
        assert "hemligt" not in shown and "86420" not in shown
        assert shown.count("********") == 2


def test_show_output_is_valid_toml_that_loads_back(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, MINIMAL_TOML), env={})
    shown = tomllib.loads(render_config(config))
    assert shown["ils"]["sip2"]["password"] == "********"
    shown["ils"]["sip2"]["password"] = "pw-bol-hb"
    assert validate_config(shown) == config
