"""The demo consortium is shaped like a real county consortium, and the data file is checked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kiosk.acs import DEMO_DATA, ConsortiumModel, DataFileError, parse_data, read_data
from kiosk.acs.data import generate_demo  # type: ignore[attr-defined]

DATA = read_data(DEMO_DATA)


def test_four_to_nine_municipalities_with_two_or_three_branches_and_a_bookbus() -> None:
    assert 4 <= len(DATA.libraries) <= 9
    assert all(2 <= len(lib.branches) <= 3 for lib in DATA.libraries)
    assert any(b.kind == "bookbus" for lib in DATA.libraries for b in lib.branches)
    assert all(lib.isil.startswith("SE-") for lib in DATA.libraries)


def test_about_fifty_patrons_with_nordic_names_cards_and_pins() -> None:
    assert 40 <= len(DATA.patrons) <= 60
    names = " ".join(p.name for p in DATA.patrons)
    for letter in "åäöæø":
        assert letter in names.lower(), letter
    assert all(p.card_uids and p.pin for p in DATA.patrons)
    assert any(p.blocked for p in DATA.patrons)
    assert any(p.fees for p in DATA.patrons)
    assert {"swe", "nob", "eng", "ara", "som", "sme"} <= {p.language for p in DATA.patrons}


def test_about_five_hundred_items_in_six_languages_and_many_media_types() -> None:
    assert len(DATA.items) == 500
    assert {"swe", "nob", "eng", "ara", "som", "sme"} <= {i.language for i in DATA.items}
    assert {"book", "audiobook", "dvd", "magazine"} <= {i.media_type for i in DATA.items}
    assert any(i.parts > 1 for i in DATA.items)
    assert {True, False} == {i.floating for i in DATA.items}
    assert {"iso28560-3", "iso28560-2"} == {i.tag.model for i in DATA.items}
    assert any(not i.tag.offline_loan for i in DATA.items)


def test_holds_waiting_in_transit_and_ready_and_a_kiosk_account_per_branch() -> None:
    assert {"waiting", "in_transit", "ready"} == {h.state for h in DATA.holds}
    branches = {b.code for lib in DATA.libraries for b in lib.branches}
    assert branches <= {a.branch for a in DATA.accounts}


def test_the_committed_file_is_what_the_generator_makes() -> None:
    committed = json.loads(Path(DEMO_DATA).read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(generate_demo.build(), ensure_ascii=False))


def _demo_dict() -> dict:
    return json.loads(Path(DEMO_DATA).read_text(encoding="utf-8"))


def test_a_wrong_value_names_the_key_and_what_was_expected() -> None:
    data = _demo_dict()
    data["items"][3]["parts"] = 0
    with pytest.raises(DataFileError) as err:
        parse_data(json.dumps(data), source="mine.json")
    assert err.value.source == "mine.json"
    assert err.value.where == "items.3.parts"
    assert "greater than or equal to 1" in err.value.problem


def test_dangling_references_are_listed() -> None:
    data = _demo_dict()
    data["loans"][0]["patron"] = "nobody"
    data["holds"][0]["pickup"] = "NOWHERE"
    with pytest.raises(DataFileError) as err:
        parse_data(json.dumps(data))
    assert "loans[0].patron" in str(err.value)
    assert "holds[0].pickup" in str(err.value)


def test_not_json_and_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="not valid JSON"):
        parse_data("{oops", source="x.json")
    with pytest.raises(DataFileError, match="cannot read"):
        read_data(tmp_path / "missing.json")


def test_money_is_read_as_cents_and_relative_dates_resolve_to_today() -> None:
    model = ConsortiumModel.open(data=DATA)
    assert model.loan_rule("BOL", "dvd").loan_fee == 1500
    assert model.policy.fee_limit == 10000
    assert model.fees_total("2150000004") == 15500
    loan = model.loan("3000000036")
    assert loan is not None and loan.due.date() < model.now().date()


def test_a_database_file_keeps_its_state_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "acs.sqlite"
    model = ConsortiumModel.open(db)
    with model.transaction() as conn:
        conn.execute("DELETE FROM loan WHERE item = '3000000001'")
    model.close()
    again = ConsortiumModel.open(db)
    assert again.loan("3000000001") is None
    again.close()
    fresh = ConsortiumModel.open(db, reset=True)
    assert fresh.loan("3000000001") is not None
