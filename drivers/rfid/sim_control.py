"""A small control channel to a simulator in another process: JSON lines over loopback TCP.

The simulator process (``python -m drivers.rfid.simulator``) holds the tags and their security
state; the kiosk process under test talks to it only through the pty, like real hardware, and
the test harness places and removes tags through this channel.

Protocol: one JSON object per line each way; every request has ``op``; every reply has ``ok``
(and ``error`` when false).

=================  ===========================================  ==========================
op                 request fields                               reply fields
=================  ===========================================  ==========================
``place``          ``tag``: VirtualTag JSON (uid, type, memory  ``uid``
                   hex, dsfid, afi, afi_locked, eas)
``place_item``     ``item``: keyword arguments of               ``uid``
                   :func:`~drivers.rfid.virtual_tag.tag_for_item`
                   (barcode, owner, parts, part_number, model,
                   usage, secured, security, ...)
``remove``         ``uid`` hex                                  ``tag`` (final state/null)
``clear``                                                       ``count``
``tags``                                                        ``tags``: list of tag JSON
``fault``          ``name``: miss_in_inventory, corrupt_replies,
                   fail_writes, lose_writes, air_error,
                   remove_during_write, silent, clear; ``uid``, ``times``/``count``,
                   ``value`` as the knob takes
=================  ===========================================  ==========================
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from typing import Any

from drivers.rfid.simulator import FeigSimulator
from drivers.rfid.virtual_tag import VirtualTag, tag_for_item


class ControlError(RuntimeError):
    """The simulator refused a control request; the message says why."""


def _apply(sim: FeigSimulator, request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "place":
        tag = VirtualTag.from_json(request["tag"])
        sim.place(tag)
        return {"uid": tag.uid.hex().upper()}
    if op == "place_item":
        tag = tag_for_item(**request["item"])
        sim.place(tag)
        return {"uid": tag.uid.hex().upper()}
    if op == "remove":
        gone = sim.remove(bytes.fromhex(request["uid"]))
        return {"tag": gone.to_json() if gone else None}
    if op == "clear":
        return {"count": len(sim.clear())}
    if op == "tags":
        return {"tags": [t.to_json() for t in sim.tags]}
    if op == "fault":
        name = request["name"]
        faults = sim.faults
        uid = bytes.fromhex(request["uid"]) if "uid" in request else b""
        per_tag = (
            "miss_in_inventory",
            "fail_writes",
            "lose_writes",
            "air_error",
            "remove_during_write",
        )
        if name in per_tag and len(uid) != 8:
            raise ValueError(f"fault {name} needs the tag's 8-byte uid")
        if name == "silent":
            faults.silent = bool(request.get("value", True))
        elif name == "clear":
            faults.clear()
        elif name == "corrupt_replies":
            faults.corrupt_replies(int(request.get("count", 1)))
        elif name in ("miss_in_inventory", "fail_writes", "lose_writes", "air_error"):
            getattr(faults, name)(uid, int(request.get("times", 1)))
        elif name == "remove_during_write":
            faults.remove_during_write(uid)
        else:
            raise ValueError(f"unknown fault {name!r}")
        return {}
    raise ValueError(f"unknown op {op!r}")


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        for line in self.rfile:
            try:
                request = json.loads(line)
                if not isinstance(request, dict):
                    raise ValueError("a request is a JSON object")
                reply = {"ok": True, **_apply(self.server.simulator, request)}
            except (ValueError, KeyError, TypeError) as error:
                reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
            self.wfile.write(json.dumps(reply).encode() + b"\n")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    simulator: FeigSimulator


class ControlServer:
    """Serves the control channel for ``sim`` on ``host:port`` (port 0 picks a free one)."""

    def __init__(self, sim: FeigSimulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self._server = _Server((host, port), _Handler)
        self._server.simulator = sim
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> ControlServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="feig-sim-control", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class SimulatorControl:
    """Client of the control channel (blocking; call from a thread in async code)."""

    def __init__(self, address: str | tuple[str, int], timeout: float = 5.0) -> None:
        if isinstance(address, str):
            host, _, port = address.rpartition(":")
            address = (host, int(port))
        self._sock = socket.create_connection(address, timeout=timeout)
        self._file = self._sock.makefile("rwb")

    def close(self) -> None:
        self._file.close()
        self._sock.close()

    def __enter__(self) -> SimulatorControl:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        self._file.write(json.dumps({"op": op, **fields}).encode() + b"\n")
        self._file.flush()
        line = self._file.readline()
        if not line:
            raise ControlError("the simulator closed the control connection")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            raise ControlError(reply.get("error", "refused"))
        return reply

    def place(self, tag: VirtualTag) -> bytes:
        return bytes.fromhex(self.request("place", tag=tag.to_json())["uid"])

    def place_item(self, barcode: str, **item: Any) -> bytes:
        return bytes.fromhex(self.request("place_item", item={"barcode": barcode, **item})["uid"])

    def remove(self, uid: bytes) -> VirtualTag | None:
        tag = self.request("remove", uid=uid.hex())["tag"]
        return VirtualTag.from_json(tag) if tag else None

    def clear(self) -> int:
        return int(self.request("clear")["count"])

    def tags(self) -> list[VirtualTag]:
        return [VirtualTag.from_json(t) for t in self.request("tags")["tags"]]

    def fault(self, name: str, **fields: Any) -> None:
        if "uid" in fields and isinstance(fields["uid"], bytes):
            fields["uid"] = fields["uid"].hex()
        self.request("fault", name=name, **fields)
