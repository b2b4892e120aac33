"""A free TCP port, for a server that must be told its port before it starts (PostgreSQL, an
emulator run as its own process).

Only a hint: the port is free when this returns, and another process on the machine may take
it before the server binds it. ``incident-bot serve`` therefore binds port 0 itself and says
which port it got (see :mod:`tests.harness.serve`).
"""

from __future__ import annotations

import socket

__all__ = ["free_port"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
