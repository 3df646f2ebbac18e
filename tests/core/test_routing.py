"""Return routing: one outcome per check-in answer, never a refusal (table-driven)."""

from __future__ import annotations

import pytest

from kiosk.core import ReturnKind, TransferKind, decide_return
from kiosk.ils import CheckinAlert, CheckinResult

HERE = "BOL-HB"
NAMES = {"BOL-HB": "Bollnäs huvudbibliotek", "SOD-HB": "Söderhamns stadsbibliotek"}


def route(**facts: object):
    result = CheckinResult(item_id="3000000001", title="Röda rummet", **facts)  # type: ignore[arg-type]
    return decide_return(result, here=HERE, name_of=NAMES.get)


@pytest.mark.parametrize(
    ("facts", "kind", "transfer", "destination"),
    [
        ({"ok": True}, ReturnKind.RESHELVE, None, HERE),
        ({"ok": True, "destination": HERE}, ReturnKind.RESHELVE, None, HERE),
        ({"ok": True, "alert": CheckinAlert.HOLD_HERE}, ReturnKind.HOLD_HERE, None, HERE),
        (
            {"ok": True, "alert": CheckinAlert.HOLD_ELSEWHERE, "destination": "SOD-HB"},
            ReturnKind.OTHER_LIBRARY,
            TransferKind.HOLD,
            "SOD-HB",
        ),
        (
            {"ok": True, "alert": CheckinAlert.SEND_ELSEWHERE, "destination": "SOD-HB"},
            ReturnKind.OTHER_LIBRARY,
            TransferKind.TRANSIT,
            "SOD-HB",
        ),
        (
            # Evergreen-style: a plain transit with an empty CT falls back to the home location
            {"ok": True, "alert": CheckinAlert.SEND_ELSEWHERE, "permanent_location": "SOD-HB"},
            ReturnKind.OTHER_LIBRARY,
            TransferKind.TRANSIT,
            "SOD-HB",
        ),
        (
            # no alert but a destination elsewhere: local rule sends it there
            {"ok": True, "destination": "SOD-HB"},
            ReturnKind.OTHER_LIBRARY,
            TransferKind.TRANSIT,
            "SOD-HB",
        ),
        ({"ok": True, "alert": CheckinAlert.OTHER}, ReturnKind.EXCEPTION, None, None),
        ({"ok": False}, ReturnKind.EXCEPTION, None, None),
        ({"ok": True, "alert": CheckinAlert.HOLD_ELSEWHERE}, ReturnKind.EXCEPTION, None, None),
    ],
)
def test_each_checkin_answer_gives_one_outcome(facts, kind, transfer, destination) -> None:
    outcome = route(**facts)
    assert outcome.kind is kind
    assert outcome.transfer is transfer
    assert outcome.destination == destination


def test_destination_names_come_from_the_branch_directory() -> None:
    outcome = route(ok=True, alert=CheckinAlert.HOLD_ELSEWHERE, destination="SOD-HB")
    assert outcome.destination_name == "Söderhamns stadsbibliotek"
    assert outcome.slip is not None and outcome.slip.destination_name == outcome.destination_name


def test_an_unknown_branch_code_is_shown_as_the_code() -> None:
    outcome = route(ok=True, alert=CheckinAlert.SEND_ELSEWHERE, destination="XYZ-1")
    assert outcome.destination_name == "XYZ-1"


def test_holds_and_exceptions_get_a_slip_and_the_facts_stay_attached() -> None:
    hold = route(ok=True, alert=CheckinAlert.HOLD_HERE)
    refused = route(ok=False, messages=("Okänt exemplar.",))
    assert hold.slip is not None and hold.slip.item_id == "3000000001"
    assert refused.slip is not None and "Okänt exemplar." in refused.slip.lines
    assert refused.exception_reason == "checkin_refused"
    assert refused.checkin is not None and refused.checkin.ok is False
