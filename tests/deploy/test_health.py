"""/healthz and /metrics over real HTTP, fed by the calls the core makes."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from kiosk.health import HealthServer, Metrics
from kiosk.httpserve import BoundedHandler, BoundedHTTPServer, serve_in_thread, stop_serving


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def metrics(clock: FakeClock) -> Metrics:
    return Metrics("bollnas-main-1", library="SE-Bo", branch="bol", clock=clock)


@pytest.fixture
def server(metrics: Metrics) -> Iterator[HealthServer]:
    with HealthServer(metrics, "127.0.0.1", 0) as running:
        yield running


def get(server: HealthServer, path: str) -> tuple[int, str, str]:
    try:
        with urllib.request.urlopen(server.url + path, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read().decode()


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def test_healthz_is_ok_when_everything_reports_ok(server: HealthServer, metrics: Metrics) -> None:
    metrics.set_ils_state(True, 0.04)
    metrics.set_reader_state("rfid", True)
    metrics.set_printer_state(True, "ok")
    status, content_type, body = get(server, "/healthz")
    assert (status, content_type) == (200, "application/json; charset=utf-8")
    report = json.loads(body)
    assert report["status"] == "ok"
    assert report["kiosk"] == "bollnas-main-1"
    assert set(report["components"]) == {"ils", "reader.rfid", "printer"}


def test_library_system_down_or_paper_out_degrades_but_still_answers_200(
    server: HealthServer, metrics: Metrics
) -> None:
    metrics.set_ils_state(False)
    metrics.set_printer_state(True, "out")
    status, _, body = get(server, "/healthz")
    report = json.loads(body)
    assert status == 200
    assert report["status"] == "degraded"
    assert report["components"]["printer"]["detail"] == "paper out"
    assert report["components"]["ils"]["state"] == "degraded"


def test_a_dead_reader_fails_with_503(server: HealthServer, metrics: Metrics) -> None:
    metrics.set_reader_state("rfid", False, "no answer on /dev/ttyUSB0")
    status, _, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["components"]["reader.rfid"]["state"] == "failing"


def test_a_silent_event_loop_fails_the_health_check(
    server: HealthServer, metrics: Metrics, clock: FakeClock
) -> None:
    metrics.heartbeat(limit_s=30)
    clock.now += 10
    assert json.loads(get(server, "/healthz")[2])["status"] == "ok"
    clock.now += 60
    status, _, body = get(server, "/healthz")
    assert status == 503
    assert json.loads(body)["components"]["event_loop"]["detail"] == "no heartbeat for 70 s"


def test_metrics_carry_every_reported_fact(server: HealthServer, metrics: Metrics) -> None:
    metrics.set_ils_state(True, 0.150)
    metrics.set_reader_state("card", True)
    metrics.set_printer_state(True, "near_end")
    metrics.set_offline_queue_depth(4)
    metrics.transaction("checkout", "ok")
    metrics.transaction("checkout", "ok")
    metrics.transaction("checkin", "exception")
    metrics.session_started()
    metrics.session_started()
    metrics.session_ended("timeout")
    metrics.error("sip2", "timeout")
    metrics.set_bin_fill("holds", 12, capacity=60)
    status, content_type, text = get(server, "/metrics")
    assert status == 200 and content_type.startswith("text/plain")
    found = samples(text)
    assert found[("kiosk_ils_up", ())] == 1
    assert found[("kiosk_ils_latency_seconds", ())] == pytest.approx(0.150)
    assert found[("kiosk_ils_request_duration_seconds_count", ())] == 1
    assert found[("kiosk_reader_up", (("reader", "card"),))] == 1
    assert found[("kiosk_printer_paper", (("state", "near_end"),))] == 1
    assert found[("kiosk_printer_paper", (("state", "ok"),))] == 0
    assert found[("kiosk_offline_queue_depth", ())] == 4
    assert found[("kiosk_transactions_total", (("kind", "checkout"), ("outcome", "ok")))] == 2
    assert found[("kiosk_transactions_total", (("kind", "checkin"), ("outcome", "exception")))] == 1
    assert found[("kiosk_sessions_active", ())] == 1
    assert found[("kiosk_sessions_total", (("outcome", "timeout"),))] == 1
    assert found[("kiosk_errors_total", (("component", "sip2"), ("kind", "timeout")))] == 1
    assert found[("kiosk_bin_items", (("bin", "holds"),))] == 12
    info = (
        ("branch", "bol"),
        ("kiosk", "bollnas-main-1"),
        ("library", "SE-Bo"),
        ("mode", "checkout"),
    )
    assert found[("kiosk_info", info)] == 1


def test_personal_data_never_becomes_a_label(
    metrics: Metrics, caplog: pytest.LogCaptureFixture
) -> None:
    metrics.transaction("checkout", "20012345678")
    metrics.session_ended("Åsa Öberg")
    text = metrics.exposition().decode()
    assert "20012345678" not in text and "Åsa" not in text
    assert 'outcome="other"' in text
    assert "20012345678" not in caplog.text


def test_sessions_active_never_goes_negative(metrics: Metrics) -> None:
    metrics.session_ended()
    assert samples(metrics.exposition().decode())[("kiosk_sessions_active", ())] == 0


def test_unknown_paths_are_404(server: HealthServer) -> None:
    assert get(server, "/")[0] == 404


def test_two_kiosks_in_one_process_do_not_share_series() -> None:
    first, second = Metrics("a"), Metrics("b")
    first.transaction("checkout", "ok")
    names = {name for name, _labels in samples(second.exposition().decode())}
    assert "kiosk_transactions_total" not in names
    assert (
        "kiosk_info",
        (("branch", ""), ("kiosk", "b"), ("library", ""), ("mode", "checkout")),
    ) in (samples(second.exposition().decode()))


def test_ipv6_loopback(metrics: Metrics) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6 here")
    try:
        server = HealthServer(metrics, "::1", 0).start()
    except OSError:
        pytest.skip("IPv6 loopback not configured here")
    try:
        assert get(server, "/healthz")[0] == 200
    finally:
        server.stop()


def _open_idle(server: HealthServer, count: int) -> list[socket.socket]:
    return [socket.create_connection(("127.0.0.1", server.port), timeout=5) for _ in range(count)]


def _until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_idle_clients_do_not_hold_threads_after_the_timeout(metrics: Metrics) -> None:
    """The issue's case: 100 idle clients held 106 threads, for ever."""
    with HealthServer(metrics, "127.0.0.1", 0, timeout_seconds=0.5) as server:
        before = threading.active_count()
        idle = _open_idle(server, 100)
        try:
            assert _until(lambda: threading.active_count() > before, 2)
            assert threading.active_count() <= before + server.max_connections
            assert _until(lambda: threading.active_count() <= before, 3)  # all timed out
            assert get(server, "/healthz")[0] == 200  # and the scraper is served
        finally:
            for sock in idle:
                sock.close()


