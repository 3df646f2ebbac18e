"""``kiosk config check`` and ``kiosk config show`` as staff use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import DEMO_CONFIG

from .fixtures import MINIMAL_TOML, write_config


def test_check_accepts_the_demo(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "check", "--no-env", str(DEMO_CONFIG)]) == 0
    assert "ok" in capsys.readouterr().out


def test_check_prints_every_error_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(
        tmp_path, MINIMAL_TOML + "port = 0\ncharset = 'latin1'\n[policy]\npin = 'sometimes'\n"
    )
    assert main(["config", "check", "--no-env", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("3 configuration errors")
    assert f"{path}:10: ils.sip2.port: got 0; expected greater than or equal to 1" in err
    assert f"{path}:11: ils.sip2.charset: got 'latin1'" in err
    assert f"{path}:13: policy.pin: got 'sometimes'" in err


def test_show_prints_effective_settings_as_json_with_secrets_masked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    assert main(["config", "show", "--no-env", "--format", "json", str(path)]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["ils"]["sip2"]["password"] == "********"
    assert shown["policy"]["afi_unsecured"] == 0xC2


def test_the_installed_command_reads_the_environment(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    result = subprocess.run(
        [sys.executable, "-m", "kiosk", "config", "check", str(path)],
        env={"KIOSK__HEALTH__PORT": "99999", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "environment variable KIOSK__HEALTH__PORT: health.port: got '99999'" in result.stderr


def test_schema_describes_every_section_with_ranges(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert set(schema["properties"]) >= {"kiosk", "ils", "hardware", "policy", "ui", "health"}
    afi = schema["$defs"]["PolicySettings"]["properties"]["afi_secured"]
    assert (afi["minimum"], afi["maximum"], afi["default"]) == (0, 255, 7)
    assert schema["$defs"]["Sip2Settings"]["additionalProperties"] is False
