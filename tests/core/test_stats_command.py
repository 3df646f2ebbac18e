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


def fill_kiosk(path, counts: dict[tuple[str, str, int], int]) -> None:
    """Loans and returns of one kiosk: (library, action, month) -> how many."""
    stats = Statistics(path)
    for (library, action, month), count in counts.items():
        for n in range(count):
            at = datetime(2026, month, 3, 9 + n % 8)
            stats.record(action=action, outcome="ok", library=library, branch="B",
                         media_type="001", language="sv", at=at)  # fmt: skip
    stats.close()


def test_several_kiosks_are_added_up_by_library_and_month(tmp_path, capsys) -> None:
    fill_kiosk(tmp_path / "a.db", {("SE-BOL", "borrow", 10): 3, ("SE-HUD", "borrow", 11): 1})
    fill_kiosk(tmp_path / "b.db", {("SE-BOL", "borrow", 10): 2, ("SE-BOL", "return", 10): 4})
    fill_kiosk(tmp_path / "c.db", {("SE-HUD", "borrow", 11): 5})
    assert main(["stats", "--db", str(tmp_path / "c.db"), "--by", "all", "--format", "csv"]) == 0
    (tmp_path / "c.csv").write_text(capsys.readouterr().out, encoding="utf-8")
    code = main(
        ["stats", "--db", str(tmp_path / "a.db"), "--db", str(tmp_path / "b.db"),
         "--csv", str(tmp_path / "c.csv"), "--by", "library", "month",
         "--where", "action=borrow", "--format", "json"]
    )  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out) == [
        {"library": "SE-BOL", "month": "2026-10", "count": 5},
        {"library": "SE-HUD", "month": "2026-11", "count": 6},
    ]


def test_csv_exports_alone_are_added_up_and_a_foreign_csv_is_refused(tmp_path, capsys) -> None:
    fill_kiosk(tmp_path / "a.db", {("SE-BOL", "borrow", 10): 2})
    assert main(["stats", "--db", str(tmp_path / "a.db"), "--by", "all", "--format", "csv"]) == 0
    export = capsys.readouterr().out
    (tmp_path / "a.csv").write_text(export, encoding="utf-8")
    (tmp_path / "b.csv").write_text(export, encoding="utf-8")
    code = main(["stats", "--csv", str(tmp_path / "a.csv"), "--csv", str(tmp_path / "b.csv"),
                 "--by", "month", "--format", "json"])  # fmt: skip
    assert code == 0
    assert json.loads(capsys.readouterr().out) == [{"month": "2026-10", "count": 4}]
    (tmp_path / "other.csv").write_text("name,amount\nx,3\n", encoding="utf-8")
    assert main(["stats", "--csv", str(tmp_path / "other.csv")]) == 1
    assert "not a statistics export" in capsys.readouterr().err
