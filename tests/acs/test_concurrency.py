"""Several kiosks at once: every update lands exactly once."""

from __future__ import annotations

import asyncio
import itertools
import random
from datetime import datetime, timedelta
from pathlib import Path

from kiosk import sip2
from kiosk.acs import EmbeddedACS, ThreadedACS
from tests.acs.conftest import kiosk_client
from tests.acs.fixtures import checkout_request

KIOSKS = [
    "kiosk-bol-hb",
    "kiosk-bol-arb",
    "kiosk-hud-hb",
    "kiosk-sod-hb",
    "kiosk-ova-hb",
    "return-bol-hb",
]
PATRONS = [f"21500000{n:02d}" for n in range(11, 17)]
ITEMS = [f"30000000{n:02d}" for n in range(11, 31)]  # the showcase stack, all on the shelf
# Real kiosks stamp each request with its own second; these workers send many per second, so
# they stamp distinct times, or the server would rightly take a repeat for a retransmission.
_STAMPS = itertools.count()


def stamp() -> datetime:
    return datetime(2026, 1, 1) + timedelta(seconds=next(_STAMPS))


async def lend_or_return(client: sip2.SIP2Client, rng: random.Random) -> tuple:
    """Borrow (60 %) or return a random item: (what, item, ok, was it a renewal)."""
    item = rng.choice(ITEMS)
    if rng.random() < 0.6:
        reply = await client.request(
            checkout_request(item, rng.choice(PATRONS), transaction_date=stamp())
        )
        return ("checkout", item, reply.fixed["ok"], reply.fixed["renewal_ok"])
    reply = await client.request(
        sip2.Checkin(
            return_date=None,
            transaction_date=stamp(),
            fields={"AP": "", "AO": "", "AB": item, "AC": ""},
        )
    )
    return ("checkin", item, reply.fixed["ok"], False)


async def kiosk_worker(acs: EmbeddedACS, login: str, seed: int, rounds: int) -> list[tuple]:
    """Borrow and return random items; record what the library system said."""
    rng = random.Random(seed)
    said: list[tuple] = []
    async with kiosk_client(acs, login, pool_size=2) as client:

        async def one() -> None:
            said.append(await lend_or_return(client, rng))

        for _ in range(rounds):
            await asyncio.gather(one(), one())
    return said


def check_consistency(acs: EmbeddedACS, said: list[tuple]) -> None:
    log = [e for e in acs.model.circulation_log() if e.item in ITEMS]
    lent = [s for s in said if s[0] == "checkout" and s[2] and not s[3]]
    renewed = [s for s in said if s[0] == "checkout" and s[2] and s[3]]
    returned = [s for s in said if s[0] == "checkin"]
    # every answer the kiosks got is one change in the library system, and nothing more
    assert len(lent) == sum(1 for e in log if e.action == "checkout" and e.ok)
    assert len(renewed) == sum(1 for e in log if e.action == "renew" and e.ok)
    assert len(returned) == sum(1 for e in log if e.action == "checkin")
    # and the final state follows from the history, item by item
    for item in ITEMS:
        history = [
            e for e in log if e.item == item and e.ok and e.action in ("checkout", "checkin")
        ]
        on_loan = bool(history) and history[-1].action == "checkout"
        record = acs.model.item(item)
        assert (record.loan is not None) == on_loan, item
        assert (record.status == "on_loan") == on_loan, item  # else on the shelf or in transit


async def test_six_kiosks_at_once_lose_and_double_nothing(embedded_acs) -> None:
    results = await asyncio.gather(
        *(kiosk_worker(embedded_acs, login, seed, 15) for seed, login in enumerate(KIOSKS))
    )
    said = [s for r in results for s in r]
    assert len(said) == len(KIOSKS) * 15 * 2
    check_consistency(embedded_acs, said)


async def test_racing_kiosks_lend_one_item_once(embedded_acs) -> None:
    async def grab(login: str, patron: str) -> bool:
        async with kiosk_client(embedded_acs, login) as client:
            reply = await client.request(checkout_request("3000000020", patron))
            return bool(reply.fixed["ok"])

    pairs = zip(KIOSKS, PATRONS, strict=True)
    wins = await asyncio.gather(*(grab(login, patron) for login, patron in pairs))
    assert sum(wins) == 1


async def test_two_servers_on_one_database_file_share_the_consortium(tmp_path: Path) -> None:
    """Two library-system processes on one SQLite file (here: two threads with their own loop)."""
    db = tmp_path / "consortium.sqlite"
    async with EmbeddedACS(db_path=db) as first:
        with ThreadedACS(db_path=db) as second:
            results = await asyncio.gather(
                kiosk_worker(first, "kiosk-bol-hb", 1, 10),
                kiosk_worker(second, "kiosk-hud-hb", 2, 10),
            )
        said = [s for r in results for s in r]
        check_consistency(first, said)


async def test_flaky_links_still_land_every_update_exactly_once(embedded_acs) -> None:
    """Before each request a random fault: reply lost, request lost, checksum broken, 96."""
    rng = random.Random(7)
    faults = [
        {"drop_after": 1},  # carried out, reply lost: the resend must be answered, not redone
        {"drop_after": 1, "drop_before_processing": True},  # lost before it was carried out
        {"corrupt_checksum": 1},
        {"answer_96": 1},
        {},
    ]
    said: list[tuple] = []
    async with kiosk_client(embedded_acs) as client:
        for _ in range(60):
            embedded_acs.faults.reset().update(**rng.choice(faults))
            said.append(await lend_or_return(client, rng))
    check_consistency(embedded_acs, said)
    assert embedded_acs.stats.dropped >= 10 and embedded_acs.stats.replays >= 5
