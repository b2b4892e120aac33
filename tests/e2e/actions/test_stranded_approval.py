"""An approval is never stranded: a bot killed with SIGKILL after it recorded an approval and
before it ran the action leaves it ``approved``; the bot that starts next runs it exactly once
when the plan still holds, or voids the approval and posts a fresh plan when the cluster moved
meanwhile. Never both, never neither; on SQLite and on PostgreSQL.

The kill point is exact: the Slack emulator (which outlives the bot) hangs ``chat.update``, the
call that shows the approval right after it is recorded and before the action is claimed, so
the bot is provably stopped between the two when it dies. The bot that starts next runs in this
process with a clock a few minutes on, so its sweep finds the approval as a replacement process
finds it once :attr:`ActionContext.stranded_after` has passed.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from sqlalchemy import text

from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.db import create_engine
from bot.scenario.loader import load_scenario
from bot.settings import load_settings
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.kube_emulator import ControlClient, KubeEmulator, KubeEmulatorConfig
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.e2e.actions.conftest import PAYMENTS_ONCALL, REQUESTER
from tests.harness import ServeProcess, eventually, post_signed, serve_env, start_serve

pytestmark = pytest.mark.slow

SCENARIO_FILE = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
SECRET = "stranded-secret"
KUBE_TOKEN = "stranded-kube-token"
FINAL = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}


@pytest.fixture
async def slack() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.fixture
async def kube() -> AsyncIterator[KubeEmulator]:
    cluster = load_scenario(SCENARIO_FILE).cluster
    async with KubeEmulator(KubeEmulatorConfig(token=KUBE_TOKEN), cluster) as running:
        yield running


async def _first_bot(
    slack: SlackEmulator, kube: KubeEmulator, database_url: str, workdir: Path
) -> ServeProcess:
    env = serve_env(
        database_url=database_url,
        emulator=slack,
        webhook_secrets={"alertmanager": SECRET},
        REPLAY_SCENARIOS=json.dumps([str(SCENARIO_FILE)]),
        KUBE_API_URL=kube.base_url,
        KUBE_TOKEN=KUBE_TOKEN,
    )
    return await start_serve(env, workdir=workdir, ready="/readyz")


async def _column(database_url: str, column: str, action_id: int = 1) -> str | None:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            found = await connection.scalar(
                text(f"SELECT {column} FROM actions WHERE id = :id"), {"id": action_id}
            )
    finally:
        await engine.dispose()
    return None if found is None else str(found)


async def _state(database_url: str, action_id: int = 1) -> str | None:
    return await _column(database_url, "state", action_id)


async def _approved_then_killed(
    slack: SlackEmulator, kube: KubeEmulator, database_url: str, workdir: Path
) -> str:
    """Run the first bot up to a recorded approval, kill it there; the incident's channel."""
    bot = await _first_bot(slack, kube, database_url, workdir)
    try:
        async with EmulatorClient(slack.base_url) as people:
            payload = load_scenario(SCENARIO_FILE).deliveries[0].payload
            status, _ = await post_signed(bot.url, "alertmanager", payload, SECRET)
            assert status == 202
            channel = await _incident_channel(people)
            await people.command(REQUESTER, channel, "/rollback", "", wait_for=0)
            message = await eventually(
                lambda: _action_message(people, channel, 1), timeout=60, what="the proposal"
            )

            async def message_recorded() -> bool:
                # Clicked before the bot recorded where its message is, the approval would
                # not be shown with chat.update, and nothing would hang there.
                return await _column(database_url, "message_ts") is not None

            await eventually(message_recorded, what="the proposal's message to be recorded")
            await people.set_faults(chat_update="before")
            await people.click(
                PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID, wait_for=0
            )

            async def approved() -> bool:
                return await _state(database_url) == ActionState.APPROVED

            await eventually(approved, timeout=60, what="the approval to be recorded")

            async def stuck() -> bool:
                return (await people.stats())["fault_hits"].get("chat.update", 0) > 0

            await eventually(stuck, what="the bot to show the approval")
            await bot.kill()
            await people.set_faults()  # Slack behaves again
    finally:
        await bot.kill()
    assert await _state(database_url) == ActionState.APPROVED  # stranded, as the crash left it
    return channel


async def _incident_channel(people: EmulatorClient) -> str:
    async def packet_and_chart() -> str | None:
        for channel in await people.channels():
            seen = await people.messages(channel["id"])
            if str(channel["name"]).startswith("inc-") and any(m.get("files") for m in seen):
                return str(channel["id"])
        return None

    return await eventually(packet_and_chart, timeout=60, what="the packet and its chart")


async def _action_message(
    people: EmulatorClient, channel: str, number: int
) -> dict[str, Any] | None:
    for message in await people.messages(channel):
        if f"*Action #{number}*" in json.dumps(message.get("blocks") or []):
            return message
    return None


