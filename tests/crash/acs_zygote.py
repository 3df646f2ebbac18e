"""The library system the crash test kills: ``kiosk acs`` forked afresh from a zygote per start.

Each child runs the ``kiosk acs`` command itself (``kiosk.cli.main(["acs", ...])``, arguments as
given on the ``spawn`` line: ``--db FILE --port N --control-port N`` and fault options), so its
state lives where a real one's does: in the SQLite file of ``--db``, including its answers kept
for retransmissions. The harness SIGKILLs the child at random points and spawns a new one on the
same file and ports. See :mod:`tests.crash.zygote` for the protocol.
"""

from __future__ import annotations

# Imported here on purpose: the zygote pays for imports once, every child starts at once.
import kiosk.acs  # noqa: F401 (what "kiosk acs" imports as it starts)
from kiosk.cli import main as kiosk_main
from tests.crash.zygote import Gate, serve


def run(args: list[str], gate: Gate) -> int:
    """One library system process: ``kiosk acs ARGS`` until SIGKILL (or SIGTERM)."""
    return kiosk_main(["acs", *args])


if __name__ == "__main__":
    raise SystemExit(serve(run))
