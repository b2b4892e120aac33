"""Who appends: this process's chain and, when configured, its signing key.

Every process writes its own chain (its host name, its pid and a random nonce), so replicas do
not queue on one another to append, and a process's transactions queue only on their own chain's
head. The composition root (``serve``, the command line) calls :func:`use_signing_key` once at
start-up; until then, and in processes that never call it (tests, replays, the demo), rows are
appended unsigned. This is process state on purpose: every caller of :mod:`bot.audit.service`
appends without knowing who the writer is, as before chains existed.
"""

from __future__ import annotations

import os
import secrets
import socket
from dataclasses import dataclass, replace

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = ["ChainWriter", "current", "use_signing_key"]

MAX_HOST = 80


@dataclass(frozen=True, slots=True)
class ChainWriter:
    chain: str  # this process's chain: "<host>/<pid>/<nonce>"
    pid: int
    signer: Ed25519PrivateKey | None = None


_writer: ChainWriter | None = None


def _new_chain() -> tuple[str, int]:
    pid = os.getpid()
    host = (socket.gethostname() or "host")[:MAX_HOST]
    return f"{host}/{pid}/{secrets.token_hex(6)}", pid


def current() -> ChainWriter:
    """This process's writer; a forked child gets a chain of its own."""
    global _writer
    if _writer is None or _writer.pid != os.getpid():
        chain, pid = _new_chain()
        _writer = ChainWriter(chain, pid, _writer.signer if _writer is not None else None)
    return _writer


def use_signing_key(signer: Ed25519PrivateKey | None) -> ChainWriter:
    """Sign this process's rows with ``signer`` from now on (None: unsigned)."""
    global _writer
    _writer = replace(current(), signer=signer)
    return _writer
