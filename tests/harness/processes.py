"""What the harness's processes (``serve``, the emulators) share: this checkout's code on their
path, the end of a log for a failure's message, and a start-up deadline counted in the
process's own time.

Why the process's own time: ``incident-bot serve`` needs about 2 s of CPU to start (almost all
of it importing its SDKs), and on a machine loaded by other test runs it gets a tenth of a core
or less, so its start took 20-30 s of wall-clock time with nothing wrong (issue 15: "timed out
waiting for the bot to start" after a kill, on a loaded machine). Time the process spends
runnable but waiting for a CPU (the kernel's run-queue delay, ``/proc/<pid>/task/*/schedstat``)
is the machine's, not the process's: the deadline does not count it. A process that hangs on a
lock, a socket or a dead peer, or spins, uses up its own time and fails after ``timeout``
seconds as before."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path

__all__ = ["PROJECT_ROOT", "StartDeadline", "python_path", "tail", "waited_for_cpu"]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TAIL_CHARS = 4000


def python_path(env: Mapping[str, str]) -> str:
    """This checkout first: the code under test is the one beside these tests, whichever
    checkout the virtualenv's editable install points at."""
    rest = env.get("PYTHONPATH")
    return f"{PROJECT_ROOT}{os.pathsep}{rest}" if rest else str(PROJECT_ROOT)


def tail(log: Path) -> str:
    try:
        return log.read_text(errors="replace")[-TAIL_CHARS:]
    except FileNotFoundError:
        return "(no output)"


def waited_for_cpu(pid: int) -> float:
    """Seconds the process's threads have spent runnable but waiting for a CPU (the second
    field of each thread's ``schedstat``); 0 where the kernel does not say (not Linux, or the
    process is gone). Threads that have ended no longer count: the figure errs low."""
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


class StartDeadline:
    """``timeout`` seconds of a starting process's own time: wall-clock time since ``started``
    less the time it waited for a CPU."""

    def __init__(self, pid: int, timeout: float, *, started: float) -> None:
        self.pid = pid
        self.timeout = timeout
        self.started = started

    def waited(self) -> float:
        return waited_for_cpu(self.pid)

    def passed(self) -> bool:
        return time.monotonic() - self.started - self.waited() > self.timeout

    def describe(self) -> str:
        """For a failure's message: the budget, and what the machine added to it."""
        return f"{self.timeout:g} s of its own time ({self.waited():.1f} s more waiting for a CPU)"
