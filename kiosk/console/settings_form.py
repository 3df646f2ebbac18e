"""The configuration page's form: which settings staff edit, and a posted form as config changes.

Why a list of fields and not a form generated from the whole model: most keys (library-system
accounts, device ports, sorting rules) are for whoever installs the kiosk, and a wrong one takes
a kiosk out of service; staff change the look, the languages, texts, the PIN policy, receipts
and the printer's paper settings. Validation is not here: the changed file goes through the
loader (kiosk.config.editing), so the page refuses exactly what ``kiosk config check`` refuses,
with the same words, and names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.config import LANGUAGES, KioskConfig
from kiosk.config.editing import DELETE
from kiosk.opening import WEEKDAYS

__all__ = ["Field", "changes_from_form", "form_fields"]

Loc = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Field:
    """One input of the form: its dotted key, label, kind, current value and choices."""

    loc: Loc
    label: str
    kind: str  # text | textarea | colour | int | float | bool | choice | choices
    value: Any
    choices: tuple[str, ...] = ()
    help: str = ""
    remove_when_empty: bool = False  # an emptied field removes its key (a text of a map, a file)

    @property
    def key(self) -> str:
        return ".".join(self.loc)

    @property
    def name(self) -> str:
        """The form field's name (the dotted key; HTML allows dots)."""
        return self.key


def _get(data: Mapping[str, Any], loc: Loc) -> Any:
    node: Any = data
    for part in loc:
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


_PLAIN: tuple[tuple[Loc, str, str, tuple[str, ...], str], ...] = (
    (("ui", "languages"), "Languages on the screen", "choices", LANGUAGES, ""),
    (("ui", "default_language"), "Language at the start", "choice", LANGUAGES, ""),
    (("ui", "theme", "primary"), "Main colour", "colour", (), ""),
    (("ui", "theme", "accent"), "Accent colour", "colour", (), ""),
    (("ui", "theme", "background"), "Background", "colour", (), ""),
    (("ui", "theme", "text"), "Text colour", "colour", (), ""),
    (("ui", "theme", "logo"), "Logo (file on the kiosk)", "text", (), "a PNG file's path"),
    (("ui", "large_text"), "Offer large text", "bool", (), ""),
    (("ui", "high_contrast"), "Offer high contrast", "bool", (), ""),
    (("ui", "spoken_prompts"), "Spoken prompts", "bool", (), ""),
    (("policy", "pin"), "PIN", "choice", ("always", "never", "per-patron"), ""),
    (("policy", "pin_attempts"), "Wrong PINs before the card is refused", "int", (), "1 to 10"),
    (("policy", "inactivity_timeout_s"), "Session ends after (seconds idle)", "float", (), ""),
    (
        ("policy", "receipt", "choices"),
        "Receipts offered",
        "choices",
        ("print", "email", "none"),
        "",
    ),
    (
        ("policy", "receipt", "default"),
        "Receipt by default",
        "choice",
        ("print", "email", "none"),
        "",
    ),
    (
        ("kiosk", "out_of_service"),
        "Out of service",
        "bool",
        (),
        "the screen says so and serves no patrons; staff mode still opens",
    ),
    (("hardware", "printer", "width"), "Printer: characters per line", "int", (), ""),
    (("hardware", "printer", "code_page"), "Printer: code page", "text", (), "e.g. cp865"),
)


def form_fields(config: KioskConfig) -> list[Field]:
    """The editable fields with their effective values (those that apply to this kiosk: a
    printer's paper settings only where there is an ESC/POS printer)."""
    data = config.model_dump(mode="json")
    fields: list[Field] = []
    for loc, label, kind, choices, help_text in _PLAIN:
        value = _get(data, loc)
        if value is None and loc[0] == "hardware":
            continue
        emptied = loc == ("ui", "theme", "logo")  # no logo: the key goes
        fields.append(Field(loc, label, kind, value, choices, help_text, emptied))
    hours = _get(data, ("kiosk", "opening_hours")) or {}
    for day in WEEKDAYS:
        fields.append(
            Field(
                ("kiosk", "opening_hours", day),
                f"Opening hours ({day})",
                "text",
                hours.get(day, ""),
                help="e.g. 10:00-19:00; empty: closed that day (no hours at all: always open)",
                remove_when_empty=True,
            )
        )
    for section, label, help_text in _PER_LANGUAGE:
        texts = _get(data, section) or {}
        for language in config.ui.languages:
            fields.append(
                Field(
                    (*section, language),
                    f"{label} ({language})",
                    "textarea",
                    texts.get(language, ""),
                    help=help_text,
                    remove_when_empty=True,
                )
            )
    return fields


#: Texts staff write per language: (where in the config, label, help).
_PER_LANGUAGE: tuple[tuple[Loc, str, str], ...] = (
    (("ui", "theme", "welcome"), "Welcome text", "empty: the screen's own text"),
    (("policy", "receipt", "footer"), "Receipt footer", "lines at the end of every receipt"),
)


def changes_from_form(config: KioskConfig, form: Mapping[str, Any]) -> dict[Loc, Any]:
    """The config changes a posted form asks for: only values that differ from the effective
    ones. A value that does not parse is passed on as typed, for the loader to refuse by name.
    ``form`` maps a field name to its value, or to a list of values for multiple choices."""
    changes: dict[Loc, Any] = {}
    for field in form_fields(config):
        raw = form.get(field.name)
        if field.kind == "choices":
            value: Any = list(raw) if isinstance(raw, list | tuple) else ([raw] if raw else [])
        elif field.kind == "bool":
            value = raw in ("on", "true", "1", True)
        else:
            text = raw[0] if isinstance(raw, list | tuple) and raw else raw
            if text is None:
                continue  # not on the form that was posted: leave it alone
            value = _parse(field.kind, str(text).strip())
        if field.remove_when_empty and value == "":
            if field.value:
                changes[field.loc] = DELETE
            continue
        if value != field.value:
            changes[field.loc] = value
    return changes


def _parse(kind: str, text: str) -> Any:
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "float":
        try:
            return float(text)
        except ValueError:
            return text
    return text
