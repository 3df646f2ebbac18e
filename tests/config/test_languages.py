"""The config offers exactly the touch screen's languages (a new language is added to both:
docs/extending.md), and names the known ones when a config asks for another."""

from __future__ import annotations

from typing import get_args

import pytest

from kiosk.config import LANGUAGES, ConfigError, validate_config
from kiosk.config.types import Language
from kiosk.ui.i18n import LANGUAGES as UI_LANGUAGES

from .fixtures import minimal_config


def test_the_config_accepts_exactly_the_languages_the_screen_has() -> None:
    assert tuple(UI_LANGUAGES) == LANGUAGES
    assert get_args(Language) == LANGUAGES


def test_a_language_the_screen_lacks_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        validate_config(minimal_config(ui={"languages": ["sv", "is"]}))
    [issue] = caught.value.issues
    assert issue.key == "ui.languages[1]"
    assert issue.expected.startswith("one of 'sv', 'nb', 'nn'")
