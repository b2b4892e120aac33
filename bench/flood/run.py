"""bench/flood: one Alertmanager delivery naming 300 services, then a genuine sev1.

A real ``incident-bot serve`` process, its Slack the emulator in this process with Slack's
published rate limits, receives over loopback one signed Alertmanager delivery of 300 critical
alerts, each for a service of its own (none in the catalog), and right after its 202 one sev1
for ``payments-core`` (in the catalog) from the generic webhook. Reports how long the sev1 took
from its 202 to its packet in the channel (target: 2 s); how many incidents the flood opened
(one: a delivery folds into one incident unless the catalog separates its services); and when
the flood was fully correlated, so the sev1's figure can be read against it.

Run: ``.venv/bin/python -m bench.flood.run [--services 300] [--runs 3] [--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import sys
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
from tests.harness.ports import free_port

SECRET = "flood-secret"
SEV1_SERVICE = "payments-core"


def flood_body(services: int) -> bytes:
    alerts = [
        {
            "status": "firing",
            "labels": {
                "alertname": "TargetDown",
                "service": f"edge-{n:03d}",
                "severity": "critical",
            },
            "annotations": {"summary": f"edge-{n:03d} is down"},
            "startsAt": "2026-12-07T12:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "fingerprint": f"edge{n:012d}",
        }
        for n in range(services)
    ]
    return json.dumps(
        {
            "version": "4",
            "status": "firing",
            "receiver": "incident-bot",
            "groupKey": '{}:{alertname="TargetDown"}',
            "groupLabels": {"alertname": "TargetDown"},
            "commonLabels": {"alertname": "TargetDown", "severity": "critical"},
            "alerts": alerts,
        }
    ).encode()


async def _serve(emulator: SlackEmulator, workdir: Path, database_url: str) -> tuple[Any, str]:
    port = free_port()
    catalog = {"services": [{"service": SEV1_SERVICE, "owner": "payments"}]}
    (workdir / "catalog.yaml").write_text(yaml.safe_dump(catalog))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "DATABASE_URL": database_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "SLACK_BOT_TOKEN": emulator.config.bot_token,
        "SLACK_APP_TOKEN": emulator.config.app_token,
        "SLACK_API_URL": emulator.api_url,
        "GENERIC_WEBHOOK_SECRET": SECRET,
        "ALERTMANAGER_WEBHOOK_SECRET": SECRET,
        "CATALOG_PATH": str(workdir / "catalog.yaml"),
        "LOG_LEVEL": os.environ.get("FLOOD_LOG_LEVEL", "WARNING"),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "serve",
        env=env,
        cwd=workdir,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=(workdir / "bot.log").open("wb"),
    )
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as http:
        for _ in range(600):
            try:
                async with http.get(f"{url}/readyz") as response:
                    if response.status == 200:
                        return process, url
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the bot did not start")


async def _packet_seen(people: EmulatorClient, service: str) -> float:
    while True:
        for channel in await people.channels():
            if channel["name"].endswith(f"-{service}"):
                for message in await people.messages(channel["id"]):
                    if "Incident packet" in (message.get("text") or ""):
                        return time.monotonic()
        await asyncio.sleep(0.02)


async def _scalar(database_url: str, query: str) -> Any:
    engine = create_engine(database_url)
    try:
        async with create_session_factory(engine)() as session:
            return await session.scalar(text(query))
    finally:
        await engine.dispose()


async def _flood_done(database_url: str) -> float:
    waiting = "SELECT count(*) FROM signals WHERE processed_at IS NULL"
    while True:
        if not await _scalar(database_url, waiting):
            return time.monotonic()
        await asyncio.sleep(0.05)


async def one_run(services: int) -> dict[str, Any]:
    emulator = SlackEmulator(EmulatorConfig(port=0))  # Slack's real limits
    await emulator.start()
    workdir = Path(tempfile.mkdtemp(prefix="flood-"))
    database_url = f"sqlite+aiosqlite:///{workdir}/flood.sqlite3"
    process, url = await _serve(emulator, workdir, database_url)
    try:
        async with aiohttp.ClientSession() as http, EmulatorClient(emulator.base_url) as people:
            flood = flood_body(services)
            headers = signed_headers("alertmanager", flood, SECRET)
            started = time.monotonic()
            async with http.post(f"{url}/webhooks/alertmanager", data=flood, headers=headers) as r:
                flood_status = r.status
            sev1 = json.dumps(
                {"service": SEV1_SERVICE, "title": "payments-core is down", "severity": "sev1"}
            ).encode()
            headers = signed_headers("generic", sev1, SECRET)
            async with http.post(f"{url}/webhooks/generic", data=sev1, headers=headers) as r:
                sev1_status = r.status
                sev1_accepted = time.monotonic()
            done = asyncio.create_task(_flood_done(database_url))
            seen = await asyncio.wait_for(_packet_seen(people, SEV1_SERVICE), 300)
            flood_done = await asyncio.wait_for(done, 600)
        incidents = await _scalar(
            database_url, f"SELECT count(*) FROM incidents WHERE service != '{SEV1_SERVICE}'"
        )
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 60)
        await emulator.stop()
    return {
        "flood_answer": flood_status,
        "sev1_answer": sev1_status,
        "sev1_202_to_packet_seen_s": round(seen - sev1_accepted, 3),
        "flood_incidents": incidents,
        "flood_fully_correlated_s": round(flood_done - started, 3),
        "sev1_packet_before_flood_done": seen < flood_done,
    }


async def run(services: int, runs: int) -> dict[str, Any]:
    results = [await one_run(services) for _ in range(runs)]
    latencies = [r["sev1_202_to_packet_seen_s"] for r in results]
    return {
        "services_in_delivery": services,
        "runs": runs,
        "sev1_202_to_packet_median_s": round(statistics.median(latencies), 3),
        "sev1_202_to_packet_max_s": max(latencies),
        "each_run": results,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--services", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.services, args.runs))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        if key != "each_run":
            print(f"{key:>30}: {value}")
    for number, each in enumerate(result["each_run"], 1):
        print(f"run {number}: " + ", ".join(f"{k}={v}" for k, v in each.items()))


if __name__ == "__main__":
    main()
