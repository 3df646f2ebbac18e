"""Helpers other areas may use to build configs in tests.

``write_config(tmp_path, text)`` writes a TOML file; ``minimal_config(**sections)`` gives config
data (a dict) for :func:`kiosk.config.validate_config` with the fewest keys a kiosk needs.
"""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

MINIMAL_TOML = """
[kiosk]
id = "test-kiosk-1"
library = "SE-BOL"
branch = "BOL-HB"

[ils.sip2]
user = "kiosk-bol-hb"
password = "pw-bol-hb"
"""


def write_config(directory: Path, text: str, name: str = "kiosk.toml") -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def minimal_config(**sections: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kiosk": {"id": "test-kiosk-1", "library": "SE-BOL", "branch": "BOL-HB"},
        "ils": {"sip2": {"user": "kiosk-bol-hb", "password": "pw-bol-hb"}},
    }
    for name, values in sections.items():
        data.setdefault(name, {}).update(values)
    return data


def write_secret(directory: Path, name: str, secret: str, mode: int = 0o600) -> Path:
    path = directory / name
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(mode)
    return path
