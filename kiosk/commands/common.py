"""What several sub-commands do alike."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

#: Where an installed kiosk keeps its config (the systemd units pass it explicitly too).
DEFAULT_CONFIG = Path("/etc/kiosk/kiosk.toml")


def config_path(given: Path | None) -> Path:
    """The config file a command reads when FILE may be left out: FILE, else $KIOSK_CONFIG,
    else :data:`DEFAULT_CONFIG`."""
    return given or Path(os.environ.get("KIOSK_CONFIG", DEFAULT_CONFIG))


def config_or_report(path: Path, *, check_files: bool = True) -> KioskConfig | None:
    """The kiosk configuration at ``path``, or None once its problems are printed to stderr
    (the command then exits 1). kiosk.config is imported here, not at the top of the command's
    module, so that ``kiosk --help`` stays fast."""
    from kiosk.config import ConfigError, load_config

    try:
        return load_config(path, check_files=check_files)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return None


def add_exit_after(parser: argparse.ArgumentParser) -> None:
    """``--exit-after SECONDS`` of the commands that run a screen or a station until stopped:
    smoke tests start them and let them end on their own."""
    parser.add_argument(
        "--exit-after", type=float, metavar="SECONDS", help="stop after SECONDS (smoke tests)"
    )