async def _restarted(
    slack: SlackEmulator, kube: KubeEmulator, database_url: str, workdir: Path
) -> Runtime:
    """The next bot on the same database, Slack and cluster, its clock past the time an
    unclaimed approval counts as stranded."""
    scenario = load_scenario(SCENARIO_FILE)
    settings = load_settings(
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        slack_bot_token=slack.config.bot_token,
        slack_app_token=slack.config.app_token,
        slack_api_url=slack.api_url,
        alertmanager_webhook_secret=SECRET,
        kube_api_url=kube.base_url,
        kube_token=KUBE_TOKEN,
        action_sweep_seconds=0.2,
        action_verify_seconds=10.0,
        recovery_window_seconds=1.0,
    )
    later = datetime.now(UTC) + timedelta(minutes=3)
    return await start_runtime(
        settings,
        clock=ReplayClock(later),
        evidence=replay_evidence([scenario]),
        poll_interval=0.1,
    )


async def _client_writes(kube: KubeEmulator) -> list[tuple[str, str]]:
    changes = await asyncio.to_thread(ControlClient(kube.base_url).changes)
    return [(c["verb"], c["name"]) for c in changes if c["actor"] == "client"]


async def _audit_events(runtime: Runtime) -> list[str]:
    async with runtime.sessions() as session:
        assert await audit.verify(session) > 0  # the chain is whole across the kill
        return [entry.event for entry in await audit.entries(session)]


async def _record(runtime: Runtime, action_id: int) -> ActionRecord | None:
    async with runtime.sessions() as session:
        return await session.get(ActionRecord, action_id, populate_existing=True)


async def test_an_approval_the_crash_stranded_runs_once_after_a_restart_when_its_plan_holds(
    slack: SlackEmulator, kube: KubeEmulator, database_url: str, tmp_path: Path
) -> None:
    channel = await _approved_then_killed(slack, kube, database_url, tmp_path)
    runtime = await _restarted(slack, kube, database_url, tmp_path)
    try:

        async def settled() -> ActionRecord | None:
            record = await _record(runtime, 1)
            return record if record and ActionState(record.state) in FINAL else None

        record = await eventually(settled, timeout=60, what="the resumed action to settle")
        assert record.state != ActionState.FAILED, record.result
        assert record.decided_by == f"slack:{PAYMENTS_ONCALL}"  # the approval that counted
        assert await _record(runtime, 2) is None  # no fresh plan: it ran instead
        events = await _audit_events(runtime)
        async with EmulatorClient(slack.base_url) as people:
            said = [str(m.get("text", "")) for m in await people.messages(channel)]
    finally:
        await runtime.stop()
    assert await _client_writes(kube) == [("patch", "billing-webhooks")]  # exactly once
    assert events.count("action.executing") == 1
    assert "action.expired" not in events
    assert any("plan still holds" in text for text in said), said


async def test_a_stranded_approval_expires_and_a_fresh_plan_follows_when_the_cluster_moved(
    slack: SlackEmulator, kube: KubeEmulator, database_url: str, tmp_path: Path
) -> None:
    channel = await _approved_then_killed(slack, kube, database_url, tmp_path)
    await asyncio.to_thread(_newer_deploy, kube)  # while no bot runs
    runtime = await _restarted(slack, kube, database_url, tmp_path)
    try:

        async def fresh_plan() -> ActionRecord | None:
            return await _record(runtime, 2)

        fresh = await eventually(fresh_plan, timeout=60, what="the fresh plan")
        old = await _record(runtime, 1)
        events = await _audit_events(runtime)
        async with EmulatorClient(slack.base_url) as people:
            shown = await eventually(
                lambda: _action_message(people, channel, 2), what="the fresh plan's message"
            )
            said = [str(m.get("text", "")) for m in await people.messages(channel)]
    finally:
        await runtime.stop()
    assert old is not None
    assert old.state == ActionState.EXPIRED
    assert old.decided_by == f"slack:{PAYMENTS_ONCALL}"  # who approved it stays on record
    assert fresh.state == ActionState.PROPOSED  # a fresh decision, not a carried-over one
    assert fresh.plan_hash != old.plan_hash
    assert "acme/billing:c0ffee1" in json.dumps(shown["blocks"])  # planned from the new deploy
    assert await _client_writes(kube) == [("update", "billing-webhooks")]  # the deploy's only
    assert "action.executing" not in events
    assert events.count("action.expired") == 1
    assert any("that approval is void" in text for text in said)


def _newer_deploy(kube: KubeEmulator) -> None:
    configuration = client.Configuration()
    configuration.host = kube.base_url
    configuration.api_key = {"authorization": f"Bearer {KUBE_TOKEN}"}
    with client.ApiClient(configuration) as api:
        apps = client.AppsV1Api(api)
        deployment = apps.read_namespaced_deployment("billing-webhooks", "payments")
        deployment.spec.template.spec.containers[0].image = "acme/billing:c0ffee1"
        apps.replace_namespaced_deployment("billing-webhooks", "payments", deployment)
