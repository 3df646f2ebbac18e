"""Input meant to break the config loader gets a clear error, not a crash (issue 15, item 17),
and ``kiosk config show`` does not print what would clone a staff card."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, load_config

from .fixtures import MINIMAL_TOML, write_config


@pytest.mark.parametrize("brackets", [100_000, 2_000])
def test_a_toml_value_nested_thousands_deep_is_a_clear_error(tmp_path: Path, brackets: int) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + "[ui]\nx = " + "[" * brackets + "]" * brackets)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    [issue] = caught.value.issues
    assert issue.source == str(path)
    assert issue.expected == "tables and arrays nested at most 16 levels deep"


def test_a_value_nested_deeper_than_the_model_allows_is_named_with_its_line(
    tmp_path: Path,
) -> None:
    path = write_config(
        tmp_path, MINIMAL_TOML + "[ui.theme.welcome]\nsv = " + "[" * 40 + '"x"' + "]" * 40
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    [issue] = caught.value.issues
    assert (issue.key, issue.line) == ("ui.theme.welcome.sv[0][0]...", 11)
    assert issue.value == "values nested too deeply"


def test_a_deeply_nested_table_inside_inline_tables_is_a_clear_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + "[ui]\nx = " + "{a=" * 3000 + "1" + "}" * 3000)
    with pytest.raises(ConfigError, match="nested too deeply"):
        load_config(path, env={})


@pytest.mark.parametrize("value", ["[" * 100_000, "[" * 900 + "]" * 900])
def test_an_environment_override_of_100000_brackets_is_a_clear_error(
    tmp_path: Path, value: str
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={"KIOSK__UI__LANGUAGES": value})
    [issue] = caught.value.issues
    assert issue.source == "environment variable KIOSK__UI__LANGUAGES"
    assert issue.key.startswith("ui.languages")
    assert "nested at most 16 levels deep" in issue.expected


def test_config_check_reports_deep_nesting_without_a_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_config(tmp_path, MINIMAL_TOML)
    monkeypatch.setenv("KIOSK__UI__LANGUAGES", "[" * 100_000)
    assert main(["config", "check", str(path)]) == 1
    err = capsys.readouterr().err
    assert "environment variable KIOSK__UI__LANGUAGES: ui.languages: got JSON nested" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_config_show_masks_staff_card_uids(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    path = write_config(
        tmp_path, MINIMAL_TOML + '[ui]\nstaff_card_uids = ["04A1B2C3D4E5F6", "04:11:22:33"]\n'
    )
    assert main(["config", "show", "--no-env", "--format", fmt, str(path)]) == 0
    out = capsys.readouterr().out
    assert "04A1B2C3D4E5F6" not in out and "04112233" not in out
    if fmt == "json":
        assert json.loads(out)["ui"]["staff_card_uids"] == ["**********E5F6", "****2233"]
    else:
        assert 'staff_card_uids = ["**********E5F6", "****2233"]' in out
