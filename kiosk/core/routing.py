"""Where a returned item goes: one outcome from the library system's answer and local rules.

Order of evidence (see SIP2-NOTES "Check-in routing"): the alert kind first, then the destination
the library system named, then the permanent location. A refused check-in is never a refusal at
the kiosk: the item goes to the exceptions with a slip saying why.
"""

from __future__ import annotations

from collections.abc import Callable

from kiosk.core.model import HoldSlip, ReturnKind, ReturnOutcome, TransferKind
from kiosk.ils.port import CheckinAlert, CheckinResult

__all__ = ["decide_return", "exception_outcome"]

NameLookup = Callable[[str | None], str | None]


def _slip(result: CheckinResult, destination_name: str | None, *lines: str) -> HoldSlip:
    return HoldSlip(
        item_id=result.item_id,
        title=result.title,
        destination_name=destination_name,
        lines=tuple(lines) + tuple(result.print_lines),
    )


def exception_outcome(
    item_id: str, reason: str, result: CheckinResult | None = None, title: str = ""
) -> ReturnOutcome:
    """An item staff must look at (unknown, refused, unreadable tag...), with its slip."""
    slip = HoldSlip(
        item_id=item_id,
        title=result.title if result else title,
        destination_name=None,
        lines=(reason, *(result.messages if result else ())),
    )
    return ReturnOutcome(
        kind=ReturnKind.EXCEPTION, exception_reason=reason, slip=slip, checkin=result
    )


def decide_return(result: CheckinResult, *, here: str, name_of: NameLookup) -> ReturnOutcome:
    """The routing outcome for one check-in at the branch ``here``."""
    if not result.ok:
        return exception_outcome(result.item_id, "checkin_refused", result)
    alert = result.alert
    if alert is CheckinAlert.HOLD_HERE or (
        result.hold_for_patron and alert is CheckinAlert.NONE and _is_here(result.destination, here)
    ):
        name = name_of(here)
        return ReturnOutcome(
            kind=ReturnKind.HOLD_HERE,
            destination=here,
            destination_name=name,
            slip=_slip(result, name, "hold"),
            checkin=result,
        )
    if alert in (CheckinAlert.HOLD_ELSEWHERE, CheckinAlert.INTERLIBRARY_LOAN):
        return _elsewhere(result, TransferKind.HOLD, result.destination, name_of)
    if alert is CheckinAlert.SEND_ELSEWHERE:
        target = result.destination or result.permanent_location
        return _elsewhere(result, TransferKind.TRANSIT, target, name_of)
    if alert is CheckinAlert.OTHER:
        return exception_outcome(result.item_id, "special_handling", result)
    if result.destination and not _is_here(result.destination, here):
        return _elsewhere(result, TransferKind.TRANSIT, result.destination, name_of)
    return ReturnOutcome(
        kind=ReturnKind.RESHELVE, destination=here, destination_name=name_of(here), checkin=result
    )


def _is_here(code: str | None, here: str) -> bool:
    return code is None or code == "" or code == here


def _elsewhere(
    result: CheckinResult, transfer: TransferKind, target: str | None, name_of: NameLookup
) -> ReturnOutcome:
    if not target:
        return exception_outcome(result.item_id, "no_destination", result)
    name = name_of(target)
    return ReturnOutcome(
        kind=ReturnKind.OTHER_LIBRARY,
        transfer=transfer,
        destination=target,
        destination_name=name or target,
        slip=_slip(result, name or target, transfer.value)
        if transfer is TransferKind.HOLD
        else None,
        checkin=result,
    )
