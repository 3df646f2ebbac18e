"""Colours, text sizes and touch-target sizes: the normal, large-text and high-contrast looks.

Why a palette of *roles* (background, text, primary button, ok, warning, problem) instead of
colours sprinkled over kv files: a library brands the kiosk by giving a few colours, the patron
switches to high contrast with one button, and one test checks every text/background pair of
every look against the WCAG contrast formula (at least 7:1 in high contrast, 4.5:1 otherwise).

States are never told by colour alone: every item state also has a symbol and a sentence (see
``kiosk.ui.presenter``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

__all__ = [
    "FONTS_DIR",
    "HIGH_CONTRAST",
    "MIN_TOUCH_DP",
    "NORMAL",
    "Branding",
    "Palette",
    "Theme",
    "contrast_ratio",
    "parse_hex",
]

#: The bundled fonts (DejaVu Sans: Latin with the Sami letters, Cyrillic, Arabic) and licence.
FONTS_DIR = Path(__file__).resolve().parent / "fonts"

#: The smallest touch target, in density-independent pixels (WCAG 2.5.5 / Android guidance).
MIN_TOUCH_DP = 48

RGBA = tuple[float, float, float, float]


def parse_hex(value: str) -> RGBA:
    """``"#1a5fb4"`` or ``"1a5fb4"`` (or 8 digits with alpha) as Kivy's 0..1 RGBA."""
    digits = value.strip().removeprefix("#")
    if len(digits) not in (6, 8) or any(c not in "0123456789abcdefABCDEF" for c in digits):
        raise ValueError(f"colour {value!r} is not #RRGGBB or #RRGGBBAA")
    channels = [int(digits[i : i + 2], 16) / 255 for i in range(0, len(digits), 2)]
    if len(channels) == 3:
        channels.append(1.0)
    return (channels[0], channels[1], channels[2], channels[3])


def _luminance(colour: RGBA) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in colour[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(foreground: RGBA, background: RGBA) -> float:
    """The WCAG 2 contrast ratio of two opaque colours, from 1.0 to 21.0."""
    lighter, darker = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True, slots=True)
class Palette:
    """Colour roles. Each ``*_text`` colour is drawn on the role it is named after."""

    background: RGBA
    text: RGBA
    muted_text: RGBA  # secondary lines, still readable on ``background``
    surface: RGBA  # cards and list rows
    surface_text: RGBA
    primary: RGBA  # main buttons
    primary_text: RGBA
    secondary: RGBA  # other buttons
    secondary_text: RGBA
    ok: RGBA  # symbol + sentence colour for "done"
    warn: RGBA  # "place it again", "incomplete"
    problem: RGBA  # refused
    banner: RGBA  # offline / library-system message strip
    banner_text: RGBA
    outline: RGBA  # button borders and scroll bars: shapes stay visible without colour
    disabled: RGBA  # a button that cannot be pressed now (flat, no fill colour of its kind)
    disabled_text: RGBA  # its text: readable (3:1 at least), visibly not the active colour

    def text_pairs(self) -> dict[str, tuple[RGBA, RGBA]]:
        """Every foreground/background pair the screens draw, by name (for the contrast test)."""
        return {
            "text on background": (self.text, self.background),
            "muted text on background": (self.muted_text, self.background),
            "text on surface": (self.surface_text, self.surface),
            "primary button": (self.primary_text, self.primary),
            "secondary button": (self.secondary_text, self.secondary),
            "ok on surface": (self.ok, self.surface),
            "warning on surface": (self.warn, self.surface),
            "problem on surface": (self.problem, self.surface),
            "banner": (self.banner_text, self.banner),
            "disabled button": (self.disabled_text, self.disabled),
        }

    def graphic_pairs(self) -> dict[str, tuple[RGBA, RGBA]]:
        """Shapes that must be seen (WCAG 1.4.11, 3:1): outlines and scroll bars."""
        return {
            "outline on background": (self.outline, self.background),
            "outline on surface": (self.outline, self.surface),
        }


_WHITE: RGBA = (1.0, 1.0, 1.0, 1.0)
_BLACK: RGBA = (0.0, 0.0, 0.0, 1.0)

#: The everyday look: calm, light, WCAG AA everywhere.
NORMAL = Palette(
    background=parse_hex("#f6f5f4"),
    text=parse_hex("#1c1c1c"),
    muted_text=parse_hex("#4d4d4d"),
    surface=_WHITE,
    surface_text=parse_hex("#1c1c1c"),
    primary=parse_hex("#1a5296"),
    primary_text=_WHITE,
    secondary=parse_hex("#deddda"),
    secondary_text=parse_hex("#1c1c1c"),
    ok=parse_hex("#1d6b2f"),
    warn=parse_hex("#8a4b00"),
    problem=parse_hex("#a51d2d"),
    banner=parse_hex("#5c3c00"),
    banner_text=_WHITE,
    outline=parse_hex("#5e5c64"),
    disabled=parse_hex("#ebeae8"),
    disabled_text=parse_hex("#5e5c64"),
)

#: High contrast: white and yellow on black, every pair at least 7:1 (WCAG AAA).
HIGH_CONTRAST = Palette(
    background=_BLACK,
    text=_WHITE,
    muted_text=parse_hex("#ffff00"),
    surface=parse_hex("#111111"),
    surface_text=_WHITE,
    primary=parse_hex("#ffff00"),
    primary_text=_BLACK,
    secondary=_BLACK,
    secondary_text=_WHITE,
    ok=parse_hex("#7cff7c"),
    warn=parse_hex("#ffd54a"),
    problem=parse_hex("#ff9b9b"),
    banner=_WHITE,
    banner_text=_BLACK,
    outline=_WHITE,
    disabled=_BLACK,
    disabled_text=parse_hex("#a8a8a8"),
)


def _readable_on(background: RGBA) -> RGBA:
    """Black or white, whichever reads better on ``background``."""
    white, black = contrast_ratio(_WHITE, background), contrast_ratio(_BLACK, background)
    return _WHITE if white >= black else _BLACK


@dataclass(frozen=True, slots=True)
class Branding:
    """A library's own look from its configuration: logo, colours, welcome text per language."""

    library_name: str = ""
    logo: str | None = None
    primary: str | None = None  # "#RRGGBB": main buttons
    background: str | None = None  # "#RRGGBB"
    welcome_text: dict[str, str] | None = None  # language code -> text

    def apply(self, palette: Palette) -> Palette:
        """``palette`` in the library's colours, keeping every text readable on them."""
        changes: dict[str, RGBA] = {}
        if self.primary:
            primary = parse_hex(self.primary)
            changes.update(primary=primary, primary_text=_readable_on(primary))
        if self.background:
            background = parse_hex(self.background)
            text = _readable_on(background)
            changes.update(background=background, text=text, muted_text=text)
        return replace(palette, **changes)


@dataclass(frozen=True, slots=True)
class Theme:
    """What the screens draw with: a palette and a text scale.

    ``large_text`` scales every font by 1.4; ``high_contrast`` replaces the palette (and drops the
    library's colours: the patron's need wins over branding).
    """

    palette: Palette
    large_text: bool = False
    high_contrast: bool = False

    @property
    def font_scale(self) -> float:
        return 1.4 if self.large_text else 1.0

    @classmethod
    def build(
        cls,
        branding: Branding | None = None,
        *,
        large_text: bool = False,
        high_contrast: bool = False,
    ) -> Theme:
        palette = NORMAL if branding is None else branding.apply(NORMAL)
        if high_contrast:
            palette = HIGH_CONTRAST
        return cls(palette=palette, large_text=large_text, high_contrast=high_contrast)
