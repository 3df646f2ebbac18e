"""Test support: FOLIO's OpenAPI description and the spec-driven server that checks traffic.

``prism`` (``@stoplight/prism-cli``, installed by ``.ci/setup`` from the npm registry into
``.ci/node_modules``) runs in two ways here, both with ``--errors``:

- ``prism mock``: answers every circulation request with FOLIO's own example responses, and
  refuses (422 + an ``sl-violations`` header) a request that breaks the spec;
- ``prism proxy``: forwards to the embedded FOLIO server and refuses (500 + ``sl-violations``)
  any answer of it that breaks the spec.

Only the circulation paths are in the spec, so :class:`SpecRouter` (an httpx transport for the
adapter) sends those through prism and every other FOLIO path (login, users, inventory ...)
straight to the FOLIO server, and keeps every violation prism reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT.parent / "shared" / "specs" / "folio-mod-circulation.oas30.json"
PRISM = ROOT / ".ci" / "node_modules" / ".bin" / "prism"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """In CI a missing contract tool fails the run; elsewhere the tests are skipped."""
    if in_ci():
        pytest.fail(f"the FOLIO contract tests must run in CI: {what}")
    pytest.skip(what)


def spec_paths() -> list[re.Pattern[str]]:
    """The spec's paths as patterns (``/circulation/loans/{loanId}`` -> ``[^/]+``)."""
    paths = json.loads(SPEC.read_text(encoding="utf-8"))["paths"]
    return [re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$") for path in paths]


@dataclass
class Prism:
    """A running prism process (mock or proxy) on a loopback port."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def run_prism(mode: str, *args: str, log_dir: Path, timeout_s: float = 90.0) -> Iterator[Prism]:
    """Start ``prism <mode> --errors SPEC <args>``, wait until it listens, stop it afterwards."""
    if not SPEC.is_file():
        missing(f"FOLIO's OpenAPI description is not at {SPEC}")
    if not os.access(PRISM, os.X_OK):
        missing(f"prism is not installed at {PRISM} (run .ci/setup)")
    port = free_port()
    log = log_dir / f"prism-{mode}-{port}.log"
    command = [str(PRISM), mode, "-h", "127.0.0.1", "-p", str(port), "--errors", str(SPEC), *args]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    prism = Prism(process, port, log)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                missing(f"prism {mode} exited with {process.returncode}:\n{prism.log_tail()}")
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", port), timeout=0.5),
            ):
                break
            if time.monotonic() > deadline:
                missing(f"prism {mode} did not listen within {timeout_s:g} s:\n{prism.log_tail()}")
            time.sleep(0.2)
        yield prism
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # its own session: prism and its children
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


@dataclass
class SpecRouter(httpx.AsyncBaseTransport):
    """Routes the adapter's requests: spec paths through prism, the rest to FOLIO directly.

    ``prefer`` maps a spec path to a ``Prefer`` header for prism's mock (``code=422`` picks the
    documented 422 example). ``violations`` collects what prism found wrong (severity "Error"),
    ``warnings`` the rest.
    """

    prism_url: str
    paths: list[re.Pattern[str]]
    prefer: dict[str, str] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)
    #: Warnings: answers with a status the spec does not list (the gateway's 401 and 503).
    warnings: list[str] = field(default_factory=list)
    routed: list[str] = field(default_factory=list)  # "METHOD /path" of each prism request

    def __post_init__(self) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        target = httpx.URL(self.prism_url)
        self._host, self._port = target.host, target.port

    def in_spec(self, path: str) -> bool:
        return any(pattern.match(path) for pattern in self.paths)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if self.in_spec(path):
            request.url = request.url.copy_with(host=self._host, port=self._port)
            request.headers["host"] = f"{self._host}:{self._port}"
            if path in self.prefer:
                request.headers["prefer"] = self.prefer[path]
            self.routed.append(f"{request.method} {path}")
        response = await self._inner.handle_async_request(request)
        for violation in json.loads(response.headers.get("sl-violations") or "[]"):
            where = violation.get("location")
            line = f"{request.method} {path}: {violation.get('message')} at {where}"
            if violation.get("severity") == "Error":
                self.violations.append(line)
            else:
                self.warnings.append(line)
        return response

    async def aclose(self) -> None:
        """Kept open: each adapter's client closes its transport, and a test may open several
        adapters over one router (the fixture calls :meth:`close` at the end)."""

    async def close(self) -> None:
        await self._inner.aclose()
