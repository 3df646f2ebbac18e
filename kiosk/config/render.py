"""Printing the effective configuration (``kiosk config show``) with every secret masked.

TOML output is written by a small emitter here (the standard library reads TOML but does not
write it, and the shapes in this model are few: tables, arrays of tables, scalars, lists).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

from kiosk.privacy import mask_card

from .model import CardFields, KioskConfig

__all__ = ["MASK", "effective_values", "render_config", "render_origins"]

MASK = "********"


def render_config(config: KioskConfig, fmt: Literal["toml", "json"] = "toml") -> str:
    """The effective settings (defaults included) as TOML or JSON; secrets appear as ``MASK``,
    card UIDs with at most their last four hex digits."""
    data = _masked(config.model_dump(mode="json"))
    if fmt == "json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    return _toml(data)


def effective_values(
    config: KioskConfig, origins: Mapping[tuple[str | int, ...], str]
) -> list[tuple[str, Any, str]]:
    """Every effective value as ``(dotted key, value, origin)``, secrets masked; the origin is
    ``FILE:LINE``, ``environment variable NAME`` or ``default``. Tables of values a person
    writes as one (``kiosk.branch_names``, ``ui.theme.welcome``) and arrays of tables count as
    one value each."""
    from .loader import dotted

    found: list[tuple[str, Any, str]] = []

    def walk(value: Any, loc: tuple[str, ...]) -> None:
        if isinstance(value, dict) and value and loc not in _WHOLE and not _is_free_table(loc):
            for key, child in value.items():
                walk(child, (*loc, key))
            return
        origin = next(
            (origins[loc[:end]] for end in range(len(loc), 0, -1) if loc[:end] in origins),
            None,
        )
        if origin is None:  # a table shown whole: where its first written key came from
            inner = (where for at, where in origins.items() if at[: len(loc)] == loc)
            origin = next(inner, "default")
        found.append((dotted(loc), value, origin))

    walk(_masked(config.model_dump(mode="json")), ())
    return found


#: Tables whose keys are data (names, languages), shown as one value.
_WHOLE = frozenset({("kiosk", "branch_names"), ("ui", "theme", "welcome")})


def _is_free_table(loc: tuple[str, ...]) -> bool:
    return loc[:2] == ("console", "users") and len(loc) == 3


def render_origins(config: KioskConfig, origins: Mapping[tuple[str | int, ...], str]) -> str:
    """``kiosk config show --origin``: one line per value, ``key = value  # origin``."""
    lines = []
    for key, value, origin in effective_values(config, origins):
        lines.append(f"{key} = {_value(value) if value is not None else '(not set)'}  # {origin}")
    return "\n".join(lines) + "\n"


def _masked(value: Any, key: str = "") -> Any:
    # model_dump(mode="json") already renders SecretStr as asterisks; normalise them to MASK
    # so the output never reveals even the secret's length. Card UIDs (staff cards open staff
    # mode) keep only what kiosk.privacy allows: a pasted `config show` must not clone a card.
    if isinstance(value, dict):
        return {k: _masked(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked(v, key) for v in value]
    if isinstance(value, str) and key in CardFields:
        return mask_card(value, fill="*")
    if isinstance(value, str) and value and set(value) == {"*"}:
        return MASK
    return value


def _toml(data: dict[str, Any]) -> str:
    out: list[str] = []
    _emit_table(data, (), out)
    return "\n".join(out).strip() + "\n"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_table_array(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _emit_table(table: dict[str, Any], path: tuple[str, ...], out: list[str]) -> None:
    for key, value in table.items():
        if value is None or _is_table(value) or _is_table_array(value):
            continue
        out.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        if value is None:
            out.append(f"# {_key(key)} is not set")
    for key, value in table.items():
        if _is_table(value):
            out.append("")
            out.append(f"[{'.'.join(_key(k) for k in (*path, key))}]")
            _emit_table(value, (*path, key), out)
        elif _is_table_array(value):
            for item in value:
                out.append("")
                out.append(f"[[{'.'.join(_key(k) for k in (*path, key))}]]")
                _emit_table(item, (*path, key), out)


def _key(key: str) -> str:
    bare = key.replace("_", "").replace("-", "").isalnum() and key.isascii()
    return key if bare else json.dumps(key, ensure_ascii=False)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        inner = ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items() if v is not None)
        return "{ " + inner + " }" if inner else "{}"
    return json.dumps(str(value), ensure_ascii=False)
