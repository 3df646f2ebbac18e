"""Pure decisions of the consortium: check-in routing outcome and sort-bin mapping.

Kept apart from the SQL so that the rules read like the library's own policy and can be tested
on plain values.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kiosk.acs.dataformat import SortRule

# Routing outcomes of a check-in (the data file's sort-bin rules name them too).
RESHELVE = "reshelve"  # home is here: back on the shelf
FLOATING_STAYS = "floating_stays"  # floating item: its new home is here
HOLD_HERE = "hold_here"  # fills a hold picked up here (SIP2 CV 01)
HOLD_TRANSIT = "hold_transit"  # fills a hold picked up elsewhere (CV 02 + CT)
TRANSIT_HOME = "transit_home"  # belongs elsewhere, no hold: send home (CV 04 + CT)
EXCEPTION = "exception"  # unknown item or otherwise unroutable: staff look at it

ALERT_TYPE = {HOLD_HERE: "01", HOLD_TRANSIT: "02", TRANSIT_HOME: "04"}


@dataclass(frozen=True, slots=True)
class Route:
    outcome: str
    destination: str | None  # branch code for the transits, else None


def route_return(*, here: str, home_branch: str, floating: bool, hold_pickup: str | None) -> Route:
    """Where a returned item goes: holds first, then home, floating items stay."""
    if hold_pickup is not None:
        if hold_pickup == here:
            return Route(HOLD_HERE, None)
        return Route(HOLD_TRANSIT, hold_pickup)
    if home_branch == here:
        return Route(RESHELVE, None)
    if floating:
        return Route(FLOATING_STAYS, None)
    return Route(TRANSIT_HOME, home_branch)


def sort_bin(
    rules: Sequence[SortRule],
    *,
    outcome: str,
    media_type: str | None,
    destination_library: str | None,
    collection: str | None,
) -> str | None:
    """The first rule whose every condition matches wins; no match means no CL is sent."""
    for rule in rules:
        if rule.outcome is not None and rule.outcome != outcome:
            continue
        if rule.media_type is not None and rule.media_type != media_type:
            continue
        if rule.destination_library is not None and rule.destination_library != destination_library:
            continue
        if rule.collection is not None and rule.collection != collection:
            continue
        return rule.bin
    return None
