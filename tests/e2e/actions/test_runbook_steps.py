"""The data-pipeline story end to end: a nightly ETL fails on a lagging replica; the packet names
the etl-source-timeout runbook; the policy lets revenue-etl's declared source switch and job
re-run run on their own, so the bot switches the ConfigMap (verified by reading it back), then
re-runs the job from its CronJob (verified by the Job's completion), each approved by the policy
rule that allows it. Two replicas sweeping at once carry each step out once; the kill switch and
dry-run mode keep the bot's hands off."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.action.models import ActionRecord, ActionState
from bot.action.sweep import sweep
from bot.app import Runtime
from bot.audit import service as audit
from bot.killswitch import service as kill_switch
from bot.policy import SHIPPED_POLICY, Policy, load_policy, parse_policy
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import action_message, client_writes, texts
from tests.e2e.conftest import eventually, post_alert

ETL = load_scenario(SHIPPED_SCENARIOS / "examples" / "etl-replica-lag.yaml")
CONFIG_RULE = "services.revenue-etl.actions.config_change.autonomy"
RERUN_RULE = "services.revenue-etl.actions.rerun_job.autonomy"


@pytest.fixture
def scenario() -> Scenario:
    return ETL


async def packet_posted(runtime: Runtime, people: EmulatorClient) -> str:
    status, _ = await post_alert(runtime, "alertmanager", ETL.deliveries[0].payload)
    assert status == 202

    async def posted() -> str | None:
        for channel in await people.channels():
            if str(channel["name"]).startswith("inc-"):
                messages = await people.messages(channel["id"])
                if any("Incident packet" in str(m.get("text", "")) for m in messages):
                    return str(channel["id"])
        return None

    return await eventually(posted, what="the packet")


async def records(runtime: Runtime) -> list[ActionRecord]:
    async with runtime.sessions() as session:
        return list(await session.scalars(select(ActionRecord).order_by(ActionRecord.id)))


async def settled_steps(runtime: Runtime, count: int) -> list[ActionRecord]:
    final = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}

    async def done() -> list[ActionRecord] | None:
        found = await records(runtime)
        if len(found) >= count and all(ActionState(r.state) in final for r in found):
            return found
        return None

    return await eventually(done, what=f"{count} runbook steps to settle")


def kinds_written(writes: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(w["verb"], w["resource"]) for w in writes]


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 0.1}])
async def test_the_source_switch_and_the_rerun_run_on_their_own_and_verify(
    runtime: Runtime, people: EmulatorClient
) -> None:
    channel = await packet_posted(runtime, people)
    switch, rerun = await settled_steps(runtime, 2)
    assert (switch.kind, switch.state) == ("config_change", ActionState.VERIFIED)
    assert (rerun.kind, rerun.state) == ("rerun_job", ActionState.VERIFIED)
    assert switch.parameters == {"key": "SOURCE_DB_HOST", "value": "db-replica-1"}
    assert (switch.proposed_by, switch.decided_by) == ("bot", "policy")
    assert kinds_written(await client_writes(runtime)) == [
        ("patch", "configmaps"),
        ("create", "jobs"),
    ]
    async with runtime.sessions() as session:
        rows = await audit.entries(session, incident_id=switch.incident_id)
    approvals = [row for row in rows if row.event == "action.approved"]
    assert [(row.actor, row.details["rule"]) for row in approvals] == [
        ("policy", CONFIG_RULE),
        ("policy", RERUN_RULE),
    ]
    assert any(row.event == "action.checkpoint" for row in rows)
    said = [str(m.get("text", "")) for m in await people.messages(channel)]
    assert any(f"Action #{rerun.id} verified" in text for text in said)


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_two_replicas_sweeping_at_once_carry_out_each_step_once(
    runtime: Runtime, people: EmulatorClient
) -> None:
    await packet_posted(runtime, people)
    assert runtime.actions is not None
    await asyncio.gather(sweep(runtime.actions), sweep(runtime.actions))
    await sweep(runtime.actions)  # whichever stopped early picks up the next step now
    steps = await settled_steps(runtime, 2)
    assert [record.step for record in steps] == [
        f"{steps[0].incident_id}:etl-source-timeout:0",
        f"{steps[0].incident_id}:etl-source-timeout:1",
    ]
    assert kinds_written(await client_writes(runtime)) == [
        ("patch", "configmaps"),
        ("create", "jobs"),
    ]


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_with_the_kill_switch_on_the_bot_carries_out_no_step(
    runtime: Runtime, people: EmulatorClient
) -> None:
    await packet_posted(runtime, people)
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor="slack:U0ALICE", clock=runtime.clock)
    assert runtime.actions is not None
    assert await sweep(runtime.actions) == 0
    assert await records(runtime) == []
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("policy", [dataclasses.replace(load_policy(SHIPPED_POLICY), dry_run=True)])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_in_dry_run_mode_the_first_step_is_shown_and_nothing_runs(
    runtime: Runtime, people: EmulatorClient
) -> None:
    await packet_posted(runtime, people)
    assert runtime.actions is not None
    await sweep(runtime.actions)
    await sweep(runtime.actions)
    [shown] = await records(runtime)
    assert (shown.kind, shown.state, shown.dry_run) == ("config_change", "proposed", True)
    assert await client_writes(runtime) == []


def _approve_level() -> Policy:
    text = SHIPPED_POLICY.read_text()
    for kind in ("config_change", "rerun_job"):
        text = text.replace(f"{kind}: {{autonomy: auto}}", f"{kind}: {{autonomy: approve}}")
    return parse_policy(text, path=Path("policy.yaml"))


@pytest.mark.parametrize("policy", [_approve_level()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_at_the_approve_level_the_bot_posts_each_step_for_an_approver_in_turn(
    runtime: Runtime, people: EmulatorClient
) -> None:
    channel = await packet_posted(runtime, people)
    assert runtime.actions is not None
    await sweep(runtime.actions)
    await sweep(runtime.actions)  # the second step waits for the first
    [switch] = await records(runtime)
    assert (switch.kind, switch.state, switch.requires_approval) == (
        "config_change",
        ActionState.PROPOSED,
        True,
    )
    assert await client_writes(runtime) == []
    message = await action_message(runtime, people, channel, switch.id)
    answer = await people.click("U0CAROL", channel, message["ts"], APPROVE_ACTION_ID)
    assert any("approved; results follow" in text for text in texts(answer))
    await settled_steps(runtime, 1)
    await sweep(runtime.actions)
    switch, rerun = await records(runtime)
    assert switch.state == ActionState.VERIFIED
    assert (rerun.kind, rerun.state) == ("rerun_job", ActionState.PROPOSED)
    assert kinds_written(await client_writes(runtime)) == [("patch", "configmaps")]
