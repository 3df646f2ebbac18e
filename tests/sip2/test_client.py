"""The asyncio client against a real local server that misbehaves on request."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import trustme

from kiosk.sip2 import (
    Checkin,
    CheckinResponse,
    Checkout,
    ClientSettings,
    PatronInformation,
    SIP2Client,
    SIP2ConnectionError,
    SIP2LoginError,
    SIP2ProtocolError,
    SIP2TimeoutError,
    SIP2TLSError,
    decode,
)
from tests.ports import free_port
from tests.sip2.fake_acs import PASSWORD, PATRON, PIN, USER, FakeACS

pytestmark = pytest.mark.timeout(20)


@pytest.fixture
async def acs() -> AsyncIterator[FakeACS]:
    server = await FakeACS().start()
    yield server
    await server.stop()


def settings_for(acs: FakeACS, **overrides: object) -> ClientSettings:
    values: dict[str, object] = dict(
        host="127.0.0.1",
        port=acs.port,
        user=USER,
        password=PASSWORD,
        location_code="HUD",
        institution_id="TEST",
        charset=acs.charset,
        timeout=2.0,  # generous: a loaded CI machine must not cause spurious resends
        retries=3,
    )
    values.update(overrides)
    return ClientSettings(**values)  # type: ignore[arg-type]


def patron_info(client: SIP2Client) -> PatronInformation:
    return client.make(PatronInformation, patron_identifier=PATRON, patron_password=PIN)


async def test_logs_in_then_asks_the_acs_status(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        assert acs.codes_received() == ["93", "99"]
        assert client.state == "connected"
        assert client.acs_status is not None and client.acs_status.timeout_period == 300
        reply = await client.request(patron_info(client))
    assert reply.code == "64"
    assert reply.personal_name == "Åsa Öberg" and reply.valid_patron_password == "Y"
    assert client.last_latency is not None and client.last_latency > 0
    assert client.state == "closed"


async def test_a_refused_login_is_a_login_error(acs: FakeACS) -> None:
    with pytest.raises(SIP2LoginError, match="refused the login"):
        async with SIP2Client(settings_for(acs, password="wrong")):
            pass


async def test_connection_refused_says_so() -> None:
    port = free_port()
    settings = ClientSettings(host="127.0.0.1", port=port, user=USER, password=PASSWORD)
    with pytest.raises(SIP2ConnectionError, match="refused"):
        async with SIP2Client(settings):
            pass


async def test_requests_carry_sequence_numbers_that_wrap_after_nine(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        for _ in range(12):
            await client.request(patron_info(client))
    sequences = [decode(frame).sequence for frame in acs.received]
    assert sequences == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3]


async def test_a_silent_acs_gets_the_identical_request_again(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, timeout=0.3)) as client:
        acs.faults.extend(["silent", "silent"])
        reply = await client.request(patron_info(client))
    assert reply.code == "64"
    first, second, third = acs.received[2:5]
    assert first == second == third  # same AY, same AZ


async def test_a_dead_acs_times_out_after_the_retries(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, retries=2, timeout=0.3)) as client:
        acs.faults.extend(["silent"] * 3)
        with pytest.raises(SIP2TimeoutError, match="no reply to message 63"):
            await client.request(patron_info(client))
    assert acs.codes_received()[2:] == ["63", "63", "63"]


async def test_the_retry_count_is_capped_by_the_acs(acs: FakeACS) -> None:
    acs.retries_allowed = 1
    async with SIP2Client(settings_for(acs, retries=5, timeout=0.3)) as client:
        acs.faults.extend(["silent"] * 3)
        with pytest.raises(SIP2TimeoutError):
            await client.request(patron_info(client))
    assert acs.codes_received()[2:] == ["63", "63"]


async def test_a_bad_checksum_is_answered_with_97(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.append("corrupt")
        reply = await client.request(patron_info(client))
    assert reply.code == "64" and reply.personal_name == "Åsa Öberg"
    assert acs.received[3] == b"97AZFEF5"


async def test_an_undecodable_reply_is_answered_with_97(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.append("garbage")
        reply = await client.request(patron_info(client))
    assert reply.code == "64"
    assert acs.codes_received()[2:] == ["63", "97"]


async def test_a_96_gets_the_request_again(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.append("resend")
        reply = await client.request(patron_info(client))
    assert reply.code == "64"
    assert acs.received[2] == acs.received[3]


async def test_a_stale_reply_with_another_sequence_is_discarded(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.append("stale")
        first = await client.request(patron_info(client))
        second = await client.request(client.make(Checkin, item_identifier="39000111"))
    assert first.code == "64" and isinstance(second, CheckinResponse)


async def test_replies_split_over_packets_and_ending_in_cr_lf(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.extend(["split", "crlf", "crlf"])
        replies = [await client.request(patron_info(client)) for _ in range(3)]
    assert [r.personal_name for r in replies] == ["Åsa Öberg"] * 3


async def test_a_drop_is_invisible_reconnect_and_login_again(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        acs.faults.append("drop")
        reply = await client.request(patron_info(client))
        assert reply.code == "64"
        acs.drop_all()
        await asyncio.sleep(0.05)
        assert (await client.request(patron_info(client))).code == "64"
    assert acs.connections == 3
    assert acs.codes_received() == ["93", "99", "63", "93", "99", "63", "93", "99", "63"]
    assert acs.received[5] == acs.received[2]  # the cut-off request again, byte for byte


async def test_a_pool_the_acs_will_not_fill_runs_on_the_connections_that_logged_in() -> None:
    """Issue 15.20: a server with one session at a time; the second login is never answered."""
    acs = await FakeACS(sessions=1).start()
    try:
        settings = settings_for(acs, pool_size=2, timeout=0.3, retries=0)
        async with SIP2Client(settings) as client:
            assert (client.connected, client.pool_size) == (1, 2)
            replies = await asyncio.gather(*(client.request(patron_info(client)) for _ in range(3)))
            assert [r.code for r in replies] == ["64"] * 3
    finally:
        await acs.stop()


async def test_a_connection_that_logs_in_later_joins_the_pool() -> None:
    acs = await FakeACS(sessions=1).start()
    try:
        settings = settings_for(acs, pool_size=2, timeout=0.3, retries=0, keepalive=0.2)
        async with SIP2Client(settings) as client:
            assert client.connected == 1
            acs._session_slots = None  # the server now serves everyone (e.g. restarted)
            for _ in range(50):
                await asyncio.sleep(0.1)
                if client.connected == 2:
                    break
            assert client.connected == 2
    finally:
        await acs.stop()


async def test_idle_connections_are_kept_alive_with_sc_status(acs: FakeACS) -> None:
    acs.timeout_period = 20  # 2 s: the client keeps alive every second
    acs.idle_close = 2.0
    async with SIP2Client(settings_for(acs)) as client:
        await asyncio.sleep(3.5)
        assert (await client.request(patron_info(client))).code == "64"
    assert acs.connections == 1
    assert acs.codes_received().count("99") >= 3


async def test_a_pool_runs_independent_requests_in_parallel(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, pool_size=3, timeout=5.0)) as client:
        assert client.connected == 3
        acs.faults.extend(["delay:1.0"] * 3)
        replies = await asyncio.gather(
            *(client.request(client.make(Checkin, item_identifier=f"3900{i}")) for i in range(3))
        )
    assert sorted(r.item_identifier for r in replies) == ["39000", "39001", "39002"]
    assert acs.max_in_flight == 3  # all three were at the ACS at the same time
    assert acs.connections == 3


async def test_a_single_connection_never_overlaps_requests(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, timeout=2.0)) as client:
        acs.faults.extend(["delay:0.05"] * 3)
        await asyncio.gather(
            *(client.request(client.make(Checkin, item_identifier=f"3900{i}")) for i in range(3))
        )
    assert acs.max_in_flight == 1


async def test_a_checkout_through_make_carries_the_settings(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, terminal_password="tp")) as client:
        request = client.make(Checkout, patron_identifier=PATRON, item_identifier="39000111")
        reply = await client.request(request)
    sent = decode(acs.received[-1]).message
    assert (sent.institution_id, sent.terminal_password) == ("TEST", "tp")
    assert reply.ok is True and reply.desensitize is True


async def test_the_wire_trace_masks_secrets(acs: FakeACS) -> None:
    lines: list[str] = []
    async with SIP2Client(settings_for(acs, trace=lines.append)) as client:
        await client.request(patron_info(client))
    text = "\n".join(lines)
    assert PASSWORD not in text and f"AD{PIN}" not in text and PATRON not in text
    assert "Åsa" not in text
    assert "CO****" in text and "AD****" in text and "AA**********6789" in text


async def test_repeated_corruption_is_a_protocol_error(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, retries=1)) as client:
        acs.faults.extend(["garbage", "garbage"])
        with pytest.raises(SIP2ProtocolError, match="unreadable or corrupted"):
            await client.request(patron_info(client))


async def test_requests_from_the_acs_side_are_refused(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs)) as client:
        with pytest.raises(ValueError, match="sent by the ACS"):
            await client.request(CheckinResponse())


def test_settings_validate_the_charset() -> None:
    with pytest.raises(ValueError, match="unknown character set"):
        ClientSettings(host="x", charset="klingon")


def test_settings_keep_secrets_out_of_repr() -> None:
    text = repr(ClientSettings(host="x", password="hunter2", terminal_password="tp9"))
    assert "hunter2" not in text and "tp9" not in text


class TestTLS:
    """TLS with a CA file, verification on by default, and optional client certificates."""

    @pytest.fixture
    def ca(self) -> trustme.CA:
        return trustme.CA()

    async def start_tls_acs(self, ca: trustme.CA, *, require_client_cert: bool = False) -> FakeACS:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert("acs.test").configure_cert(context)
        if require_client_cert:
            ca.configure_trust(context)
            context.verify_mode = ssl.CERT_REQUIRED
        return await FakeACS(tls=context).start()

    async def test_a_trusted_acs_works(self, ca: trustme.CA, tmp_path: Path) -> None:
        acs = await self.start_tls_acs(ca)
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        settings = settings_for(
            acs, tls=True, ca_file=str(tmp_path / "ca.pem"), server_hostname="acs.test"
        )
        try:
            async with SIP2Client(settings) as client:
                assert (await client.request(patron_info(client))).code == "64"
        finally:
            await acs.stop()

    async def test_an_untrusted_certificate_is_a_tls_error(self, ca: trustme.CA) -> None:
        acs = await self.start_tls_acs(ca)
        try:
            with pytest.raises(SIP2TLSError, match=r"certificate verify failed|unable to get"):
                async with SIP2Client(settings_for(acs, tls=True, server_hostname="acs.test")):
                    pass
        finally:
            await acs.stop()

    async def test_a_wrong_host_name_is_a_tls_error(self, ca: trustme.CA, tmp_path: Path) -> None:
        acs = await self.start_tls_acs(ca)
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        settings = settings_for(acs, tls=True, ca_file=str(tmp_path / "ca.pem"))  # 127.0.0.1
        try:
            with pytest.raises(SIP2TLSError, match=r"TLS with 127\.0\.0\.1"):
                async with SIP2Client(settings):
                    pass
        finally:
            await acs.stop()

    async def test_a_client_certificate_is_presented(self, ca: trustme.CA, tmp_path: Path) -> None:
        acs = await self.start_tls_acs(ca, require_client_cert=True)
        ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
        ca.issue_cert("kiosk-7.bibliotek.test").private_key_and_cert_chain_pem.write_to_path(
            str(tmp_path / "kiosk.pem")
        )
        settings = settings_for(
            acs,
            tls=True,
            ca_file=str(tmp_path / "ca.pem"),
            client_cert=str(tmp_path / "kiosk.pem"),
            server_hostname="acs.test",
        )
        try:
            async with SIP2Client(settings) as client:
                assert (await client.request(patron_info(client))).code == "64"
        finally:
            await acs.stop()

    async def test_a_missing_certificate_file_is_a_tls_error(self, acs: FakeACS) -> None:
        with pytest.raises(SIP2TLSError, match="cannot load"):
            async with SIP2Client(settings_for(acs, tls=True, ca_file="/nonexistent/ca.pem")):
                pass


async def test_replies_in_another_charset_raise_the_suspicion(acs: FakeACS) -> None:
    acs.charset = "cp850"  # the ACS writes CP850, the kiosk expects UTF-8
    async with SIP2Client(settings_for(acs, charset="utf-8")) as client:
        reply = await client.request(patron_info(client))
    assert reply.code == "64" and "\ufffd" in reply.personal_name
    assert client.charset_suspect is True


async def test_an_acs_that_closes_idle_connections_costs_nothing_visible(acs: FakeACS) -> None:
    acs.idle_close = 0.3
    async with SIP2Client(settings_for(acs, keepalive=60.0)) as client:
        await asyncio.sleep(1.0)  # the ACS has hung up meanwhile
        reply = await client.request(patron_info(client))
    assert reply.code == "64"
    assert acs.codes_received() == ["93", "99", "93", "99", "63"]


async def test_a_cancelled_request_does_not_leave_its_reply_to_the_next(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, error_detection=False, timeout=2.0)) as client:
        acs.faults.append("delay:0.3")
        slow = asyncio.create_task(client.request(client.make(Checkin, item_identifier="OLD")))
        await asyncio.sleep(0.1)
        slow.cancel()
        with pytest.raises(asyncio.CancelledError):
            await slow
        reply = await client.request(client.make(Checkin, item_identifier="NEW"))
    assert reply.item_identifier == "NEW"


async def test_closing_during_a_request_ends_it_without_reconnecting(acs: FakeACS) -> None:
    client = SIP2Client(settings_for(acs, timeout=5.0))
    await client.open()
    acs.faults.append("delay:1.0")
    pending = asyncio.create_task(client.request(patron_info(client)))
    await asyncio.sleep(0.1)
    await client.close()
    with pytest.raises(SIP2ConnectionError, match="closed"):
        await pending
    await asyncio.sleep(1.0)
    assert acs.connections == 1 and client.state == "closed"


async def test_a_reply_without_terminator_times_out_instead_of_hanging(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, retries=0, timeout=0.3)) as client:
        acs.faults.append("noterm")
        with pytest.raises(SIP2TimeoutError):
            await client.request(patron_info(client))
        # the connection was started afresh: the next request is not confused by the leftover
        assert (await client.request(patron_info(client))).code == "64"


async def test_a_reply_without_terminator_is_recovered_by_the_resend(acs: FakeACS) -> None:
    async with SIP2Client(settings_for(acs, timeout=0.3)) as client:
        acs.faults.append("noterm")
        reply = await client.request(patron_info(client))
    assert reply.code == "64" and reply.personal_name == "Åsa Öberg"


async def test_a_drop_without_a_login_does_not_blame_the_password(acs: FakeACS) -> None:
    """Issue 15.16: no 93 was sent, so "during login (wrong user/password)" misled."""
    with pytest.raises(SIP2ConnectionError) as caught:
        async with SIP2Client(settings_for(acs, user="")):
            pass
    assert "during login" not in str(caught.value) and "no login was sent" in str(caught.value)
    assert acs.codes_received() == ["99"]
