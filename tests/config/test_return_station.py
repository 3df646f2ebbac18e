"""The return station's part of the configuration: bins on sorter outputs, full-bin behaviour,
the simulated machine, and the shipped demo station."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import ConfigError, load_config, validate_config

from .fixtures import minimal_config

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"


def station(**values: object) -> dict[str, object]:
    base: dict[str, object] = {
        "exception_bin": "staff",
        "bins": [{"id": "shelf"}, {"id": "holds"}, {"id": "staff"}],
    }
    return {**base, **values}


def test_bins_stand_at_sorter_outputs_by_position_unless_numbered() -> None:
    bins = [{"id": "shelf", "number": 5}, {"id": "holds"}, {"id": "staff"}]
    config = validate_config(minimal_config(return_station=station(bins=bins)))
    assert config.return_station is not None
    assert config.return_station.bin_numbers() == {"shelf": 5, "holds": 2, "staff": 3}


def test_two_bins_on_one_sorter_output_are_an_error_at_the_second() -> None:
    bins = [{"id": "shelf"}, {"id": "holds", "number": 1}, {"id": "staff"}]
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(return_station=station(bins=bins)))
    [issue] = caught.value.issues
    assert issue.key == "return_station.bins[1].number"
    assert issue.expected == "a sorter output used by one bin only"


def test_a_sorter_has_at_most_sixteen_outputs() -> None:
    bins = [{"id": "shelf", "number": 17}, {"id": "staff"}]
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(return_station=station(bins=bins)))
    assert caught.value.issues[0].key == "return_station.bins[0].number"


def test_a_full_bin_overflows_by_default_and_may_pause_instead() -> None:
    config = validate_config(minimal_config(return_station=station()))
    assert config.return_station is not None and config.return_station.when_full == "overflow"
    paused = validate_config(minimal_config(return_station=station(when_full="pause")))
    assert paused.return_station is not None and paused.return_station.when_full == "pause"
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(return_station=station(when_full="spill")))
    assert caught.value.issues[0].key == "return_station.when_full"


def test_the_simulated_machine_has_knobs_with_ranges() -> None:
    data = minimal_config(hardware={"sorter": {"type": "simulated", "simulator": {"feed_s": -1}}})
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    assert caught.value.issues[0].key == "hardware.sorter.simulator.feed_s"
    data = minimal_config(
        hardware={"sorter": {"type": "simulated", "simulator": {"time_per_item_s": 1.2}}}
    )
    assert validate_config(data).hardware.sorter.simulator.time_per_item_s == 1.2


def test_the_demo_station_is_the_embedded_library_system_with_a_simulated_machine() -> None:
    config = load_config(CONFIG_DIR / "demo-return-station.toml", env={})
    assert config.kiosk.mode == "return-station" and config.ils.embedded.enabled
    assert config.hardware.sorter.type == "simulated"
    assert config.hardware.rfid.type == "simulated"
    assert config.policy.offline.mode == "returns"
    station_config = config.return_station
    assert station_config is not None
    assert station_config.bin_numbers() == {
        "reshelve": 1,
        "holds": 2,
        "transit": 3,
        "film": 4,
        "transit-hud": 5,
        "transit-sod": 6,
        "exceptions": 7,
    }
    conditions = {key for rule in station_config.rules for key in rule.conditions}
    assert {"offline", "alert_type", "destination", "sort_bin", "permanent_location"} <= conditions
