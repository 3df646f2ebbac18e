"""Every example config's documented recipe runs as written (issue 17, item 9).

A recipe is the lines of a config's header comment that start with ``$ `` (a trailing ``\\``
continues a line), run from the repository's folder with the kiosk's ``.venv/bin`` first on the
PATH, as a new user would type them. A line ending in ``&`` starts a server: it is started, its
first line of output awaited (a person waits for it too), and stopped after the recipe; every
other line must exit 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "config").rglob("*.toml"))


def recipe(path: Path) -> list[str]:
    """The ``$`` lines of the file's leading comment, continuations joined."""
    commands: list[str] = []
    pending = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        text = line[1:].strip()
        if pending:
            text, pending = pending + " " + text, ""
        elif text.startswith("$ "):
            text = text[2:]
        else:
            continue
        if text.endswith("\\"):
            pending = text[:-1].strip()
            continue
        commands.append(text.split("  #", 1)[0].strip())
    return commands


RECIPES = {path.relative_to(ROOT).as_posix(): recipe(path) for path in EXAMPLES}


def test_the_examples_that_can_be_tried_here_say_how() -> None:
    tried = {name for name, commands in RECIPES.items() if commands}
    assert {
        "config/demo.toml",
        "config/folio-kiosk.toml",
        "config/demo-return-station.toml",
        "config/fleet/consortium.toml",
    } <= tried


@pytest.mark.parametrize("name", [name for name, commands in RECIPES.items() if commands])
def test_the_recipe_runs_as_written(name: str, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KIOSK__")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(tmp_path)  # the demos keep their state below ~
    env["KIVY_NO_ARGS"] = "1"
    servers: list[subprocess.Popen[str]] = []
    try:
        for command in RECIPES[name]:
            if command.endswith("&"):
                server = subprocess.Popen(
                    ["bash", "-c", f"exec {command[:-1].strip()}"],
                    cwd=ROOT, env=env, text=True, start_new_session=True,
                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                )  # fmt: skip
                servers.append(server)
                assert server.stdout is not None
                first = server.stdout.readline()
                assert first and server.poll() is None, f"{command!r} did not start: {first}"
                continue
            done = subprocess.run(
                ["bash", "-c", command], cwd=ROOT, env=env, capture_output=True, text=True,
                timeout=180, check=False,
            )  # fmt: skip
            assert done.returncode == 0, f"{name}: {command!r} exited {done.returncode}\n" + (
                done.stdout[-3000:] + done.stderr[-3000:]
            )
    finally:
        for server in servers:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
