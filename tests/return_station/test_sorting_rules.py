"""The sorting rules, table by table: first match wins, every condition a rule may set, and the
items that never reach the rules."""

from __future__ import annotations

from typing import Any

import pytest

from kiosk.config import SortingRule
from kiosk.core.model import ReturnKind, ReturnOutcome
from kiosk.core.returns import ReturnDone
from kiosk.core.sorting import SortFacts, explain, sort_item
from kiosk.ils.port import CheckinAlert, CheckinResult

EXCEPTIONS = "exceptions"


def rules(*specs: dict[str, Any]) -> list[SortingRule]:
    return [SortingRule.model_validate(spec) for spec in specs]


#: One rule per kind of condition, then a catch-all; the order is the point.
CONSORTIUM = rules(
    {"name": "offline", "offline": True, "bin": "staff"},
    {"name": "holds here", "alert_type": "01", "bin": "holds"},
    {"name": "hudiksvall", "destination": ["HUD-HB", "HUD-DEL"], "bin": "hud"},
    {"name": "söderhamn by CL", "sort_bin": "6", "bin": "sod"},
    {"name": "travels", "alert_type": ["02", "03", "04"], "bin": "transit"},
    {"name": "reference", "permanent_location": "BOL-REF", "bin": "reference"},
    {"name": "norwegian", "collection": "Norska", "bin": "norwegian"},
    {"name": "children", "call_number_prefix": ["u", "Barn"], "bin": "children"},
    {"name": "magazines", "media_type": ["magazine", "000"], "bin": "magazines"},
    {"name": "not ours", "owner_library": ["SE-HUD", "SE-SOD"], "hold_here": False, "bin": "home"},
    {"name": "the rest", "bin": "reshelve"},
)


@pytest.mark.parametrize(
    ("facts", "bin_", "rule"),
    [
        (SortFacts(offline=True), "staff", "offline"),
        (SortFacts(alert_type="01", hold_here=True, destination="HUD-HB"), "holds", "holds here"),
        (SortFacts(alert_type="02", destination="HUD-DEL"), "hud", "hudiksvall"),
        (SortFacts(alert_type="04", destination="hud-hb "), "hud", "hudiksvall"),
        (SortFacts(alert_type="04", destination="SOD-HB", sort_bin="6"), "sod", "söderhamn by CL"),
        (SortFacts(alert_type="03", destination="LJD-HB"), "transit", "travels"),
        (SortFacts(permanent_location="BOL-REF"), "reference", "reference"),
        (SortFacts(collection="norska"), "norwegian", "norwegian"),
        (SortFacts(call_number="uHc Lindgren"), "children", "children"),
        (SortFacts(call_number="Barnbok"), "children", "children"),
        (SortFacts(call_number="UHc"), "reshelve", "the rest"),  # call numbers keep their case
        (SortFacts(media_type="002"), "magazines", "magazines"),  # SIP2 code 002 is "magazine"
        (SortFacts(media_type="000"), "magazines", "magazines"),
        (SortFacts(media_type="001"), "reshelve", "the rest"),
        (SortFacts(owner_library="se-hud"), "home", "not ours"),
        (SortFacts(owner_library="SE-HUD", hold_here=True), "reshelve", "the rest"),
        (SortFacts(owner_library="SE-BOL"), "reshelve", "the rest"),
        (SortFacts(), "reshelve", "the rest"),
    ],
)
def test_the_first_rule_whose_conditions_all_match_takes_the_item(
    facts: SortFacts, bin_: str, rule: str
) -> None:
    decision = sort_item(facts, CONSORTIUM, EXCEPTIONS)
    assert (decision.bin, decision.rule_name, decision.reason) == (bin_, rule, "rule")
    assert decision.rule_index == [r.name for r in CONSORTIUM].index(rule)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        (SortFacts.not_checked_in("not_identified"), "not_identified"),
        (SortFacts.not_checked_in("library_system_unavailable"), "library_system_unavailable"),
        (SortFacts(accepted=False, alert_type="01"), "checkin_refused"),
        (SortFacts(alert_type="01", exception="security_not_verified"), "security_not_verified"),
        (SortFacts(exception="incomplete_set"), "incomplete_set"),
    ],
)
def test_items_the_rules_cannot_route_safely_go_to_the_exception_bin(
    facts: SortFacts, reason: str
) -> None:
    decision = sort_item(facts, CONSORTIUM, EXCEPTIONS)
    assert (decision.bin, decision.reason, decision.rule_index) == (EXCEPTIONS, reason, None)
    assert decision.tried == ()  # the rules were never asked


