"""Connection floods: caps per address and in total, deadlines that trickled bytes cannot extend.

Before, 1,050 slow connections used up the library system's 1,024 file descriptors and kept
every kiosk out for 100 s, because nothing capped connections and every byte restarted the
login and idle timers.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import resource
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from kiosk import sip2
from kiosk.acs import ConnectionLimits, EmbeddedACS, parse_data
from kiosk.acs.limits import FD_RESERVE, fit_to_descriptors
from kiosk.acs.model import DEMO_DATA
from tests.acs.conftest import kiosk_client
from tests.acs.fixtures import DEMO, RawConnection, acs_process, checkout_request, logged_in

KIOSK = DEMO["kiosk"]


def demo_with_kiosk_timeout(seconds: float) -> Any:
    data = json.loads(Path(DEMO_DATA).read_text(encoding="utf-8"))
    for account in data["accounts"]:
        if account["login"] == KIOSK["login"]:
            account["timeout_seconds"] = seconds
    return parse_data(json.dumps(data))


async def seconds_until_closed(conn: RawConnection, *, trickle: bytes, every: float) -> float:
    """Trickle bytes that never finish a message until the server hangs up; how long it took."""
    started = time.monotonic()
    with contextlib.suppress(ConnectionError):
        while time.monotonic() - started < 10:
            await conn.send_bytes(trickle)
            with contextlib.suppress(TimeoutError):
                if await asyncio.wait_for(conn.reader.read(1), every) == b"":
                    break
    return time.monotonic() - started


class Trickler:
    """Many connections that never log in and send a byte now and then (a slow-loris)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.tasks: list[asyncio.Task[None]] = []
        self.opened = 0

    async def _one(self, every: float) -> None:
        while True:  # reconnect when pushed out, as an attacker would
            try:
                _, writer = await asyncio.open_connection(self.host, self.port)
            except OSError:
                await asyncio.sleep(every)
                continue
            self.opened += 1
            try:
                while True:
                    writer.write(b"9")
                    await writer.drain()
                    await asyncio.sleep(every)
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

    @contextlib.asynccontextmanager
    async def running(self, connections: int, every: float) -> AsyncIterator[Trickler]:
        self.tasks = [asyncio.create_task(self._one(every)) for _ in range(connections)]
        try:
            yield self
        finally:
            for task in self.tasks:
                task.cancel()
            await asyncio.gather(*self.tasks, return_exceptions=True)


# --- deadlines -----------------------------------------------------------------------------------


async def test_the_login_deadline_is_not_restarted_by_trickled_bytes() -> None:
    async with EmbeddedACS(limits=ConnectionLimits(login_seconds=0.5)) as acs:
        conn = await RawConnection.open(acs)
        try:
            took = await seconds_until_closed(conn, trickle=b"9", every=0.1)
        finally:
            await conn.close()
        assert 0.4 <= took < 2.0
        assert acs.stats.idle_closed == 1


async def test_after_login_only_complete_messages_keep_a_connection_open() -> None:
    async with EmbeddedACS(demo_with_kiosk_timeout(0.6)) as acs, logged_in(acs) as conn:
        for _ in range(6):  # complete messages, each within the timeout: still open
            await asyncio.sleep(0.2)
            assert (await conn.request(sip2.SCStatus())).code == "98"
        took = await seconds_until_closed(conn, trickle=b"9", every=0.1)
        assert 0.5 <= took < 2.0  # bytes that finish no message extend nothing


async def test_a_begun_message_must_end_even_for_an_account_without_a_timeout() -> None:
    limits = ConnectionLimits(message_seconds=0.5)
    async with (
        EmbeddedACS(demo_with_kiosk_timeout(0), limits=limits) as acs,
        logged_in(acs) as conn,
    ):
        await asyncio.sleep(0.8)  # silence is allowed: the account has no timeout
        assert (await conn.request(sip2.SCStatus())).code == "98"
        took = await seconds_until_closed(conn, trickle=b"9", every=0.1)
        assert 0.4 <= took < 2.0


# --- caps ----------------------------------------------------------------------------------------


