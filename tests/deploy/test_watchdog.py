"""sd_notify over a real unix datagram socket, as systemd would receive it."""

from __future__ import annotations

import asyncio
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.config import validate_config
from kiosk.health import Metrics, Notifier, ServiceRuntime, Watchdog, watchdog_interval
from tests.config.fixtures import minimal_config
from tests.ports import free_port


class FakeSystemd:
    """The receiving end of NOTIFY_SOCKET."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.setblocking(False)

    def messages(self) -> list[str]:
        found = []
        while True:
            try:
                found.append(self.sock.recv(4096).decode())
            except BlockingIOError:
                return found

    async def wait_for(self, count: int, timeout: float = 5.0) -> list[str]:
        got: list[str] = []
        deadline = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < deadline:
            got += self.messages()
            await asyncio.sleep(0.01)
        return got


@pytest.fixture
def systemd(tmp_path: Path) -> Iterator[tuple[FakeSystemd, dict[str, str]]]:
    path = tmp_path / "notify"
    fake = FakeSystemd(str(path))
    yield fake, {"NOTIFY_SOCKET": str(path), "WATCHDOG_USEC": "100000"}
    fake.sock.close()


async def test_ready_once_then_watchdog_beats_from_the_loop(
    systemd: tuple[FakeSystemd, dict[str, str]],
) -> None:
    fake, env = systemd
    beats: list[float] = []
    watchdog = Watchdog(env=env, on_beat=beats.append)
    assert watchdog.interval_s == pytest.approx(0.05)
    watchdog.start("kiosk ready")
    got = await fake.wait_for(4)
    await watchdog.stop()
    got += fake.messages()
    assert got[0] == "READY=1\nSTATUS=kiosk ready"
    assert got[1:4] == ["WATCHDOG=1"] * 3
    assert got[-1] == "STOPPING=1"
    assert got.count("READY=1\nSTATUS=kiosk ready") == 1
    assert beats and beats[0] == pytest.approx(0.15)


async def test_a_blocked_loop_sends_no_heartbeat(
    systemd: tuple[FakeSystemd, dict[str, str]],
) -> None:
    fake, env = systemd
    watchdog = Watchdog(env=env)
    watchdog.start()
    await fake.wait_for(2)
    time.sleep(0.3)  # the loop is stuck: no task runs, so no WATCHDOG=1 is sent meanwhile
    during = fake.messages()
    await asyncio.sleep(0.12)
    after = fake.messages()
    await watchdog.stop()
    assert during == []
    assert "WATCHDOG=1" in after


def test_abstract_namespace_socket() -> None:
    name = f"kiosk-test-{os.getpid()}"
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind("\0" + name)
    try:
        assert Notifier({"NOTIFY_SOCKET": "@" + name}).status("3 items on the pad")
        assert receiver.recv(100) == b"STATUS=3 items on the pad"
    finally:
        receiver.close()


def test_outside_systemd_nothing_is_sent_and_nothing_fails(tmp_path: Path) -> None:
    assert not Notifier({}).enabled
    assert Notifier({}).ready() is False
    assert Notifier({"NOTIFY_SOCKET": str(tmp_path / "gone")}).ready() is False


def test_watchdog_interval_is_half_the_deadline_and_only_for_our_pid() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}) is None
    mine = {"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": str(os.getpid())}
    assert watchdog_interval(mine) == 1.0
    assert watchdog_interval({}) is None
    assert watchdog_interval({"WATCHDOG_USEC": "0"}) is None


async def test_service_runtime_serves_health_and_tells_systemd(
    systemd: tuple[FakeSystemd, dict[str, str]],
) -> None:
    fake, env = systemd
    port = free_port()
    config = validate_config(minimal_config(health={"port": port}))
    metrics = Metrics(config.kiosk.id)
    async with ServiceRuntime(config, metrics, env=env) as runtime:
        got = await fake.wait_for(2)
        assert got[0].startswith("READY=1\nSTATUS=checkout kiosk test-kiosk-1")
        assert runtime.server is not None and runtime.server.port == port
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET /healthz HTTP/1.0\r\n\r\n")
        answer = await reader.read()
        writer.close()
        assert b"200 OK" in answer and b'"event_loop"' in answer
    assert fake.messages()[-1] == "STOPPING=1"


async def test_ready_can_wait_until_the_kiosk_is_up(
    systemd: tuple[FakeSystemd, dict[str, str]],
) -> None:
    fake, env = systemd
    config = validate_config(minimal_config(health={"enabled": False}))
    async with ServiceRuntime(config, env=env, ready_on_enter=False) as runtime:
        before = await fake.wait_for(2)
        assert before and all(message == "WATCHDOG=1" for message in before)
        runtime.ready("first screen drawn")
        assert "READY=1\nSTATUS=first screen drawn" in await fake.wait_for(1)
        assert runtime.server is None


async def test_a_taken_health_port_does_not_stop_the_kiosk(
    systemd: tuple[FakeSystemd, dict[str, str]], caplog: pytest.LogCaptureFixture
) -> None:
    fake, env = systemd
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = validate_config(minimal_config(health={"port": port}))
        async with ServiceRuntime(config, env=env) as runtime:
            assert runtime.server is None
            assert (await fake.wait_for(1))[0].startswith("READY=1")
    assert "health endpoint not started" in caplog.text
