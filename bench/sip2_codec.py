"""Benchmark: SIP2 codec throughput on a realistic kiosk message mix, ours vs. PyPI libraries.

Prints figures only (no assertions). The mix is one kiosk morning in miniature: logins and status
keep-alives, patron look-ups with loan lists, many check-outs and check-ins with Nordic titles,
renewals and item look-ups, all with error detection (AY/AZ).

Two roles, each measured for every implementation that can play it, on the same messages:

* client role (what a kiosk does per transaction): encode the request, decode the response.
  Ours vs. ``sip2`` (PyPI; its request builders and response parsers).
* server role (what an ACS does per transaction): decode the request, encode the response.
  Ours vs. ``pysip2`` (PyPI; its strict codec).

Run: ``.venv/bin/python bench/sip2_codec.py [--seconds 2]``
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

import pysip2
from Sip2.sip2 import Sip2

from kiosk import sip2

WHEN = datetime(2026, 11, 22, 10, 15, 30)
AO, PATRON, PIN = "SE-BOL", "2150000001", "1234"
TITLES = [
    "Röda rummet", "Pippi Långstrump", "Mästerdetektiven Blomkvist", "Hälsingegårdar",
    "Utvandrarna", "Bröderna Lejonhjärta", "Sjöwall & Wahlöö: Roseanna", "Ronja Rövardotter",
]  # fmt: skip


def transactions() -> list[tuple[sip2.Message, sip2.Message]]:
    """(request, response) pairs in kiosk proportions."""
    mix: list[tuple[sip2.Message, sip2.Message]] = [
        (sip2.Login(login_user_id="kiosk-bol-hb", login_password="pw-bol-hb",
                    location_code="BOL-HB"), sip2.LoginResponse(ok=True)),
        (sip2.SCStatus(), sip2.ACSStatus(
            date_time_sync=WHEN, timeout_period=600, institution_id=AO,
            supported_messages="YYYYYYYYYYYYYYYY", library_name="Bollnäs bibliotek",
            terminal_location="BOL-HB-K1")),
        (sip2.PatronInformation(transaction_date=WHEN, summary="  Y       ", institution_id=AO,
                                patron_identifier=PATRON, patron_password=PIN, start_item="1",
                                end_item="10"),
         sip2.PatronInformationResponse(
             transaction_date=WHEN, language="006", charged_items_count=6, institution_id=AO,
             patron_identifier=PATRON, personal_name="Åsa Öberg", hold_items_limit="0020",
             overdue_items_limit="0010", charged_items_limit="0050", valid_patron="Y",
             valid_patron_password="Y", currency_type="SEK", fee_amount="0.00",
             charged_items=[f"300000000{i}" for i in range(6)],
             e_mail_address="asa.oberg@example.se", screen_message=["Välkommen, Åsa!"])),
    ]  # fmt: skip
    for i, title in enumerate(TITLES):
        item = f"30000001{i:02d}"
        mix.append((
            sip2.Checkout(transaction_date=WHEN, nb_due_date=WHEN, institution_id=AO,
                          patron_identifier=PATRON, item_identifier=item, patron_password=PIN),
            sip2.CheckoutResponse(ok=True, desensitize=True, magnetic_media=False,
                                  transaction_date=WHEN, institution_id=AO,
                                  patron_identifier=PATRON, item_identifier=item,
                                  title_identifier=title, due_date="20261220    235900",
                                  media_type="001", screen_message=["Lånet är registrerat"]),
        ))  # fmt: skip
        mix.append((
            sip2.Checkin(transaction_date=WHEN, return_date=WHEN, current_location="BOL-HB",
                         institution_id=AO, item_identifier=item),
            sip2.CheckinResponse(ok=True, resensitize=True, magnetic_media=False, alert=i % 3 == 0,
                                 transaction_date=WHEN, institution_id=AO, item_identifier=item,
                                 permanent_location="SÖD-HB", title_identifier=title,
                                 sort_bin="2" if i % 3 else "H", media_type="001",
                                 call_number="Hc", alert_type="02" if i % 3 == 0 else None,
                                 destination_location="SÖD-HB" if i % 3 == 0 else None),
        ))  # fmt: skip
    mix.append((
        sip2.Renew(transaction_date=WHEN, nb_due_date=WHEN, institution_id=AO,
                   patron_identifier=PATRON, item_identifier="3000000100", patron_password=PIN),
        sip2.RenewResponse(ok=True, renewal_ok=True, transaction_date=WHEN, institution_id=AO,
                           patron_identifier=PATRON, item_identifier="3000000100",
                           title_identifier=TITLES[0], due_date="20270110    235900"),
    ))  # fmt: skip
    mix.append((
        sip2.ItemInformation(
            transaction_date=WHEN, institution_id=AO, item_identifier="3000000101"
        ),
        sip2.ItemInformationResponse(circulation_status="03", transaction_date=WHEN,
                                     item_identifier="3000000101", title_identifier=TITLES[1],
                                     owner="SE-BOL", permanent_location="BOL-HB",
                                     due_date="20261210    235900", media_type="001"),
    ))  # fmt: skip
    return mix


def best_rates(
    works: dict[str, Callable[[], int]], seconds: float, rounds: int
) -> dict[str, float]:
    """Messages per second of each ``work`` (which returns how many it handled): the best of
    ``rounds`` interleaved runs, so that load from other processes hits every contender alike."""
    best = dict.fromkeys(works, 0.0)
    for work in works.values():
        work()  # warm up
    for _ in range(rounds):
        for name, work in works.items():
            done = 0
            started = time.perf_counter()
            while (elapsed := time.perf_counter() - started) < seconds / rounds:
                done += work()
            best[name] = max(best[name], done / elapsed)
    return best


# --- client role --------------------------------------------------------------------------------


def ours_client(pairs: list[tuple[sip2.Message, bytes]]) -> Callable[[], int]:
    # build each request as the kiosk does (keyword arguments, transaction date "now"), like
    # the sip2 library's request builders do
    recipes = []
    for request, response in pairs:
        values = dict(request.fixed)
        values.pop("transaction_date", None)
        for tag, items in request.fields.items():
            values[sip2.TAGS[tag].name] = items if sip2.TAGS[tag].repeatable else items[0]
        recipes.append((type(request), values, response))

    def work() -> int:
        for n, (cls, values, response) in enumerate(recipes):
            sip2.encode(cls(**values), charset="utf-8", sequence=n % 10)
            sip2.decode(response, charset="utf-8")
        return 2 * len(recipes)

    return work


def sip2_client(mix: list[tuple[sip2.Message, sip2.Message]], frames: list[bytes]) -> Any:
    lib = Sip2()
    lib.log = logging.getLogger("bench.sip2")  # its log calls stay, at WARNING level
    lib.log.setLevel(logging.WARNING)
    lib.institutionId, lib.scLocation = AO, "BOL-HB"
    lib.patron, lib.patronpwd = PATRON, PIN
    # The item messages' requests take the item id; the others, fixed arguments.
    by_item = {
        "11": (lib.sip_checkout_request, lib.sip_checkout_response),
        "09": (lib.sip_checkin_request, lib.sip_checkin_response),
        "29": (lib.sip_renew_request, lib.sip_renew_response),
        "17": (lib.sip_item_information_request, lib.sip_item_information_response),
    }
    fixed = {
        "93": (partial(lib.sip_login_request, "kiosk-bol-hb", "pw-bol-hb"), lib.sip_login_response),
        "99": (lib.sip_sc_status_request, lib.sip_sc_status_response),
        "63": (
            partial(lib.sip_patron_information_request, "charged", "1", "10"),
            lib.sip_patron_information_response,
        ),
    }
    calls: list[tuple[Callable[[], str], Callable[[str], Any], bytes]] = []
    for (request, _), frame in zip(mix, frames, strict=True):
        code = request.code
        if code in by_item:
            request_of, parse = by_item[code]
            build = partial(request_of, request.item_identifier)
        else:
            build, parse = fixed[code]
        calls.append((build, parse, frame))

    def work() -> int:
        for build, parse, frame in calls:
            build().encode("utf-8")
            parse(frame.decode("utf-8"))
        return 2 * len(calls)

    return work


# --- server role --------------------------------------------------------------------------------


def ours_server(pairs: list[tuple[bytes, sip2.Message]]) -> Callable[[], int]:
    def work() -> int:
        for n, (request, response) in enumerate(pairs):
            sip2.decode(request, charset="utf-8")
            sip2.encode(response, charset="utf-8", sequence=n % 10)
        return 2 * len(pairs)

    return work


def pysip2_server(pairs: list[tuple[bytes, Any]]) -> Callable[[], int]:
    def work() -> int:
        for n, (request, response) in enumerate(pairs):
            pysip2.decode_message(request, encoding="utf-8")
            pysip2.encode_message(response, sequence_number=n % 10, checksum=True, encoding="utf-8")
        return 2 * len(pairs)

    return work


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per contender")
    parser.add_argument("--rounds", type=int, default=6, help="interleaved runs (best counts)")
    args = parser.parse_args()
    seconds, rounds = args.seconds, args.rounds

    mix = transactions()
    requests = [sip2.encode(q, charset="utf-8", sequence=n % 10) for n, (q, _) in enumerate(mix)]
    responses = [sip2.encode(r, charset="utf-8", sequence=n % 10) for n, (_, r) in enumerate(mix)]
    theirs = [pysip2.decode_message(frame, encoding="utf-8").message for frame in responses]
    size = sum(map(len, requests + responses)) / (2 * len(mix))
    print(f"SIP2 codec benchmark: {len(mix)} transactions, {2 * len(mix)} messages, "
          f"{size:.0f} bytes average, UTF-8, AY/AZ; best of {rounds} interleaved runs")  # fmt: skip

    client = best_rates(
        {
            "kiosk.sip2": ours_client([(q, r) for (q, _), r in zip(mix, responses, strict=True)]),
            "sip2 (PyPI)": sip2_client(mix, responses),
        },
        seconds,
        rounds,
    )
    server = best_rates(
        {
            "kiosk.sip2": ours_server([(q, r) for q, (_, r) in zip(requests, mix, strict=True)]),
            "pysip2 (PyPI)": pysip2_server(list(zip(requests, theirs, strict=True))),
        },
        seconds,
        rounds,
    )
    for role, figures in (("client role: encode request + decode response", client),
                          ("server role: decode request + encode response", server)):  # fmt: skip
        print(f"\n{role}")
        ours = figures["kiosk.sip2"]
        for name, value in figures.items():
            ratio = "" if name == "kiosk.sip2" else f"   kiosk.sip2 is {ours / value:.2f}x this"
            print(f"  {name:15s} {value:>10,.0f} messages/s  {1e6 / value:6.1f} µs/message{ratio}")


if __name__ == "__main__":
    main()
