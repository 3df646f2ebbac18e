"""Changing a kiosk's config file in place: validated first, written atomically, backed up,
audited. ``kiosk config set-staff-code``, ``set-console-password`` and the staff console's
configuration page all save through :func:`edit_config`.

Why tomlkit and not a TOML writer of our own: the file is a person's, with comments explaining
each key; an edit must change the keys it names and leave every comment, blank line and order
as it was. Why validate before writing: the kiosk reads this file at its next start, and a file
that does not load leaves the kiosk out of service, so a change that the loader refuses is
refused here with the loader's own errors (file, key, value, what was expected).

Writing: the new text goes to a temporary file beside the config (same file system), is fsynced
and renamed over it, so a power cut leaves the old file or the new one, never half of each. The
old file is first copied to ``NAME.bak`` (the previous version; one level is what staff undo).
The audit line names who changed which keys, never a value: a value may be a password hash.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tomlkit
import tomlkit.exceptions
from tomlkit.items import Table

from .loader import dotted, load_config
from .model import KioskConfig
from .problems import ConfigError, ConfigIssue

__all__ = ["AUDIT_FILE", "DELETE", "EditResult", "edit_config"]

#: A change that removes the key.
DELETE = object()
#: The audit log's name in the kiosk's state directory.
AUDIT_FILE = "config-audit.log"

Loc = tuple[str, ...]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class EditResult:
    """What :func:`edit_config` did: the config as it now loads, the backup, the keys."""

    config: KioskConfig
    backup: Path
    changed: tuple[str, ...]


def edit_config(
    path: Path,
    changes: Mapping[Loc, Any],
    *,
    who: str,
    env: Mapping[str, str] | None = None,
    check_files: bool = True,
) -> EditResult:
    """Set (or with :data:`DELETE` remove) each dotted location in ``path``, validate the result
    as ``load_config`` would, then write it atomically with a backup and an audit line.

    Raises :class:`ConfigError` (nothing written) when the file cannot be read or the changed
    config does not load; its issues name the keys.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        document = tomlkit.parse(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            [ConfigIssue(str(path), "", f"unreadable ({exc})", "a UTF-8 file")]
        ) from None
    except tomlkit.exceptions.ParseError as exc:
        raise ConfigError(
            [ConfigIssue(str(path), "", "invalid TOML", str(exc), exc.line)]
        ) from None
    changed = []
    for loc, value in changes.items():
        if _apply(document, loc, value):
            changed.append(dotted(loc))
    new_text = tomlkit.dumps(document)
    config = _validate(path, new_text, env=env, check_files=check_files)
    backup = path.with_name(path.name + ".bak")
    if changed:
        shutil.copy2(path, backup)
        _write_atomically(path, new_text)
        _audit(config, who, changed)
    return EditResult(config, backup, tuple(changed))


def _apply(document: tomlkit.TOMLDocument, loc: Loc, value: Any) -> bool:
    """Set or remove one key; whether the document changed."""
    node: Any = document
    for part in loc[:-1]:
        child = node.get(part)
        if child is None:
            if value is DELETE:
                return False
            child = tomlkit.table()
            node[part] = child
        elif not isinstance(child, Table | dict):
            raise ConfigError(
                [ConfigIssue("<edit>", dotted(loc), "not a table", "a [section] to change")]
            )
        node = child
    key = loc[-1]
    if value is DELETE:
        if key in node:
            del node[key]
            return True
        return False
    if key in node and _plain(node[key]) == value:
        return False
    node[key] = value
    return True


def _plain(item: Any) -> Any:
    unwrap = getattr(item, "unwrap", None)
    return unwrap() if callable(unwrap) else item


def _validate(
    path: Path, text: str, *, env: Mapping[str, str] | None, check_files: bool
) -> KioskConfig:
    """Load ``text`` as the file at ``path`` (its layers and relative paths resolve the same)."""
    return load_config(path, env={} if env is None else env, check_files=check_files, text=text)


def _write_atomically(path: Path, text: str) -> None:
    mode = path.stat().st_mode & 0o777
    handle, name = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(name, mode)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _audit(config: KioskConfig, who: str, changed: list[str]) -> None:
    """One line per save in STATE_DIR/config-audit.log: when, who, which keys (no values)."""
    folder = Path(config.kiosk.state_dir).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with open(folder / AUDIT_FILE, "a", encoding="utf-8") as audit:
            audit.write(f"{stamp} {who} changed {', '.join(changed)}\n")
    except OSError:  # the change is saved; a missing audit line must not undo it
        log.error("config audit line not written to %s", folder)
