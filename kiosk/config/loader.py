"""Reading a config file plus environment overrides into a :class:`KioskConfig`.

The merge is done here rather than by pydantic-settings' own sources because an error message has
to say where a value came from (which file and line, or which environment variable), and because
tests and the CLI pass an explicit environment instead of the process's.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, SecretStr, ValidationError

from kiosk.registry import LIBRARY_SYSTEMS, REGISTRIES

from .model import IlsSettings, KioskConfig, SecretFields
from .problems import ConfigError, ConfigIssue, Problems

__all__ = [
    "ENV_PREFIX",
    "EXTENDS",
    "Layer",
    "env_overrides",
    "load_config",
    "load_layered",
    "read_layers",
    "validate_config",
]

#: Environment variables starting with this override config keys: ``KIOSK__ILS__SIP2__PORT=6002``.
ENV_PREFIX = "KIOSK__"
_ENV_DELIMITER = "__"

Loc = tuple[str | int, ...]


#: The top-level key naming the files a config builds on (fleet layers).
EXTENDS = "extends"
#: How many files one config may build on, all layers counted (a loop of layers is refused
#: before this, by name).
MAX_LAYERS = 16


@dataclass(frozen=True, slots=True)
class Layer:
    """One file of a layered config: its name, its parsed data (without ``extends``), its text
    (for line numbers) and its directory."""

    source: str
    data: dict[str, Any]
    text: str
    base_dir: Path


def load_config(
    path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    *,
    check_files: bool = True,
    text: str | None = None,
) -> KioskConfig:
    """Load and validate the config in ``path`` (TOML), with ``KIOSK__...`` overrides from ``env``.

    ``env`` defaults to ``os.environ``; pass ``{}`` to ignore the environment. Relative paths in
    the files are taken relative to the directory of ``path`` (the kiosk's own file, also for
    values its layers set). ``check_files=False`` skips checking that referenced files exist and
    reading secret files (to inspect a config meant for another machine). ``text`` is the
    content to use instead of reading ``path`` (to check an edit before it is written).

    **Layers** (a consortium's fleet): a top-level ``extends = ["../consortium.toml",
    "../libraries/bollnas.toml"]`` (or one string) names the files this one builds on, relative
    to it; each may extend others. They are merged in order, the file itself last: a later layer
    overrides an earlier one key by key (tables merge, any other value -- arrays too -- is
    replaced whole, and so is a device table whose ``type`` changes: another vendor's settings
    do not mix with the first's). A file reached twice counts once, at its first place.

    Raises :class:`ConfigError` listing every problem (file/variable, line, dotted key, value,
    expectation); never a bare ``ValidationError`` or ``TOMLDecodeError``.
    """
    return load_layered(path, env, check_files=check_files, text=text)[0]


def load_layered(
    path: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    *,
    check_files: bool = True,
    text: str | None = None,
) -> tuple[KioskConfig, dict[Loc, str]]:
    """:func:`load_config`, and where each key that was written came from: ``FILE:LINE`` or
    ``environment variable NAME``, by location (keys not in the map have their default)."""
    path = Path(path)
    layers = read_layers(path, text=text)
    merged: dict[str, Any] = {}
    written: dict[Loc, int] = {}
    for number, layer in enumerate(layers):
        _merge_into(merged, layer.data, (), written, number)
    own = layers[-1]
    config, origins = _validate(
        merged,
        source=own.source,
        text=own.text,
        base_dir=own.base_dir,
        env=os.environ if env is None else env,
        check_files=check_files,
        layers=layers,
        written=written,
    )
    return config, origins


def read_layers(path: Path, *, text: str | None = None) -> list[Layer]:
    """The files ``path`` builds on, in merge order, then ``path`` itself."""
    found: list[Layer] = []
    seen: set[Path] = set()

    def visit(file: Path, chain: tuple[Path, ...], given: str | None) -> None:
        real = file.resolve()
        if real in chain:
            loop = " -> ".join(str(p) for p in (*chain, real))
            raise ConfigError(
                [ConfigIssue(str(file), EXTENDS, f"a loop of layers ({loop})", "no loops")]
            )
        if real in seen:
            return
        layer = _read_layer(file, given)
        if len(found) + len(chain) >= MAX_LAYERS:
            raise ConfigError(
                [ConfigIssue(str(file), EXTENDS, "too many layers", f"at most {MAX_LAYERS}")]
            )
        for base in _extends(layer, file):
            visit(base, (*chain, real), None)
        seen.add(real)
        found.append(layer)

    visit(path, (), text)
    return found


def _read_layer(path: Path, text: str | None) -> Layer:
    source = str(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(
                [ConfigIssue(source, "", "no such file", "a TOML config file")]
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                [ConfigIssue(source, "", f"unreadable ({exc})", "a UTF-8 file")]
            ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        raise ConfigError([ConfigIssue(source, "", "invalid TOML", str(exc), line)]) from None
    except RecursionError:  # the reader recurses per level: thousands of "[" exhaust the stack
        raise ConfigError(
            [ConfigIssue(source, "", "values nested too deeply to read", _NESTING)]
        ) from None
    return Layer(source, data, text, path.resolve().parent)


def _extends(layer: Layer, path: Path) -> list[Path]:
    """The files ``layer`` names in ``extends`` (removed from its data), relative to it."""
    value = layer.data.pop(EXTENDS, [])
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not all(isinstance(n, str) and n for n in names):
        line = _key_lines(layer.text).get((EXTENDS,))
        raise ConfigError(
            [
                ConfigIssue(
                    layer.source,
                    EXTENDS,
                    _show(value, secret=False),
                    "a file name or a list of them (the layers this file builds on)",
                    line,
                )
            ]
        )
    return [Path(os.path.normpath(path.parent / Path(name).expanduser())) for name in names]


def _merge_into(
    target: dict[str, Any],
    data: Mapping[str, Any],
    loc: Loc,
    written: dict[Loc, int],
    layer: int,
) -> None:
    """Merge one layer's ``data`` into ``target``; ``written`` records which layer set each
    key last (a table's keys one by one; any other value whole)."""
    for key, value in data.items():
        here = (*loc, key)
        earlier = target.get(key)
        same_vendor = not (
            isinstance(value, Mapping)
            and isinstance(earlier, dict)
            and "type" in value
            and value["type"] != earlier.get("type")
        )  # a device table whose type a later layer changes is that vendor's, replaced whole
        if isinstance(value, Mapping) and isinstance(earlier, dict) and same_vendor:
            written.setdefault(here, layer)
            _merge_into(target[key], value, here, written, layer)
            continue
        for old in [at for at in written if at[: len(here)] == here]:
            del written[old]
        target[key] = _deep_copy(value)
        written[here] = layer
        if isinstance(value, Mapping):
            _mark_all(value, here, written, layer)


def _mark_all(data: Mapping[str, Any], loc: Loc, written: dict[Loc, int], layer: int) -> None:
    for key, value in data.items():
        written[(*loc, key)] = layer
        if isinstance(value, Mapping):
            _mark_all(value, (*loc, key), written, layer)


def validate_config(
    data: Mapping[str, Any],
    *,
    source: str = "<config>",
    text: str | None = None,
    base_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    check_files: bool = True,
) -> KioskConfig:
    """Validate already-parsed config data (e.g. built by a test), with the same error report."""
    return _validate(
        data, source=source, text=text, base_dir=base_dir, env=env, check_files=check_files
    )[0]


def _validate(
    data: Mapping[str, Any],
    *,
    source: str,
    text: str | None,
    base_dir: Path | None,
    env: Mapping[str, str] | None,
    check_files: bool,
    layers: list[Layer] | None = None,
    written: Mapping[Loc, int] | None = None,
) -> tuple[KioskConfig, dict[Loc, str]]:
    overrides = env_overrides(env or {})
    nesting = _nesting_issues(data, overrides, source=source, text=text)
    if nesting:
        raise ConfigError(nesting)
    merged = _deep_copy(data)
    origin: dict[Loc, str] = {}
    for loc, (name, value) in overrides.items():
        _set_in(merged, loc, value)
        origin[loc] = name
    if not layers:
        layers = [Layer(source, dict(data), text or "", base_dir or Path("."))]
        written = dict.fromkeys(_leaves(data), 0)
    layer_lines = [_key_lines(layer.text) if layer.text else {} for layer in layers]
    placed = _Placement(layers, layer_lines, written or {})
    context = {"base_dir": base_dir, "check_files": check_files}
    try:
        config = KioskConfig.model_validate(merged, context=context)
    except ValidationError as exc:
        issues = [
            _issue(error, origin=origin, placed=placed, data=merged)
            for error in exc.errors(include_url=False)
            for error in _expand(error)
        ]
        issues.sort(key=lambda issue: (issue.source != source, issue.line or 0, issue.key))
        raise ConfigError(issues) from None
    origins = {  # values, not tables: a table's keys each have their own origin or default
        loc: placed.where(loc)
        for loc in (written or {})
        if not isinstance(_value_at(data, loc), Mapping)
    }
    origins.update({loc: f"environment variable {name}" for loc, name in origin.items()})
    return config, origins


@dataclass(frozen=True, slots=True)
class _Placement:
    """Which layer (file) set a key, and on which line."""

    layers: list[Layer]
    lines: list[dict[Loc, int]]
    written: Mapping[Loc, int]

    def layer_of(self, loc: Loc) -> int:
        """The layer that set ``loc`` or the nearest table around it (default: the last)."""
        for end in range(len(loc), 0, -1):
            if loc[:end] in self.written:
                return self.written[loc[:end]]
        return len(self.layers) - 1

    def source_and_line(self, loc: Loc) -> tuple[str, int | None]:
        number = self.layer_of(loc)
        return self.layers[number].source, _line_of(loc, self.lines[number])

    def where(self, loc: Loc) -> str:
        source, line = self.source_and_line(loc)
        return f"{source}:{line}" if line else source


def _value_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = _child(data, part)
    return data


def _leaves(data: Mapping[str, Any], loc: Loc = ()) -> list[Loc]:
    found: list[Loc] = []
    for key, value in data.items():
        found.append((*loc, key))
        if isinstance(value, Mapping):
            found += _leaves(value, (*loc, key))
    return found


def env_overrides(env: Mapping[str, str]) -> dict[Loc, tuple[str, Any]]:
    """The config keys that ``KIOSK__SECTION__KEY=value`` variables set, by location.

    Names are case-insensitive; a numeric part indexes a list
    (``KIOSK__RETURN_STATION__RULES__0__BIN``).
    Values starting with ``[`` or ``{`` are read as JSON (``KIOSK__UI__LANGUAGES='["sv","en"]'``);
    all others stay strings and are converted by the model like TOML strings would be.
    """
    found: dict[Loc, tuple[str, Any]] = {}
    for name in sorted(env):
        if not name.upper().startswith(ENV_PREFIX):
            continue
        parts = name[len(ENV_PREFIX) :].lower().split(_ENV_DELIMITER)
        if not all(parts):
            continue
        loc: Loc = tuple(int(p) if re.fullmatch(r"[0-9]+", p) else p for p in parts)
        raw = env[name]
        value: Any = raw
        if raw[:1] in ("[", "{"):
            try:
                value = json.loads(raw)
            except json.JSONDecodeError:
                value = raw
            except RecursionError:  # json recurses per level too
                raise ConfigError(
                    [
                        ConfigIssue(
                            f"environment variable {name}",
                            dotted(loc),
                            "JSON nested too deeply to read",
                            _NESTING,
                        )
                    ]
                ) from None
        found[loc] = (name, value)
    return found


#: How deep tables and arrays may nest. The model's deepest key is five levels down
#: (``return_station.rules[0].media_type[0]``); the rest of the loader, pydantic and the error
#: report walk values recursively, so a value a thousand levels deep would crash them.
MAX_NESTING = 16
_NESTING = f"tables and arrays nested at most {MAX_NESTING} levels deep"


def _nesting_issues(
    data: Mapping[str, Any],
    overrides: Mapping[Loc, tuple[str, Any]],
    *,
    source: str,
    text: str | None,
) -> list[ConfigIssue]:
    """A value nested deeper than :data:`MAX_NESTING`, in the file or an environment variable."""
    issues = []
    found = _too_deep(data)
    if found is not None:
        line = _line_of(found, _key_lines(text)) if text else None
        issues.append(
            ConfigIssue(source, _short(found), "values nested too deeply", _NESTING, line)
        )
    for loc, (name, value) in overrides.items():
        found = _too_deep(value)
        if found is not None:
            issues.append(
                ConfigIssue(
                    f"environment variable {name}",
                    _short((*loc, *found)),
                    "JSON nested too deeply",
                    _NESTING,
                )
            )
    return issues


def _short(loc: Loc) -> str:
    """The dotted key of a deep location, cut after six parts."""
    return dotted(loc[:6]) + ("..." if len(loc) > 6 else "")


def _too_deep(value: Any, limit: int = MAX_NESTING) -> Loc | None:
    """Where ``value`` first nests deeper than ``limit`` (walked without recursion), or None."""
    stack: list[tuple[Any, Loc]] = [(value, ())]
    while stack:
        node, loc = stack.pop()
        if isinstance(node, Mapping):
            children: list[tuple[str | int, Any]] = [(str(k), v) for k, v in node.items()]
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        if len(loc) >= limit and children:
            return loc
        stack.extend((child, (*loc, key)) for key, child in children)
    return None


# --------------------------------------------------------------------------------------------
# merging


def _deep_copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


def _set_in(data: dict[str, Any], loc: Loc, value: Any) -> None:
    node: Any = data
    for part in loc[:-1]:
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
            continue
        if not isinstance(node, dict):
            return  # the model will report the type problem of the parent key
        if not isinstance(node.get(part), dict | list):
            node[part] = {}
        node = node[part]
    last = loc[-1]
    fits_list = isinstance(node, list) and isinstance(last, int) and last < len(node)
    if fits_list or isinstance(node, dict):
        node[last] = value


# --------------------------------------------------------------------------------------------
# error reporting


def _expand(error: Any) -> list[Any]:
    """Split one error raised as :class:`Problems` into one error per problem key."""
    cause = (error.get("ctx") or {}).get("error")
    if not isinstance(cause, Problems):
        return [error]
    expanded = []
    for problem in cause.problems:
        sub = tuple(_split_key(problem.key))
        expanded.append(
            {
                "type": "problem",
                "loc": tuple(error["loc"]),
                "sub": sub,
                "msg": problem.expected,
                "input": problem.value,
                "problem": True,
            }
        )
    return expanded


def _split_key(key: str) -> list[str | int]:
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        parts.append(int(token[1:-1]) if token.startswith("[") else token)
    return parts


def dotted(loc: Loc) -> str:
    """``("return_station", "rules", 2, "bin")`` -> ``"return_station.rules[2].bin"``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _issue(
    error: Any,
    *,
    origin: Mapping[Loc, str],
    placed: _Placement,
    data: Any,
) -> ConfigIssue:
    loc = _real_loc(error["loc"], data, missing=error["type"] == "missing") + error.get("sub", ())
    key = dotted(loc)
    kind = error["type"]
    secret = any(isinstance(p, str) and p in SecretFields for p in loc)
    if kind == "missing":
        value, expected = "nothing (the key is missing)", _expected_for_missing(loc, data)
    elif kind == "extra_forbidden":
        value = _show(error.get("input"), secret=secret)
        expected = _expected_for_unknown(loc, data)
    else:
        if error.get("problem") and error.get("input") is None:
            value = "nothing"
        else:
            value = _show(error.get("input"), secret=secret)
        expected = _expected(error)
    env_name: str | None = next((name for at, name in origin.items() if loc[: len(at)] == at), None)
    if env_name is None:
        env_name = next((name for at, name in origin.items() if at[: len(loc)] == loc), None)
    if env_name is not None:
        return ConfigIssue(f"environment variable {env_name}", key, value, expected)
    source, line = placed.source_and_line(loc)
    return ConfigIssue(source, key, value, expected, line)


def _real_loc(loc: Loc, data: Any, *, missing: bool) -> Loc:
    """The keys of ``loc`` a person wrote, without the union members pydantic adds to it.

    pydantic puts the union member it tried into the location ("function-after[...]",
    "list[str]"); only the data tells those from keys a person wrote (which may look the same),
    so the location is walked through the data. A missing key is the last part and not in it.
    """
    real: list[str | int] = []
    node = data
    for n, part in enumerate(loc):
        in_table = isinstance(node, dict) and part in node
        in_array = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        if in_table or in_array:
            real.append(part)
            node = node[part]
        elif missing and n == len(loc) - 1:
            real.append(part)
    return tuple(real)


def _show(value: Any, *, secret: bool) -> str:
    if secret or isinstance(value, SecretStr):
        return "'***' (hidden)"
    if isinstance(value, dict):
        return "a table" if value else "an empty table"
    if isinstance(value, Path):
        value = str(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _expected(error: Any) -> str:
    msg: str = error["msg"]
    ctx = error.get("ctx") or {}
    if error["type"] == "literal_error" and "expected" in ctx:
        return f"one of {ctx['expected']}"
    if error["type"] in ("model_type", "model_attributes_type", "dict_type"):
        return "a table (a [section] with keys below it)"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    if msg.startswith("Input should be "):
        msg = msg[len("Input should be ") :]
    elif msg.startswith("String should have ") or msg.startswith("List should have "):
        msg = "a value that should have " + msg.split(" should have ", 1)[1]
    return msg


def _model_at(loc: Loc, data: Any) -> type[BaseModel] | None:
    """The model of the table at ``loc``, found by walking the annotations. Where a registry
    fills a key (``hardware.rfid``, ``ils.<back end>``) the data says which vendor's model it
    is: its ``type``, or the back end's name."""
    model: Any = KioskConfig
    node: Any = data
    for part in loc:
        node = _child(node, part)
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = model.model_fields.get(part)
        if field is not None:
            model = _vendor_model(_model_in(field.annotation), node)
        elif model is IlsSettings and part in LIBRARY_SYSTEMS:
            model = LIBRARY_SYSTEMS.get(str(part)).settings
        else:
            return None
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _child(node: Any, part: str | int) -> Any:
    if isinstance(node, Mapping):
        return node.get(part)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return None


def _vendor_model(model: Any, node: Any) -> Any:
    """For a registry's settings base, the model of the vendor ``node`` names (or the base)."""
    registry = next(
        (r for r in REGISTRIES.values() if r.typed and r.base is model and model is not None),
        None,
    )
    if registry is None:
        return model
    name = node.get("type", registry.default) if isinstance(node, Mapping) else registry.default
    if not isinstance(name, str) or name not in registry:
        return model
    return registry.get(name).settings


def _field_names(loc: Loc, data: Any) -> list[str] | None:
    """The keys allowed at ``loc`` (a table)."""
    model = _model_at(loc, data)
    if model is None:
        return None
    names = list(model.model_fields)
    if model is IlsSettings:  # the tables of back ends registered from elsewhere
        names += [name for name in LIBRARY_SYSTEMS.names() if name not in names]
    return names


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, UnionType, list) or get_args(annotation):
        for arg in get_args(annotation):
            found = _model_in(arg)
            if found is not None:
                return found
    return None


def _expected_for_unknown(loc: Loc, data: Any) -> str:
    allowed = _field_names(loc[:-1], data)
    name = str(loc[-1])
    if not allowed:
        return "no such key here"
    close = get_close_matches(name, allowed, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    return f"a known key ({hint}this table accepts: {', '.join(allowed)})"


def _expected_for_missing(loc: Loc, data: Any) -> str:
    parent = _model_at(loc[:-1], data)
    field = parent.model_fields.get(str(loc[-1])) if parent is not None else None
    if field is not None and _model_in(field.annotation) is not None:
        return f"a [{dotted(loc)}] table"
    if field is not None and field.description:
        return f"a value: {field.description}"
    return "a value (this key is required)"


# --------------------------------------------------------------------------------------------
# line numbers (tomllib gives none)

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_ASSIGN = re.compile(r"^\s*([A-Za-z0-9_\-.\"' ]+?)\s*=")


def _split_dotted(key: str) -> tuple[str, ...]:
    return tuple(part.strip().strip("\"'") for part in key.split("."))


def _key_lines(text: str) -> dict[Loc, int]:
    """Map each table header and key in a TOML text to its line number (best effort)."""
    found: dict[Loc, int] = {}
    table: Loc = ()
    array_counts: dict[Loc, int] = {}
    in_multiline: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        header = _HEADER.match(line)
        if header:
            names = _split_dotted(header.group(2))
            if header.group(1) == "[[":
                index = array_counts.get(names, -1) + 1
                array_counts[names] = index
                table = (*names, index)
            else:
                table = _with_indices(names, array_counts)
            for end in range(1, len(table) + 1):
                found.setdefault(table[:end], number)
            continue
        assign = _ASSIGN.match(line)
        if assign:
            found.setdefault((*table, *_split_dotted(assign.group(1))), number)
            for quote in ('"""', "'''"):
                if line.count(quote) % 2 == 1:
                    in_multiline = quote
    return found


def _with_indices(names: tuple[str, ...], arrays: Mapping[Loc, int]) -> Loc:
    """``[return_station.rules.x]`` inside an array of tables refers to its last element."""
    loc: list[str | int] = []
    for n, name in enumerate(names):
        loc.append(name)
        prefix = names[: n + 1]
        if prefix in arrays and n + 1 < len(names):
            loc.append(arrays[prefix])
    return tuple(loc)


def _line_of(loc: Loc, lines: Mapping[Loc, int]) -> int | None:
    for end in range(len(loc), 0, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None
