"""``kiosk acs``: run the embedded consortium library system (a SIP2 server) standalone.

    kiosk acs [--host 127.0.0.1] [--port 6001] [--data FILE] [--db FILE] [--reset]
              [--latency-ms N] [--jitter-ms N] [--drop-after N] [--corrupt-checksum N]
              [--answer-96 N] [--offline] [--refuse-logins] [--control-port 6002]
              [--folio-port 9130] [--max-connections N] [--max-per-address N]
              [--login-deadline S] [--message-deadline S]
    kiosk acs control [--control-host H] [--control-port 6002] COMMAND...
    kiosk acs check FILE         validate a consortium data file and print a summary

The server listens on loopback unless told otherwise; its log carries masked traces only.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "acs",
        help="run the embedded consortium library system (SIP2 server)",
        description="Run the embedded consortium library system: a SIP2 server over the demo "
        "consortium (or your own data file). Fault knobs make it slow, flaky or offline.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (loopback)")
    parser.add_argument("--port", type=int, default=6001, help="SIP2 port (default 6001)")
    parser.add_argument("--data", help="consortium data file (JSON; default: the demo data)")
    parser.add_argument(
        "--db",
        default=":memory:",
        help="SQLite file keeping the state across restarts (default: memory)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="reload --data into --db even if it holds a consortium"
    )
    parser.add_argument(
        "--charset", default="utf-8", help="character set before login (accounts set their own)"
    )
    parser.add_argument("--tls-cert", help="serve SIP2 over TLS with this PEM certificate")
    parser.add_argument("--tls-key", help="its private key (if not in the certificate file)")
    parser.add_argument(
        "--tls-client-ca", help="require client certificates signed by this CA (PEM)"
    )
    parser.add_argument(
        "--control-port",
        type=int,
        help="also listen for fault-knob commands on this port of 127.0.0.1 (never on --host)",
    )
    parser.add_argument(
        "--folio-port",
        type=int,
        help="also serve FOLIO's REST API on this port (tenant 'demo'; same model and faults)",
    )
    for option, limit, kind, metavar, text in _LIMITS:
        parser.add_argument(option, dest=limit, type=_positive(kind), metavar=metavar, help=text)
    for option, settings in _FAULT_KNOBS:
        parser.add_argument(option, **settings)
    parser.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="-v: connections and logins; -vv: masked wire traces",
    )
    parser.set_defaults(handler=run_server)
    actions = parser.add_subparsers(title="actions", metavar="ACTION")
    control = actions.add_parser(
        "control",
        help="send a command to a running 'kiosk acs --control-port N'",
        description="Commands: get | set NAME=VALUE... | reset | drop | stats. "
        "Example: kiosk acs control set latency_ms=150 offline=yes",
    )
    control.add_argument("--control-host", default="127.0.0.1")
    control.add_argument("--control-port", dest="target_port", type=int, default=6002)
    control.add_argument("words", nargs="+", metavar="COMMAND")
    control.set_defaults(handler=run_control)
    check = actions.add_parser("check", help="validate a consortium data file")
    check.add_argument("file")
    check.set_defaults(handler=run_check)


def _positive(kind: type[int] | type[float]) -> Any:
    """An argparse type: a number above 0, with a clear error otherwise."""

    def parse(text: str) -> int | float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not value > 0 or value != value or value == float("inf"):
            raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
        return value

    parse.__name__ = kind.__name__
    return parse


#: The connection limits: option, field of kiosk.acs.ConnectionLimits, kind, metavar, help. The
#: defaults are the class's (not imported here: `kiosk --help` stays quick).
_LIMITS: tuple[tuple[str, str, type[int] | type[float], str, str], ...] = (
    ("--max-connections", "max_connections", int, "N",
     "open SIP2 connections at most (default 1000; fewer if file descriptors are short)"),
    ("--max-per-address", "max_per_address", int, "N",
     "open SIP2 connections from one address at most (default 64); beyond a cap the oldest"
     " connection that has not logged in makes room"),
    ("--login-deadline", "login_seconds", float, "SECONDS",
     "a connection must log in within this many seconds (default 20)"),
    ("--message-deadline", "message_seconds", float, "SECONDS",
     "a message, once begun, must end within this many seconds (default 30)"),
)  # fmt: skip

#: The fault knobs (kiosk.acs.Faults), each option named after its knob.
_FAULT_KNOBS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("--latency-ms", {"type": float, "default": 0.0, "help": "delay every response"}),
    ("--jitter-ms", {"type": float, "default": 0.0, "help": "plus a random 0..N ms per response"}),
    ("--drop-after",
     {"type": int, "default": 0, "help": "drop the connection at the N-th request (0 = never)"}),
    ("--drop-repeat", {"action": "store_true", "help": "keep dropping every N-th request"}),
    ("--drop-before-processing",
     {"action": "store_true", "help": "drop before carrying out the request (default: after)"}),
    ("--corrupt-checksum",
     {"type": int, "default": 0, "help": "corrupt the checksum of the next N responses"}),
    ("--answer-96",
     {"type": int, "default": 0, "help": "answer the next N requests with 96 (request resend)"}),
    ("--offline",
     {"action": "store_true", "help": "start offline: 98 says on-line N, circulation is refused"}),
    ("--refuse-logins", {"action": "store_true", "help": "refuse every 93 login"}),
)  # fmt: skip


def _limits(args: argparse.Namespace, defaults: Any) -> Any:
    """The connection limits of the options, the defaults where none was given."""
    given = {limit: getattr(args, limit) for _, limit, *_ in _LIMITS}
    return replace(defaults, **{name: value for name, value in given.items() if value is not None})


def _fault_settings(args: argparse.Namespace) -> dict[str, Any]:
    knobs = (option.removeprefix("--").replace("-", "_") for option, _ in _FAULT_KNOBS)
    return {knob: getattr(args, knob) for knob in knobs}


def run_server(args: argparse.Namespace) -> int:
    import asyncio
    import logging
    import signal
    import ssl

    from kiosk.acs import AcsError, ConnectionLimits, EmbeddedACS, server_tls_context
    from kiosk.sip2 import check_charset

    try:
        check_charset(args.charset)
    except ValueError as exc:
        print(f"kiosk acs: --charset: {exc}", file=sys.stderr)
        return 2
    tls = None
    if args.tls_cert:
        try:
            tls = server_tls_context(args.tls_cert, args.tls_key, args.tls_client_ca)
        except (OSError, ssl.SSLError) as exc:
            print(f"kiosk acs: cannot load the TLS certificate: {exc}", file=sys.stderr)
            return 1
    level = logging.DEBUG if args.verbose > 1 else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("kiosk.acs").setLevel(level)

    async def main() -> int:
        acs = EmbeddedACS(
            args.data,
            args.db,
            tls=tls,
            host=args.host,
            port=args.port,
            control_port=args.control_port,
            reset=args.reset,
            charset=args.charset,
            limits=_limits(args, ConnectionLimits()),
            **_fault_settings(args),
        )
        try:
            await acs.start()
        except (AcsError, OSError) as exc:
            print(f"kiosk acs: {exc}", file=sys.stderr)
            return 1
        folio = None
        if args.folio_port is not None:
            from kiosk.acs import FolioServer

            folio = FolioServer(acs.model, host=args.host, port=args.folio_port, faults=acs.faults)
            try:
                folio.start()
            except OSError as exc:
                print(f"kiosk acs: FOLIO port {args.folio_port}: {exc}", file=sys.stderr)
                await acs.close()
                return 1
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        model = acs.model
        print(
            f"kiosk acs: {model.name}: {len(model.branches())} branches,"
            f" {len(model.patrons())} patrons, {len(model.items())} items;"
            f" SIP2{' over TLS' if tls else ''} on {acs.host}:{acs.port}"
            + (f", control on {acs.control_host}:{acs.control_port}" if acs.control_port else ""),
            flush=True,
        )
        if folio is not None:
            accounts = model.accounts()
            example = (
                f", e.g. {accounts[0].branch} = {folio.service_point_id(accounts[0].branch)}"
                if accounts
                else ""
            )
            print(
                f"kiosk acs: FOLIO on {folio.url} (tenant {folio.tenant}; the service points"
                f" of the branches: GET /service-points{example})",
                flush=True,
            )
        await stop.wait()
        if folio is not None:
            folio.stop()
        await acs.close()
        return 0

    return asyncio.run(main())


def run_control(args: argparse.Namespace) -> int:
    import asyncio

    from kiosk.acs import send_command

    try:
        answer = asyncio.run(
            send_command(args.control_host, args.target_port, " ".join(args.words))
        )
    except OSError as exc:
        print(
            f"kiosk acs control: cannot reach {args.control_host}:{args.target_port}: {exc}",
            file=sys.stderr,
        )
        return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer.get("ok") else 1


def run_check(args: argparse.Namespace) -> int:
    from kiosk.acs import DataFileError, read_data

    try:
        data = read_data(args.file)
    except DataFileError as exc:
        print(f"kiosk acs check: {exc}", file=sys.stderr)
        return 1
    branches = sum(len(lib.branches) for lib in data.libraries)
    print(
        f"{args.file}: {data.name}: {len(data.libraries)} libraries, {branches} branches,"
        f" {len(data.patrons)} patrons, {len(data.items)} items, {len(data.loans)} loans,"
        f" {len(data.holds)} holds, {len(data.accounts)} accounts: valid"
    )
    return 0
