"""The kiosk core's events become metrics, without personal data, in a running demo kiosk."""

from __future__ import annotations

import asyncio
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from kiosk.config import DEMO_CONFIG, load_config
from kiosk.core import events as ev
from kiosk.core.model import ReturnKind, ReturnOutcome
from kiosk.health import Metrics, observe_kiosk, record_event
from tests.ports import free_port


def counts(metrics: Metrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(metrics.exposition().decode())
        for sample in family.samples
    }


def transactions(metrics: Metrics, kind: str, outcome: str) -> float:
    key = ("kiosk_transactions_total", (("kind", kind), ("outcome", outcome)))
    return counts(metrics).get(key, 0.0)


def test_events_map_to_transactions_sessions_and_errors() -> None:
    metrics = Metrics("k1")
    for event in (
        ev.SessionStarted(display_name="Åsa Öberg", masked_card="••••••1234", language="sv"),
        ev.ItemBorrowed(item_id="30123000456789", title="Pippi", due_date=None),
        ev.ItemBorrowed(item_id="30123000456790", title="Emil", due_date=None, offline=True),
        ev.ItemBorrowed(item_id="30123000456791", title="Ronja", due_date=None, renewed=True),
        ev.ItemRefused(
            item_id="30123000456792", action=ev.Action.BORROW, reason=ev.Reason.NOT_FOR_LOAN
        ),
        ev.ItemReturned(
            item_id="30123000456793",
            title="Mio",
            outcome=ReturnOutcome(kind=ReturnKind.HOLD_HERE),
        ),
        ev.SecurityNotCleared(item_id="30123000456794", action=ev.Action.BORROW),
        ev.PinRefused(attempts_left=2),
        ev.LibrarySystemStatus(online=False, offline_mode=True),
        ev.SessionEnded(reason=ev.EndReason.TIMEOUT),
    ):
        record_event(metrics, event)
    assert transactions(metrics, "checkout", "ok") == 1
    assert transactions(metrics, "checkout", "offline") == 1
    assert transactions(metrics, "renew", "ok") == 1
    assert transactions(metrics, "checkout", "not_for_loan") == 1
    assert transactions(metrics, "checkin", "hold_here") == 1
    assert transactions(metrics, "identify", "pin_wrong") == 1
    found = counts(metrics)
    assert found[
        ("kiosk_errors_total", (("component", "security"), ("kind", "not_changed_borrow")))
    ]
    assert found[("kiosk_sessions_total", (("outcome", "timeout"),))] == 1
    assert found[("kiosk_sessions_active", ())] == 0
    assert found[("kiosk_ils_up", ())] == 0
    text = metrics.exposition().decode()
    for personal in ("Åsa", "1234", "30123000456789", "Pippi"):
        assert personal not in text


async def test_a_demo_kiosk_session_is_counted(tmp_path: Path) -> None:
    from kiosk.assembly import open_kiosk

    config = load_config(DEMO_CONFIG, env={"KIOSK__KIOSK__STATE_DIR": str(tmp_path)})
    metrics = Metrics(config.kiosk.id)
    async with open_kiosk(config) as running:
        assert running.acs is not None
        patron = running.acs.model.patron("2150000001")
        assert patron is not None
        started = asyncio.Event()
        unsubscribe = observe_kiosk(metrics, running.kiosk)
        running.kiosk.subscribe(
            lambda event: (
                started.set() if isinstance(event, ev.SessionStarted | ev.PinRequired) else None
            )
        )
        await running.kiosk.identify("2150000001")
        await asyncio.wait_for(started.wait(), timeout=10)
        await running.kiosk.enter_pin("1234")
        await running.kiosk.end_session(ev.EndReason.PATRON)
        await asyncio.sleep(0.1)
        unsubscribe()
    found = counts(metrics)
    assert found[("kiosk_sessions_total", (("outcome", "patron"),))] == 1
    assert found[("kiosk_sessions_active", ())] == 0


async def test_sampler_reads_library_system_queue_and_printer_of_a_demo_kiosk(
    tmp_path: Path,
) -> None:
    from kiosk.assembly import open_kiosk
    from kiosk.health import KioskSampler

    config = load_config(DEMO_CONFIG, env={"KIOSK__KIOSK__STATE_DIR": str(tmp_path)})
    metrics = Metrics(config.kiosk.id)
    async with open_kiosk(config) as running:
        await running.ils.check_online()
        await KioskSampler(metrics, running).sample_once()
    found = counts(metrics)
    assert found[("kiosk_ils_up", ())] == 1
    assert found[("kiosk_offline_queue_depth", ())] == 0
    assert found[("kiosk_printer_up", ())] == 1
    assert found[("kiosk_printer_paper", (("state", "ok"),))] == 1
    assert metrics.health().components["ils"].state == "ok"
    pool = config.ils.sip2.pool_size  # the demo's library system fills the pool
    assert found[("kiosk_ils_connections", (("state", "configured"),))] == pool
    assert found[("kiosk_ils_connections", (("state", "logged_in"),))] == pool
    assert metrics.health().components["ils.pool"].state == "ok"


def test_a_pool_the_library_system_will_not_fill_degrades_the_health() -> None:
    """Issue 15.20: /healthz and the metrics show the pool's real size."""
    metrics = Metrics("k1")
    metrics.set_ils_connections(1, 4)
    found = counts(metrics)
    assert found[("kiosk_ils_connections", (("state", "logged_in"),))] == 1
    assert found[("kiosk_ils_connections", (("state", "configured"),))] == 4
    pool = metrics.health().components["ils.pool"]
    assert pool.state == "degraded" and pool.detail == "1 of 4 library-system connections logged in"


async def test_operate_wraps_a_running_demo_kiosk_for_systemd_and_prometheus(
    tmp_path: Path,
) -> None:
    import json
    import socket
    import urllib.request

    from kiosk.assembly import open_kiosk
    from kiosk.health import operate

    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.setblocking(False)
    loop = asyncio.get_running_loop()

    async def received() -> bytes:
        return await asyncio.wait_for(loop.sock_recv(notify, 200), timeout=5)

    port = free_port()
    env = {"KIOSK__KIOSK__STATE_DIR": str(tmp_path), "KIOSK__HEALTH__PORT": str(port)}
    config = load_config(DEMO_CONFIG, env=env)
    systemd = {"NOTIFY_SOCKET": str(tmp_path / "notify"), "WATCHDOG_USEC": "2000000"}
    try:
        async with open_kiosk(config) as running, operate(running, env=systemd) as runtime:
            assert (await received()).startswith(b"READY=1")
            assert await received() == b"WATCHDOG=1"
            await running.kiosk.identify("2150000001")
            await running.kiosk.end_session(ev.EndReason.PATRON)
            await asyncio.sleep(0.05)

            def fetch(path: str) -> str:
                url = f"http://127.0.0.1:{port}{path}"
                with urllib.request.urlopen(url, timeout=5) as response:
                    return response.read().decode()

            health = json.loads(await asyncio.to_thread(fetch, "/healthz"))
            metrics_text = await asyncio.to_thread(fetch, "/metrics")
            assert runtime.metrics.kiosk_id == "demo-bollnas-1"
        assert health["status"] == "ok", health
        assert {"ils", "printer", "event_loop"} <= set(health["components"])
        assert 'kiosk_sessions_total{outcome="patron"} 1.0' in metrics_text
        assert "kiosk_ils_up 1.0" in metrics_text
        later = [await received()]
        while later[-1] == b"WATCHDOG=1":  # beats that came while the test ran
            later.append(await received())
        assert later[-1] == b"STOPPING=1"
    finally:
        notify.close()
