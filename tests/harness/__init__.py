"""The one harness the end-to-end tests and the benchmarks share: waiting for a condition, a
free port for a server that must be told its port, ``incident-bot serve`` as a real process
(started, read, killed), the Slack and Kubernetes emulators as processes of their own, and the
soak that runs the crash and replica tests many times in a row (``python -m tests.harness.soak``).

``bench/`` imports it as ``tests.harness`` (both run from the project's root)."""

from tests.harness.alerts import post_signed
from tests.harness.emulators import (
    EmulatorProcess,
    SlackEmulatorProcess,
    start_kube_emulator,
    start_slack_emulator,
)
from tests.harness.ports import free_port
from tests.harness.serve import ServeProcess, serve_env, start_serve
from tests.harness.waiting import eventually

__all__ = [
    "EmulatorProcess",
    "ServeProcess",
    "SlackEmulatorProcess",
    "eventually",
    "free_port",
    "post_signed",
    "serve_env",
    "start_kube_emulator",
    "start_serve",
    "start_slack_emulator",
]
