"""Run a private pcscd with vpcd virtual readers as a child process (tests and the demo).

pcsc-lite 1.9 (Debian 12) always puts its socket and pid file in ``/run/pcscd``, only the client
library honours ``PCSCLITE_CSOCK_NAME``. So that a test run never talks to, or tramples on,
the system's pcscd or another test run's, pcscd is started in its own mount namespace
(``unshare -m``) with a private directory bind-mounted over ``/run/pcscd``, and this process is
pointed at the socket through ``PCSCLITE_CSOCK_NAME``. Its reader configuration (``-c``) holds
one vpcd entry on a free TCP port, so parallel runs get different virtual readers too. Where
namespaces are not allowed but no other pcscd runs, the plain ``/run/pcscd`` is used instead.

The client library reads ``PCSCLITE_CSOCK_NAME`` once, at the first PC/SC call of the process:
start one daemon per process (e.g. a session-scoped pytest fixture) before any pyscard call.

Documents: pcscd(8), reader.conf(5), vsmartcard's vpcd documentation.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from .vpcd import CONTACTLESS_ATR, VirtualCard

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
SYSTEM_SOCKET = Path("/run/pcscd/pcscd.comm")
READER_NAME = "Virtual PCD"


class PcscdUnavailable(RuntimeError):
    """pcscd cannot be started here; the message says why (for a pytest skip reason)."""


def _free_port_pair() -> int:
    """A TCP port p with p+1 free as well: vpcd listens on one port per slot (two slots)."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port: int = probe.getsockname()[1]
        if port >= 65535:
            continue
        with socket.socket() as second:
            try:
                second.bind(("0.0.0.0", port + 1))
            except OSError:
                continue
        return port
    raise PcscdUnavailable("no free pair of TCP ports for vpcd")


def _namespaces_work() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run([unshare, "-m", "true"], capture_output=True, timeout=10, check=False)
    return probe.returncode == 0


def _system_pcscd_running() -> bool:
    if not SYSTEM_SOCKET.exists():
        return False
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(SYSTEM_SOCKET))
        except OSError:
            return False
    return True


class PcscDaemon:
    """A pcscd child process with two vpcd readers, ``Virtual PCD 00 00`` and ``... 00 01``."""

    def __init__(self) -> None:
        self._workdir: Path | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._command: list[str] | None = None
        self.port = 0
        self.socket_path = SYSTEM_SOCKET
        self.log_path: Path | None = None

    @property
    def reader_names(self) -> tuple[str, str]:
        return (f"{READER_NAME} 00 00", f"{READER_NAME} 00 01")

    def card(
        self,
        uid: bytes,
        slot: int = 0,
        *,
        atr: bytes = CONTACTLESS_ATR,
        get_data_sw: int | None = None,
    ) -> VirtualCard:
        """A virtual card for reader ``slot`` of this daemon (not yet inserted)."""
        return VirtualCard(uid, port=self.port + slot, atr=atr, get_data_sw=get_data_sw)

    def start(self, timeout: float = 15.0) -> None:
        if self._command is None:
            self._command = self._prepare()
        self._launch(timeout)
        os.environ["PCSCLITE_CSOCK_NAME"] = str(self.socket_path)

    def restart(self, timeout: float = 15.0) -> None:
        """Stop pcscd and start it again on the same socket and ports, as after a crash or a
        ``systemctl restart pcscd``: clients must reconnect."""
        self._terminate()
        self._launch(timeout)

    def _prepare(self) -> list[str]:
        pcscd = shutil.which("pcscd", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
        if pcscd is None:
            raise PcscdUnavailable("pcscd is not installed (Debian package 'pcscd')")
        if not VPCD_DRIVER.exists():
            raise PcscdUnavailable(f"vpcd driver missing: {VPCD_DRIVER} ('vsmartcard-vpcd')")
        namespaces = _namespaces_work()
        if not namespaces and _system_pcscd_running():
            raise PcscdUnavailable(
                "another pcscd owns /run/pcscd/pcscd.comm and mount namespaces are not allowed"
                " here (unshare -m failed), so a private pcscd cannot be started"
            )
        self._workdir = Path(tempfile.mkdtemp(prefix="kiosk-pcscd-"))
        self.port = _free_port_pair()
        config = self._workdir / "reader.conf.d"
        config.mkdir()
        (config / "vpcd").write_text(
            f'FRIENDLYNAME "{READER_NAME}"\n'
            f"DEVICENAME   /dev/null:0x{self.port:04X}\n"
            f"LIBPATH      {VPCD_DRIVER}\n"
            f"CHANNELID    0x{self.port:04X}\n"
        )
        self.log_path = self._workdir / "pcscd.log"
        command = [pcscd, "--foreground", "--config", str(config), "--info"]
        if not namespaces:
            return command
        run_dir = self._workdir / "run"
        run_dir.mkdir()
        os.makedirs("/run/pcscd", exist_ok=True)
        self.socket_path = run_dir / "pcscd.comm"
        script = 'mount --bind "$1" /run/pcscd && shift && exec "$@"'
        return ["unshare", "-m", "sh", "-c", script, "sh", str(run_dir), *command]

    def _launch(self, timeout: float) -> None:
        assert self._command is not None and self.log_path is not None
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                self._command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
            )
        self._wait_ready(timeout)

    def _wait_ready(self, timeout: float) -> None:
        assert self._process is not None and self.log_path is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                output = self.log_path.read_text(errors="replace")[-2000:]
                self.stop()
                raise PcscdUnavailable(f"pcscd exited at start-up:\n{output}")
            if self.socket_path.exists() and b"daemon ready" in self.log_path.read_bytes():
                return
            time.sleep(0.05)
        self.stop()
        raise PcscdUnavailable(f"pcscd did not become ready within {timeout} s")

    def stop(self) -> None:
        self._terminate()
        self._command = None
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None

    def _terminate(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def __enter__(self) -> PcscDaemon:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
