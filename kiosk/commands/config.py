"""``kiosk config check FILE``, ``kiosk config show [FILE]``, ``kiosk config schema``.

``check`` prints every problem (file and line or environment variable, dotted key, the value
given, what was expected) and exits 1, so a person fixes a file in one round rather than one
error per restart. ``show`` prints the effective settings, defaults included, secrets masked.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.commands.common import DEFAULT_CONFIG, config_path

if TYPE_CHECKING:
    from kiosk.config import KioskConfig


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
    show.add_argument(
        "--origin",
        action="store_true",
        help="print each value with where it came from: a file and line (the kiosk's own or "
        "a layer it extends), an environment variable, or the default",
    )
    _common(show)
    show.set_defaults(handler=_show)

    staff_code = actions.add_parser(
        "set-staff-code",
        help="ask for the staff code and write its salted hash into FILE",
        description="Ask for the touch screen's staff code (twice, not echoed) and write it to "
        "FILE as ui.staff_code_hash, a salted scrypt hash, replacing staff_code or "
        "staff_code_file. The file is checked before it is written, saved atomically, the old "
        "one kept as FILE.bak. Restart the kiosk to use the new code.",
    )
    staff_code.add_argument("file", type=Path, help="the kiosk's TOML config file")
    staff_code.add_argument(
        "--stdin", action="store_true", help="read the code from standard input (scripts)"
    )
    staff_code.set_defaults(handler=_set_staff_code)

    console_password = actions.add_parser(
        "set-console-password",
        help="add a staff console login or change its password",
        description="Ask for a password (twice, not echoed) and write its salted hash to FILE "
        "as [console.users.NAME] with the level given. Levels: staff (status, reconciliation, "
        "statistics, device tests, restart), admin (also the configuration). --remove takes "
        "the login away.",
    )
    console_password.add_argument("file", type=Path, help="the kiosk's TOML config file")
    console_password.add_argument("name", help="the login name, e.g. anna")
    console_password.add_argument("--level", choices=("staff", "admin"))
    console_password.add_argument(
        "--stdin", action="store_true", help="read the password from standard input (scripts)"
    )
    console_password.add_argument("--remove", action="store_true", help="remove this login")
    console_password.set_defaults(handler=_set_console_password)

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

    path, env = _path_and_env(args)
    return path, load_config(path, env=env, check_files=not args.no_files)


def _path_and_env(args: argparse.Namespace) -> tuple[Path, dict[str, str]]:
    """The config file ``check`` and ``show`` read (FILE, else $KIOSK_CONFIG, else the default)
    and the environment overrides they apply (none with ``--no-env``)."""
    return config_path(args.file), {} if args.no_env else dict(os.environ)


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
    from kiosk.config import ConfigError, load_layered, render_config, render_origins

    path, env = _path_and_env(args)
    try:
        config, origins = load_layered(path, env=env, check_files=not args.no_files)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.origin:
        sys.stdout.write(render_origins(config, origins))
    else:
        sys.stdout.write(render_config(config, args.format))
    return 0


def _ask_secret(
    what: str, use_stdin: bool, *, acceptable: Callable[[str], bool], rule: str
) -> str | None:
    """A secret typed twice without echo (or one line of standard input); None, once the reason
    is printed, if the two differ, nothing was given or the secret breaks ``rule``."""
    if use_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        import getpass

        secret = getpass.getpass(f"{what}: ")
        if getpass.getpass(f"{what} again: ") != secret:
            print("kiosk config: the two entries differ; nothing written", file=sys.stderr)
            return None
    if not secret:
        print(f"kiosk config: no {what.lower()} given; nothing written", file=sys.stderr)
        return None
    if not acceptable(secret):
        print(f"kiosk config: {rule}; nothing written", file=sys.stderr)
        return None
    return secret


def _write(file: Path, changes: dict[tuple[str, ...], object]) -> Path | None:
    """Apply ``changes`` to the config ``file`` (checked first, saved atomically) as the person
    at the terminal; the backup's path, or None once the reason it was not written is printed."""
    from kiosk.config import ConfigError
    from kiosk.config.editing import edit_config

    try:
        result = edit_config(file, changes, who=_who(), env={}, check_files=False)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return None
    return result.backup


def _who() -> str:
    import getpass

    try:
        return f"{getpass.getuser()} (kiosk config)"
    except (KeyError, OSError):
        return "kiosk config"


def _set_staff_code(args: argparse.Namespace) -> int:
    from kiosk.config import is_staff_code
    from kiosk.config.editing import DELETE
    from kiosk.passwords import hash_password

    code = _ask_secret(
        "Staff code",
        args.stdin,
        acceptable=is_staff_code,
        rule="the staff code must be 4 to 12 digits",
    )
    if code is None:
        return 1
    changes: dict[tuple[str, ...], object] = {
        ("ui", "staff_code"): DELETE,
        ("ui", "staff_code_file"): DELETE,
        ("ui", "staff_code_hash"): hash_password(code),
    }
    backup = _write(args.file, changes)
    if backup is None:
        return 1
    print(f"{args.file}: ui.staff_code_hash written (old file: {backup}); restart the kiosk")
    return 0


def _set_console_password(args: argparse.Namespace) -> int:
    from kiosk.config.editing import DELETE
    from kiosk.passwords import hash_password

    changes: dict[tuple[str, ...], object]
    if args.remove:
        changes = {("console", "users", args.name): DELETE}
    else:
        if args.level is None:
            print("kiosk config: give --level staff or --level admin", file=sys.stderr)
            return 2
        password = _ask_secret(
            "Password",
            args.stdin,
            acceptable=lambda password: len(password) >= 8,
            rule="a password of at least 8 characters",
        )
        if password is None:
            return 1
        changes = {
            ("console", "users", args.name, "level"): args.level,
            ("console", "users", args.name, "password_hash"): hash_password(password),
        }
    backup = _write(args.file, changes)
    if backup is None:
        return 1
    done = "removed" if args.remove else f"set (level {args.level})"
    print(f"{args.file}: console login {args.name!r} {done} (old file: {backup})")
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