def test_a_client_that_trickles_its_request_is_closed_at_the_deadline(metrics: Metrics) -> None:
    with (
        HealthServer(metrics, "127.0.0.1", 0, timeout_seconds=0.6) as server,
        socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock,
    ):
        started = time.monotonic()
        closed = False
        for byte in b"GET /healthz HTTP/1.0\r\nX-Slow: " + b"x" * 200:
            try:
                sock.sendall(bytes([byte]))  # one byte well within the read timeout ...
            except OSError:
                closed = True
                break
            sock.settimeout(0.2)
            try:
                if sock.recv(1) == b"":
                    closed = True
                    break
            except TimeoutError:
                pass
        assert closed and time.monotonic() - started < 2.0  # ... but not for ever


def test_a_request_being_carried_out_is_not_cut_off_by_the_deadline() -> None:
    class Slow(BoundedHandler):
        def do_GET(self) -> None:
            time.sleep(0.8)  # longer than the deadline for reading a request
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = BoundedHTTPServer(
        ("127.0.0.1", 0), Slow, max_connections=4, idle_seconds=0.3, request_seconds=0.3
    )
    thread = serve_in_thread(server, "slow-test", poll_interval=0.05)
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.read() == b"ok"
    finally:
        stop_serving(server, thread)


def test_connections_beyond_the_cap_are_closed_without_a_thread(metrics: Metrics) -> None:
    with HealthServer(metrics, "127.0.0.1", 0, timeout_seconds=5, max_connections=3) as server:
        idle = _open_idle(server, 3)
        try:
            assert _until(lambda: server._server.active_connections == 3, 2)  # white box
            with socket.create_connection(("127.0.0.1", server.port), timeout=5) as extra:
                assert extra.recv(1) == b""  # closed at once
            assert server._server.refused == 1
        finally:
            for sock in idle:
                sock.close()
