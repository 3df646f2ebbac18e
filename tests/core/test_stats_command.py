"""`kiosk stats`: the statistics for cost sharing, printed for staff."""

from __future__ import annotations

import json
from datetime import datetime

from kiosk.cli import main
from kiosk.core import Statistics


def fill(path) -> None:
    stats = Statistics(path)
    at = datetime(2026, 11, 22, 10)
    for library, action, language in [
        ("SE-BOL", "borrow", "sv"),
        ("SE-BOL", "borrow", "so"),
        ("SE-HUD", "return", "sv"),
    ]:
        stats.record(action=action, outcome="ok", library=library, branch="BOL-HB",
                     media_type="001", language=language, at=at)  # fmt: skip
    stats.close()


def test_totals_by_library_and_action_as_json(tmp_path, capsys) -> None:
    fill(tmp_path / "statistics.db")
    assert main(["stats", "--db", str(tmp_path / "statistics.db"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [
        {"library": "SE-BOL", "action": "borrow", "count": 2},
        {"library": "SE-HUD", "action": "return", "count": 1},
    ]


def test_filtered_by_language_as_a_table(tmp_path, capsys) -> None:
    fill(tmp_path / "statistics.db")
    code = main(
        ["stats", "--db", str(tmp_path / "statistics.db"), "--by", "language",
         "--where", "action=borrow"]
    )  # fmt: skip
    assert code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["language", "count"]
    assert [line.split() for line in lines[1:]] == [["so", "1"], ["sv", "1"]]


def test_a_missing_database_is_a_clear_error(tmp_path, capsys) -> None:
    assert main(["stats", "--db", str(tmp_path / "nothing.db")]) == 1
    assert "no statistics database" in capsys.readouterr().err
