"""A free TCP port for a test's server or for a "nothing listens there" check."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A loopback port the system just handed out and that nothing listens on now.

    Another process could take it before the test uses it; on a test machine that does not
    happen in practice, and a server the test starts on it then fails loudly, not silently.
    """
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
