"""bench/resources: what one ``incident-bot serve`` process costs in memory and start-up time.

A real ``incident-bot serve`` process (SQLite in a temporary folder unless ``--database-url``
says otherwise), its Slack being the emulator in this process with Slack's published limits.
Measured, from ``/proc/<pid>/status`` of the bot's own process:

- start-up to ready: from spawning the process to the first ``200`` from ``/readyz`` (database
  migrated and answering, Socket Mode connected);
- resident memory idle: ``VmRSS`` a few seconds after ready, nothing received yet;
- resident memory after N alerts (10,000 by default): ``VmRSS`` once every alert is stored,
  correlated and every packet posted, and the peak (``VmHWM``) over the whole run; and how long
  the pipeline took, after the last alert was sent, to correlate and publish what was left.
  The alerts come from ten services, so they fold into ten incidents and the run measures the
  bot holding many signals rather than Slack's channel-creation limit.

Prints numbers and asserts nothing. Linux only (``/proc``).

Run: ``.venv/bin/python -m bench.resources.run [--alerts 10000] [--concurrency 32] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import text

from bot.db import create_engine, create_session_factory
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorConfig, SlackEmulator
from tests.harness import ServeProcess, serve_env, start_serve

SECRET = "resources-secret"
SERVICES = [f"svc-{number:02d}" for number in range(1, 11)]
IDLE_SETTLE_SECONDS = 3.0


def _memory_kib(pid: int) -> dict[str, int]:
    """``VmRSS`` (resident now) and ``VmHWM`` (resident at its peak), in KiB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(rest.split()[0])
    return found


def _mib(kib: int) -> float:
    return round(kib / 1024, 1)


async def _start_bot(emulator: SlackEmulator, workdir: Path, database_url: str) -> ServeProcess:
    """Spawn ``serve``; ``ready_after`` is the seconds from spawn to ``/readyz`` 200."""
    env = serve_env(
        database_url=database_url, emulator=emulator, webhook_secrets={"generic": SECRET}
    )
    return await start_serve(env, workdir=workdir, ready="/readyz", timeout=60)


async def _send_all(url: str, alerts: int, concurrency: int) -> tuple[int, float]:
    """Post ``alerts`` distinct signed alerts with ``concurrency`` in flight; return how many
    were accepted and the seconds it took."""
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(alerts):
        queue.put_nowait(number)
    accepted = 0

    async def sender(http: aiohttp.ClientSession) -> None:
        nonlocal accepted
        while not queue.empty():
            number = queue.get_nowait()
            service = SERVICES[number % len(SERVICES)]
            raw = json.dumps(
                {
                    "service": service,
                    "title": f"{service} errors",
                    "severity": "warning",
                    "dedup_key": f"{service}-errors",
                    "description": f"alert {number}",  # a distinct body, so not a retry
                }
            ).encode()
            async with http.post(
                f"{url}/webhooks/generic",
                data=raw,
                headers=signed_headers("generic", raw, SECRET),
            ) as response:
                if response.status in (200, 202):
                    accepted += (await response.json())["accepted"]

    started = time.monotonic()
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(sender(http) for _ in range(concurrency)))
    return accepted, time.monotonic() - started


async def _drained(database_url: str) -> None:
    """Wait until every signal is correlated and every open incident's packet posted."""
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    try:
        while True:
            async with sessions() as session:
                unprocessed = await session.scalar(
                    text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
                )
                unposted = await session.scalar(
                    text(
                        "SELECT count(*) FROM incidents"
                        " WHERE status = 'open' AND packet_state != 'posted'"
                    )
                )
            if unprocessed == 0 and unposted == 0:
                return
            await asyncio.sleep(0.2)
    finally:
        await engine.dispose()


async def run(alerts: int, concurrency: int, database_url: str | None) -> dict[str, Any]:
    emulator = SlackEmulator(EmulatorConfig(port=0))  # Slack's real limits
    await emulator.start()
    workdir = Path(tempfile.mkdtemp(prefix="resources-"))
    database_url = database_url or f"sqlite+aiosqlite:///{workdir}/resources.sqlite3"
    bot = await _start_bot(emulator, workdir, database_url)
    process, url, startup = bot.process, bot.url, bot.ready_after
    try:
        await asyncio.sleep(IDLE_SETTLE_SECONDS)
        idle = _memory_kib(process.pid)
        accepted, sending = await _send_all(url, alerts, concurrency)
        sent = time.monotonic()
        await _drained(database_url)
        draining = time.monotonic() - sent
        after = _memory_kib(process.pid)
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        await emulator.stop()
    return {
        "database": database_url.split(":", 1)[0],
        "startup_to_ready_s": round(startup, 2),
        "rss_idle_mib": _mib(idle["VmRSS"]),
        "alerts_sent": alerts,
        "alerts_accepted": accepted,
        "sending_s": round(sending, 1),
        "last_sent_to_drained_s": round(draining, 1),
        "rss_after_alerts_mib": _mib(after["VmRSS"]),
        "rss_peak_mib": _mib(after["VmHWM"]),
        "exit_code_on_sigterm": process.returncode,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--database-url", help="default: SQLite in a temporary folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.alerts, args.concurrency, args.database_url))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>22}: {value}")


if __name__ == "__main__":
    main()
