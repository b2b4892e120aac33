"""The guardrails around an approval, end to end: expiry, the kill switch between approval and
execution, a plan the cluster outdated, and an execution a crash interrupted. The bot runs for
real against the Slack and Kubernetes emulators; time passes on the replay clock."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import timedelta

import pytest
from kubernetes import client

from bot.action.models import ActionState
from bot.action.running import execute_approved
from bot.action.sweep import sweep
from bot.app import Runtime
from bot.audit import service as audit
from bot.killswitch import service as kill_switch
from bot.policy import SHIPPED_POLICY, Policy, load_policy
from bot.scenario.schemas import Scenario
from integrations.kube_emulator import ControlClient
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    PAYMENTS_ONCALL,
    REQUESTER,
    SRE,
    action_message,
    action_record,
    audit_events,
    client_writes,
    incident_channel,
    proposed_rollback,
    recorded,
    texts,
)
from tests.e2e.conftest import eventually

SHORT_TTL = timedelta(milliseconds=300)


def _short_ttl() -> Policy:
    return dataclasses.replace(load_policy(SHIPPED_POLICY), approval_ttl=SHORT_TTL)


@pytest.mark.parametrize("policy", [_short_ttl()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_an_approval_after_the_window_closed_is_refused_and_the_action_expires(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    record = await action_record(runtime)
    assert record.expires_at is not None
    expires_at = record.expires_at
    await eventually(lambda: _true(runtime.clock.now() > expires_at), what="the window to close")

    late = await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`approval_ttl`" in text for text in texts(late))
    assert (await action_record(runtime)).state == ActionState.EXPIRED
    assert await client_writes(runtime) == []
    events = await audit_events(runtime)
    assert ("action.expired", "policy") in events
    assert ("action.approval_refused", f"slack:{PAYMENTS_ONCALL}") in events


async def _true(value: bool) -> bool:
    return value


@pytest.mark.parametrize("policy", [_short_ttl()])
@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 0.1}])
async def test_the_sweep_expires_a_proposal_nobody_decided_and_takes_its_buttons_away(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/rollback", "")

    async def expired() -> bool:
        return (await action_record(runtime)).state == ActionState.EXPIRED

    await eventually(expired, what="the sweep to expire the proposal")
    shown = await action_message(runtime, people, channel)

    async def buttons_gone() -> bool:
        message = await action_message(runtime, people, channel)
        return all(block["type"] != "actions" for block in message["blocks"])

    await eventually(buttons_gone, what="the message to lose its buttons")
    assert "Expired" in str((await action_message(runtime, people, channel))["blocks"])
    assert shown["ts"] == (await action_message(runtime, people, channel))["ts"]  # edited in place


async def test_the_kill_switch_turned_on_between_approval_and_execution_stops_the_write(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    assert runtime.actions is not None
    await proposed_rollback(runtime, people, scenario)
    record = await action_record(runtime)
    # The approval is recorded (as the Approve button records it)...
    await recorded(
        runtime,
        record,
        [(ActionState.PROPOSED, ActionState.APPROVED, None)],
        actor=f"slack:{PAYMENTS_ONCALL}",
    )
    # ...then someone pulls the kill switch before the executor starts.
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{SRE}", clock=runtime.clock)

    await execute_approved(runtime.actions, record.id, actor=f"slack:{PAYMENTS_ONCALL}")

    after = await action_record(runtime)
    assert after.state == ActionState.FAILED
    assert after.result is not None
    assert "`kill_switch`" in after.result
    assert await client_writes(runtime) == []
    events = [event for event, _ in await audit_events(runtime)]
    assert events[-3:] == ["kill_switch.engaged", "action.executing", "action.failed"]


async def test_with_the_kill_switch_on_a_rollback_is_refused_when_proposed(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{SRE}", clock=runtime.clock)
    refused = await people.command(REQUESTER, channel, "/rollback", "")
    assert any("`kill_switch`" in text for text in texts(refused))
    assert ("action.refused", f"slack:{REQUESTER}") in await audit_events(runtime)


async def test_a_plan_the_cluster_outdated_voids_the_approval_and_a_fresh_plan_is_posted(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    assert runtime.kube_emulator is not None
    channel, message = await proposed_rollback(runtime, people, scenario)
    # A newer deploy lands: the cluster no longer is what the plan was made from.
    configuration = client.Configuration()
    configuration.host = runtime.kube_emulator.base_url
    configuration.api_key = {"authorization": f"Bearer {runtime.kube_emulator.config.token}"}

    def deploy() -> None:
        with client.ApiClient(configuration) as api:
            apps = client.AppsV1Api(api)
            deployment = apps.read_namespaced_deployment("billing-webhooks", "payments")
            deployment.spec.template.spec.containers[0].image = "acme/billing:c0ffee1"
            apps.replace_namespaced_deployment("billing-webhooks", "payments", deployment)

    await asyncio.to_thread(deploy)
    result = await people.click(
        PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID, wait_for=3
    )
    assert any("approval is void" in text for text in texts(result))
    assert (await action_record(runtime, 1)).state == ActionState.EXPIRED
    fresh = await action_message(runtime, people, channel, 2)
    assert "acme/billing:c0ffee1" in str(fresh["blocks"])  # planned from the new revision
    assert (await action_record(runtime, 2)).state == ActionState.PROPOSED
    # The only write so far is the deploy's.
    assert [change["verb"] for change in await client_writes(runtime)] == ["update"]


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_an_execution_a_crash_interrupted_is_closed_as_failed_and_never_rerun(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    assert runtime.actions is not None
    await proposed_rollback(runtime, people, scenario)
    record = await action_record(runtime)
    await recorded(
        runtime,
        record,
        [
            (ActionState.PROPOSED, ActionState.APPROVED, None),
            (ActionState.APPROVED, ActionState.EXECUTING, {"executed_at": runtime.clock.now()}),
        ],
        actor="test",
    )
    # The process that claimed it died there. Its replacement sweeps once it is stale.
    later = dataclasses.replace(runtime.actions, stale_after=timedelta(0))
    await eventually(lambda: _true(runtime.clock.now() > record.proposed_at), what="time")
    assert await sweep(later) == 1
    after = await action_record(runtime)
    assert after.state == ActionState.FAILED
    assert after.result is not None
    assert "may or may not have reached" in after.result
    await execute_approved(runtime.actions, record.id, actor="slack:U0DANA")  # a late retry
    assert await client_writes(runtime) == []
    async with runtime.sessions() as session:
        assert await audit.verify(session) > 0


async def test_a_write_the_cluster_refuses_fails_pages_the_owner_and_is_never_retried(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    assert runtime.kube_emulator is not None
    control = ControlClient(runtime.kube_emulator.base_url)
    await asyncio.to_thread(
        control.set_faults,
        {
            "method": "PATCH",
            "path": "/apis/apps/v1/namespaces/payments/deployments/billing-webhooks",
            "fault": "500",
        },
    )
    channel, message = await proposed_rollback(runtime, people, scenario)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)

    async def failed() -> bool:
        return (await action_record(runtime)).state == ActionState.FAILED

    await eventually(failed, what="the rollback to fail")
    record = await action_record(runtime)
    assert record.checkpoint is not None  # taken before the write was sent
    stats = await asyncio.to_thread(control.stats)
    patches = [key for key, count in stats.get("fault_hits", {}).items() for _ in range(int(count))]
    assert len(patches) == 1  # one write, refused; the bot did not send it again

    async def paged() -> bool:
        seen = [str(m.get("text", "")) for m in await people.messages(channel)]
        return any("<!subteam^S0PAYONCALL>" in text for text in seen)

    await eventually(paged, what="the owner's group to be paged")
    events = [event for event, _ in await audit_events(runtime)]
    assert events.count("action.failed") == 1


@pytest.mark.parametrize("policy", [dataclasses.replace(load_policy(SHIPPED_POLICY), dry_run=True)])
async def test_in_dry_run_mode_the_plan_is_shown_without_buttons_and_never_runs(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    asked = await people.command(REQUESTER, channel, "/rollback", "", 2)
    assert any("dry-run" in text for text in texts(asked))
    message = await action_message(runtime, people, channel)
    assert all(block["type"] != "actions" for block in message["blocks"])
    assert "Dry-run mode" in str(message["blocks"])
    record = await action_record(runtime)
    assert record.dry_run is True
    assert record.state == ActionState.PROPOSED
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("overrides", [{"action_sweep_seconds": 600}])
async def test_a_stranded_approval_older_than_the_window_never_runs_and_is_planned_afresh(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    assert runtime.actions is not None
    await proposed_rollback(runtime, people, scenario)
    record = await action_record(runtime)
    approver = f"slack:{PAYMENTS_ONCALL}"
    await recorded(
        runtime, record, [(ActionState.PROPOSED, ActionState.APPROVED, None)], actor=approver
    )
    # The process that recorded the approval died before it ran it; its replacement sweeps
    # after the approval window has closed.
    decided_at = (await action_record(runtime)).decided_at
    assert decided_at is not None
    await eventually(lambda: _true(runtime.clock.now() > decided_at), what="time")
    later = dataclasses.replace(
        runtime.actions,
        stranded_after=timedelta(0),
        policy=dataclasses.replace(runtime.actions.policy, approval_ttl=timedelta(0)),
    )
    assert await sweep(later) == 1
    old = await action_record(runtime)
    assert old.state == ActionState.EXPIRED
    assert old.decided_by == approver
    fresh = await action_record(runtime, 2)
    assert fresh.state == ActionState.PROPOSED
    assert fresh.plan_hash == old.plan_hash  # the cluster did not move: the same plan, asked anew
    assert await client_writes(runtime) == []
    events = await audit_events(runtime)
    assert ("action.expired", "bot") in events
    assert "action.executing" not in [event for event, _actor in events]
