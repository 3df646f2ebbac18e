"""The layering rules of DESIGN.md, checked on the source tree.

Arrows point down only: ui -> core -> ils -> sip2, core -> drivers. Drivers know nothing of the
kiosk, the core knows nothing of Kivy, hardware libraries or SIP2, the screens know the core only
through its port, and the whole tree is ruff clean.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> dict[Path, set[str]]:
    """Top-level names each module of ``package`` imports (absolute imports only)."""
    found: dict[Path, set[str]] = {}
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        names: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module)
        found[path] = names
    return found


def offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imported_modules(package).items()
        for name in names
        if name.split(".")[0] in forbidden or any(name.startswith(f + ".") for f in forbidden)
    )


def test_drivers_never_import_the_kiosk() -> None:
    assert offenders("drivers", ("kiosk",)) == []


def test_core_stays_plain_python() -> None:
    forbidden = ("kivy", "serial", "smartcard", "escpos", "evdev", "kiosk.ui", "kiosk.acs")
    assert offenders("kiosk/core", forbidden) == []


def test_the_core_speaks_to_library_systems_only_through_their_port() -> None:
    """SIP2 is one back end among others: the core sees ``kiosk.ils``, never a protocol."""
    assert offenders("kiosk/core", ("kiosk.sip2", "kiosk.assembly", "kiosk.config")) == []


def test_the_screens_see_the_core_only_through_its_port() -> None:
    """The UI imports no driver, no composition (assembly, demo), no library-system layer and no
    SIP2; of the core only its public package (the port, events, views), not its parts."""
    forbidden = (
        "drivers",
        "kiosk.assembly",
        "kiosk.station_assembly",
        "kiosk.demo",
        "kiosk.commands",
        "kiosk.acs",
        "kiosk.ils",
        "kiosk.sip2",
        "serial",
        "smartcard",
    )
    assert offenders("kiosk/ui", forbidden) == []
    reaching_in = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path, names in imported_modules("kiosk/ui").items()
        for name in names
        if name.startswith("kiosk.core.")
    )
    assert reaching_in == []


def test_the_screens_never_probe_the_core() -> None:
    """No ``getattr``/``hasattr`` on what the core hands out: the port is typed, so a screen
    that needs something asks the port for it. The few left look at Kivy's objects, the C
    library or the theme's palette, and are named here one by one."""
    kivy_and_os = {"self.theme.palette", "widget", "App.get_running_app()", "app", "libc", "self"}
    probes = []
    for path in (ROOT / "kiosk/ui").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in ("getattr", "hasattr")
                and ast.unparse(node.args[0]) not in kivy_and_os
            ):
                probes.append(f"{path.relative_to(ROOT)}:{node.lineno}: {ast.unparse(node)}")
    assert probes == []


def test_importing_the_core_loads_no_hardware_or_heavy_library() -> None:
    """The core imports the drivers' contracts; the drivers' packages load their
    implementations (pymodbus, Pillow, pyscard, pyserial) and e-mail only when used, so a kiosk
    keeps in memory only what its configuration needs (the 150 MB budget of issue 5)."""
    heavy = ("pymodbus", "PIL", "smartcard", "serial", "escpos", "yaml", "smtplib", "kivy")
    probe = (
        "import sys, kiosk.core; "
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(heavy)!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_every_name_a_driver_package_exports_can_be_imported() -> None:
    """The lazily loaded names (drivers._lazy) are listed by hand: a name in ``__all__`` that
    no submodule serves would only fail where a kiosk first uses that device."""
    import importlib

    for package in ("drivers.cards", "drivers.printer", "drivers.rfid", "drivers.sorter"):
        module = importlib.import_module(package)
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert missing == [], (package, missing)


def test_protocol_and_port_layers_do_not_reach_up() -> None:
    assert offenders("kiosk/sip2", ("kiosk.core", "kiosk.ui", "kiosk.ils", "kiosk.acs")) == []
    assert offenders("kiosk/ils", ("kiosk.core", "kiosk.ui", "kivy")) == []


def test_the_tree_is_ruff_clean() -> None:
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))  # from the test extra
    assert ruff is not None, "ruff is missing from the virtual environment"
    result = subprocess.run(
        [ruff, "check", "--no-cache", "kiosk", "drivers", "tests", "bench"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
