"""``incident-bot serve`` as a real process, as the tests that kill it and the benchmarks that
measure it run it.

The bot binds port 0 (any free port) and the harness reads the port from the line it logs once
it is ready (``incident bot ready: webhooks on http://…``): a port chosen by the harness and
handed to the bot could be taken by another process in between, on a busy machine, and the bot
would die at start-up. Everything the process writes goes to ``<workdir>/<name>.log`` (never a
pipe nobody reads, which fills and blocks the bot); a start-up that fails says why, with the
exit code and the end of that log.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import aiohttp

from integrations.slack_emulator import SlackEmulator
from tests.harness.emulators import SlackEmulatorProcess
from tests.harness.processes import StartDeadline, python_path, tail

__all__ = ["ServeProcess", "serve_env", "start_serve"]

READY_LINE = re.compile(r"incident bot ready: webhooks on (http://[^\s,\"]+)")


@dataclass
class ServeProcess:
    """A running ``serve``: its process, its webhook URL and its log."""

    name: str
    process: asyncio.subprocess.Process
    url: str
    log: Path
    ready_after: float  # seconds from spawn to ready

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    async def kill(self) -> None:
        """SIGKILL (a crash: nothing is cleaned up), then reap it."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)
        await self.process.wait()

    async def stop(self, *, timeout: float = 30.0) -> int:
        """SIGTERM (a graceful shutdown); its exit code."""
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.process.wait(), timeout=timeout)

    def output(self) -> str:
        """Everything the process has written so far."""
        return self.log.read_text(errors="replace")


def serve_env(
    *,
    database_url: str,
    emulator: SlackEmulator | SlackEmulatorProcess | None = None,
    webhook_secrets: Mapping[str, str] | None = None,
    **settings: str,
) -> dict[str, str]:
    """The environment of a bot under test: this process's, without any ``SLACK_*`` of the
    machine's, plus the database, the Slack emulator to talk to (in this process or its own;
    None: sandbox mode, the bot starts its own), a secret per webhook source, and
    further settings by their environment names (``SLACK_LEASE_SECONDS="2"``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update({"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": "0"})
    if emulator is not None:
        env["SLACK_BOT_TOKEN"] = emulator.config.bot_token
        env["SLACK_APP_TOKEN"] = emulator.config.app_token
        env["SLACK_API_URL"] = emulator.api_url
    for source, secret in (webhook_secrets or {}).items():
        env[f"{source.upper()}_WEBHOOK_SECRET"] = secret
    env.update(settings)
    return env


def _ready_url(
    process: asyncio.subprocess.Process, log: Path, name: str, *, since: int
) -> str | None:
    """The URL of the bot's ready line once it is in the log (after byte ``since``: a bot
    started again appends to its predecessor's log); raise if the process died."""
    if process.returncode is not None:
        raise AssertionError(
            f"{name} exited with {process.returncode} before it was ready:\n{tail(log)}"
        )
    try:
        with log.open("rb") as output:
            output.seek(since)
            found = READY_LINE.search(output.read().decode(errors="replace"))
    except FileNotFoundError:
        return None
    return found.group(1) if found else None


async def start_serve(
    env: Mapping[str, str],
    *,
    workdir: Path,
    name: str = "bot",
    ready: Literal["/healthz", "/readyz"] = "/healthz",
    timeout: float = 30.0,
    log_level: Literal["DEBUG", "INFO"] = "INFO",
    log: Path | None = None,
) -> ServeProcess:
    """Spawn ``python -m bot.cli serve`` with ``env`` in ``workdir``, and return once it has
    said it is ready and answers ``ready`` with 200. ``log_level`` is at least INFO: the ready
    line is an INFO line. A process that exits first, or is not ready within ``timeout``
    seconds of its own time (time it waited for a CPU on a busy machine does not count: see
    :mod:`tests.harness.processes`), fails the caller with its log's end. The log is ``log``,
    by default ``<workdir>/<name>.log``."""
    log = log or workdir / f"{name}.log"
    started = time.monotonic()
    with log.open("ab") as output:
        since = output.tell()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot.cli",
            "serve",
            env={**env, "PORT": "0", "LOG_LEVEL": log_level, "PYTHONPATH": python_path(env)},
            cwd=workdir,
            stdout=output,
            stderr=output,
        )
    try:
        deadline = StartDeadline(process.pid, timeout, started=started)
        url = await _wait_ready(
            process, log, name=name, ready=ready, since=since, deadline=deadline
        )
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    return ServeProcess(name, process, url, log, time.monotonic() - started)


async def _wait_ready(
    process: asyncio.subprocess.Process,
    log: Path,
    *,
    name: str,
    ready: str,
    since: int,
    deadline: StartDeadline,
) -> str:
    url: str | None = None
    async with aiohttp.ClientSession() as http:
        while True:
            url = url or _ready_url(process, log, name, since=since)
            if url is not None:
                try:
                    async with http.get(f"{url}{ready}") as response:
                        if response.status == 200:
                            return url
                except aiohttp.ClientError:
                    pass
            if deadline.passed():
                said = "never logged that it was ready" if url is None else f"{ready} not 200"
                raise AssertionError(
                    f"timed out waiting for {name} to start ({said}) after"
                    f" {deadline.describe()}:\n{tail(log)}"
                )
            await asyncio.sleep(0.05)
