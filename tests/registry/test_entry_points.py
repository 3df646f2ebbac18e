"""A vendor from an installed package: its module is named in the entry-point group
``nordic_kiosk.vendors`` and loads with the kiosk's own vendors (in a fresh process, as a kiosk
starts; the registries load their vendors once per process)."""

from __future__ import annotations

import os
from pathlib import Path

from tests.kiosk_command import ROOT, run_kiosk


def installed(site: Path, module: str) -> dict[str, str]:
    """A distribution's metadata in ``site`` naming ``module`` as a kiosk vendor (what pip
    writes for a package with that entry point), and the environment that puts it on the path."""
    info = site / "acme_kiosk-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-kiosk\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        f"[nordic_kiosk.vendors]\nacme = {module}\n", encoding="utf-8"
    )
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


def test_an_installed_packages_vendor_is_known_to_the_kiosk(tmp_path: Path) -> None:
    env = installed(tmp_path / "site", "tests.registry.acme_vendor")
    result = run_kiosk("devices", "types", env=env)
    assert result.returncode == 0, result.stderr
    assert "  acme             ACME pads (a test)" in result.stdout
    config = tmp_path / "kiosk.toml"
    config.write_text(
        "[kiosk]\nid = 'k1'\nlibrary = 'SE-BOL'\nbranch = 'B'\n[ils.sip2]\nuser = 'u'\n"
        "password = 'p'\n[hardware.rfid]\ntype = 'acme'\nantenna = 'left'\n",
        encoding="utf-8",
    )
    result = run_kiosk("config", "check", "--no-env", str(config), env=env)
    assert result.returncode == 0, result.stderr
    assert "devices: rfid acme," in result.stdout


def test_a_vendor_module_that_does_not_import_is_named(tmp_path: Path) -> None:
    env = installed(tmp_path / "site", "acme_kiosk.missing")
    result = run_kiosk("devices", "types", env=env)
    assert result.returncode != 0
    assert (
        "vendor module 'acme_kiosk.missing' (entry point 'acme' of acme-kiosk) failed to import"
        in result.stderr
    )
