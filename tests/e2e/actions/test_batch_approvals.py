"""A job re-run and a config change at the ``approve`` level, end to end through Slack's buttons:
two approvers clicking at once create one Job; a re-run that fails its verification pages the
owner; the kill switch between approval and execution stops a config change before its write;
someone outside the policy is refused."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.action.flows import ActionRequest, propose
from bot.action.models import ActionState
from bot.action.plan import ActionParameters, ClusterActionKind
from bot.action.running import execute_approved
from bot.app import Runtime
from bot.incident import service as incidents
from bot.killswitch import service as kill_switch
from bot.policy import SHIPPED_POLICY, Policy, parse_policy
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    action_message,
    action_record,
    audit_events,
    client_writes,
    recorded,
    settled,
    texts,
)
from tests.e2e.actions.test_runbook_steps import packet_posted
from tests.e2e.conftest import eventually

ETL = load_scenario(SHIPPED_SCENARIOS / "examples" / "etl-replica-lag.yaml")
DATA_ONCALL, SRE, OUTSIDER = "U0CAROL", "U0ALICE", "U0DANA"


def _approve_only() -> Policy:
    text = SHIPPED_POLICY.read_text().replace(
        "config_change: {autonomy: auto}", "config_change: {autonomy: approve}"
    )
    text = text.replace("rerun_job: {autonomy: auto}", "rerun_job: {autonomy: approve}")
    assert "rerun_job: {autonomy: approve}" in text
    return parse_policy(text, path=Path("policy.yaml"))


@pytest.fixture
def scenario() -> Scenario:
    return ETL


async def proposed(runtime: Runtime, channel: str, kind: ClusterActionKind) -> None:
    assert runtime.actions is not None
    async with runtime.sessions() as session:
        incident = await incidents.by_channel(session, channel)
    assert incident is not None
    name, parameters = "revenue-etl", ActionParameters()
    if kind is ClusterActionKind.CONFIG_CHANGE:
        name = "revenue-etl-config"
        parameters = ActionParameters(key="SOURCE_DB_HOST", value="db-replica-1")
    reply = await propose(
        runtime.actions,
        ActionRequest(
            incident_id=incident.id,
            service="revenue-etl",
            channel_id=channel,
            kind=kind,
            name=name,
            namespace="data",
            parameters=parameters,
            requester="slack:U0BOB",
        ),
    )
    assert "waiting for approval" in reply.text


@pytest.mark.parametrize("policy", [_approve_only()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_two_approvers_at_once_rerun_the_job_once_and_a_failed_run_pages_the_owner(
    runtime: Runtime, people: EmulatorClient
) -> None:
    channel = await packet_posted(runtime, people)
    await proposed(runtime, channel, ClusterActionKind.RERUN_JOB)
    message = await action_message(runtime, people, channel)
    outside = await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`approvers`" in text for text in texts(outside))
    first, second = await asyncio.gather(
        people.click(DATA_ONCALL, channel, message["ts"], APPROVE_ACTION_ID),
        people.click(SRE, channel, message["ts"], APPROVE_ACTION_ID),
    )
    seen = texts(first) + texts(second)
    assert sum("approved; results follow" in text for text in seen) == 1
    record = await settled(runtime)
    assert record.state == ActionState.NOT_VERIFIED  # the source still lags: the run fails
    assert "BackoffLimitExceeded" in (record.result or "")
    assert [(w["verb"], w["resource"]) for w in await client_writes(runtime)] == [
        ("create", "jobs")
    ]
    events = [event for event, _ in await audit_events(runtime)]
    assert events.count("action.executing") == 1

    async def paged() -> bool:
        said = [str(m.get("text", "")) for m in await people.messages(channel)]
        return any("Paging" in text and "needs a human" in text for text in said)

    await eventually(paged, what="the owner to be paged")


@pytest.mark.parametrize("policy", [_approve_only()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_the_kill_switch_between_approval_and_execution_stops_a_config_change(
    runtime: Runtime, people: EmulatorClient
) -> None:
    channel = await packet_posted(runtime, people)
    await proposed(runtime, channel, ClusterActionKind.CONFIG_CHANGE)
    record = await action_record(runtime)
    await recorded(
        runtime,
        record,
        [(ActionState.PROPOSED, ActionState.APPROVED, None)],
        actor=f"slack:{DATA_ONCALL}",
    )
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor="slack:U0ALICE", clock=runtime.clock)
    assert runtime.actions is not None
    await execute_approved(runtime.actions, record.id, actor=f"slack:{DATA_ONCALL}")
    assert (await action_record(runtime)).state == ActionState.FAILED
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("policy", [_approve_only()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_a_config_value_no_runbook_declares_is_refused_and_nothing_is_stored(
    runtime: Runtime, people: EmulatorClient
) -> None:
    channel = await packet_posted(runtime, people)
    assert runtime.actions is not None
    async with runtime.sessions() as session:
        incident = await incidents.by_channel(session, channel)
    assert incident is not None
    reply = await propose(
        runtime.actions,
        ActionRequest(
            incident_id=incident.id,
            service="revenue-etl",
            channel_id=channel,
            kind=ClusterActionKind.CONFIG_CHANGE,
            name="revenue-etl-config",
            namespace="data",
            parameters=ActionParameters(key="SOURCE_DB_HOST", value="db-primary"),
            requester="slack:U0BOB",
        ),
    )
    assert "`runbook.targets`" in reply.text
    events = await audit_events(runtime)
    assert ("action.refused", "slack:U0BOB") in events
    assert "action.proposed" not in [event for event, _ in events]
    assert await client_writes(runtime) == []
