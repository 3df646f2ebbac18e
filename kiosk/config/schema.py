"""The JSON Schema of the configuration (``kiosk config schema``), registered vendors included.

Why not only ``KioskConfig.model_json_schema()``: a device table (``[hardware.rfid]`` ...) and a
back end's ``[ils.<name>]`` are validated by whichever vendor is registered under its ``type``
(kiosk.registry), which the static model cannot list. Here each such key becomes a ``oneOf`` of
the registered vendors' settings, so an editor completes ``type`` and then that vendor's keys.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from kiosk.registry import LIBRARY_SYSTEMS, REGISTRIES

from .model import KioskConfig

__all__ = ["config_schema"]


def config_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a kiosk config, with every registered vendor."""
    schema = KioskConfig.model_json_schema()
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    hardware = defs["HardwareSettings"]["properties"]
    for key, registry in REGISTRIES.items():
        if not key.startswith("hardware."):
            continue
        table = key.split(".", 1)[1]
        defs.pop(registry.base.__name__, None)  # the bare base: only its vendors are valid
        hardware[table] = {
            "oneOf": [_ref(entry.settings, defs) for entry in registry],
            "description": f"The {registry.kind}; `type` picks the vendor "
            f"(default {registry.default!r}).",
        }
    ils = defs["IlsSettings"]["properties"]
    ils["backend"] = {
        "enum": list(LIBRARY_SYSTEMS.names()),
        "default": LIBRARY_SYSTEMS.default,
        "description": "The library-system back end; its settings are [ils.<backend>].",
    }
    for entry in LIBRARY_SYSTEMS:
        ils.setdefault(entry.name, _ref(entry.settings, defs))
    return schema


def _ref(model: type[BaseModel], defs: dict[str, Any]) -> dict[str, str]:
    """``model``'s schema added to ``defs`` (with the models it uses); a reference to it."""
    sub = model.model_json_schema(ref_template="#/$defs/{model}")
    for name, definition in sub.pop("$defs", {}).items():
        defs.setdefault(name, definition)
    name = model.__name__
    if defs.get(name, sub) != sub:  # two vendors' models with one class name
        name = f"{model.__module__}.{model.__name__}"
    defs[name] = sub
    return {"$ref": f"#/$defs/{name}"}
