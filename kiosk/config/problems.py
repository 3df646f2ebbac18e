"""Typed configuration errors, each one pointing at a key a person can find and fix.

Why a type of our own instead of pydantic's ``ValidationError``: a person editing
``/etc/kiosk/kiosk.toml`` needs the file (or environment variable), the line, the dotted key, the
value they wrote and what would have been accepted -- all of them, in one go -- and never the
value of a password.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["ConfigError", "ConfigIssue", "Problem", "Problems"]


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One thing wrong with a configuration.

    ``source`` is the file path, or ``environment variable NAME`` when the value came from the
    environment. ``value`` is already rendered for display (secrets masked, long values cut).
    """

    source: str
    key: str
    value: str
    expected: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        key = self.key or "(top level)"
        return f"{where}: {key}: got {self.value}; expected {self.expected}"


class ConfigError(Exception):
    """The configuration cannot be used; ``issues`` lists every problem found, in file order."""

    def __init__(self, issues: Iterable[ConfigIssue]) -> None:
        self.issues: tuple[ConfigIssue, ...] = tuple(issues)
        count = len(self.issues)
        head = f"{count} configuration error{'s' if count != 1 else ''}"
        super().__init__("\n".join([head, *(f"  {issue}" for issue in self.issues)]))


@dataclass(frozen=True, slots=True)
class Problem:
    """A cross-field problem found by a model validator, relative to the model that found it.

    ``key`` is a dotted path below that model (e.g. ``"rules[2].bin"``), so the loader can point
    at the exact key instead of at the whole section.
    """

    key: str
    value: object
    expected: str


class Problems(ValueError):
    """Raised by model validators to report several precise problems at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("; ".join(f"{p.key}: {p.expected}" for p in self.problems))

    @staticmethod
    def raise_if_any(problems: list[Problem]) -> None:
        if problems:
            raise Problems(problems)
