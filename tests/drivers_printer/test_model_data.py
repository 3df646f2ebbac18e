"""The printer models ship in the repository (escpos-models.json), not through python-escpos."""

from __future__ import annotations

import json
import subprocess
import sys
from importlib import resources
from pathlib import Path

from drivers.printer import printer_model
from drivers.printer.model_data import LICENCE, SOURCE, trim

SHIPPED = Path(str(resources.files("drivers.printer") / "escpos-models.json"))


def shipped() -> dict[str, object]:
    return json.loads(SHIPPED.read_text(encoding="utf-8"))


def test_the_shipped_file_says_where_it_comes_from_and_under_which_licence() -> None:
    data = shipped()
    assert data["_source"] == SOURCE and "escpos-printer-db" in SOURCE
    assert data["_licence"] == LICENCE and "Creative Commons Attribution 4.0" in LICENCE


def test_the_shipped_file_is_what_the_regeneration_command_makes_of_it(tmp_path: Path) -> None:
    """Trimming is idempotent, so regenerating from the full database and from the shipped
    file give the same models; the command is the one the module's docstring documents."""
    assert trim(shipped()) == shipped()
    result = subprocess.run(
        [sys.executable, "-m", "drivers.printer.model_data", str(SHIPPED)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout == SHIPPED.read_text(encoding="utf-8")


def test_nordic_code_pages_of_the_usual_printers_come_from_the_shipped_file() -> None:
    assert printer_model("TM-T20II").code_pages["cp865"] == 5  # Epson: page 5 is PC865
    assert printer_model("TSP600").code_pages["cp865"] == 9  # Star numbers them differently
    assert printer_model("TSP600").code_pages["cp852"] == 5
    default = printer_model("default")
    assert (default.columns, default.can_cut, default.has_code128) == (42, True, True)
    assert len(shipped()["profiles"]) == 35  # type: ignore[arg-type]
