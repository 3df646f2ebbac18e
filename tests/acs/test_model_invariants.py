"""Whatever happens in any order, an item's status agrees with its loans, holds and transits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.acs import Circulation, ConsortiumModel, read_data
from kiosk.acs.model import DEMO_DATA
from kiosk.ils.port import LoanRequest, RenewRequest

DATA = read_data(DEMO_DATA)
ITEMS = [
    "3000000001",
    "3000000004",
    "3000000005",
    "3000000011",
    "3000000012",
    "3000000034",
    "3000000035",
    "3000000037",
    "3000000002",
    "3000000003",
]
PATRONS = ["2150000001", "2150000002", "2150000009", "2150000011", "2150000003"]
BRANCHES = ["BOL-HB", "HUD-HB", "LJD-HB", "SOD-HB", "BOL-ARB"]

operation = st.one_of(
    st.tuples(
        st.just("checkout"),
        st.sampled_from(PATRONS),
        st.sampled_from(ITEMS),
        st.sampled_from(BRANCHES),
        st.booleans(),
    ),
    st.tuples(
        st.just("checkin"),
        st.none(),
        st.sampled_from(ITEMS),
        st.sampled_from(BRANCHES),
        st.booleans(),
    ),
    st.tuples(
        st.just("renew"),
        st.sampled_from(PATRONS),
        st.sampled_from(ITEMS),
        st.sampled_from(BRANCHES),
        st.booleans(),
    ),
    st.tuples(
        st.just("hold"),
        st.sampled_from(PATRONS),
        st.sampled_from(ITEMS),
        st.sampled_from(BRANCHES),
        st.booleans(),
    ),
)


def check(model: ConsortiumModel) -> None:
    conn = model.conn
    for barcode in ITEMS:
        item = model.item(barcode)
        assert (item.status == "on_loan") == (item.loan is not None), item
        assert (item.status == "in_transit") == (item.transit_to is not None), item
        ready = item.hold is not None and item.hold.state == "ready"
        assert (item.status == "on_hold_shelf") == ready, item
        if ready:
            assert item.location == item.hold.pickup
        if item.hold is not None and item.hold.state == "in_transit":
            assert item.transit_to == item.hold.pickup
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM hold WHERE state = 'waiting' AND item IS NOT NULL"
        ).fetchone()[0]
        == 0
    )
    assert (
        conn.execute(
            "SELECT COUNT(*) FROM hold WHERE state != 'waiting' AND item IS NULL"
        ).fetchone()[0]
        == 0
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(operation, min_size=1, max_size=25))
def test_item_states_stay_consistent(operations) -> None:
    model = ConsortiumModel.open(data=DATA)
    circ = Circulation(model)
    try:
        for kind, patron, item, branch, flag in operations:
            terminal = circ.terminal(f"kiosk-{branch.lower()}", branch)
            if kind == "checkout":
                circ.checkout(
                    terminal,
                    LoanRequest(
                        patron_id=patron,
                        item_id=item,
                        fee_acknowledged=True,
                        no_block=flag,
                        transaction_date=model.now(),
                    ),
                )
            elif kind == "checkin":
                circ.checkin(terminal, item)
            elif kind == "renew":
                circ.renew(terminal, RenewRequest(patron_id=patron, item_id=item))
            else:
                circ.hold(terminal, "+" if flag else "-", patron, item_id=item, pickup=branch)
            check(model)
    finally:
        model.close()
