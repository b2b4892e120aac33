"""The one harness the end-to-end tests and the benchmarks share: waiting for a condition, a
free port for a server that must be told its port, and ``incident-bot serve`` as a real process
(started, read, killed).

``bench/`` imports it as ``tests.harness`` (both run from the project's root)."""

from tests.harness.alerts import post_signed
from tests.harness.ports import free_port
from tests.harness.serve import ServeProcess, serve_env, start_serve
from tests.harness.waiting import eventually

__all__ = ["ServeProcess", "eventually", "free_port", "post_signed", "serve_env", "start_serve"]
