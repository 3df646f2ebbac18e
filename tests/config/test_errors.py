"""Every configuration error names the file and line, the dotted key, the value and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from kiosk.config import ConfigError, ConfigIssue, load_config, validate_config

from .fixtures import MINIMAL_TOML, minimal_config, write_config


def issues_of(path: Path, env: dict[str, str] | None = None) -> list[ConfigIssue]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env=env or {})
    return list(caught.value.issues)


def line_of(path: Path, text: str) -> int:
    """The 1-based number of the first line of ``path`` that contains ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, start=1) if text in line)


def by_key(issues: list[ConfigIssue]) -> dict[str, ConfigIssue]:
    return {issue.key: issue for issue in issues}


def invalid_data(data: dict[str, Any]) -> dict[str, ConfigIssue]:
    """The issues, by key, that make ``validate_config`` refuse ``data``."""
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    return by_key(list(caught.value.issues))


def test_minimal_config_is_enough(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, MINIMAL_TOML), env={})
    assert config.ils.sip2.port == 6001
    assert config.ui.default_language == "sv"
    assert config.health.host == "127.0.0.1"


def test_every_error_is_reported_at_once_with_line_key_value_and_expectation(
    tmp_path: Path,
) -> None:
    path = write_config(
        tmp_path,
        """\
        [kiosk]
        id = "kiosk 1"
        library = "SE-Hd"
        branch = "hud"
        mode = "checkin"

        [ils.sip2]
        user = "k"
        password = "x"
        port = 70000
        charset = "latin1"

        [policy]
        afi_secured = 300
        """,
    )
    issues = by_key(issues_of(path))
    assert set(issues) == {
        "kiosk.id",
        "kiosk.mode",
        "ils.sip2.port",
        "ils.sip2.charset",
        "policy.afi_secured",
    }
    port = issues["ils.sip2.port"]
    assert (port.source, port.line, port.value) == (str(path), 10, "70000")
    assert "65535" in port.expected
    charset = issues["ils.sip2.charset"]
    assert charset.line == 11
    assert "'cp850'" in charset.expected and "'utf-8'" in charset.expected
    assert issues["kiosk.mode"].value == "'checkin'"
    assert issues["policy.afi_secured"].line == 14
    assert str(port) == f"{path}:10: ils.sip2.port: got 70000; expected {port.expected}"


def test_a_typo_in_a_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + 'hots = "sip.example.se"\n')
    [issue] = issues_of(path)
    assert issue.key == "ils.sip2.hots"
    assert "did you mean 'host'?" in issue.expected
    assert issue.line == line_of(path, "hots =")


def test_unknown_section_is_an_error(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + "[hardwre.rfid]\ntype = 'feig'\n")
    [issue] = issues_of(path)
    assert issue.key == "hardwre"
    assert "did you mean 'hardware'?" in issue.expected


def test_missing_required_keys_are_named(tmp_path: Path) -> None:
    path = write_config(tmp_path, "[kiosk]\nid = 'k1'\n[ils.sip2]\nhost = 'x'\n")
    issues = by_key(issues_of(path))
    assert {"kiosk.library", "kiosk.branch", "ils.sip2.user", "ils.sip2.password"} <= set(issues)
    assert issues["kiosk.library"].value.startswith("nothing")


def test_broken_toml_gives_the_line(tmp_path: Path) -> None:
    path = write_config(tmp_path, MINIMAL_TOML + "port = \n")
    [issue] = issues_of(path)
    assert issue.line == line_of(path, "port =")
    assert issue.value == "invalid TOML"


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    [issue] = issues_of(tmp_path / "nope.toml")
    assert issue.value == "no such file"


def test_cross_field_problems_point_at_the_exact_key() -> None:
    data = minimal_config(
        ui={"languages": ["sv", "en"], "default_language": "fi", "staff_code": "12"},
        policy={"inactivity_timeout_s": 30, "inactivity_warning_s": 40},
    )
    issues = invalid_data(data)
    assert "sv, en" in issues["ui.default_language"].expected
    assert issues["ui.staff_code"].value == "'***' (hidden)"
    assert "less than inactivity_timeout_s (30)" in issues["policy.inactivity_warning_s"].expected


def test_an_error_in_an_array_of_tables_points_at_its_element(tmp_path: Path) -> None:
    path = write_config(
        tmp_path,
        MINIMAL_TOML
        + """
[return_station]
exception_bin = "manual"

[[return_station.bins]]
id = "shelf"
overflow = "shelf"

[[return_station.bins]]
id = "holds"

[[return_station.rules]]
alert_type = "01"
bin = "holds"

[[return_station.rules]]
alert_type = ["02", "4"]
bin = "transit"
""",
    )
    issues = by_key(issues_of(path))
    assert issues["return_station.rules[1].alert_type"].line == line_of(path, '"4"]')
    assert "'01'" in issues["return_station.rules[1].alert_type"].expected


