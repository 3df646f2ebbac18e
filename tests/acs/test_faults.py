"""Fault knobs, at start and at run time, and what the kiosk's client makes of them."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import time

import pytest

from kiosk import sip2
from kiosk.acs import AcsError, EmbeddedACS, Faults, FaultSettingError, send_command
from tests.acs.conftest import DEMO, kiosk_client
from tests.acs.fixtures import checkout_request

ASA = DEMO["patron"]["barcode"]


def successful(acs: EmbeddedACS, item: str) -> list[str]:
    return [e.action for e in acs.model.circulation_log(item=item) if e.ok]


async def lent_once_despite(acs: EmbeddedACS, item: str, **faults: object) -> sip2.Message:
    """Check ``item`` out through the kiosk's client with ``faults`` set: the client gets its
    yes and the library system carried the loan out exactly once. The answer, for more checks."""
    async with kiosk_client(acs) as client:
        acs.faults.update(**faults)
        reply = await client.request(checkout_request(item))
        assert reply.fixed["ok"]
    assert successful(acs, item) == ["checkout"]
    return reply


def test_knobs_are_validated_and_read_from_strings() -> None:
    faults = Faults()
    faults.update(latency_ms="150", offline="yes", answer_96="2")
    assert (faults.latency_ms, faults.offline, faults.answer_96) == (150.0, True, 2)
    with pytest.raises(FaultSettingError, match="unknown fault knob 'latency'"):
        faults.update(latency=3)
    with pytest.raises(FaultSettingError, match="needs a number"):
        faults.update(drop_after="soon")
    with pytest.raises(FaultSettingError, match="cannot be negative"):
        faults.update(jitter_ms=-1)
    assert faults.reset().snapshot() == Faults().snapshot()


def test_jitter_adds_up_to_its_value_to_the_latency() -> None:
    faults = Faults(latency_ms=100, jitter_ms=50)
    delays = [faults.delay_seconds() for _ in range(200)]
    assert all(0.1 <= d <= 0.15 for d in delays) and len(set(delays)) > 1


async def test_latency_delays_every_response() -> None:
    async with EmbeddedACS(latency_ms=60) as acs, kiosk_client(acs) as client:
        started = time.perf_counter()
        await client.request(sip2.SCStatus())
        assert time.perf_counter() - started >= 0.06
        acs.faults.update(latency_ms=0)
        assert acs.faults.delay_seconds() == 0


async def test_a_reply_lost_in_a_drop_is_not_a_double_loan(embedded_acs) -> None:
    # drop_after=1: carry out the checkout, then pull the cable
    reply = await lent_once_despite(embedded_acs, "3000000011", drop_after=1)
    assert not reply.fixed["renewal_ok"]
    assert embedded_acs.stats.dropped == 1 and embedded_acs.stats.replays == 1


async def test_a_drop_before_processing_is_carried_out_once_on_resend(embedded_acs) -> None:
    await lent_once_despite(embedded_acs, "3000000012", drop_after=1, drop_before_processing=True)


async def test_drop_after_counts_requests_and_can_repeat(embedded_acs) -> None:
    embedded_acs.faults.update(drop_after=4, drop_repeat=True)
    async with kiosk_client(embedded_acs) as client:  # the login and the 99 count too
        for n in range(6):
            await client.request(sip2.ItemInformation(fields={"AO": "", "AB": f"30000000{11 + n}"}))
    assert embedded_acs.stats.dropped >= 2


async def test_a_corrupted_checksum_is_recovered_with_97(embedded_acs) -> None:
    await lent_once_despite(embedded_acs, "3000000013", corrupt_checksum=1)
    assert embedded_acs.faults.corrupt_checksum == 0


async def test_answer_96_makes_the_client_resend(embedded_acs) -> None:
    await lent_once_despite(embedded_acs, "3000000014", answer_96=2)
    assert embedded_acs.stats.resends_requested == 2


async def test_offline_says_so_in_98_and_refuses_circulation(embedded_acs) -> None:
    async with kiosk_client(embedded_acs) as client:
        embedded_acs.faults.update(offline=True)
        status = await client.request(sip2.SCStatus())
        assert (status.fixed["online_status"], status.fixed["checkout_ok"]) == (False, False)
        loan = await client.request(checkout_request("3000000015"))
        assert not loan.fixed["ok"] and loan.get("AF")
        back = await client.request(
            sip2.Checkin(
                return_date=None,
                fields={"AP": "", "AO": "", "AB": DEMO["return_reshelve"]["item"], "AC": ""},
            )
        )
        assert not back.fixed["ok"]
        embedded_acs.faults.update(offline=False)
        assert (await client.request(checkout_request("3000000015"))).fixed["ok"]
    assert embedded_acs.model.loan(DEMO["return_reshelve"]["item"]) is not None


async def test_offline_at_start() -> None:
    async with EmbeddedACS(offline=True) as acs, kiosk_client(acs) as client:
        assert client.acs_status.fixed["online_status"] is False


async def test_refused_logins() -> None:
    async with EmbeddedACS(refuse_logins=True) as acs:
        with pytest.raises(sip2.SIP2LoginError):
            async with kiosk_client(acs):
                pass
        acs.faults.update(refuse_logins=False)
        async with kiosk_client(acs) as client:
            assert client.connected == 1


async def test_drop_connections_pulls_every_cable_and_the_client_comes_back(embedded_acs) -> None:
    async with kiosk_client(embedded_acs, pool_size=2) as client:
        assert await embedded_acs.drop_connections() == 2
        await asyncio.sleep(0.05)
        reply = await client.request(sip2.SCStatus())
        assert reply.code == "98"


async def test_the_control_channel_changes_knobs_from_outside() -> None:
    async with EmbeddedACS(control_port=0) as acs:
        port = acs.control_port
        answer = await send_command(acs.host, port, "set latency_ms=5 offline=yes")
        assert answer["ok"] and answer["faults"]["offline"] is True
        assert acs.faults.latency_ms == 5
        assert (await send_command(acs.host, port, "get"))["faults"]["latency_ms"] == 5
        assert (await send_command(acs.host, port, "reset"))["faults"]["offline"] is False
        bad = await send_command(acs.host, port, "set nonsense=1")
        assert not bad["ok"] and "unknown fault knob" in bad["error"]
        assert not (await send_command(acs.host, port, "explode"))["ok"]
        async with kiosk_client(acs):
            stats = await send_command(acs.host, port, "stats")
            assert stats["stats"]["open_connections"] == 1
            assert (await send_command(acs.host, port, "drop"))["dropped"] == 1


def _a_non_loopback_address() -> str | None:
    """This machine's address on its network (None on a machine with loopback only)."""
    for target in ("10.254.254.254", "198.51.100.1"):  # no packet is sent: only a route
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            try:
                probe.connect((target, 9))
            except OSError:
                continue
            address = str(probe.getsockname()[0])
            if not ipaddress.ip_address(address).is_loopback:
                return address
    return None


async def test_the_control_channel_stays_on_loopback_when_sip2_listens_on_the_network() -> None:
    lan = _a_non_loopback_address()
    if lan is None:
        pytest.skip("this machine has no non-loopback address to try from")
    async with EmbeddedACS(host="0.0.0.0", control_port=0) as acs:
        assert acs.control_port is not None
        _, writer = await asyncio.open_connection(lan, acs.port)  # SIP2: on the network
        writer.close()
        with pytest.raises(OSError):  # the knobs: not from the network ...
            await asyncio.open_connection(lan, acs.control_port)
        answer = await send_command("127.0.0.1", acs.control_port, "get")  # ... only from here
        assert answer["ok"] is True


async def test_the_control_channel_refuses_to_listen_beyond_loopback() -> None:
    with pytest.raises(AcsError, match="loopback only"):
        async with EmbeddedACS(control_port=0, control_host="0.0.0.0"):
            pass