def test_an_item_no_rule_takes_goes_to_the_exception_bin() -> None:
    only_holds = rules({"alert_type": "01", "bin": "holds"})
    decision = sort_item(SortFacts(alert_type="04"), only_holds, EXCEPTIONS)
    assert (decision.bin, decision.reason) == (EXCEPTIONS, "no_rule_matched")
    assert [check.matched for check in decision.tried] == [False]


def test_an_offline_check_in_only_matches_rules_that_say_offline() -> None:
    catch_all = rules({"bin": "reshelve"}, {"offline": True, "bin": "staff"})
    decision = sort_item(SortFacts(offline=True), catch_all, EXCEPTIONS)
    assert decision.bin == "staff"
    assert "offline" in decision.tried[0].note
    no_offline_rule = sort_item(SortFacts(offline=True), catch_all[:1], EXCEPTIONS)
    assert no_offline_rule.reason == "no_rule_matched"


def test_a_rule_may_say_online_only() -> None:
    online = rules({"offline": False, "bin": "reshelve"})
    assert sort_item(SortFacts(), online, EXCEPTIONS).bin == "reshelve"


def test_the_facts_of_a_check_in_are_read_from_the_library_systems_answer() -> None:
    result = CheckinResult(
        ok=True,
        item_id="3000000005",
        alert=CheckinAlert.HOLD_ELSEWHERE,
        destination="LJD-HB",
        sort_bin="3",
        permanent_location="HUD-HB",
        collection="Vuxen",
        call_number="Hc",
        media_type="001",
    )
    outcome = ReturnOutcome(kind=ReturnKind.OTHER_LIBRARY, destination="LJD-HB", checkin=result)
    done = ReturnDone(item_id="3000000005", outcome=outcome, checkin=result)
    facts = SortFacts.from_return(done)
    assert (facts.alert_type, facts.destination, facts.sort_bin) == ("02", "LJD-HB", "3")
    assert (facts.permanent_location, facts.collection, facts.call_number) == (
        "HUD-HB",
        "Vuxen",
        "Hc",
    )
    assert facts.media_type == "001" and not facts.hold_here and not facts.offline


def test_what_the_core_routes_to_staff_is_not_overruled_by_a_rule() -> None:
    from kiosk.core.routing import decide_return

    result = CheckinResult(ok=True, item_id="1", alert=CheckinAlert.OTHER)
    outcome = decide_return(result, here="BOL-HB", name_of=lambda code: code)
    facts = SortFacts.from_return(ReturnDone(item_id="1", outcome=outcome, checkin=result))
    assert (facts.alert_type, facts.exception) == ("99", "special_handling")
    decision = sort_item(facts, CONSORTIUM, EXCEPTIONS)  # its catch-all would reshelve it
    assert (decision.bin, decision.reason) == (EXCEPTIONS, "special_handling")


def test_a_return_the_library_system_did_not_take_is_not_checked_in() -> None:
    from kiosk.core.events import Reason

    done = ReturnDone(item_id="1", refused=Reason.LIBRARY_SYSTEM_UNAVAILABLE)
    facts = SortFacts.from_return(done)
    assert not facts.checked_in and facts.exception == "library_system_unavailable"


def test_an_unknown_condition_is_an_error_not_a_silent_match() -> None:
    class Odd:
        name = "odd"
        bin = "x"

        @property
        def conditions(self) -> dict[str, str]:
            return {"colour": "red"}

    with pytest.raises(ValueError, match="colour"):
        sort_item(SortFacts(), [Odd()], EXCEPTIONS)


def test_explain_names_the_facts_every_rule_tried_and_the_bin() -> None:
    decision = sort_item(SortFacts(alert_type="03", destination="LJD-HB"), CONSORTIUM, EXCEPTIONS)
    text = explain(decision)
    assert "alert type (CV): '03'" in text
    assert "rule 2 (holds here): does not match" in text
    assert "alert_type: wanted '01', got '03': no" in text
    assert "destination: wanted 'HUD-HB', 'HUD-DEL', got 'LJD-HB': no" in text
    assert text.splitlines()[-1] == "=> bin 'transit': rule 5 (travels)"


def test_explain_says_why_an_item_went_to_the_exception_bin() -> None:
    decision = sort_item(SortFacts(accepted=False), CONSORTIUM, EXCEPTIONS)
    assert explain(decision).splitlines()[-1] == (
        "=> bin 'exceptions' (the exception bin): the library system refused the check-in"
    )
