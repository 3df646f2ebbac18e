"""The systemd units pass ``systemd-analyze verify`` with no output at all, and are hardened.

``verify`` only warns (exit 0) on a typo such as ``Type=notfy``, so any output fails the test. It
exits 1 when ExecStart is not executable here, so a copy is verified with ExecStart pointed at an
executable that exists. The ``security --offline=true`` scores are printed (``pytest -s``).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

SYSTEMD_DIR = Path(__file__).resolve().parents[2] / "systemd"
UNITS = ("kiosk.service", "kiosk-return-station.service", "kiosk-acs.service")
ANALYZE = shutil.which("systemd-analyze")

pytestmark = pytest.mark.skipif(
    ANALYZE is None and not os.environ.get("CI"),
    reason="systemd-analyze is not installed (bash .ci/setup installs it)",
)


def runnable_copy(unit: str, directory: Path, edit: tuple[str, str] | None = None) -> Path:
    true = shutil.which("true")
    assert true is not None
    text = (SYSTEMD_DIR / unit).read_text(encoding="utf-8")
    text = re.sub(
        r"^(ExecStart(?:Pre)?=)/opt/kiosk/venv/bin/kiosk", rf"\g<1>{true}", text, flags=re.M
    )
    if edit:
        text = text.replace(*edit)
    copy = directory / unit
    copy.write_text(text, encoding="utf-8")
    return copy


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    assert ANALYZE is not None, "systemd-analyze is missing: .ci/setup installs the systemd package"
    return subprocess.run([ANALYZE, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("unit", UNITS)
def test_unit_verifies_without_a_single_warning(unit: str, tmp_path: Path) -> None:
    result = analyze("verify", "--man=no", str(runnable_copy(unit, tmp_path)))
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_the_verification_would_catch_a_typo(tmp_path: Path) -> None:
    copy = runnable_copy("kiosk.service", tmp_path, ("Type=notify", "Type=notfy"))
    result = analyze("verify", "--man=no", str(copy))
    assert "notfy" in result.stdout + result.stderr


@pytest.mark.parametrize("unit", UNITS)
def test_unit_is_hardened(unit: str, tmp_path: Path, security_scores: dict[str, str]) -> None:
    result = analyze("security", "--offline=true", "--no-pager", str(runnable_copy(unit, tmp_path)))
    match = re.search(r"Overall exposure level for \S+: ([\d.]+) (\w+)", result.stdout)
    assert match, result.stdout + result.stderr
    score = float(match.group(1))
    security_scores[unit] = f"{score} {match.group(2)}"  # printed at the end of the run
    assert score <= 2.5  # the "OK" band is below 4.0; these units should stay well inside it


def directives(unit: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for line in (SYSTEMD_DIR / unit).read_text(encoding="utf-8").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, _, value = line.partition("=")
            found.setdefault(key, []).append(value)
    return found


def test_kiosk_unit_is_a_watched_notify_service_on_the_console() -> None:
    unit = directives("kiosk.service")
    assert unit["Type"] == ["notify"]
    assert unit["WatchdogSec"] == ["30s"]
    assert unit["Restart"] == ["always"]
    assert unit["ExecStart"] == ["/opt/kiosk/venv/bin/kiosk run --config /etc/kiosk/kiosk.toml"]
    assert unit["TTYPath"] == ["/dev/tty1"]
    environment = " ".join(unit["Environment"])
    assert "KIVY_WINDOW=sdl2" in environment and "SDL_VIDEODRIVER=kmsdrm" in environment
    groups = unit["SupplementaryGroups"][0].split()
    assert {"render", "input", "video", "dialout", "audio"} <= set(groups)


def test_return_station_and_library_system_units_run_the_right_commands() -> None:
    station = directives("kiosk-return-station.service")
    assert station["Type"] == ["notify"] and station["Restart"] == ["always"]
    assert station["ExecStart"] == [
        "/opt/kiosk/venv/bin/kiosk return-station --config /etc/kiosk/return.toml"
    ]
    acs = directives("kiosk-acs.service")
    assert acs["ExecStart"][0].startswith("/opt/kiosk/venv/bin/kiosk acs --data ")
    assert " --db /var/lib/kiosk-acs/" in acs["ExecStart"][0]


def test_library_system_unit_has_file_descriptors_for_its_connection_cap() -> None:
    from kiosk.acs import ConnectionLimits
    from kiosk.acs.limits import FD_RESERVE

    (limit,) = directives("kiosk-acs.service")["LimitNOFILE"]
    assert int(limit) >= ConnectionLimits().max_connections + FD_RESERVE
