"""Statistics for cost sharing: counters per library, branch, media type, hour, language."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.core import Statistics


def test_counts_are_grouped_by_any_dimension(tmp_path) -> None:
    stats = Statistics(tmp_path / "stats.db")
    at = datetime(2026, 11, 22, 14, 5)
    for action, outcome, library, media, language in [
        ("borrow", "ok", "SE-BOL", "book", "sv"),
        ("borrow", "ok", "SE-BOL", "book", "ar"),
        ("borrow", "ok", "SE-HUD", "dvd", "sv"),
        ("return", "reshelve", "SE-HUD", "dvd", "sv"),
    ]:
        stats.record(
            action=action,
            outcome=outcome,
            library=library,
            branch="BOL-HB",
            media_type=media,
            language=language,
            at=at,
        )
    assert stats.summary(("library", "action")) == [
        ("SE-BOL", "borrow", 2),
        ("SE-HUD", "borrow", 1),
        ("SE-HUD", "return", 1),
    ]
    assert stats.summary(("language",), action="borrow") == [("ar", 1), ("sv", 2)]
    assert stats.summary(("hour",)) == [("2026-11-22 14", 4)]
    assert stats.total(branch="BOL-HB") == 4
    stats.close()
    assert Statistics(tmp_path / "stats.db").total() == 4  # durable


def test_nothing_personal_can_be_stored() -> None:
    stats = Statistics()
    columns = [row[1] for row in stats._db.execute("PRAGMA table_info(transactions)")]
    assert columns == [
        "hour",
        "action",
        "outcome",
        "library",
        "branch",
        "media_type",
        "language",
        "count",
    ]
    with pytest.raises(TypeError):
        stats.record(
            action="borrow",
            outcome="ok",
            library=None,
            branch="B",
            media_type=None,
            language="sv",
            patron_id="2150000001",
        )  # type: ignore[call-arg]


def test_unknown_dimensions_are_refused() -> None:
    with pytest.raises(ValueError, match="patron"):
        Statistics().summary(("patron",))
