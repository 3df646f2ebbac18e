"""Benchmark of the staff console: what it adds to the kiosk process's memory, and how fast its
pages answer.

    python bench/console.py            # prints the figures
    python bench/console.py --json     # one JSON object

What is measured (target from issue 17: idle, the console adds at most 15 MB):

- ``rss_without_mb`` / ``rss_idle_mb``: resident memory of ``kiosk run --headless`` (the demo
  kiosk: embedded library system, simulated devices, the Kivy screen offscreen) once it has
  settled, without and with the staff console (``[console] enabled`` with two logins). Each is
  the median of ``--runs`` fresh processes. ``added_idle_mb`` is the difference: the console's
  thread, its event loop and the imported web stack (Starlette, Jinja2, uvicorn).
- ``rss_used_mb`` / ``added_used_mb``: the same process after a login and every page once
  (templates compiled, the statistics connection open), then idle again.
- ``page_ms``: median time of a status page (``GET /status``, which asks the kiosk's own loop
  for the staff status and the journal) over loopback, logged in.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import tomlkit

ROOT = Path(__file__).resolve().parent.parent
SETTLE_S = 6.0
USER, PASSWORD = "bench", "bench-password"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _config(folder: Path, console: bool, port: int) -> Path:
    from kiosk.config import DEMO_CONFIG
    from kiosk.passwords import hash_password

    document = tomlkit.parse(DEMO_CONFIG.read_text(encoding="utf-8"))
    document["kiosk"]["state_dir"] = str(folder / "state")  # type: ignore[index]
    document["health"] = {"enabled": False}
    if console:
        document["console"] = {
            "enabled": True,
            "port": port,
            "users": {USER: {"level": "admin", "password_hash": hash_password(PASSWORD)}},
        }
    path = folder / "kiosk.toml"
    path.write_text(tomlkit.dumps(document), encoding="utf-8")
    return path


def _rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    match = re.search(r"VmRSS:\s+(\d+) kB", status)
    assert match is not None
    return int(match.group(1)) / 1024


def _start(config: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK__")}
    env["KIVY_NO_ARGS"] = "1"
    return subprocess.Popen(
        [sys.executable, "-m", "kiosk", "run", "--headless", "--config", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )


def _wait_for(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"kiosk run exited {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("the console did not answer")


def _use_every_page(base: str) -> list[float]:
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        login = client.get("/login")
        token = re.search(r'name="csrf" value="([^"]+)"', login.text)
        assert token is not None
        answer = client.post(
            "/login", data={"csrf": token.group(1), "name": USER, "password": PASSWORD}
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/status", answer
        for path in ("/reconciliation", "/statistics", "/configuration", "/devices"):
            assert client.get(path).status_code == 200, path
        times = []
        for _ in range(20):
            start = time.perf_counter()
            assert client.get("/status").status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        return times


def one_run(console: bool) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder:
        port = _free_port()
        config = _config(Path(folder), console, port)
        process = _start(config)
        try:
            if console:
                _wait_for(f"http://127.0.0.1:{port}/login", process)
            time.sleep(SETTLE_S)
            if process.poll() is not None:
                raise RuntimeError(f"kiosk run exited {process.returncode}")
            figures = {"rss_mb": _rss_mb(process.pid)}
            if console:
                times = _use_every_page(f"http://127.0.0.1:{port}")
                time.sleep(SETTLE_S / 2)
                figures["rss_used_mb"] = _rss_mb(process.pid)
                figures["page_ms"] = statistics.median(times)
            return figures
        finally:
            process.terminate()
            process.wait(20)


def measure(runs: int) -> dict[str, Any]:
    without = [one_run(console=False)["rss_mb"] for _ in range(runs)]
    with_console = [one_run(console=True) for _ in range(runs)]
    idle = statistics.median(run["rss_mb"] for run in with_console)
    used = statistics.median(run["rss_used_mb"] for run in with_console)
    base = statistics.median(without)
    return {
        "runs": runs,
        "rss_without_mb": round(base, 1),
        "rss_idle_mb": round(idle, 1),
        "added_idle_mb": round(idle - base, 1),
        "rss_used_mb": round(used, 1),
        "added_used_mb": round(used - base, 1),
        "page_ms": round(statistics.median(run["page_ms"] for run in with_console), 1),
        "all_without_mb": [round(x, 1) for x in without],
        "all_idle_mb": [round(run["rss_mb"], 1) for run in with_console],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="fresh processes each (default 3)")
    parser.add_argument("--json", action="store_true", help="one JSON object")
    args = parser.parse_args()
    figures = measure(args.runs)
    if args.json:
        print(json.dumps(figures))
        return
    print(f"kiosk run without the console: {figures['rss_without_mb']} MB resident")
    print(
        f"with the console, idle:         {figures['rss_idle_mb']} MB "
        f"(+{figures['added_idle_mb']} MB; target <= 15 MB)"
    )
    print(
        f"after a login and every page:   {figures['rss_used_mb']} MB "
        f"(+{figures['added_used_mb']} MB)"
    )
    print(f"status page: {figures['page_ms']} ms (median of 20, logged in, loopback)")


if __name__ == "__main__":
    main()