def test_bin_references_are_checked_once_fields_are_valid() -> None:
    data = minimal_config(
        return_station={
            "exception_bin": "manual",
            "bins": [{"id": "shelf", "overflow": "shelf"}, {"id": "holds", "overflow": "x"}],
            "rules": [{"alert_type": "01", "bin": "holds"}, {"bin": "transit"}],
        }
    )
    issues = invalid_data(data)
    assert issues["return_station.rules[1].bin"].value == "'transit'"
    assert "holds, shelf" in issues["return_station.rules[1].bin"].expected
    assert issues["return_station.exception_bin"].value == "'manual'"
    assert issues["return_station.bins[0].overflow"].expected == "another bin"
    assert "holds, shelf" in issues["return_station.bins[1].overflow"].expected


def test_return_station_mode_needs_bins_and_a_sorter() -> None:
    data = minimal_config(kiosk={"mode": "return-station"})
    with pytest.raises(ConfigError) as caught:
        validate_config(data)
    assert {i.key for i in caught.value.issues} == {"return_station", "hardware.sorter.type"}


def test_hardware_that_needs_a_port_says_so() -> None:
    data = minimal_config(
        hardware={
            "rfid": {"type": "feig"},
            "printer": {"type": "escpos-usb", "address": "epson"},
            "scanner": {"type": "hid"},
            "card_reader": {"type": "pcsc", "reader_pattern": "ACR(122"},
        }
    )
    issues = invalid_data(data)
    assert "/dev/ttyUSB0" in issues["hardware.rfid.port"].expected
    assert issues["hardware.printer.address"].value == "'epson'"
    assert "VID:PID" in issues["hardware.printer.address"].expected
    assert "event device" in issues["hardware.scanner.device"].expected
    assert "regular expression" in issues["hardware.card_reader.reader_pattern"].expected


def test_folio_backend_needs_its_section_and_a_valid_service_point() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "folio"}))
    assert [i.key for i in caught.value.issues] == ["ils.folio"]
    folio = {
        "base_url": "folio.example.se",
        "tenant": "diku",
        "username": "kiosk",
        "password": "p",
        "service_point_id": "not-a-uuid",
    }
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ils={"backend": "folio", "folio": folio}))
    assert {i.key for i in caught.value.issues} == {
        "ils.folio.base_url",
        "ils.folio.service_point_id",
    }


def test_values_are_normalised() -> None:
    config = validate_config(
        minimal_config(
            ui={"staff_card_uids": ["04:a1:b2:c3"], "theme": {"primary": "#ABCDEF"}},
            ils={"embedded": True, "sip2": {"user": "k", "password": "p"}},
            policy={"offline": "off"},
            return_station={"exception_bin": "x", "bins": [{"id": "x"}]},
        )
    )
    assert config.ui.staff_card_uids == ["04A1B2C3"]
    assert config.ui.theme.primary == "#abcdef"
    assert config.ils.embedded.enabled
    assert config.policy.offline.mode == "off"


def test_config_is_immutable() -> None:
    config = validate_config(minimal_config())
    with pytest.raises(ValueError):
        config.ils.sip2.port = 1  # type: ignore[misc]


def test_a_missing_tls_file_does_not_hide_a_missing_or_open_secret_file(tmp_path: Path) -> None:
    (tmp_path / "staff-code").write_text("2468\n", encoding="utf-8")
    (tmp_path / "staff-code").chmod(0o644)  # readable by others
    path = write_config(
        tmp_path,
        MINIMAL_TOML.replace('password = "pw-bol-hb"', 'password_file = "sip2-password"')
        + '\n[ils.sip2.tls]\nenabled = true\nca_file = "no-such-ca.pem"\n'
        + '\n[ui]\nstaff_code_file = "staff-code"\n',
    )
    issues = by_key(issues_of(path))
    assert set(issues) == {"ils.sip2.password_file", "ils.sip2.tls.ca_file", "ui.staff_code_file"}
    assert "an existing secret file" in issues["ils.sip2.password_file"].expected
    assert "chmod 600" in issues["ui.staff_code_file"].expected
    assert issues["ils.sip2.password_file"].line == line_of(path, "password_file")


TLS_TOML = (
    MINIMAL_TOML
    + """
[ils.sip2.tls]
enabled = {enabled}
ca_file = "no-such-ca.pem"
cert_file = "no-such-cert.pem"
"""
)


def test_tls_files_are_not_checked_while_tls_is_off(tmp_path: Path) -> None:
    """Issue 15.21: a stale ca_file must not stop a kiosk that does not use TLS."""
    config = load_config(write_config(tmp_path, TLS_TOML.format(enabled="false")), env={})
    assert config.ils.sip2.tls.ca_file == tmp_path / "no-such-ca.pem"


def test_tls_files_are_checked_when_tls_is_on(tmp_path: Path) -> None:
    path = write_config(tmp_path, TLS_TOML.format(enabled="true"))
    issues = by_key(issues_of(path))
    assert set(issues) == {"ils.sip2.tls.ca_file", "ils.sip2.tls.cert_file"}
    assert "an existing file (there is no" in issues["ils.sip2.tls.ca_file"].expected
    assert issues["ils.sip2.tls.ca_file"].line == line_of(path, "ca_file")
