"""Salted password hashes for the staff code and the staff console's logins.

Why a module of our own over the standard library: the kiosk needs exactly two operations (make a
hash, check a secret against one) with a standard KDF, and a format that says how the hash was
made, so stronger parameters can be chosen later without breaking hashes already written. The
format is one line of ASCII, safe in TOML::

    scrypt$n=16384,r=8,p=1$<salt, base64>$<key, base64>

``scrypt`` (RFC 7914) because it costs memory as well as time, which makes guessing on graphics
cards dear; n=2**14, r=8 takes about 16 MiB and tens of milliseconds here. ``pbkdf2_sha256``
(``pbkdf2_sha256$i=600000$<salt>$<key>``) is read too, for systems whose OpenSSL lacks scrypt.

A hash slows guessing down; it does not make a short code strong. A four-digit staff code has
10,000 values, so whoever can read the config file can try them all offline: keep the file
readable by the kiosk only, and count wrong tries where the code is typed (kiosk.lockout).
"""

from __future__ import annotations

import base64
import binascii
import ctypes
import ctypes.util
import hashlib
import hmac
import secrets
from dataclasses import dataclass

__all__ = [
    "PasswordHashError",
    "check_password_hash",
    "hash_password",
    "is_password_hash",
    "verify_password",
]

SCRYPT = "scrypt"
PBKDF2 = "pbkdf2_sha256"
_SCRYPT_DEFAULTS = {"n": 2**14, "r": 8, "p": 1}
_PBKDF2_DEFAULTS = {"i": 600_000}
_SALT_BYTES = 16
_KEY_BYTES = 32
#: Bounds on parameters read from a hash: a config file must not make the kiosk allocate
#: gigabytes or spin for minutes on a login.
_LIMITS = {"n": (2**10, 2**20), "r": (1, 32), "p": (1, 16), "i": (10_000, 10_000_000)}


class PasswordHashError(ValueError):
    """Not a password hash this module can check; the message says what is wrong."""


@dataclass(frozen=True, slots=True)
class _Parsed:
    algorithm: str
    params: dict[str, int]
    salt: bytes
    key: bytes


def hash_password(secret: str, *, algorithm: str = SCRYPT) -> str:
    """A new salted hash of ``secret`` in this module's format."""
    salt = secrets.token_bytes(_SALT_BYTES)
    params = dict(_SCRYPT_DEFAULTS if algorithm == SCRYPT else _PBKDF2_DEFAULTS)
    if algorithm not in (SCRYPT, PBKDF2):
        raise PasswordHashError(f"unknown algorithm {algorithm!r}: {SCRYPT} or {PBKDF2}")
    key = _derive(algorithm, params, secret, salt)
    shown = ",".join(f"{name}={value}" for name, value in params.items())
    return f"{algorithm}${shown}${_b64(salt)}${_b64(key)}"


def verify_password(secret: str, encoded: str) -> bool:
    """Whether ``secret`` is the one ``encoded`` was made from (constant-time comparison).

    Raises :class:`PasswordHashError` when ``encoded`` is no hash this module reads: a broken
    hash in a config must be an error someone sees, never a silent "wrong password".
    """
    parsed = _parse(encoded)
    key = _derive(parsed.algorithm, parsed.params, secret, parsed.salt)
    return hmac.compare_digest(key, parsed.key)


def is_password_hash(text: str) -> bool:
    """Whether ``text`` is a well-formed hash (for config validation)."""
    try:
        _parse(text)
    except PasswordHashError:
        return False
    return True


def check_password_hash(text: str) -> str:
    """``text`` if it is a well-formed hash; else :class:`PasswordHashError` saying why."""
    _parse(text)
    return text


def _parse(encoded: str) -> _Parsed:
    parts = encoded.strip().split("$")
    if len(parts) != 4:
        raise PasswordHashError(
            "a hash of the form ALGORITHM$PARAMS$SALT$KEY, as `kiosk config` commands write it"
        )
    algorithm, shown, salt_text, key_text = parts
    if algorithm not in (SCRYPT, PBKDF2):
        raise PasswordHashError(f"unknown algorithm {algorithm!r}: {SCRYPT} or {PBKDF2}")
    expected = set(_SCRYPT_DEFAULTS if algorithm == SCRYPT else _PBKDF2_DEFAULTS)
    params: dict[str, int] = {}
    for item in shown.split(","):
        name, _, value = item.partition("=")
        if name not in expected or not value.isdigit():
            raise PasswordHashError(f"{algorithm} parameters {', '.join(sorted(expected))}")
        low, high = _LIMITS[name]
        if not low <= int(value) <= high:
            raise PasswordHashError(f"{algorithm} parameter {name} between {low} and {high}")
        params[name] = int(value)
    if set(params) != expected:
        raise PasswordHashError(f"{algorithm} parameters {', '.join(sorted(expected))}")
    if algorithm == SCRYPT and params["n"] & (params["n"] - 1):
        raise PasswordHashError("scrypt parameter n a power of two")
    try:
        salt, key = _unb64(salt_text), _unb64(key_text)
    except (binascii.Error, ValueError):
        raise PasswordHashError("salt and key in base64") from None
    if len(salt) < 8 or len(key) < 16:
        raise PasswordHashError("a salt of at least 8 bytes and a key of at least 16")
    return _Parsed(algorithm, params, salt, key)


def _derive(algorithm: str, params: dict[str, int], secret: str, salt: bytes) -> bytes:
    data = secret.encode("utf-8")
    if algorithm == SCRYPT:
        n, r, p = params["n"], params["r"], params["p"]
        _map_large_blocks()
        return hashlib.scrypt(
            data, salt=salt, n=n, r=r, p=p, maxmem=256 * r * n + 2**20, dklen=_KEY_BYTES
        )
    return hashlib.pbkdf2_hmac("sha256", data, salt, params["i"], dklen=_KEY_BYTES)


_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameter number
_LARGE_BLOCK = 4 * 2**20
_large_blocks_mapped = False


def _map_large_blocks() -> None:
    """Have glibc serve blocks of 4 MiB and more straight from the system (mmap) and give
    them back when freed, in every thread. Why: scrypt takes 16 MiB for a few milliseconds;
    glibc's own rule (its threshold grows to the largest block freed) would put every later
    one on a heap, and a heap of another thread than the main one is never trimmed, so a
    console login would keep 16 MiB for the life of the kiosk (bench/console.py measures it).
    Blocks that large are rare in a kiosk (textures, this), so mapping each costs nothing."""
    global _large_blocks_mapped
    if _large_blocks_mapped:
        return
    _large_blocks_mapped = True
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt if name else None
    except (OSError, AttributeError):  # not glibc: its own rules apply
        return
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _LARGE_BLOCK)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
