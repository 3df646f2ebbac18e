"""``kiosk demo`` and ``kiosk run`` as a user runs them (separate processes, headless)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

KIOSK = [sys.executable, "-m", "kiosk"]


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LP_NUM_THREADS": "1", "SDL_VIDEODRIVER": "offscreen"}
    return subprocess.run(
        [*KIOSK, *args], capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


def test_list_scenarios_names_every_flow() -> None:
    result = kiosk("demo", "--list-scenarios")
    assert result.returncode == 0
    names = [line.split()[0] for line in result.stdout.splitlines()]
    for wanted in (
        "borrow-stack",
        "incomplete-set",
        "refused-loan",
        "returns",
        "renew",
        "account",
        "timeout",
        "offline",
        "staff",
    ):
        assert wanted in names


def test_demo_scenario_exits_zero_and_leaves_a_png_per_step(tmp_path: Path) -> None:
    result = kiosk("demo", "--scenario", "returns", "--screenshots", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "returns [sv]" in result.stdout and "PASS" in result.stdout
    assert len(list(tmp_path.glob("*.png"))) >= 5


def test_the_interactive_demo_opens_with_its_control_panel_and_stops() -> None:
    result = kiosk("demo", "--headless", "--exit-after", "2")
    assert result.returncode == 0, result.stderr[-2000:]


def test_an_unknown_scenario_or_language_is_refused() -> None:
    assert kiosk("demo", "--scenario", "nope").returncode == 2
    bad = kiosk("demo", "--scenario", "returns", "--language", "xx")
    assert bad.returncode == 2 and "unknown language 'xx'" in bad.stderr


def test_kiosk_run_starts_from_a_config_file_and_stops(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f"""
[kiosk]
id = "test-kiosk"
library = "SE-Bol"
branch = "BOL-HB"
state_dir = "{tmp_path / "state"}"

[ils]
embedded = true

[ils.sip2]
user = "kiosk-bol-hb"
password = "pw-bol-hb"
location_code = "BOL-HB"
institution_id = "SE-Bol"
""",
        encoding="utf-8",
    )
    result = kiosk("run", "--config", str(config), "--headless", "--exit-after", "2")
    assert result.returncode == 0, result.stderr[-2000:]


def test_kiosk_run_reports_a_bad_config_precisely(tmp_path: Path) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text('[kiosk]\nid = "x"\n', encoding="utf-8")
    result = kiosk("run", "--config", str(config), "--headless")
    assert result.returncode == 1
    assert "kiosk.library" in result.stderr or "library" in result.stderr
