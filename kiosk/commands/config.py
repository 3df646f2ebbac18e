"""``kiosk config check FILE``, ``kiosk config show [FILE]``, ``kiosk config schema``.

``check`` prints every problem (file and line or environment variable, dotted key, the value
given, what was expected) and exits 1, so a person fixes a file in one round rather than one
error per restart. ``show`` prints the effective settings, defaults included, secrets masked.
"""

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


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "config",
        help="check or show a kiosk configuration",
        description="Check a kiosk configuration file or show the effective settings. "
        "Environment variables KIOSK__<SECTION>__<KEY> override the file.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION", required=True)

    check = actions.add_parser(
        "check",
        help="validate FILE; print every error; exit 1 if any",
        description="Validate FILE (and KIOSK__... environment overrides). Prints every error "
        "with its file and line or environment variable, the dotted key, the value given and "
        "what was expected. Exit status 0 if the config is usable, 1 if not.",
    )
    check.add_argument("file", type=Path, help="the TOML config file")
    _common(check)
    check.set_defaults(handler=_check)

    show = actions.add_parser(
        "show",
        help="print the effective settings (secrets masked)",
        description="Print the effective settings of FILE, defaults included, with passwords "
        "and the staff code masked.",
    )
    show.add_argument(
        "file",
        type=Path,
        nargs="?",
        default=None,
        help=f"the TOML config file (default: $KIOSK_CONFIG, else {DEFAULT_CONFIG})",
    )
    show.add_argument("--format", choices=("toml", "json"), default="toml")
    _common(show)
    show.set_defaults(handler=_show)

    schema = actions.add_parser(
        "schema",
        help="print the JSON Schema of the config (for editors' completion and checks)",
        description="Print the JSON Schema of the kiosk configuration. TOML editors that read "
        "JSON Schema (e.g. taplo / Even Better TOML) then complete keys and flag wrong values.",
    )
    schema.set_defaults(handler=_schema)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--no-env",
        action="store_true",
        help="ignore KIOSK__... environment variables",
    )
    parser.add_argument(
        "--no-files",
        action="store_true",
        help="do not check that referenced files exist or read secret files "
        "(to look at a config meant for another machine)",
    )


def _load(args: argparse.Namespace) -> tuple[Path, KioskConfig]:
    from kiosk.config import load_config

    path = args.file or Path(os.environ.get("KIOSK_CONFIG", DEFAULT_CONFIG))
    env: dict[str, str] = {} if args.no_env else dict(os.environ)
    return path, load_config(path, env=env, check_files=not args.no_files)


def _check(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError

    try:
        path, config = _load(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    from kiosk.config import config_warnings

    print(f"{path}: ok ({config.kiosk.mode} kiosk {config.kiosk.id}, backend {_backend(config)})")
    print(f"{path}: devices: {_devices(config)}")
    for warning in config_warnings(config):
        print(f"{path}: warning: {warning}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError, render_config

    try:
        _path, config = _load(args)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    sys.stdout.write(render_config(config, args.format))
    return 0


def _schema(args: argparse.Namespace) -> int:
    import json

    from kiosk.config.schema import config_schema

    print(json.dumps(config_schema(), indent=2, ensure_ascii=False))
    return 0


def _backend(config: KioskConfig) -> str:
    if config.ils.embedded.enabled:
        return "embedded library system"
    if config.ils.backend == "folio":
        folio = config.ils.folio
        return f"FOLIO {folio.base_url if folio else '?'}"
    if config.ils.backend == "sip2":
        return f"SIP2 {config.ils.sip2.host}:{config.ils.sip2.port}"
    return config.ils.backend


def _devices(config: KioskConfig) -> str:
    """The configured device types, e.g. ``rfid feig, card_reader pcsc, ...``."""
    hardware = config.hardware
    tables = ("rfid", "card_reader", "scanner", "printer", "sorter")
    return ", ".join(f"{table} {getattr(hardware, table).type}" for table in tables)
