"""``incident-bot demo``: one scenario played end to end with no account anywhere.

It starts the local Slack emulator, the bot and the webhook server in this process, posts the
scenario's alert to the webhook as its source would (signed), waits for the packet as a person
would (through the emulator's control API), runs ``/status`` as a person, prints the channel as
read in Slack and the audit trail, and verifies the chain. Exit 0 only when all of that worked.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import func, select

from bot.app import SHIPPED_SCENARIOS, Runtime, replay_evidence, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.errors import AuditChainError
from bot.incident.models import ChartState, IncidentRecord
from bot.messages import audit_line
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.settings import load_settings
from handlers.webhooks.auth import signed_headers
from integrations.slack_emulator import EmulatorClient, load_workspace, render_blocks

__all__ = ["DEFAULT_SCENARIO", "run_demo"]

DEFAULT_SCENARIO = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
PACKET_TIMEOUT = 30.0
CHART_TIMEOUT = 10.0
RULE = "─" * 72


def _say(text: str = "") -> None:
    print(text, flush=True)


async def _post_alerts(runtime: Runtime, scenario: Scenario, secret: str) -> None:
    async with aiohttp.ClientSession() as http:
        for delivery in scenario.deliveries:
            body = json.dumps(delivery.payload).encode()
            url = f"{runtime.webhook_url}/webhooks/{delivery.source.value}"
            headers = signed_headers(delivery.source.value, body, secret)
            async with http.post(url, data=body, headers=headers) as response:
                answer = await response.text()
                _say(f"POST /webhooks/{delivery.source.value} -> {response.status} {answer}")
                if response.status >= 300:
                    raise RuntimeError(f"the webhook refused the scenario's alert: {answer}")


async def _wait_for_packet(client: EmulatorClient) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    deadline = time.monotonic() + PACKET_TIMEOUT
    while time.monotonic() < deadline:
        for channel in await client.channels():
            if not str(channel["name"]).startswith("inc-"):
                continue
            messages = await client.messages(channel["id"])
            if any("Incident packet" in str(m.get("text", "")) for m in messages):
                return channel, messages
        await asyncio.sleep(0.2)
    raise TimeoutError(f"no packet was posted within {PACKET_TIMEOUT:g}s")


async def _wait_for_charts(runtime: Runtime) -> None:
    """The chart follows the packet into its thread: give it a moment, so the demo shows it.
    Not waited for past ``CHART_TIMEOUT``: the packet never depends on it."""
    due = select(func.count()).where(
        IncidentRecord.chart_state.in_((ChartState.PENDING, ChartState.UPLOADING))
    )
    deadline = time.monotonic() + CHART_TIMEOUT
    while time.monotonic() < deadline:
        async with runtime.sessions() as session:
            if not await session.scalar(due):
                return
        await asyncio.sleep(0.2)


def _print_messages(messages: list[dict[str, Any]], users: dict[str, str]) -> None:
    for message in messages:
        who = users.get(str(message.get("user")), str(message.get("user")))
        seen_by = (
            f" (only visible to {users.get(message['recipient'], message['recipient'])})"
            if message.get("ephemeral")
            else ""
        )
        thread = (
            "  ↳ in thread" if message.get("thread_ts") not in (None, message.get("ts")) else ""
        )
        posted = datetime.fromtimestamp(float(message["ts"]), UTC)  # Slack's ts is a time
        _say(f"[{posted:%H:%M:%S} UTC] {who}{seen_by}{thread}")
        text = render_blocks(message.get("blocks") or [], str(message.get("text", "")))
        for line in text.splitlines():
            _say(f"    {line}")
        for file in message.get("files") or []:
            _say(f"    [file] {file.get('title')} ({file.get('name')}, {file.get('size')} bytes)")
        _say()


async def run_demo(scenario_path: Path | None = None, *, database_url: str | None = None) -> int:
    scenario = load_scenario(scenario_path or DEFAULT_SCENARIO)
    secret = secrets.token_hex(24)
    sources = {delivery.source.value for delivery in scenario.deliveries}
    with tempfile.TemporaryDirectory(prefix="incident-bot-demo-") as folder:
        settings = load_settings(
            database_url=database_url or f"sqlite+aiosqlite:///{folder}/demo.sqlite3",
            host="127.0.0.1",
            port=0,
            slack_emulator_port=0,
            slack_bot_token=None,
            slack_app_token=None,
            **{f"{source}_webhook_secret": secret for source in sources},
        )
        runtime = await start_runtime(
            settings,
            clock=ReplayClock(scenario.now),
            evidence=replay_evidence([scenario]),
            runbook_selection=scenario.runbooks,
            poll_interval=0.2,
        )
        try:
            return await _play(runtime, scenario, secret)
        finally:
            await runtime.stop()


async def _play(runtime: Runtime, scenario: Scenario, secret: str) -> int:
    assert runtime.emulator is not None, "the demo always runs against the emulator"
    _say(RULE)
    _say(f"Scenario {scenario.id}: {scenario.title}")
    _say(f"Replay clock starts at {scenario.now:%Y-%m-%d %H:%M:%S} UTC")
    _say(RULE)
    await _post_alerts(runtime, scenario, secret)
    async with EmulatorClient(runtime.emulator.base_url) as client:
        channel, messages = await _wait_for_packet(client)
        users = {user.id: user.name for user in load_workspace().users}
        users[runtime.emulator.config.bot_user_id] = runtime.emulator.config.bot_name
        members = [
            m for m in channel.get("members", []) if m != runtime.emulator.config.bot_user_id
        ]
        asker = members[0] if members else "U0ALICE"
        status = await client.command(asker, channel["id"], "/status", "")
        await _wait_for_charts(runtime)
        messages = await client.messages(channel["id"])
        _say(RULE)
        topic = channel.get("topic")
        topic_text = topic.get("value") if isinstance(topic, dict) else topic
        _say(f"#{channel['name']}   topic: {topic_text}")
        _say(f"members: {', '.join(users.get(m, m) for m in channel.get('members', []))}")
        _say(RULE)
        _print_messages(messages, users)
        if not status.get("responses"):
            raise RuntimeError(f"/status got no answer: {status}")
    _say(RULE)
    async with runtime.sessions() as session:
        trail = await audit.entries(session)
        _say(f"Audit trail ({len(trail)} rows)")
        for entry in trail:
            _say(audit_line(entry))
        try:
            count = await audit.verify(session)
        except AuditChainError as exc:
            _say(f"Audit chain BROKEN: {exc}")
            return 1
    _say(RULE)
    _say(f"Audit chain verified: {count} rows")
    return 0
