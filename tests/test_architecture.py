"""The layering rules of DESIGN.md, checked on the source tree.

Arrows point down only: ui -> core -> ils -> sip2, core -> drivers. Drivers know nothing of the
kiosk, the core knows nothing of Kivy, hardware libraries or SIP2, the screens know the core only
through its port, and the whole tree is ruff clean.
"""

from __future__ import annotations

import ast
import re
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


def test_checking_a_config_of_every_vendor_loads_no_hardware_library() -> None:
    """The registries' vendors (kiosk.vendors) define settings and factories; a factory imports
    its driver when it builds one, so `kiosk config check` and the loading of any config keep
    pyserial, pyscard, pymodbus, Pillow, evdev and FOLIO's HTTP client out of memory."""
    heavy = ("pymodbus", "PIL", "smartcard", "serial", "evdev", "httpx", "kivy", "escpos")
    probe = f"""
import sys
from kiosk.config import DEMO_CONFIG, load_config, validate_config
from kiosk.registry import REGISTRIES

load_config(DEMO_CONFIG, env={{}})
base = {{"kiosk": {{"id": "k", "library": "SE-BOL", "branch": "B"}},
        "ils": {{"sip2": {{"user": "u", "password": "p"}}}}}}
for key, registry in REGISTRIES.items():
    for entry in registry:
        data = {{**base, "ils": dict(base["ils"])}}
        if key == "ils":
            data["ils"] = {{"backend": entry.name, entry.name: {{**entry.example}}}}
        else:
            data["hardware"] = {{key.split(".")[1]: dict(entry.example)}}
        validate_config(data, check_files=False)
print(sorted({{m.split(".")[0] for m in sys.modules}} & {set(heavy)!r}))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-2000:]
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


def test_a_running_kiosk_imports_no_developer_tool_or_dropped_dependency(tmp_path: Path) -> None:
    """Babel is in the ``tools`` extra and python-escpos is gone (its printer data ships in
    drivers/printer/escpos-models.json): the demo kiosk, every command's module and the touch
    screen's modules run without them."""
    probe = f"""
import asyncio, sys
from kiosk.ui.harness import configure_kivy
configure_kivy(headless=True, width=800, height=480)
import kiosk.cli, kiosk.ui.app, kiosk.ui.screens, kiosk.ui.i18n, kiosk.ui.formats, kiosk.health
kiosk.cli.build_parser()
from kiosk.assembly import open_kiosk
from kiosk.config import DEMO_CONFIG, load_config

async def run() -> None:
    config = load_config(DEMO_CONFIG, env={{"KIOSK__KIOSK__STATE_DIR": {str(tmp_path)!r}}})
    async with open_kiosk(config, simulator_timing=False) as running:
        assert running.printer is not None and running.printer.model.code_pages

asyncio.run(run())
print(sorted({{m.split(".")[0] for m in sys.modules}} & {{"babel", "escpos", "yaml", "qrcode"}}))
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_no_declared_dependency_goes_unimported() -> None:
    """Each runtime dependency in pyproject.toml is imported by some module of kiosk/ or
    drivers/ (a dependency nothing imports only costs every Pi its download and memory)."""
    import tomllib

    import_names = {
        "pyserial": "serial",
        "pyscard": "smartcard",
        "pillow": "PIL",
        "prometheus-client": "prometheus_client",
        "python-bidi": "bidi",
        "arabic-reshaper": "arabic_reshaper",
        "python-multipart": "python_multipart",
    }
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    imported = set().union(
        *imported_modules("kiosk").values(), *imported_modules("drivers").values()
    )
    tops = {name.split(".")[0] for name in imported}
    unused = []
    for requirement in project["dependencies"]:
        name = re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].strip().lower()
        if import_names.get(name, name.replace("-", "_")) not in tops:
            unused.append(name)
    assert unused == []
