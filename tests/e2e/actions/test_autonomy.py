"""Autonomy levels end to end: an ``auto`` rollback runs at once and is audited as approved by
the policy rule that allowed it; a ``suggest`` one is refused with no button; a freeze and the
kill switch lower the level; dry-run mode shows an ``auto`` plan and runs nothing."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from bot.action.models import ActionState
from bot.app import Runtime
from bot.audit import service as audit
from bot.killswitch import service as kill_switch
from bot.policy import SHIPPED_POLICY, Policy, parse_policy
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    REQUESTER,
    action_record,
    client_writes,
    incident_channel,
    settled,
    texts,
)
from tests.e2e.conftest import eventually

RULE = "services.billing-webhooks.actions.rollback.autonomy"


def _with(level: str) -> Policy:
    shipped = SHIPPED_POLICY.read_text()
    text = shipped.replace(
        '  billing-webhooks: {approvers: ["@payments-oncall", "@sre-oncall"]}',
        "  billing-webhooks:\n"
        '    approvers: ["@payments-oncall", "@sre-oncall"]\n'
        f"    actions: {{rollback: {{autonomy: {level}}}}}",
    )
    assert text != shipped
    return parse_policy(text, path=Path("policy.yaml"))


@pytest.mark.parametrize("policy", [_with("auto")])
async def test_an_auto_rollback_runs_at_once_and_is_approved_by_its_policy_rule(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/rollback", "")
    record = await settled(runtime)
    assert record.state in (ActionState.VERIFIED, ActionState.NOT_VERIFIED)
    assert record.decided_by == "policy"
    writes = await client_writes(runtime)
    assert [(w["verb"], w["resource"]) for w in writes] == [("patch", "deployments")]
    async with runtime.sessions() as session:
        rows = await audit.entries(session, incident_id=record.incident_id)
    [approved] = [row for row in rows if row.event == "action.approved"]
    assert approved.actor == "policy"
    assert approved.details["rule"] == RULE
    assert approved.details["autonomy"] == "auto"
    said = [str(m.get("text", "")) for m in await people.messages(channel)]
    assert any(RULE in text and "runs on its own" in text for text in said)


@pytest.mark.parametrize("policy", [_with("suggest")])
async def test_a_suggested_kind_is_refused_with_its_rule_and_nothing_is_stored(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    answer = await people.command(REQUESTER, channel, "/rollback", "")
    assert any(RULE in text and "only suggests" in text for text in texts(answer))
    async with runtime.sessions() as session:
        rows = await audit.entries(session)
    assert [row.details["rule"] for row in rows if row.event == "action.refused"] == [RULE]
    assert not [row for row in rows if row.event == "action.proposed"]
    assert await client_writes(runtime) == []


@pytest.mark.parametrize("policy", [_with("auto")])
async def test_an_engaged_kill_switch_refuses_an_auto_rollback_before_it_is_stored(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor="slack:U0ALICE", clock=runtime.clock)
    answer = await people.command(REQUESTER, channel, "/rollback", "")
    assert any("`kill_switch`" in text for text in texts(answer))
    assert await client_writes(runtime) == []


def _policy_text(level: str) -> str:
    """The shipped policy with ``level`` for billing's rollbacks and a freeze on its scaling
    only: a freeze on another kind still means no ``auto`` for the service."""
    shipped = SHIPPED_POLICY.read_text()
    return shipped.replace(
        '  billing-webhooks: {approvers: ["@payments-oncall", "@sre-oncall"]}',
        "  billing-webhooks:\n"
        '    approvers: ["@payments-oncall", "@sre-oncall"]\n'
        f"    actions: {{rollback: {{autonomy: {level}}}}}",
    ).replace(
        "  windows: []",
        "  windows:\n"
        "    - {start: 2026-01-01T00:00:00Z, end: 2027-01-01T00:00:00Z, actions: [scale],"
        " services: [billing-webhooks], note: Scale freeze}",
    )


@pytest.mark.parametrize("policy", [parse_policy(_policy_text("auto"), path=Path("p.yaml"))])
async def test_a_freeze_on_the_service_lowers_auto_to_an_approval(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/rollback", "")

    async def lowered() -> bool:
        said = [str(m.get("text", "")) for m in await people.messages(channel)]
        return any("would run on its own, but a change freeze" in text for text in said)

    await eventually(lowered, what="the reason the rollback waits for approval")
    record = await action_record(runtime)
    assert record.state == ActionState.PROPOSED
    assert record.requires_approval
    assert await client_writes(runtime) == []


@pytest.mark.parametrize(
    "policy", [dataclasses.replace(_with("auto"), dry_run=True, approval_ttl=timedelta(hours=1))]
)
async def test_dry_run_mode_shows_an_auto_plan_and_runs_nothing(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/rollback", "")
    record = await action_record(runtime)
    assert record.dry_run
    assert record.state == ActionState.PROPOSED
    assert await client_writes(runtime) == []
