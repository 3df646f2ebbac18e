"""Small value types shared by the configuration sections.

Relative paths in a config file mean "next to this file", like most daemons read them, so the
loader passes the file's directory in the validation context (``base_dir``). Tests and tools that
only want to look at a config on another machine can pass ``check_files=False`` to skip the
checks that files exist and the reading of secret files.
"""

from __future__ import annotations

import ipaddress
import os
import re
import stat
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import AfterValidator, BeforeValidator, Field, SecretStr, ValidationInfo

__all__ = [
    "LANGUAGES",
    "ConfigPath",
    "ConsoleUserName",
    "ExistingFile",
    "HexColour",
    "HexUid",
    "Language",
    "ListenAddress",
    "PasswordHash",
    "Port",
    "SecretFile",
    "SecretFileError",
    "check_files",
    "is_staff_code",
    "matching",
    "missing_file",
    "read_secret_file",
    "secret_text",
]

#: The UI languages the kiosk ships (ISO 639-1; "se" is North Sami).
Language = Literal["sv", "nb", "nn", "da", "fi", "en", "se", "ar", "so", "uk"]
LANGUAGES: tuple[Language, ...] = get_args(Language)

Port = Annotated[int, Field(ge=1, le=65535)]


def _context(info: ValidationInfo) -> dict[str, Any]:
    return info.context if isinstance(info.context, dict) else {}


def check_files(info: ValidationInfo) -> bool:
    """Whether this validation run should touch the file system (default: yes)."""
    return bool(_context(info).get("check_files", True))


def _resolve_path(value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, str | os.PathLike):
        path = Path(value).expanduser()
        base = _context(info).get("base_dir")
        if not path.is_absolute() and base is not None:
            path = Path(base) / path
        return path
    return value


def missing_file(path: Path) -> str | None:
    """What is wrong with ``path`` as an existing regular file (None: nothing)."""
    if not path.exists():
        return f"an existing file (there is no {path})"
    if not path.is_file():
        return f"a regular file ({path} is not one)"
    return None


def _must_exist(path: Path, info: ValidationInfo) -> Path:
    if check_files(info):
        problem = missing_file(path)
        if problem is not None:
            raise ValueError(problem)
    return path


#: A path; relative ones are taken relative to the config file, ``~`` is expanded.
ConfigPath = Annotated[Path, BeforeValidator(_resolve_path)]
#: A ConfigPath that must name an existing regular file (checked unless ``check_files=False``).
ExistingFile = Annotated[Path, BeforeValidator(_resolve_path), AfterValidator(_must_exist)]


def _secret_file_ok(path: Path, info: ValidationInfo) -> Path:
    # At the field, not only in the section's model validator that reads it: a problem
    # elsewhere in the section (a missing TLS file) skips that validator, and ``config check``
    # must still list a missing or world-readable secret file among its errors.
    if check_files(info):
        read_secret_file(path)
    return path


#: A ConfigPath to a secret (password, staff code): an existing non-empty file only its owner
#: may read (checked unless ``check_files=False``; see :func:`read_secret_file`).
SecretFile = Annotated[Path, BeforeValidator(_resolve_path), AfterValidator(_secret_file_ok)]

_HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{8})$")


def _hex_colour(value: str) -> str:
    if not _HEX_COLOUR.match(value):
        raise ValueError("a colour as #RRGGBB or #RRGGBBAA (hex digits)")
    return value.lower()


HexColour = Annotated[str, AfterValidator(_hex_colour)]

_HEX_UID = re.compile(r"^(?:[0-9A-F]{2}){4,10}$")


def _hex_uid(value: str) -> str:
    normalised = re.sub(r"[\s:]", "", value).upper()
    if not _HEX_UID.match(normalised):
        raise ValueError("a card UID as 4 to 10 bytes of hex, e.g. '04A1B2C3' or '04:a1:b2:c3'")
    return normalised


#: A card UID in hex; separators and case are normalised away ("04:a1:b2:c3" -> "04A1B2C3").
HexUid = Annotated[str, AfterValidator(_hex_uid)]


def _password_hash(value: SecretStr) -> SecretStr:
    from kiosk.passwords import PasswordHashError, check_password_hash

    try:
        check_password_hash(value.get_secret_value())
    except PasswordHashError as exc:
        raise ValueError(str(exc)) from None
    return value


#: A salted hash as kiosk.passwords writes it (``scrypt$n=...$salt$key``); masked when shown.
PasswordHash = Annotated[SecretStr, AfterValidator(_password_hash)]


def matching(pattern: str, expected: str) -> AfterValidator:
    """Text that must match ``pattern`` as a whole; ``expected`` says what to write instead.

    Why not ``Field(pattern=...)``: its message shows the regular expression, which tells a
    librarian editing the file nothing."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(expected)
        return value

    return AfterValidator(check)


#: A staff console login name.
ConsoleUserName = Annotated[
    str,
    matching(
        r"[a-z][a-z0-9_.-]{0,31}",
        "a login name of 1-32 lower-case letters, digits or _ . - (e.g. 'anna')",
    ),
]


def _ip_address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        raise ValueError("an IP address to listen on, e.g. '127.0.0.1'") from None
    return value


#: Where one of the kiosk's servers listens (the health endpoint, the staff console).
ListenAddress = Annotated[str, AfterValidator(_ip_address)]


class SecretFileError(ValueError):
    """A secret file that must not be used: missing, empty, or readable by others."""


def read_secret_file(path: Path) -> SecretStr:
    """Read a secret (password, staff code) from a file only its owner can read.

    Why refuse group/other access: a config directory is often readable by the whole kiosk group
    or copied around; a password file that anyone can read is a leak waiting to happen, and the
    fix (``chmod 600``) is cheap. A trailing newline (as ``echo`` writes) is not part of the secret.
    """
    try:
        info = path.stat()
    except FileNotFoundError:
        raise SecretFileError(f"an existing secret file (there is no {path})") from None
    except OSError as exc:
        raise SecretFileError(f"a readable secret file ({path}: {exc.strerror})") from None
    if not stat.S_ISREG(info.st_mode):
        raise SecretFileError(f"a regular file ({path} is not one)")
    mode = stat.S_IMODE(info.st_mode)
    if mode & 0o077:
        raise SecretFileError(
            f"a secret file only its owner can access, but {path} has mode {mode:04o} "
            f"(group/others may access it); run: chmod 600 {path}"
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretFileError(f"a readable UTF-8 secret file ({path}: {exc})") from None
    secret = text.rstrip("\r\n")
    if not secret:
        raise SecretFileError(f"a non-empty secret file ({path} is empty)")
    return SecretStr(secret)


def secret_text(value: SecretStr | None, file: Path | None) -> str | None:
    """A password as its settings give it: the value, else the text of its file, else None.

    Why the file is read here too: a config loaded with ``check_files=False`` (another machine's,
    or the staff console's edit check) keeps only the file's path, and whoever builds a client
    from those settings still needs the secret."""
    if value is not None:
        return value.get_secret_value()
    if file is not None:
        return Path(file).read_text(encoding="utf-8").strip()
    return None


def is_staff_code(code: str) -> bool:
    """Whether ``code`` may be the touch screen's staff code: 4 to 12 digits (the staff keypad
    has digits only), checked alike in the config and by ``kiosk config set-staff-code``."""
    return code.isdigit() and 4 <= len(code) <= 12
