"""``kiosk sort explain --config FILE``: which sorting rule would take a check-in, and why.

The facts come from a raw SIP2 check-in response (``--sip2 '101YNN...|AB...|CV02|CT...'``, or
``--sip2 -`` to read it from standard input) and/or from options (``--alert-type 02
--destination LJD-HB``, options win). They go through the same steps as at the station: the
core's routing decides "hold here" from the response, then the configured rules run in order.
The output lists the facts, every rule tried with each condition, and the bin. Exit status 0,
1 for a configuration problem, 2 for a message that is not a check-in response.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sort",
        help="explain the return station's sorting rules",
        description="Show which of the return station's sorting rules takes a check-in.",
    )
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    explain = actions.add_parser(
        "explain",
        help="which rule takes a check-in response, and why",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    explain.add_argument("--config", type=Path, required=True, metavar="FILE")
    explain.add_argument(
        "--sip2", metavar="MESSAGE", help="a raw SIP2 10 check-in response ('-': standard input)"
    )
    facts = explain.add_argument_group("facts (override the message)")
    facts.add_argument("--item", default="", help="item barcode (for the output only)")
    facts.add_argument("--alert-type", metavar="CV", help="01 hold here ... 04 transit, 99 other")
    facts.add_argument("--destination", metavar="CT")
    facts.add_argument("--sort-bin", metavar="CL")
    facts.add_argument("--permanent-location", metavar="AQ")
    facts.add_argument("--collection", metavar="CR")
    facts.add_argument("--call-number", metavar="CS")
    facts.add_argument("--media-type", metavar="CK", help="a SIP2 code (001) or name (book)")
    facts.add_argument("--owner-library", metavar="ISIL", help="the tag's owner, e.g. SE-HUD")
    facts.add_argument("--hold", action="store_true", help="a hold is attached (CY/DA)")
    facts.add_argument("--refused", action="store_true", help="the library system said ok=0")
    facts.add_argument("--offline", action="store_true", help="checked in offline (journaled)")
    explain.add_argument("--json", action="store_true", help="one JSON object")
    explain.set_defaults(handler=run_explain)
    parser.set_defaults(handler=lambda _args: parser.print_help(sys.stderr) or 2)


class _BadMessage(ValueError):
    pass


def run_explain(args: argparse.Namespace) -> int:
    from kiosk.commands.common import config_or_report
    from kiosk.core.sorting import explain, sort_item

    config = config_or_report(args.config, check_files=False)
    if config is None:
        return 1
    station = config.return_station
    if station is None:
        print(f"{args.config}: there is no [return_station] section", file=sys.stderr)
        return 1
    try:
        facts = _facts(args, config)
    except _BadMessage as error:
        print(f"kiosk sort explain: {error}", file=sys.stderr)
        return 2
    decision = sort_item(facts, station.rules, station.exception_bin)
    label = station.bin(decision.bin).label
    if args.json:
        print(
            json.dumps(
                {
                    "bin": decision.bin,
                    "label": label,
                    "reason": decision.reason,
                    "rule": None if decision.rule_index is None else decision.rule_index + 1,
                    "rule_name": decision.rule_name,
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(explain(decision) + (f" — {label}" if label else ""))
    return 0


def _facts(args: argparse.Namespace, config: Any) -> Any:
    """The facts the station would have: a check-in result, routed by the core, as facts."""
    from kiosk.core.returns import ReturnDone
    from kiosk.core.routing import decide_return, exception_outcome
    from kiosk.core.sorting import ALERT_CODES, SortFacts
    from kiosk.ils.port import CheckinAlert, CheckinResult

    result = (
        _from_message(args.sip2, config.ils.sip2.charset)
        if args.sip2
        else CheckinResult(ok=True, item_id="")
    )
    changes: dict[str, Any] = {
        name: value
        for name, value in {
            "destination": args.destination,
            "sort_bin": args.sort_bin,
            "permanent_location": args.permanent_location,
            "collection": args.collection,
            "call_number": args.call_number,
            "media_type": args.media_type,
        }.items()
        if value is not None
    }
    if args.alert_type is not None:
        by_code = {code: alert for alert, code in ALERT_CODES.items()}
        changes["alert"] = by_code.get(args.alert_type.strip(), CheckinAlert.OTHER)
    if args.hold:
        changes["hold_for_patron"] = True
    if args.refused:
        changes["ok"] = False
    item_id = args.item or result.item_id or "(item)"
    result = dataclasses.replace(result, item_id=item_id, **changes)
    if args.offline:
        outcome = exception_outcome(item_id, "returned_offline")
        done = ReturnDone(item_id=item_id, outcome=outcome, offline=True)
    else:
        names = dict(config.kiosk.branch_names)

        def name_of(code: str | None) -> str | None:
            return names.get(code or "") or code

        routed = decide_return(result, here=config.kiosk.branch, name_of=name_of)
        done = ReturnDone(item_id=item_id, title=result.title, outcome=routed, checkin=result)
    facts = SortFacts.from_return(done)
    if args.owner_library:
        facts = dataclasses.replace(facts, owner_library=args.owner_library)
    return facts


def _from_message(text: str, charset: str) -> Any:
    """A raw 10 Checkin Response, read as the SIP2 adapter reads it."""
    from kiosk.ils.sip2 import checkin_result
    from kiosk.sip2 import CheckinResponse, SIP2DecodeError, decode

    if text == "-":
        text = sys.stdin.read()
    frame = text.strip().encode(charset, errors="replace") + b"\r"
    try:
        decoded = decode(frame, charset=charset)
    except SIP2DecodeError as error:
        raise _BadMessage(f"not a SIP2 message: {error}") from None
    message = decoded.message
    if not isinstance(message, CheckinResponse):
        raise _BadMessage(f"a check-in response (10) is needed, not message {message.code}")
    return checkin_result(message)
