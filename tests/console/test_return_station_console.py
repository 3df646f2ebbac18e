"""The return station serves the same console (its own staff desk), and restarts from it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import tomlkit

from kiosk.passwords import hash_password
from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_the_return_station_serves_the_console_and_restarts_from_it(tmp_path: Path) -> None:
    port = free_port()
    document = tomlkit.parse((ROOT / "config/demo-return-station.toml").read_text("utf-8"))
    document["kiosk"]["state_dir"] = str(tmp_path / "state")  # type: ignore[index]
    document["health"] = {"enabled": False}
    password = "station-admin-pw"
    document["console"] = {
        "enabled": True,
        "port": port,
        "users": {"siv": {"level": "staff", "password_hash": hash_password(password)}},
    }
    config = tmp_path / "return.toml"
    config.write_text(tomlkit.dumps(document), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK__")}
    station = subprocess.Popen(
        [sys.executable, "-m", "kiosk", "return-station", "--config", str(config)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=ROOT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert station.poll() is None and time.monotonic() < deadline
            try:
                login = httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=20) as client:
            login = client.get("/login")
            token = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert token is not None
            answer = client.post(
                "/login", data={"csrf": token.group(1), "name": "siv", "password": password}
            )
            assert answer.status_code == 303
            status = client.get("/status")
            assert status.status_code == 200 and "return station" in status.text
            assert "Library system" in status.text and "online" in status.text
            devices = client.get("/devices")
            assert "chute reader" in devices.text
            csrf = re.search(r'name="csrf" value="([^"]+)"', devices.text)
            assert csrf is not None
            assert client.get("/configuration").status_code == 403  # staff level
            answer = client.post("/restart", data={"csrf": csrf.group(1)})
            assert answer.status_code == 200 and "Restarting" in answer.text
        assert station.wait(30) == 3
    finally:
        if station.poll() is None:
            station.kill()
            station.wait()
