"""The UI's own settings, as a plain dataclass, and their mapping from ``KioskConfig``.

Why not read the pydantic config everywhere: the UI runs in tests, scenarios and benchmarks
without a TOML file; one function (:func:`ui_settings_from_config`) maps the config's ``ui``
section onto this, tolerating fields an older config model does not have yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from kiosk.ui.i18n import LANGUAGES
from kiosk.ui.theme import Branding

if TYPE_CHECKING:
    from kiosk.config import KioskConfig

__all__ = ["DEMO_PANEL_WIDTH", "UiSettings", "ui_settings_from_config"]

#: Width (dp) of the demo control panel beside the kiosk screen in ``kiosk demo``.
DEMO_PANEL_WIDTH = 280


@dataclass(frozen=True, slots=True, kw_only=True)
class UiSettings:
    """What the screens need to know about this kiosk.

    ``goodbye_s``: how long the thank-you screen stays before the screen is wiped clean.
    ``mode``: ``"checkout"`` (patron screens) or ``"return-station"`` (the unattended display).
    ``patron_language``: at sign-in, switch to the language of the patron's account (when the
    library system says it and the kiosk has it) unless the patron has chosen one here.
    ``pin_help``: where a patron who forgot their PIN gets a new one, per language (the
    library's own words; a general sentence in the patron's language where it has none).
    ``idle_screen_s``: how long a screen outside a visit (a refused card's reason, the card
    number typed halfway) stays without a touch before the welcome screen returns.
    """

    languages: tuple[str, ...] = tuple(LANGUAGES)
    default_language: str = "sv"
    branding: Branding = field(default_factory=Branding)
    large_text_available: bool = True
    high_contrast_available: bool = True
    speech_available: bool = True
    speech_on: bool = False
    sounds_on: bool = True
    goodbye_s: float = 5.0
    mode: str = "checkout"
    patron_language: bool = True
    pin_help: dict[str, str] = field(default_factory=dict)
    idle_screen_s: float = 60.0

    def __post_init__(self) -> None:
        unknown = [code for code in self.languages if code not in LANGUAGES]
        if unknown:
            raise ValueError(f"unknown UI languages {unknown}; known: {', '.join(LANGUAGES)}")
        if self.default_language not in self.languages:
            raise ValueError(
                f"default language {self.default_language!r} is not among {list(self.languages)}"
            )


def ui_settings_from_config(config: KioskConfig) -> UiSettings:
    """Map a ``KioskConfig`` (its ``ui`` and ``kiosk`` sections) onto the UI's settings."""
    ui, theme, kiosk = config.ui, config.ui.theme, config.kiosk
    branding = Branding(
        library_name=kiosk.branch_name or kiosk.library_name or kiosk.library,
        logo=str(theme.logo) if theme.logo else None,
        primary=theme.primary,
        background=theme.background,
        welcome_text={code: text for code, text in theme.welcome.items()} or None,
    )
    return UiSettings(
        languages=tuple(ui.languages),
        default_language=ui.default_language,
        branding=branding,
        large_text_available=ui.large_text,
        high_contrast_available=ui.high_contrast,
        speech_on=ui.spoken_prompts,
        mode=kiosk.mode,
        patron_language=ui.patron_language,
        pin_help={code: text for code, text in ui.pin_help.items()},
    )
