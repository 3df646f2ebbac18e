"""``kiosk run`` as systemd runs it: READY=1 once the screen is up, watchdog beats, /healthz.

The unit is ``Type=notify`` with ``WatchdogSec``: a ``kiosk run`` that never says READY=1 is
killed at ``TimeoutStartSec`` and restarted in a loop, and one that never beats is killed as hung.
So the real command runs here, headless, in its own process, with a NOTIFY_SOCKET of ours.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.core.configs import EMBEDDED_SIP2
from tests.ports import free_port

CONFIG = (
    """
[kiosk]
id = "test-run-1"
library = "SE-BOL"
branch = "BOL-HB"
state_dir = "{state}"
"""
    + EMBEDDED_SIP2
    + """institution_id = "SE-BOL"

[health]
port = {port}
"""
)


def test_kiosk_run_tells_systemd_it_is_ready_beats_the_watchdog_and_serves_health(
    tmp_path: Path,
) -> None:
    port = free_port()
    config = tmp_path / "kiosk.toml"
    config.write_text(CONFIG.format(state=tmp_path / "state", port=port), encoding="utf-8")
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(str(tmp_path / "notify"))
    notify.settimeout(0.2)
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(tmp_path / "notify"),
        "WATCHDOG_USEC": "1000000",
        "SDL_VIDEODRIVER": "offscreen",
        "LP_NUM_THREADS": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--config", str(config), "--headless"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    messages: list[str] = []
    health: dict[str, object] | None = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                messages.append(notify.recv(4096).decode())
            except TimeoutError:
                continue
            ready = any("READY=1" in m for m in messages)
            if ready and health is None:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    assert r.status == 200
                    health = json.loads(r.read())
            if health is not None and sum("WATCHDOG=1" in m for m in messages) >= 3:
                break
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            metrics = r.read().decode()
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
        notify.close()
    assert health is not None, f"no READY=1 from kiosk run; it logged:\n{stderr[-3000:]}"
    assert sum("WATCHDOG=1" in m for m in messages) >= 3, messages
    assert health["status"] in ("ok", "degraded"), health
    assert 'kiosk="test-run-1"' in metrics
    assert process.returncode is not None
