"""The staff code as a hash in the config, the commands that write hashes, and the console's
settings and warnings."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest

from kiosk.assembly import staff_code_for
from kiosk.cli import main
from kiosk.config import config_warnings, load_config, render_config, validate_config
from kiosk.config.problems import ConfigError
from kiosk.passwords import hash_password, verify_password

from .fixtures import MINIMAL_TOML, minimal_config, write_config


def test_the_staff_code_hash_is_validated_and_masked(tmp_path: Path) -> None:
    hashed = hash_password("97531")
    config = validate_config(minimal_config(ui={"staff_code_hash": hashed}))
    assert config.ui.staff_code_hash is not None
    assert "scrypt" not in render_config(config) and "scrypt" not in repr(config)
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ui={"staff_code_hash": "97531"}))
    [issue] = caught.value.issues
    assert issue.key == "ui.staff_code_hash"
    assert "ALGORITHM$PARAMS$SALT$KEY" in issue.expected
    assert "97531" not in str(caught.value)


def test_a_hash_and_a_plain_code_at_once_are_refused() -> None:
    data = minimal_config(ui={"staff_code_hash": hash_password("97531"), "staff_code": "97531"})
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    assert [issue.key for issue in caught.value.issues] == ["ui.staff_code_hash"]


def test_a_plain_staff_code_still_works_but_is_warned_about(tmp_path: Path) -> None:
    identity = {"id": "k", "library": "SE-BOL", "branch": "BOL-HB", "state_dir": str(tmp_path)}
    config = validate_config(minimal_config(ui={"staff_code": "97531"}, kiosk=identity))
    code = staff_code_for(config)
    assert code is not None and verify_password("97531", code.hash)
    assert code.guard is not None and code.guard.attempts == 5
    [warning] = [w for w in config_warnings(config) if w.startswith("ui.staff_code")]
    assert "salted hash" in warning and "kiosk config set-staff-code" in warning


def test_set_staff_code_writes_the_hash_and_keeps_the_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    text = MINIMAL_TOML + '\n[ui]\n# the code staff type on the screen\nstaff_code = "2468"\n'
    path = write_config(tmp_path, text)
    path.chmod(0o640)
    monkeypatch.setattr("sys.stdin", io.StringIO("86420\n"))
    assert main(["config", "set-staff-code", "--stdin", str(path)]) == 0
    written = path.read_text(encoding="utf-8")
    assert "# the code staff type on the screen" in written
    assert "staff_code =" not in written and "86420" not in written
    config = load_config(path, env={})
    assert config.ui.staff_code is None and config.ui.staff_code_hash is not None
    assert verify_password("86420", config.ui.staff_code_hash.get_secret_value())
    assert stat.S_IMODE(path.stat().st_mode) == 0o640  # the file keeps its permissions
    assert "2468" in path.with_name("kiosk.toml.bak").read_text(encoding="utf-8")
    assert "86420" not in capsys.readouterr().out


def test_set_staff_code_refuses_a_code_the_screen_cannot_take(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    before = path.read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("12\n"))
    assert main(["config", "set-staff-code", "--stdin", str(path)]) == 1
    assert path.read_text(encoding="utf-8") == before


def test_set_console_password_adds_and_removes_a_login(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    monkeypatch.setattr("sys.stdin", io.StringIO("a long password\n"))
    assert main(["config", "set-console-password", "--stdin", str(path), "anna", "--level",
                 "admin"]) == 0  # fmt: skip
    user = load_config(path, env={}).console.users["anna"]
    assert user.level == "admin"
    assert verify_password("a long password", user.password_hash.get_secret_value())
    assert main(["config", "set-console-password", str(path), "anna", "--remove"]) == 0
    assert load_config(path, env={}).console.users == {}


def test_set_console_password_refuses_a_short_password_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    before = path.read_text(encoding="utf-8")
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["config", "set-console-password", "--stdin", str(path), "anna", "--level",
                 "staff"]) == 1  # fmt: skip
    assert path.read_text(encoding="utf-8") == before
    assert not path.with_name("kiosk.toml.bak").exists()
    error = capsys.readouterr().err
    assert "at least 8 characters; nothing written" in error and "short" not in error


def test_a_console_open_to_the_network_without_tls_is_warned_about(tmp_path: Path) -> None:
    users = {"anna": {"level": "admin", "password_hash": hash_password("a long password")}}
    open_console = minimal_config(console={"enabled": True, "host": "0.0.0.0", "users": users})
    [warning] = [w for w in config_warnings(validate_config(open_console)) if "console" in w]
    assert warning.startswith("console.host: 0.0.0.0 without TLS")
    cert = tmp_path / "console.pem"
    cert.write_text("-----BEGIN CERTIFICATE-----\n", encoding="utf-8")
    with_tls = minimal_config(
        console={"enabled": True, "host": "0.0.0.0", "users": users, "cert_file": str(cert)}
    )
    assert not [w for w in config_warnings(validate_config(with_tls)) if "console" in w]
    loopback = minimal_config(console={"enabled": True, "users": users})
    assert not [w for w in config_warnings(validate_config(loopback)) if "console" in w]


def test_console_logins_are_checked_by_name_level_and_hash() -> None:
    bad = minimal_config(
        console={"users": {"Anna Berg": {"level": "boss", "password_hash": "secret"}}}
    )
    with pytest.raises(ConfigError) as caught:
        validate_config(bad)
    keys = {issue.key for issue in caught.value.issues}
    assert "console.users.Anna Berg.level" in keys
    assert "console.users.Anna Berg.password_hash" in keys
    assert any("login name" in issue.expected for issue in caught.value.issues)
    assert "secret" not in str(caught.value)
