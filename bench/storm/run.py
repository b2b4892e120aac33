"""bench/storm: an alert storm through the whole pipeline, into the emulator with Slack's limits.

2,000 alerts from 40 services in 60 s (services svc-01..svc-05 form one dependency chain,
svc-01 -> svc-02 -> ... -> svc-05), posted signed over loopback to a real ``incident-bot serve``
process whose Slack is the emulator in this process, with Slack's published rate limits. Midway,
one sev1 alert for a service of its own. Reports: incidents opened against the true number
(36: 35 independent services and the chain), alerts lost (must be 0), the time from the sev1's
202 to its packet in the channel, and the total time to the last packet against the floor that
Slack's limits impose (channel creation is Tier 2: a burst of 20, then one every 3 s).

Run: ``.venv/bin/python -m bench.storm.run [--alerts 2000] [--seconds 60] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sqlalchemy import text

from bot.db import create_engine, create_session_factory
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.harness import ServeProcess, serve_env, start_serve

SECRET = "storm-secret"
SERVICES = [f"svc-{number:02d}" for number in range(1, 41)]
CHAIN = SERVICES[:5]
SEV1_SERVICE = "payments-core"
TRUE_INCIDENTS = len(SERVICES) - len(CHAIN) + 1 + 1  # + the chain as one + the sev1's own
TIER2_BURST, TIER2_PER_SECOND = 20, 20 / 60


def _catalog(path: Path) -> None:
    services = []
    for index, name in enumerate(SERVICES):
        entry: dict[str, Any] = {"service": name, "owner": f"team-{index % 8}"}
        if name in CHAIN[:-1]:
            entry["depends_on"] = [CHAIN[CHAIN.index(name) + 1]]
        services.append(entry)
    services.append(
        {"service": SEV1_SERVICE, "owner": "payments", "slack_group": "payments-oncall"}
    )
    path.write_text(yaml.safe_dump({"services": services}))


def _plan(alerts: int, seconds: float) -> list[tuple[float, dict[str, Any]]]:
    """(send at, generic alert body). The chain fails from the bottom up in its first seconds,
    as a real dependency failure does; everything else arrives in random order."""
    rng = random.Random(7)
    plan: list[tuple[float, dict[str, Any]]] = []
    for step, service in enumerate(reversed(CHAIN)):
        plan.append(
            (
                0.2 * step,
                {"service": service, "title": f"{service} errors", "dedup_key": f"{service}-0"},
            )
        )
    for number in range(alerts - len(plan)):
        service = rng.choice(SERVICES)
        kind = number % 4
        plan.append(
            (
                rng.uniform(1.0, seconds),
                {
                    "service": service,
                    "title": f"{service} alert {kind}",
                    "severity": rng.choice(["warning", "info", "high"]),
                    "dedup_key": f"{service}-{kind}",
                    "description": f"storm alert {number}",
                },
            )
        )
    return sorted(plan, key=lambda item: item[0])


async def _start_bot(
    emulator: SlackEmulator, workdir: Path, database_url: str, bot_log: Path | None
) -> ServeProcess:
    _catalog(workdir / "catalog.yaml")
    env = serve_env(
        database_url=database_url,
        emulator=emulator,
        webhook_secrets={"generic": SECRET},
        CATALOG_PATH=str(workdir / "catalog.yaml"),
    )
    return await start_serve(
        env, workdir=workdir, log_level="DEBUG" if bot_log else "INFO", log=bot_log
    )


async def _packet_time(people: EmulatorClient, service: str, since: float) -> float:
    while True:
        for channel in await people.channels():
            if channel["name"].endswith(f"-{service}"):
                for message in await people.messages(channel["id"]):
                    if "Incident packet" in (message.get("text") or ""):
                        return time.monotonic() - since
        await asyncio.sleep(0.05)


async def run(alerts: int, seconds: float, bot_log: Path | None = None) -> dict[str, Any]:
    emulator = SlackEmulator(EmulatorConfig(port=0))  # Slack's real limits
    await emulator.start()
    workdir = Path(tempfile.mkdtemp(prefix="storm-"))
    database_url = f"sqlite+aiosqlite:///{workdir}/storm.sqlite3"
    bot = await _start_bot(emulator, workdir, database_url, bot_log)
    url = bot.url
    accepted = refused = 0
    sev1_latency: float | None = None
    try:
        async with aiohttp.ClientSession() as http, EmulatorClient(emulator.base_url) as people:

            async def send(body: dict[str, Any]) -> float:
                nonlocal accepted, refused
                raw = json.dumps(body).encode()
                async with http.post(
                    f"{url}/webhooks/generic",
                    data=raw,
                    headers=signed_headers("generic", raw, SECRET),
                ) as response:
                    if response.status in (200, 202):
                        accepted += (await response.json())["accepted"]
                    else:
                        refused += 1
                return time.monotonic()

            start = time.monotonic()
            pending: set[asyncio.Task[float]] = set()
            sev1_task: asyncio.Task[float] | None = None
            for at, body in _plan(alerts, seconds):
                delay = start + at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if sev1_task is None and at >= seconds / 2:
                    sev1 = {
                        "service": SEV1_SERVICE,
                        "title": "payments-core is down",
                        "severity": "critical",
                    }
                    sent = await send(sev1)
                    sev1_task = asyncio.create_task(_packet_time(people, SEV1_SERVICE, sent))
                task = asyncio.create_task(send(body))
                pending.add(task)
                task.add_done_callback(pending.discard)
            await asyncio.gather(*pending)
            storm_sent = time.monotonic() - start
            if sev1_task is not None:
                sev1_latency = await asyncio.wait_for(sev1_task, 300)

            engine = create_engine(database_url)
            sessions = create_session_factory(engine)
            while True:
                async with sessions() as session:
                    unprocessed = await session.scalar(
                        text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
                    )
                    unposted = await session.scalar(
                        text("SELECT count(*) FROM incidents WHERE packet_state != 'posted'")
                    )
                if unprocessed == 0 and unposted == 0:
                    break
                await asyncio.sleep(0.2)
            total = time.monotonic() - start
            async with sessions() as session:
                stored = await session.scalar(text("SELECT count(*) FROM signals"))
                orphans = await session.scalar(
                    text(
                        "SELECT count(*) FROM signals"
                        " WHERE incident_id IS NULL AND status = 'firing'"
                    )
                )
                incidents = await session.scalar(text("SELECT count(*) FROM incidents"))
            await engine.dispose()
            stats = await people.stats()
    finally:
        await bot.stop(timeout=60)
        await emulator.stop()
    floor = max(seconds, (incidents - TIER2_BURST) / TIER2_PER_SECOND if incidents else 0)
    return {
        "alerts_sent": alerts + 1,
        "accepted": accepted,
        "refused": refused,
        "stored": stored,
        "alerts_lost": accepted - stored + orphans,
        "incidents_opened": incidents,
        "true_incidents": TRUE_INCIDENTS,
        "sev1_alert_to_packet_s": round(sev1_latency or -1, 3),
        "storm_sending_s": round(storm_sent, 1),
        "total_to_last_packet_s": round(total, 1),
        "slack_floor_s": round(floor, 1),
        "slack_429s": sum(stats["ratelimited"].values()),
        "slack_calls": stats["calls"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--bot-log", type=Path, help="write the bot's DEBUG log here (every Slack call, timed)"
    )
    args = parser.parse_args()
    result = asyncio.run(run(args.alerts, args.seconds, args.bot_log))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
