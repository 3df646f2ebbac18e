"""kiosk.privacy.mask_card: one rule for card numbers wherever the kiosk shows them.

At most the last four characters stay, never more than half; the screens, the receipts, the
journal's finished entries, the log lines and ``kiosk config show`` all follow it.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk import logs, privacy
from kiosk.core import receipts
from kiosk.ils import journal
from kiosk.privacy import MASK_FILL, mask_card


@pytest.mark.parametrize(
    ("card", "shown"),
    [
        ("20012345678", "•••••••5678"),
        ("123456", "•••456"),
        ("12345", "•••45"),
        ("1234", "••34"),
        ("123", "••3"),
        ("12", "•2"),
        ("1", "•"),
        ("", ""),
    ],
)
def test_at_most_four_and_never_more_than_half_of_a_card_number_shows(
    card: str, shown: str
) -> None:
    assert mask_card(card) == shown


def test_a_four_digit_id_no_longer_shows_whole_in_the_journal() -> None:
    assert journal.mask_identifier("1234") == "••34"
    assert journal.mask_identifier(None) is None


@given(st.text(alphabet="0123456789ABCDEF", max_size=24))
def test_the_rule_holds_for_every_length_and_masking_twice_changes_nothing(card: str) -> None:
    masked = mask_card(card)
    visible = len(masked) - masked.count(MASK_FILL)
    assert len(masked) == len(card)
    assert visible <= min(4, len(card) // 2)
    assert card.endswith(masked[len(masked) - visible :])
    assert mask_card(masked) == masked
    assert not card or masked.startswith(MASK_FILL)  # what replay checks for "already masked"


def test_every_layer_uses_the_one_rule() -> None:
    assert receipts.mask_card is privacy.mask_card
    for card in ("2150000001", "1234", "04A1B2C3D4"):
        assert journal.mask_identifier(card) == mask_card(card)
        assert logs.mask_card(card) == mask_card(card, fill="*")


def test_log_lines_mask_a_card_field_by_the_rule() -> None:
    record = logging.LogRecord("kiosk", logging.INFO, __file__, 1, "identified", None, None)
    record.card = "123456"
    logs.RedactingFilter().filter(record)
    assert record.fields == {"card": "***456"}  # type: ignore[attr-defined]
