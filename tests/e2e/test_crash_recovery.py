"""Durability: a bot process killed with SIGKILL at any point loses no accepted alert, and after
a restart every incident has exactly one channel and one packet.

The kill points are exact: the emulator (which outlives the bot) hangs one Slack method either
before or after doing the work, so the bot is provably stopped between two steps when it dies.
The emulator runs in a process of its own, as Slack does: a bot's calls never wait for this
test's turn on a loaded machine.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.audit import service as audit
from bot.db import create_engine, create_session_factory
from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack_emulator import EmulatorClient
from tests.harness import (
    ServeProcess,
    SlackEmulatorProcess,
    eventually,
    post_signed,
    serve_env,
    start_serve,
    start_slack_emulator,
)

pytestmark = pytest.mark.slow

SCENARIO_FILE = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
SECRET = "crash-secret"
GENERIC = [
    {"service": "checkout-api", "title": "checkout 5xx", "severity": "high"},
    {"service": "search-api", "title": "search latency", "severity": "warning"},
]


@pytest.fixture
async def emulator(tmp_path: Path) -> AsyncIterator[SlackEmulatorProcess]:
    running = await start_slack_emulator(tmp_path)
    yield running
    await running.stop()


async def _start_bot(
    emulator: SlackEmulatorProcess, database_url: str, workdir: Path
) -> ServeProcess:
    env = serve_env(
        database_url=database_url,
        emulator=emulator,
        webhook_secrets={"alertmanager": SECRET, "generic": SECRET},
        REPLAY_SCENARIOS=json.dumps([str(SCENARIO_FILE)]),
        SLACK_LEASE_SECONDS="2",  # the killed bot's leases lapse quickly
    )
    return await start_serve(env, workdir=workdir)


async def _post_alerts(bot: ServeProcess) -> int:
    deliveries = [("alertmanager", load_scenario(SCENARIO_FILE).deliveries[0].payload)]
    deliveries += [("generic", body) for body in GENERIC]
    accepted = 0
    for source, payload in deliveries:
        status, answer = await post_signed(bot.url, source, payload, SECRET)
        assert status == 202
        accepted += answer["accepted"]
    return accepted


KILL_POINTS = [
    pytest.param(None, None, id="right-after-accept"),
    pytest.param("conversations.create", "before", id="before-channel-create"),
    pytest.param("conversations.create", "after", id="after-channel-create-unrecorded"),
    pytest.param("conversations.setTopic", "after", id="channel-created-not-ready"),
    pytest.param("chat.postMessage", "before", id="before-packet-post"),
    pytest.param("chat.postMessage", "after", id="after-packet-post-unrecorded"),
]


@pytest.mark.parametrize(("method", "where"), KILL_POINTS)
async def test_a_killed_bot_resumes_without_losing_or_repeating_anything(
    emulator: SlackEmulatorProcess, tmp_path: Path, method: str | None, where: str | None
) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path}/crash.sqlite3"
    async with EmulatorClient(emulator.base_url) as people:
        if method is not None:
            await people.set_faults(**{method.replace(".", "_"): where})
        bot = await _start_bot(emulator, database_url, tmp_path)
        try:
            accepted = await _post_alerts(bot)
            if method is not None:

                async def stuck() -> bool:
                    return (await people.stats())["fault_hits"].get(method, 0) > 0

                await eventually(stuck, what=f"the bot to reach {method} ({where})")
        finally:
            await bot.kill()

        await people.set_faults()  # Slack behaves again
        bot = await _start_bot(emulator, database_url, tmp_path)
        engine = create_engine(database_url)
        sessions = create_session_factory(engine)
        try:

            async def settled() -> bool:
                async with sessions() as session:
                    pending = await session.scalar(
                        text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
                    )
                    unposted = await session.scalar(
                        text("SELECT count(*) FROM incidents WHERE packet_state != 'posted'")
                    )
                return pending == 0 and unposted == 0

            await eventually(settled, timeout=60, what="the restarted bot to finish")
            async with sessions() as session:
                signals = await session.scalar(text("SELECT count(*) FROM signals"))
                incidents = await session.scalar(text("SELECT count(*) FROM incidents"))
                assert await audit.verify(session) > 0
            channels = [c for c in await people.channels() if c["name"].startswith("inc-")]
            packets = {
                c["name"]: len(
                    [m for m in await people.messages(c["id"]) if "Incident packet" in m["text"]]
                )
                for c in channels
            }
        finally:
            await bot.kill()
            await engine.dispose()

    assert signals == accepted == 3  # every accepted alert is there, once
    assert incidents == 3
    today = f"{datetime.now(UTC):%Y%m%d}"  # serve runs on the system clock
    assert packets == {
        f"inc-{today}-billing-webhooks": 1,
        f"inc-{today}-checkout-api": 1,
        f"inc-{today}-search-api": 1,
    }
