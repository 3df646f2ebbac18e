"""How a row of buttons shares its width: regular when it can be, by the texts when it must,
and never narrower than a button's longest word while there is room for it."""

from __future__ import annotations

import pytest

from kiosk.ui.widgets import share_widths


def test_buttons_share_a_row_equally_while_every_text_fits_in_an_equal_share() -> None:
    assert share_widths([100, 240, 90], [60, 120, 90], room=750) == [250, 250, 250]


def test_a_text_too_wide_for_an_equal_share_gets_its_width_and_the_rest_is_shared() -> None:
    widths = share_widths([100, 400, 100], [60, 200, 90], room=750)
    assert widths == pytest.approx([150, 450, 150])
    assert sum(widths) == pytest.approx(750)


def test_when_not_every_text_fits_on_one_line_each_keeps_at_least_its_longest_word() -> None:
    needs, least = [290, 400, 280], [130, 220, 120]
    widths = share_widths(needs, least, room=750)
    assert sum(widths) == pytest.approx(750)
    assert all(low <= width <= need for width, low, need in zip(widths, least, needs, strict=True))
