"""The Raspberry Pi installer, run as a dry run into a temporary root.

What can be checked on this machine: the files it writes (config, units, app copy, boot config)
and the commands it would run (apt, useradd, venv, systemctl). The real install needs a Pi.
"""

from __future__ import annotations

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from kiosk.config import load_config

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "systemd" / "install-pi.sh"


def install(root: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(INSTALLER), "--dry-run", "--root", str(root), *options],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def planned(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [
        line[len("dry-run: ") :]
        for line in result.stdout.splitlines()
        if line.startswith("dry-run: ")
    ]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def pi_root(tmp_path: Path) -> Path:
    """A root with the boot config of a fresh Raspberry Pi OS Lite without the KMS overlay."""
    boot = tmp_path / "boot" / "firmware"
    boot.mkdir(parents=True)
    (boot / "config.txt").write_text("[all]\narm_64bit=1\n", encoding="utf-8")
    return tmp_path


def test_demo_install_writes_config_units_and_app(pi_root: Path) -> None:
    result = install(pi_root)
    assert result.returncode == 0, result.stderr
    config_path = pi_root / "etc/kiosk/kiosk.toml"
    assert mode(config_path) == 0o640
    assert mode(pi_root / "etc/kiosk") == 0o750
    assert mode(pi_root / "etc/kiosk/secrets") == 0o700
    config = load_config(config_path, env={})
    assert config.ils.embedded.enabled
    assert config.kiosk.state_dir == Path("/var/lib/kiosk")
    unit = (pi_root / "etc/systemd/system/kiosk.service").read_text(encoding="utf-8")
    assert unit == (REPO / "systemd/kiosk.service").read_text(encoding="utf-8")
    assert (pi_root / "opt/kiosk/app/pyproject.toml").is_file()
    assert (pi_root / "opt/kiosk/app/kiosk/config/model.py").is_file()
    assert not (pi_root / "opt/kiosk/app/.venv").exists()
    assert not (pi_root / "opt/kiosk/app/.git").exists()
    assert "dtoverlay=vc4-kms-v3d" in (pi_root / "boot/firmware/config.txt").read_text()


def test_demo_install_plans_packages_user_groups_venv_and_service(pi_root: Path) -> None:
    commands = planned(install(pi_root))
    apt = next(c for c in commands if "apt-get install" in c)
    for package in ("python3-venv", "pcscd", "libgbm1", "libegl1", "libmtdev1", "espeak-ng"):
        assert f" {package}" in apt
    assert any(c.startswith("useradd --system") and c.endswith(" kiosk") for c in commands)
    usermod = next(c for c in commands if c.startswith("usermod"))
    assert set(usermod.split()[3].split(",")) >= {
        "video", "render", "input", "audio", "dialout", "lp", "plugdev",
    }  # fmt: skip
    assert "python3 -m venv /opt/kiosk/venv" in commands
    assert "/opt/kiosk/venv/bin/python -m pip install -q -e /opt/kiosk/app" in commands
    assert "systemctl disable getty@tty1.service" in commands
    # restart, not start: running the installer again upgrades a running kiosk too
    assert commands[-2:] == ["systemctl enable kiosk.service", "systemctl restart kiosk.service"]
    check = next(c for c in commands if " config check " in c)
    assert check.startswith("runuser -u kiosk -- /opt/kiosk/venv/bin/kiosk config check")


def test_installed_units_still_verify(pi_root: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed")
    assert install(pi_root, "--with-acs", "--prefix", "/srv/kiosk").returncode == 0
    data = pi_root / "etc/kiosk-acs/consortium.json"  # the library system's own, not /etc/kiosk
    assert data.is_file() and data.stat().st_mode & 0o777 == 0o644
    acs_unit = (pi_root / "etc/systemd/system/kiosk-acs.service").read_text(encoding="utf-8")
    assert "--data /etc/kiosk-acs/consortium.json" in acs_unit
    assert "ConfigurationDirectory=kiosk-acs" in acs_unit
    for unit in ("kiosk.service", "kiosk-acs.service"):
        text = (pi_root / "etc/systemd/system" / unit).read_text(encoding="utf-8")
        assert "/srv/kiosk/venv/bin/kiosk" in text and "/opt/kiosk" not in text
        copy = pi_root / unit
        copy.write_text(text.replace("/srv/kiosk/venv/bin/kiosk", shutil.which("true") or ""))
        result = subprocess.run(
            [analyze, "verify", "--man=no", str(copy)], capture_output=True, text=True, timeout=60
        )
        assert (result.returncode, result.stdout + result.stderr) == (0, "")


def test_return_station_profile(pi_root: Path) -> None:
    result = install(pi_root, "--profile", "return-station", "--no-start")
    assert result.returncode == 0, result.stderr
    assert (pi_root / "etc/systemd/system/kiosk-return-station.service").is_file()
    assert not (pi_root / "etc/systemd/system/kiosk.service").exists()
    config = load_config(pi_root / "etc/kiosk/return.toml", env={}, check_files=False)
    assert config.kiosk.mode == "return-station"
    commands = planned(result)
    assert commands[-1] == "systemctl enable kiosk-return-station.service"
    assert "systemctl disable getty@tty1.service" not in commands


def test_running_again_keeps_the_staffs_config(pi_root: Path) -> None:
    assert install(pi_root, "--profile", "checkout").returncode == 0
    config_path = pi_root / "etc/kiosk/kiosk.toml"
    edited = config_path.read_text(encoding="utf-8").replace("bollnas-main-1", "bollnas-main-2")
    config_path.write_text(edited, encoding="utf-8")
    result = install(pi_root, "--profile", "checkout")
    assert result.returncode == 0
    assert config_path.read_text(encoding="utf-8") == edited
    assert (pi_root / "etc/kiosk/kiosk.toml.new").is_file()
    assert "keeping your /etc/kiosk/kiosk.toml" in result.stdout
    boot = (pi_root / "boot/firmware/config.txt").read_text()
    assert boot.count("dtoverlay=vc4-kms-v3d") == 1


def test_bad_options_are_refused_with_usage(tmp_path: Path) -> None:
    result = install(tmp_path, "--profile", "library")
    assert result.returncode == 2
    assert "--profile must be demo, checkout or return-station" in result.stderr
    no_root = subprocess.run(
        ["bash", str(INSTALLER), "--dry-run"], capture_output=True, text=True, timeout=60
    )
    assert no_root.returncode == 2 and "--root" in no_root.stderr


def test_installer_passes_shellcheck() -> None:
    shellcheck = shutil.which("shellcheck")
    if shellcheck is None:
        pytest.skip("shellcheck is not installed (bash .ci/setup installs it)")
    result = subprocess.run(
        [shellcheck, "-x", str(INSTALLER)], capture_output=True, text=True, timeout=60
    )
    assert (result.returncode, result.stdout + result.stderr) == (0, "")


def installer_packages() -> list[str]:
    script = f'source <(sed -n "/^APT_PACKAGES=(/,/^)/p" {INSTALLER}); echo "${{APT_PACKAGES[@]}}"'
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=30)
    return result.stdout.split()


def test_the_debian_packages_exist_and_install_together_on_bookworm() -> None:
    """Raspberry Pi OS 64-bit is Debian 12 with the same package names: simulate the install."""
    apt_get = shutil.which("apt-get")
    lists = Path("/var/lib/apt/lists")
    if apt_get is None or not any(lists.glob("*_Packages*")):
        pytest.skip("no apt package lists on this machine")
    packages = installer_packages()
    assert {"python3-venv", "pcscd", "libgbm1", "espeak-ng"} <= set(packages)
    result = subprocess.run(
        [apt_get, "-s", "-qq", "install", *packages], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
