"""Fleet configuration in layers: consortium -> library -> kiosk, later layers win, each value's
origin is known, and errors name the layer file and line they are in."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.cli import main
from kiosk.config import ConfigError, load_config, load_layered

FLEET = Path(__file__).resolve().parents[2] / "config" / "fleet"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_fleet_has_two_libraries_with_two_kiosks_each() -> None:
    kiosks = sorted(FLEET.glob("kiosks/*.toml"))
    configs = [load_config(path, env={}, check_files=False) for path in kiosks]
    libraries: dict[str, list[str]] = {}
    for config in configs:
        libraries.setdefault(config.kiosk.library, []).append(config.kiosk.id)
    assert len(libraries) >= 2 and all(len(ids) >= 2 for ids in libraries.values())
    assert len({config.kiosk.id for config in configs}) == len(configs)
    for config in configs:  # what the consortium sets, every kiosk has
        assert config.ils.sip2.host == "sip.halsingebiblioteken.example.se"
        assert (config.policy.afi_secured, config.policy.afi_unsecured) == (0x07, 0xC2)


def test_later_layers_override_earlier_ones_key_by_key() -> None:
    children = load_config(FLEET / "kiosks/bollnas-children.toml", env={}, check_files=False)
    entrance = load_config(FLEET / "kiosks/bollnas-entrance.toml", env={}, check_files=False)
    assert children.ui.languages == ["sv", "en", "ar"]  # the kiosk's own
    assert entrance.ui.languages == ["sv", "en", "fi", "ar", "so", "uk"]  # the consortium's
    assert children.ui.theme.primary == "#00546e"  # the library's
    assert children.ui.default_language == "sv"  # the consortium's, beside the kiosk's key
    floor2 = load_config(FLEET / "kiosks/hudiksvall-floor2.toml", env={}, check_files=False)
    assert floor2.hardware.printer.type == "none"  # another vendor: the table is replaced
    assert floor2.policy.offline.mode == "returns-and-loans"  # the library's


def line_of(path: Path, start: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if line.startswith(start))


def test_show_origin_names_the_file_and_line_of_each_value(
    capsys: pytest.CaptureFixture[str],
) -> None:
    kiosk = FLEET / "kiosks/bollnas-children.toml"
    assert main(["config", "show", "--origin", "--no-files", "--no-env", str(kiosk)]) == 0
    lines = {line.split(" = ")[0]: line for line in capsys.readouterr().out.splitlines()}
    consortium, library = FLEET / "consortium.toml", FLEET / "libraries/bollnas.toml"
    assert lines["ui.languages"].endswith(f"# {kiosk}:{line_of(kiosk, 'languages =')}")
    assert lines["ils.sip2.host"].endswith(f"# {consortium}:{line_of(consortium, 'host =')}")
    assert lines["kiosk.library"].endswith(f"# {library}:{line_of(library, 'library =')}")
    assert lines["policy.inactivity_timeout_s"].endswith("# default")
    assert "********" in lines["console.users"] or lines["console.users"].endswith("# default")


def test_the_environment_overrides_every_layer(tmp_path: Path) -> None:
    kiosk = FLEET / "kiosks/bollnas-entrance.toml"
    env = {"KIOSK__POLICY__PIN_ATTEMPTS": "5"}
    config, origins = load_layered(kiosk, env=env, check_files=False)
    assert config.policy.pin_attempts == 5
    assert origins[("policy", "pin_attempts")] == "environment variable KIOSK__POLICY__PIN_ATTEMPTS"


def test_an_error_names_the_layer_and_line_it_is_in(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", '[ils.sip2]\nhost = "sip.example.se"\npool_size = 99\n')
    kiosk = write(
        tmp_path / "kiosk.toml",
        'extends = "base.toml"\n[kiosk]\nid = "k1"\nlibrary = "SE-BOL"\nbranch = "B"\n'
        '[ils.sip2]\nuser = "u"\npassword = "p"\n',
    )
    with pytest.raises(ConfigError) as caught:
        load_config(kiosk, env={})
    [issue] = caught.value.issues
    assert (issue.source, issue.line, issue.key) == (
        str(tmp_path / "base.toml"),
        3,
        "ils.sip2.pool_size",
    )


def test_a_loop_of_layers_and_a_missing_layer_are_named(tmp_path: Path) -> None:
    write(tmp_path / "a.toml", 'extends = "b.toml"\n')
    write(tmp_path / "b.toml", 'extends = "a.toml"\n')
    with pytest.raises(ConfigError, match="a loop of layers"):
        load_config(tmp_path / "a.toml", env={})
    write(tmp_path / "c.toml", 'extends = ["missing.toml"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "c.toml", env={})
    assert caught.value.issues[0].source == str(tmp_path / "missing.toml")
    write(tmp_path / "d.toml", "extends = 3\n")
    with pytest.raises(ConfigError, match="a file name or a list of them"):
        load_config(tmp_path / "d.toml", env={})


def test_a_layer_reached_twice_counts_once_at_its_first_place(tmp_path: Path) -> None:
    write(tmp_path / "base.toml", "[policy]\npin_attempts = 2\n")
    write(tmp_path / "lib.toml", 'extends = "base.toml"\n[policy]\npin_attempts = 4\n')
    kiosk = write(
        tmp_path / "kiosk.toml",
        'extends = ["lib.toml", "base.toml"]\n[kiosk]\nid = "k1"\nlibrary = "SE-BOL"\n'
        'branch = "B"\n[ils.sip2]\nuser = "u"\npassword = "p"\n',
    )
    assert load_config(kiosk, env={}).policy.pin_attempts == 4
