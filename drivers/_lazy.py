"""Names a driver package exports but loads only when first used.

Why: the kiosk core imports the drivers' *contracts* (``drivers.sorter.contract`` ...), and
Python runs the package's ``__init__`` first. Importing every implementation there would load
pymodbus, Pillow and friends into every kiosk, although one kiosk uses a few of them: on the
800x480 Pi the Modbus client alone is ~10 MB of a 150 MB budget. It also keeps
``python -m drivers.rfid.simulator`` from finding its own module already imported by the
package (runpy warns about that).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, exports: dict[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each submodule (relative to
    ``package``, ``".pcsc"``) to the names it defines; it is imported when one is first used."""
    module_of = {name: module for module, names in exports.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = module_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(module, package), name)

    return __getattr__
