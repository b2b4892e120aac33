"""The Slack and Kubernetes emulators as processes of their own, as Slack and a cluster are to a
bot: for the tests whose bots are real processes (crash recovery, replicas).

Run inside the test's process, an emulator shares one event loop and one GIL with the test's
own polling and with the other emulator; on a loaded machine that process gets a fraction of a
core, and a bot's call waits behind the test's work and the other emulator's (the replicas'
approval test failed there: "Kubernetes unavailable: no answer within 3s"). In its own process
an emulator answers as soon as the machine gives it a turn.

Each binds port 0 and says its URL on its first line (``Slack emulator on http://…``), which
the harness reads from ``<workdir>/<name>.log`` (everything the process writes goes there), then
waits for its control API to answer; a process that exits first, or is not up within its
start-up deadline (counted in its own time, as ``serve``'s), fails with its log's end.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from integrations.slack_emulator import EmulatorConfig
from tests.harness.processes import StartDeadline, python_path, tail

__all__ = [
    "EmulatorProcess",
    "SlackEmulatorProcess",
    "start_kube_emulator",
    "start_slack_emulator",
]

URL_LINE = re.compile(r" on (http://127\.0\.0\.1:\d+)")


@dataclass
class EmulatorProcess:
    """A running emulator: its process, its URL and its log."""

    name: str
    process: asyncio.subprocess.Process
    base_url: str
    log: Path

    async def stop(self) -> None:
        """SIGTERM, then SIGKILL if it is still there after 10 s; reap it."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), timeout=10)
            except TimeoutError:
                self.process.kill()
        await self.process.wait()


@dataclass
class SlackEmulatorProcess(EmulatorProcess):
    """The Slack emulator with its default workspace and tokens (``EmulatorConfig()``'s)."""

    config: EmulatorConfig = field(default_factory=EmulatorConfig)

    @property
    def api_url(self) -> str:
        """For the bot's ``SLACK_API_URL``: the trailing slash matters to slack_sdk."""
        return f"{self.base_url}/api/"


async def _spawn(
    module: str, args: list[str], *, workdir: Path, name: str, timeout: float
) -> tuple[asyncio.subprocess.Process, str, Path]:
    log = workdir / f"{name}.log"
    started = time.monotonic()
    with log.open("ab") as output:
        since = output.tell()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            module,
            "--port",
            "0",
            *args,
            env={**os.environ, "PYTHONPATH": python_path(os.environ)},
            cwd=workdir,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = StartDeadline(process.pid, timeout, started=started)
        url = await _wait_ready(process, log, name, since=since, deadline=deadline)
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    return process, url, log


def _said_url(process: asyncio.subprocess.Process, log: Path, name: str, since: int) -> str | None:
    if process.returncode is not None:
        raise AssertionError(f"{name} exited with {process.returncode}:\n{tail(log)}")
    with log.open("rb") as output:
        output.seek(since)
        found = URL_LINE.search(output.read().decode(errors="replace"))
    return found.group(1) if found else None


async def _wait_ready(
    process: asyncio.subprocess.Process,
    log: Path,
    name: str,
    *,
    since: int,
    deadline: StartDeadline,
) -> str:
    url: str | None = None
    async with aiohttp.ClientSession() as http:
        while True:
            url = url or _said_url(process, log, name, since)
            if url is not None:
                try:
                    async with http.get(f"{url}/emulator/api/stats") as response:
                        if response.status == 200:
                            return url
                except aiohttp.ClientError:
                    pass
            if deadline.passed():
                raise AssertionError(
                    f"timed out waiting for {name} to start after {deadline.describe()}:"
                    f"\n{tail(log)}"
                )
            await asyncio.sleep(0.05)


async def start_slack_emulator(
    workdir: Path, *, name: str = "slack", rate_limits: bool = True, timeout: float = 30.0
) -> SlackEmulatorProcess:
    """``python -m integrations.slack_emulator`` on any free port; Slack's rate limits on
    unless ``rate_limits`` is false."""
    args = [] if rate_limits else ["--no-rate-limits"]
    process, url, log = await _spawn(
        "integrations.slack_emulator", args, workdir=workdir, name=name, timeout=timeout
    )
    return SlackEmulatorProcess(name, process, url, log)


async def start_kube_emulator(
    workdir: Path, *, token: str, seed: Path, name: str = "kube", timeout: float = 30.0
) -> EmulatorProcess:
    """``python -m integrations.kube_emulator`` on any free port (plain http), its
    administrator token ``token``, seeded from ``seed`` (a scenario file's ``cluster``)."""
    process, url, log = await _spawn(
        "integrations.kube_emulator",
        ["--token", token, "--seed", str(seed)],
        workdir=workdir,
        name=name,
        timeout=timeout,
    )
    return EmulatorProcess(name, process, url, log)
