"""Themes: readable in every look (WCAG contrast), high contrast at least 7:1, library colours
applied without ever making text unreadable."""

from __future__ import annotations

import pytest

from kiosk.ui.theme import HIGH_CONTRAST, NORMAL, Branding, Theme, contrast_ratio, parse_hex


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast_ratio(parse_hex("#000000"), parse_hex("#ffffff")) == pytest.approx(21.0)
    assert contrast_ratio(parse_hex("#777777"), parse_hex("#ffffff")) == pytest.approx(4.48, 0.01)


@pytest.mark.parametrize("pair", sorted(HIGH_CONTRAST.text_pairs()))
def test_high_contrast_reaches_seven_to_one_everywhere(pair: str) -> None:
    foreground, background = HIGH_CONTRAST.text_pairs()[pair]
    assert contrast_ratio(foreground, background) >= 7.0


@pytest.mark.parametrize("pair", sorted(NORMAL.text_pairs()))
def test_the_normal_look_is_readable_everywhere(pair: str) -> None:
    foreground, background = NORMAL.text_pairs()[pair]
    assert contrast_ratio(foreground, background) >= 4.5


@pytest.mark.parametrize("primary", ["#ffdd00", "#00546e", "#e01b24", "#ffffff", "#000000"])
def test_library_colours_keep_button_text_readable(primary: str) -> None:
    palette = Branding(primary=primary, background=primary).apply(NORMAL)
    assert contrast_ratio(palette.primary_text, palette.primary) >= 4.5
    assert contrast_ratio(palette.text, palette.background) >= 4.5


def test_high_contrast_overrides_the_library_colours() -> None:
    theme = Theme.build(Branding(primary="#ffdd00"), high_contrast=True)
    assert theme.palette is HIGH_CONTRAST


def test_large_text_scales_the_fonts() -> None:
    assert Theme.build(large_text=True).font_scale > Theme.build().font_scale


def test_a_malformed_colour_is_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="#12345"):
        parse_hex("#12345")
