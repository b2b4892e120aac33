"""bench/storm/three: 10,000 alerts folding into three incidents (issue 18), through a real
``incident-bot serve`` on SQLite into the Slack emulator with Slack's limits.

Three services each fire four alerting conditions that re-notify over and over (each
notification a distinct signed body, so nothing is dropped as a repeat), sent at a steady rate
over ``--seconds``. Target: every alert correlated and every packet current (posted, at the
incident's latest revision) within 5 s of the last alert accepted; nothing lost; three incidents.

Reported: alerts sent / accepted / stored / lost, incidents opened, the time from the last alert's
202 until every signal was correlated, and until every packet was current, and the load average.
A packet's edits are spaced by ``PACKET_UPDATE_INTERVAL_SECONDS`` (default 15 s: Slack's
``chat.update`` is scarce in a storm); ``--packet-rest`` sets it for the bot under test.

Run: ``.venv/bin/python -m bench.storm.three [--alerts 10000] [--seconds 60] [--packet-rest 15]
[--json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import yaml
from sqlalchemy import text

from bot.db import create_engine, create_session_factory
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorConfig, SlackEmulator
from tests.harness import serve_env, start_serve

SECRET = "storm-secret"
SERVICES = ("ledger-api", "ledger-worker", "ledger-db")
CONDITIONS = 4
TARGET_S = 5.0
SENDERS = 16


def _body(number: int) -> dict[str, str]:
    service = SERVICES[number % len(SERVICES)]
    condition = (number // len(SERVICES)) % CONDITIONS
    return {
        "service": service,
        "title": f"{service} condition {condition}",
        "dedup_key": f"{service}-{condition}",
        "severity": "warning",
        "description": f"notification {number}",
    }


async def _counts(sessions: Any) -> tuple[int, int]:
    """(signals not yet correlated, incidents whose packet is not current)."""
    async with sessions() as session:
        waiting = await session.scalar(
            text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
        )
        behind = await session.scalar(
            text(
                "SELECT count(*) FROM incidents WHERE packet_state != 'posted'"
                " OR posted_revision < packet_revision"
            )
        )
    return int(waiting or 0), int(behind or 0)


async def _send_all(url: str, alerts: int, seconds: float) -> tuple[int, int, float]:
    """Send every alert at a steady rate; (accepted, refused, wall-clock time of the last 202)."""
    accepted = refused = 0
    last = 0.0
    start = time.monotonic()
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(alerts):
        queue.put_nowait(number)

    async def sender(http: aiohttp.ClientSession) -> None:
        nonlocal accepted, refused, last
        while not queue.empty():
            number = queue.get_nowait()
            delay = start + seconds * number / alerts - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            raw = json.dumps(_body(number)).encode()
            async with http.post(
                f"{url}/webhooks/generic", data=raw, headers=signed_headers("generic", raw, SECRET)
            ) as response:
                if response.status in (200, 202):
                    accepted += (await response.json())["accepted"]
                    last = max(last, time.time())
                else:
                    refused += 1

    async with aiohttp.ClientSession() as http:
        await asyncio.gather(*(sender(http) for _ in range(SENDERS)))
    return accepted, refused, last


async def run(alerts: int, seconds: float, packet_rest: float | None) -> dict[str, Any]:
    load_start = os.getloadavg()
    emulator = SlackEmulator(EmulatorConfig(port=0))  # Slack's real limits
    await emulator.start()
    workdir = Path(tempfile.mkdtemp(prefix="storm-three-"))
    (workdir / "catalog.yaml").write_text(
        yaml.safe_dump({"services": [{"service": s, "owner": "ledger"} for s in SERVICES]})
    )
    database_url = f"sqlite+aiosqlite:///{workdir}/storm.sqlite3"
    settings = {"CATALOG_PATH": str(workdir / "catalog.yaml")}
    if packet_rest is not None:
        settings["PACKET_UPDATE_INTERVAL_SECONDS"] = str(packet_rest)
    env = serve_env(
        database_url=database_url,
        emulator=emulator,
        webhook_secrets={"generic": SECRET},
        **settings,
    )
    bot = await start_serve(env, workdir=workdir)
    engine = create_engine(database_url)
    sessions = create_session_factory(engine)
    correlated_after = current_after = None
    sent_in = 0.0
    try:
        began = time.time()
        accepted, refused, last = await _send_all(bot.url, alerts, seconds)
        sent_in = last - began
        while current_after is None and time.time() - last < 300:
            waiting, behind = await _counts(sessions)
            if waiting == 0 and correlated_after is None:
                correlated_after = time.time() - last
            if waiting == 0 and behind == 0:
                current_after = time.time() - last
            await asyncio.sleep(0.1)
        async with sessions() as session:
            stored = await session.scalar(text("SELECT count(*) FROM signals"))
            orphans = await session.scalar(
                text("SELECT count(*) FROM signals WHERE incident_id IS NULL")
            )
            incidents = await session.scalar(text("SELECT count(*) FROM incidents"))
    finally:
        await engine.dispose()
        await bot.stop(timeout=60)
        await emulator.stop()
    return {
        "alerts_sent": alerts,
        "accepted": accepted,
        "refused": refused,
        "stored": stored,
        "alerts_lost": accepted - int(stored or 0) + int(orphans or 0),
        "incidents_opened": incidents,
        "true_incidents": len(SERVICES),
        "sending_s": seconds,
        "sending_took_s": round(sent_in, 1),
        "last_202_to_all_correlated_s": round(correlated_after or -1, 2),
        "last_202_to_all_packets_current_s": round(current_after or -1, 2),
        "target_s": TARGET_S,
        "target_met": current_after is not None and current_after <= TARGET_S,
        "packet_rest_s": packet_rest if packet_rest is not None else "default (15)",
        "load_average_at_start": [round(x, 2) for x in load_start],
        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--packet-rest", type=float, default=None, help="seconds between edits")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = asyncio.run(run(args.alerts, args.seconds, args.packet_rest))
    if args.json:
        print(json.dumps(result, indent=2))
        return
    for key, value in result.items():
        print(f"{key:>34}: {value}")


if __name__ == "__main__":
    main()
