"""``kiosk sip2``: SIP2 diagnostics for staff.

    kiosk sip2 decode [--charset C] [--mask]        raw messages on stdin -> JSON lines
    kiosk sip2 [connection options] status
    kiosk sip2 [connection options] patron ID [--pin [PIN]] [--list KIND]
    kiosk sip2 [connection options] item BARCODE
    kiosk sip2 [connection options] checkout PATRON BARCODE [--pin [PIN]] [--fee-ack]
    kiosk sip2 [connection options] checkin BARCODE
    kiosk sip2 [connection options] renew PATRON BARCODE [--pin [PIN]]
    kiosk sip2 [connection options] renew-all PATRON [--pin [PIN]]
    kiosk sip2 [connection options] hold PATRON [BARCODE] [--mode add|delete|change] ...
    kiosk sip2 [connection options] end PATRON [--pin [PIN]]

Each transaction connects, logs in, sends one request and prints the decoded reply as one JSON
object (the same form as ``decode``). Errors are printed in plain words on standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import os
import sys
from typing import Any

_ENV = "KIOSK_SIP2_"
_SUMMARY_KINDS = ("hold", "overdue", "charged", "fine", "recall", "unavailable")


def _env(name: str, default: str = "") -> str:
    return os.environ.get(_ENV + name, default)


def _env_port() -> int:
    try:
        return int(_env("PORT", "6001"))
    except ValueError:
        return 6001  # a broken variable must not break every kiosk command; --port still works


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sip2",
        help="talk SIP2 to a library system, or decode SIP2 messages",
        description=(
            "SIP2 diagnostics for staff: run one transaction against a library system (ACS)\n"
            "and print its decoded answer as one JSON object, or decode raw messages from\n"
            "standard input. Connection options go before the action, e.g.\n\n"
            "  kiosk sip2 --host acs.example.org --user kiosk1 --location HB patron 2150000001\n\n"
            "They can also come from the environment: "
            f"{_ENV}HOST, {_ENV}PORT, {_ENV}USER,\n{_ENV}PASSWORD, {_ENV}LOCATION, "
            f"{_ENV}INSTITUTION, {_ENV}TERMINAL_PASSWORD,\n{_ENV}CHARSET "
            "(better than --password on a shared machine: the command line is visible\n"
            "to other users). Exit status: 0 done, 1 SIP2 or connection error, 2 usage error."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    conn = parser.add_argument_group("connection options (before the action)")
    conn.add_argument("--host", default=_env("HOST", "127.0.0.1"), help="ACS host name or address")
    conn.add_argument("--port", type=int, default=_env_port(), help="ACS port (default 6001)")
    conn.add_argument("--tls", action="store_true", help="connect with TLS (verified by default)")
    conn.add_argument("--ca-file", help="PEM file of the CAs to trust instead of the system's")
    conn.add_argument(
        "--client-cert", help="PEM client certificate (with key, or see --client-key)"
    )
    conn.add_argument("--client-key", help="PEM private key of --client-cert")
    conn.add_argument(
        "--no-verify", action="store_true", help="accept any TLS certificate (testing only)"
    )
    conn.add_argument(
        "--server-name", help="host name to verify in the ACS certificate (default: --host)"
    )
    conn.add_argument("--user", default=_env("USER"), help="SIP2 login user (CN); none: no login")
    conn.add_argument(
        "--password",
        default=_env("PASSWORD"),
        help=f"SIP2 login password (CO); default from ${_ENV}PASSWORD",
    )
    conn.add_argument(
        "--location",
        default=_env("LOCATION"),
        help="location code: CP of the login and AP of check-ins",
    )
    conn.add_argument(
        "--institution", default=_env("INSTITUTION"), help="institution id (AO) of requests"
    )
    conn.add_argument(
        "--terminal-password", default=_env("TERMINAL_PASSWORD"), help="terminal password (AC)"
    )
    conn.add_argument(
        "--charset",
        default=_env("CHARSET", "utf-8"),
        help="character set of the ACS: utf-8 (default), cp850, iso-8859-1, ascii (any text"
        " encoding that keeps ASCII as it is)",
    )
    conn.add_argument(
        "--error-detection",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="send AY sequence numbers and AZ checksums (default: on)",
    )
    conn.add_argument(
        "--timeout", type=float, default=10.0, help="seconds to wait for each reply (default 10)"
    )
    conn.add_argument(
        "--retries", type=int, default=3, help="resends after a timeout or bad reply (default 3)"
    )
    conn.add_argument(
        "--trace",
        action="store_true",
        help="print the wire messages on standard error (PINs and passwords masked)",
    )
    parser.set_defaults(handler=lambda args: _usage(parser))

    actions = parser.add_subparsers(title="actions", metavar="ACTION")

    decode = actions.add_parser(
        "decode",
        help="decode raw SIP2 messages from stdin, one per line, into JSON lines",
        description="Read raw SIP2 messages, one per line, from standard input and print one "
        'JSON object per line: "code", "name", "fixed", "fields", "sequence", "checksum_ok". '
        'A line that cannot be decoded prints {"error": ...}; the exit status is then 1.',
    )
    decode.add_argument(
        "--charset", dest="decode_charset", help="character set of the input (default: utf-8)"
    )
    decode.add_argument("--mask", action="store_true", help="mask PINs and passwords")
    decode.set_defaults(handler=_decode)

    def transaction(name: str, help_text: str) -> argparse.ArgumentParser:
        sub: argparse.ArgumentParser = actions.add_parser(
            name, help=help_text, description=help_text
        )
        sub.set_defaults(handler=_transact, action=name)
        return sub

    def pin_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--pin",
            nargs="?",
            const="",
            help="the patron's PIN (AD); --pin alone asks for it without echo",
        )

    transaction("status", "ask the ACS status (99 -> 98)")

    patron = transaction("patron", "patron information (63 -> 64)")
    patron.add_argument("patron", metavar="ID", help="patron identifier (card number)")
    pin_option(patron)
    patron.add_argument(
        "--list",
        choices=_SUMMARY_KINDS,
        help="also list the patron's items of this kind (summary)",
    )

    item = transaction("item", "item information (17 -> 18)")
    item.add_argument("barcode", metavar="BARCODE", help="item identifier")

    checkout = transaction("checkout", "check an item out to a patron (11 -> 12)")
    checkout.add_argument("patron", metavar="PATRON", help="patron identifier")
    checkout.add_argument("barcode", metavar="BARCODE", help="item identifier")
    pin_option(checkout)
    checkout.add_argument("--fee-ack", action="store_true", help="the patron accepts a fee (BO=Y)")
    checkout.add_argument("--no-block", action="store_true", help="offline replay (no block=Y)")

    checkin = transaction("checkin", "check an item in (09 -> 10)")
    checkin.add_argument("barcode", metavar="BARCODE", help="item identifier")
    checkin.add_argument("--no-block", action="store_true", help="offline replay (no block=Y)")

    renew = transaction("renew", "renew one loan (29 -> 30)")
    renew.add_argument("patron", metavar="PATRON", help="patron identifier")
    renew.add_argument("barcode", metavar="BARCODE", help="item identifier")
    pin_option(renew)

    renew_all = transaction("renew-all", "renew every loan of a patron (65 -> 66)")
    renew_all.add_argument("patron", metavar="PATRON", help="patron identifier")
    pin_option(renew_all)

    hold = transaction("hold", "place, change or cancel a hold (15 -> 16)")
    hold.add_argument("patron", metavar="PATRON", help="patron identifier")
    hold.add_argument("barcode", metavar="BARCODE", nargs="?", help="item identifier")
    hold.add_argument(
        "--mode", choices=("add", "delete", "change"), default="add", help="default: add"
    )
    hold.add_argument("--title", help="title identifier (AJ) instead of an item")
    hold.add_argument("--pickup", help="pickup location (BS)")
    hold.add_argument("--expires", help="expiration date (BW), as the ACS expects it")
    pin_option(hold)

    end = transaction("end", "end the patron session (35 -> 36)")
    end.add_argument("patron", metavar="PATRON", help="patron identifier")
    pin_option(end)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


# --- decode ---------------------------------------------------------------------------------


def _decode(args: argparse.Namespace) -> int:
    from kiosk.sip2 import SIP2DecodeError, check_charset, decode

    charset = args.decode_charset or args.charset
    try:
        check_charset(charset)
    except ValueError as exc:
        print(f"kiosk sip2 decode: {exc}", file=sys.stderr)
        return 2
    failed = False
    out = sys.stdout
    for raw in sys.stdin.buffer:
        line = raw.rstrip(b"\r\n")
        if not line.strip():
            continue
        try:
            data: dict[str, Any] = _for_people(
                decode(line, charset=charset).to_json(mask_secrets=args.mask)
            )
        except SIP2DecodeError as exc:
            data = {"error": str(exc)}
            failed = True
        out.write(json.dumps(data, ensure_ascii=False) + "\n")
    out.flush()
    return 1 if failed else 0


# --- transactions ---------------------------------------------------------------------------


def _for_people(data: dict[str, Any]) -> dict[str, Any]:
    """The JSON form with the 98's timeout period in seconds, with its unit (the wire has
    tenths of a second, and 000 and 999 have meanings of their own)."""
    fixed = data.get("fixed")
    if data.get("code") == "98" and isinstance(fixed, dict):
        tenths = fixed.get("timeout_period")
        if tenths == 0:
            fixed["timeout_period"] = "000 (the ACS is off-line)"
        elif tenths == 999:
            fixed["timeout_period"] = "999 (unknown, or none)"
        elif isinstance(tenths, int):
            fixed["timeout_period"] = f"{tenths / 10:g} s"
    return data


def _ask_pin(args: argparse.Namespace) -> str | None:
    pin = getattr(args, "pin", None)
    if pin == "":
        return getpass.getpass("PIN: ")
    return pin


def _request(args: argparse.Namespace, client: Any) -> Any:
    from kiosk import sip2

    make = client.make
    action = args.action
    pin = _ask_pin(args)
    if action == "status":
        return sip2.SCStatus()
    if action == "patron":
        summary = [" "] * 10
        if args.list:
            summary[_SUMMARY_KINDS.index(args.list)] = "Y"
        return make(
            sip2.PatronInformation,
            patron_identifier=args.patron,
            patron_password=pin,
            summary="".join(summary),
            start_item="1" if args.list else None,
            end_item="50" if args.list else None,
        )
    if action == "item":
        return make(sip2.ItemInformation, item_identifier=args.barcode)
    if action == "checkout":
        return make(
            sip2.Checkout,
            patron_identifier=args.patron,
            item_identifier=args.barcode,
            patron_password=pin,
            fee_acknowledged="Y" if args.fee_ack else None,
            no_block=args.no_block,
        )
    if action == "checkin":
        return make(sip2.Checkin, item_identifier=args.barcode, no_block=args.no_block)
    if action == "renew":
        return make(
            sip2.Renew, patron_identifier=args.patron, item_identifier=args.barcode,
            patron_password=pin,
        )  # fmt: skip
    if action == "renew-all":
        return make(sip2.RenewAll, patron_identifier=args.patron, patron_password=pin)
    if action == "hold":
        mode = {"add": "+", "delete": "-", "change": "*"}[args.mode]
        return make(
            sip2.Hold, hold_mode=mode, patron_identifier=args.patron, item_identifier=args.barcode,
            title_identifier=args.title, pickup_location=args.pickup,
            expiration_date=args.expires, patron_password=pin,
        )  # fmt: skip
    if action == "end":
        return make(sip2.EndPatronSession, patron_identifier=args.patron, patron_password=pin)
    raise AssertionError(action)


def _explain(exc: Exception) -> str:
    """The error in plain words for staff, with what to check."""
    from kiosk import sip2

    check_tls = "(check --ca-file, --server-name and that the port speaks TLS)"
    check_charset = "(try --charset cp850, iso-8859-1 or utf-8)"
    advice: tuple[tuple[type[Exception], str], ...] = (  # the first that fits: subclasses first
        (sip2.SIP2LoginError, "login refused: {}"),
        (sip2.SIP2TLSError, "TLS failure: {} " + check_tls),
        (sip2.SIP2TimeoutError, "timeout: {}"),
        (sip2.SIP2CharsetError, "wrong charset suspected: {} " + check_charset),
        (sip2.SIP2ConnectionError, "connection failed: {}"),
        (sip2.SIP2EncodeError, "cannot send that request: {}"),
    )
    for kind, text in advice:
        if isinstance(exc, kind):
            return text.format(exc)
    return f"SIP2 error: {exc}"


async def _run(args: argparse.Namespace) -> int:
    from kiosk import sip2

    settings = sip2.ClientSettings(
        host=args.host,
        port=args.port,
        user=args.user,
        password=args.password,
        location_code=args.location,
        institution_id=args.institution,
        terminal_password=args.terminal_password,
        charset=args.charset,
        error_detection=args.error_detection,
        tls=args.tls,
        ca_file=args.ca_file,
        client_cert=args.client_cert,
        client_key=args.client_key,
        verify=not args.no_verify,
        server_hostname=args.server_name,
        timeout=args.timeout,
        connect_timeout=args.timeout,
        retries=args.retries,
        keepalive=3600.0,  # one transaction: no keep-alive traffic in the trace
        trace=(lambda line: print(line, file=sys.stderr)) if args.trace else None,
    )
    try:
        async with sip2.SIP2Client(settings) as client:
            if args.action == "status" and client.last_status is not None:
                decoded = client.last_status  # the 98 of the connection's own 99: ask once
            else:
                decoded = await client.exchange(_request(args, client))
            suspect = client.charset_suspect
    except sip2.SIP2Error as exc:
        print(f"kiosk sip2: {_explain(exc)}", file=sys.stderr)
        return 1
    print(json.dumps(_for_people(decoded.to_json()), ensure_ascii=False))
    if suspect:
        print(
            f"kiosk sip2: warning: wrong charset suspected: the replies do not look like "
            f"{args.charset}; try another --charset",
            file=sys.stderr,
        )
    return 0


def _transact(args: argparse.Namespace) -> int:
    try:
        from kiosk.sip2 import check_charset

        check_charset(args.charset)
        if args.port <= 0 or args.port > 65535:
            raise ValueError(f"--port {args.port} is not a TCP port")
    except ValueError as exc:
        print(f"kiosk sip2: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(_run(args))