async def test_a_newcomer_beyond_the_cap_replaces_the_oldest_connection_not_logged_in() -> None:
    async with EmbeddedACS(limits=ConnectionLimits(max_per_address=3)) as acs:
        waiting = [await RawConnection.open(acs) for _ in range(3)]
        newcomer = await RawConnection.open(acs)
        try:
            with pytest.raises(EOFError):
                await waiting[0].read_frame()  # the oldest made room
            assert await newcomer.login(KIOSK["login"], KIOSK["password"])
            for conn in waiting[1:]:
                assert await conn.login(KIOSK["login"], KIOSK["password"])
            late = await RawConnection.open(acs)  # everyone in the way has logged in
            with pytest.raises((EOFError, ConnectionError)):
                await late.login(KIOSK["login"], KIOSK["password"])
            await late.close()
            assert (await newcomer.request(sip2.SCStatus())).code == "98"  # never pushed out
        finally:
            for conn in [*waiting, newcomer]:
                await conn.close()
        assert (acs.stats.evicted, acs.stats.refused) == (1, 1)


async def test_the_total_cap_counts_every_address() -> None:
    async with EmbeddedACS(limits=ConnectionLimits(max_connections=2)) as acs:
        first = await RawConnection.open(acs)
        assert await first.login(KIOSK["login"], KIOSK["password"])
        second = await RawConnection.open(acs)
        assert await second.login(KIOSK["login"], KIOSK["password"])
        third = await RawConnection.open(acs)
        try:
            with pytest.raises((EOFError, ConnectionError)):
                await third.login(KIOSK["login"], KIOSK["password"])
        finally:
            for conn in (first, second, third):
                await conn.close()
        assert acs.stats.refused == 1


async def test_a_kiosk_is_served_while_hundreds_of_slow_connections_flood_the_server() -> None:
    limits = ConnectionLimits(max_connections=40, max_per_address=30, login_seconds=30)
    async with (
        EmbeddedACS(limits=limits) as acs,
        Trickler(acs.host, acs.port).running(200, every=0.2) as flood,
    ):
        await asyncio.sleep(1.0)  # the flood is in full swing
        admission = acs._server.admission  # white box: the count the caps keep
        assert flood.opened > 30 and acs.stats.evicted > 0
        assert admission.open_connections <= 30
        started = time.monotonic()
        async with kiosk_client(acs, timeout=5.0) as client:
            reply = await client.request(checkout_request("3000000011"))
            assert reply.fixed["ok"]
            await asyncio.sleep(0.5)  # the flood goes on: the kiosk stays connected
            assert (await client.request(sip2.SCStatus())).code == "98"
        assert time.monotonic() - started < 3.0
        assert admission.open_connections <= 30


def _few_descriptors(count: int) -> None:  # runs in the child before it execs
    resource.setrlimit(resource.RLIMIT_NOFILE, (count, count))


async def test_kiosk_acs_short_of_file_descriptors_still_serves_a_kiosk_through_a_flood() -> None:
    """The issue's case end to end: the process has fewer descriptors than the flood has
    connections. Before the caps, accept() failed with EMFILE and no kiosk got in."""
    descriptors = FD_RESERVE + 100
    async with (
        acs_process(preexec_fn=lambda: _few_descriptors(descriptors)) as server,
        Trickler("127.0.0.1", server.port).running(descriptors + 50, every=0.3),
    ):
        await asyncio.sleep(2.0)
        settings = sip2.ClientSettings(
            host="127.0.0.1",
            port=server.port,
            user=KIOSK["login"],
            password=KIOSK["password"],
            timeout=5,
            connect_timeout=5,
        )
        async with sip2.SIP2Client(settings) as client:
            assert (await client.request(sip2.SCStatus())).code == "98"
    log = server.log
    assert f"at most {descriptors - FD_RESERVE} SIP2 connections" in log
    assert "out of system resource" not in log  # asyncio's EMFILE: accept() never failed


def test_the_total_cap_stays_below_the_descriptors_the_process_can_have() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        pytest.skip("no hard limit on file descriptors here")
    asked = ConnectionLimits(max_connections=hard * 2)
    try:
        fitted = fit_to_descriptors(asked)
        assert fitted.max_connections == hard - FD_RESERVE
        assert resource.getrlimit(resource.RLIMIT_NOFILE)[0] == hard  # raised as far as allowed
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
