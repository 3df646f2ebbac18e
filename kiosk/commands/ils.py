"""``kiosk ils``: one transaction through the kiosk's own library-system back end.

    kiosk ils --config FILE status
    kiosk ils --config FILE patron ID [--pin [PIN]]
    kiosk ils --config FILE checkout PATRON ITEM [--pin [PIN]]
    kiosk ils --config FILE checkin ITEM
    kiosk ils --config FILE renew PATRON ITEM [--pin [PIN]]
    kiosk ils --config FILE item ITEM

Why: staff checking a kiosk's back end want to know whether *this kiosk's configuration* works
(its FOLIO tenant, login and service point, or its SIP2 account), not whether some library system
answers some request. So the command builds the same port the kiosk builds
(:func:`kiosk.assembly.library_system`), runs one transaction and prints the port's answer as
one JSON object, whichever back end the configuration names. A configuration with the embedded
library system (``[ils] embedded = true``) runs it for the transaction (keep its state with
``[ils.embedded] db``).

Exit status: 0 answered (a refusal is an answer: look at ``"ok"``), 1 the library system could not
answer (unavailable, outcome unknown, nonsense), 2 the configuration or the command line is wrong.
The PIN is never printed; ``--pin`` alone asks for it without echo.
"""

from __future__ import annotations

import argparse
import dataclasses
import enum
import getpass
import json
import os
import sys
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from kiosk.commands.common import DEFAULT_CONFIG, config_path


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ils",
        help="run one transaction through the kiosk's library system (SIP2 or FOLIO)",
        description="Run one transaction through the library-system back end the kiosk "
        "configuration names (SIP2 or FOLIO) and print the answer as JSON. "
        "Exit status: 0 answered, 1 library system unavailable or outcome unknown, 2 usage.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=None,
        help=f"the kiosk config file (default: $KIOSK_CONFIG, else {DEFAULT_CONFIG})",
    )
    parser.add_argument("--no-env", action="store_true", help="ignore KIOSK__... variables")
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)

    def pin_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--pin",
            nargs="?",
            const="",
            default=None,
            help="the patron's PIN; --pin alone asks for it without echo",
        )

    patron, item = ("patron_id", "PATRON"), ("item_id", "ITEM")
    for action, what, arguments, asks_pin in (
        ("status", "is the library system there and accepting circulation?", (), False),
        ("patron", "validate a patron (and PIN): blocks, fees", [("patron_id", "ID")], True),
        ("checkout", "lend ITEM to PATRON", (patron, item), True),
        ("checkin", "take ITEM back; shows where it goes", [item], False),
        ("renew", "renew PATRON's loan of ITEM", (patron, item), True),
        ("item", "what the library system knows about ITEM", [item], False),
    ):
        sub = actions.add_parser(action, help=what)
        for dest, metavar in arguments:
            sub.add_argument(dest, metavar=metavar)
        if asks_pin:
            pin_option(sub)
    parser.set_defaults(handler=run)


def jsonable(value: Any) -> Any:
    """The port's typed answers as JSON values (enums by value, dates in ISO 8601)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, frozenset | set):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    return value


def run(args: argparse.Namespace) -> int:
    from kiosk.config import ConfigError, load_config

    path = config_path(args.config)
    try:
        config = load_config(path, env={} if args.no_env else dict(os.environ))
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    pin = getattr(args, "pin", None)
    if pin == "":
        pin = getpass.getpass("PIN: ")

    import asyncio

    return asyncio.run(_transact(config, args, pin))


async def _transact(config: Any, args: argparse.Namespace, pin: str | None) -> int:
    import contextlib

    from kiosk.assembly import kiosk_settings, library_system
    from kiosk.ils.port import LibrarySystemError, OutcomeUnknown

    async with contextlib.AsyncExitStack() as stack:
        host = port = None
        if config.ils.embedded.enabled and config.ils.backend == "sip2":
            from kiosk.acs import EmbeddedACS

            embedded = config.ils.embedded
            acs = await stack.enter_async_context(
                EmbeddedACS(data=embedded.data, db_path=embedded.db)
            )
            host, port = acs.host, acs.port
        names = kiosk_settings(config).branch_names
        ils = library_system(config, branch_names=names, host=host, port=port)
        try:
            await stack.enter_async_context(ils)
            answer = await _action(ils, config, args, pin)
        except OutcomeUnknown as exc:
            print(
                f"kiosk ils: outcome unknown: {exc} (the request may have been carried out:"
                f" ask with `kiosk ils item {getattr(args, 'item_id', 'ITEM')}`)",
                file=sys.stderr,
            )
            return 1
        except LibrarySystemError as exc:
            print(f"kiosk ils: {_kind(exc)}: {exc}", file=sys.stderr)
            return 1
    print(json.dumps(jsonable(answer), ensure_ascii=False, indent=2))
    return 0


async def _action(ils: Any, config: Any, args: argparse.Namespace, pin: str | None) -> Any:
    from kiosk.ils.port import LoanRequest, RenewRequest, ReturnRequest

    action = args.action
    if action == "status":
        return await _status(ils, config)
    if action == "patron":
        return await ils.patron(args.patron_id, pin, details=True)
    if action == "checkout":
        return await ils.checkout(
            LoanRequest(patron_id=args.patron_id, item_id=args.item_id, pin=pin)
        )
    if action == "checkin":
        return await ils.checkin(ReturnRequest(item_id=args.item_id))
    if action == "renew":
        return await ils.renew(
            RenewRequest(patron_id=args.patron_id, item_id=args.item_id, pin=pin)
        )
    return await ils.item(args.item_id)


async def _status(ils: Any, config: Any) -> dict[str, Any]:
    online = await ils.check_online()
    latency = getattr(ils, "last_latency", None)
    status: dict[str, Any] = {
        "backend": config.ils.backend,
        "online": online,
        "latency_ms": round(latency * 1000, 1) if latency is not None else None,
        "branch": config.kiosk.branch,
    }
    if config.ils.backend == "folio" and config.ils.folio is not None:
        folio = config.ils.folio
        code = getattr(ils, "service_point_code", None)
        status.update(
            url=folio.base_url,
            tenant=folio.tenant,
            service_point={
                "id": str(folio.service_point_id),
                "code": code,
                "name": ils.branch_names().get(code) if code else None,
            },
        )
        if code is not None and code != config.kiosk.branch:
            status["warning"] = (
                f"the service point's code {code!r} is not the kiosk's branch"
                f" {config.kiosk.branch!r}: check-in destinations are compared by code"
            )
        elif code is None and online:
            status["warning"] = "FOLIO does not list the configured service point"
    else:
        sip = config.ils.sip2
        status["address"] = (
            "embedded library system" if config.ils.embedded.enabled else f"{sip.host}:{sip.port}"
        )
        pool = getattr(ils, "pool", None)  # SIP2LibrarySystem.pool: the pool as it really is
        if pool is not None:
            status["pool"] = {"logged_in": pool.logged_in, "configured": pool.configured}
            if online and pool.logged_in < pool.configured:
                status["warning"] = (
                    f"only {pool.logged_in} of {pool.configured} SIP2 connections logged in:"
                    " the library system may allow fewer sessions per account (ils.sip2.pool_size)"
                )
    return status


def _kind(error: Exception) -> str:
    from kiosk.ils.port import LibrarySystemProtocolError

    if isinstance(error, LibrarySystemProtocolError):
        return "the library system answered something unexpected"
    return "library system unavailable"
