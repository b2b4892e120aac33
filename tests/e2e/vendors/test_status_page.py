"""A status update on Statuspage, end to end: planned with the exact text and request shown,
refused without the approval the policy asks for (whatever the autonomy level), posted once
however many approve at once, stopped by the kill switch, never sent in dry-run mode,
verified by reading the page back, and undone by resolving it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.action.codec import plan_from_dict
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import VendorActionKind, VendorRequest
from bot.app import Runtime
from bot.killswitch import service as kill_switch
from bot.policy import parse_policy
from bot.scenario.models import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from integrations.statuspage_emulator import StatuspageEmulator
from tests.e2e.actions.conftest import (
    OUTSIDER,
    PAYMENTS_ONCALL,
    REQUESTER,
    SRE,
    action_message,
    action_record,
    audit_events,
    incident_channel,
    settled,
    texts,
)
from tests.e2e.conftest import eventually
from tests.e2e.vendors.conftest import COMPONENT, STATUSPAGE_KEY, propose_vendor, status_update

UPDATE = VendorActionKind.STATUS_UPDATE


async def test_a_status_update_waits_for_approval_and_posts_exactly_the_text_shown_once(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    record = await action_record(runtime)
    assert record.state == ActionState.PROPOSED
    assert record.plan is not None
    plan = plan_from_dict(record.plan)
    assert isinstance(plan.request, VendorRequest)
    sent_text = plan.request.json()["incident"]["body"]
    assert sent_text == "We are investigating failed billing webhooks."
    assert sent_text in str(message["blocks"])  # the approver reads the exact text
    assert statuspage.writes() == []

    outsider = await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`approvers`" in text for text in texts(outsider)), texts(outsider)
    await asyncio.gather(
        people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID),
        people.click(SRE, channel, message["ts"], APPROVE_ACTION_ID),
    )
    final = await settled(runtime)
    assert final.state == ActionState.VERIFIED, final.result
    writes = statuspage.writes()
    assert [(w.method, w.path) for w in writes] == [("POST", "/v1/pages/pg-acme/incidents")]
    assert writes[0].body == plan.request.json()
    assert writes[0].authorization == f"OAuth {STATUSPAGE_KEY}"
    assert statuspage.component_status(COMPONENT) == "partial_outage"
    assert "component partial_outage" in (final.result or "")
    events = [event for event, _ in await audit_events(runtime)]
    assert events.count("action.checkpoint") == 1
    assert events.count("action.executing") == 1


AUTO = """\
defaults:
  approvers: ["@sre-oncall"]
  autonomy: auto
services:
  billing-webhooks: {approvers: ["@payments-oncall", "@sre-oncall"]}
"""
DRY_RUN = "dry_run: true\n" + AUTO


@pytest.mark.parametrize("policy", [parse_policy(AUTO, path=Path("policy.yaml"))])
async def test_even_at_auto_a_status_update_needs_a_person(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    await action_message(runtime, people, channel)
    record = await action_record(runtime)
    assert record.state == ActionState.PROPOSED
    assert record.requires_approval
    assert statuspage.writes() == []


async def test_the_kill_switch_stops_an_approved_status_update_before_it_is_sent(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{SRE}", clock=runtime.clock)
    refused = await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`kill_switch`" in text for text in texts(refused)), texts(refused)
    assert (await action_record(runtime)).state == ActionState.PROPOSED
    assert statuspage.writes() == []


@pytest.mark.parametrize("policy", [parse_policy(DRY_RUN, path=Path("policy.yaml"))])
async def test_in_dry_run_mode_the_plan_is_shown_and_nothing_is_sent(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    record = await action_record(runtime)
    assert record.dry_run
    assert "Dry-run mode" in str(message["blocks"])
    assert APPROVE_ACTION_ID not in str(message["blocks"])  # nothing to approve
    assert statuspage.writes() == []
    assert statuspage.component_status(COMPONENT) == "operational"


async def test_a_refused_post_is_not_retried_and_pages_the_owner(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    statuspage.fail(r"^POST /v1/pages/pg-acme/incidents$", 503, times=5)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    final = await settled(runtime)
    assert final.state == ActionState.FAILED
    assert "503" in (final.result or "")
    assert len(statuspage.writes()) == 1  # one attempt, never retried

    async def paged() -> bool:
        said = [str(m.get("text", "")) for m in await people.messages(channel)]
        return any("needs a human" in text for text in said)

    assert await eventually(paged, what="the owner to be paged")


async def test_the_reversal_resolves_the_incident_and_restores_the_component(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    first = await settled(runtime)
    assert first.state == ActionState.VERIFIED
    assert first.plan is not None
    reversal = plan_from_dict(first.plan).reversal
    assert reversal is not None
    assert reversal.kind is VendorActionKind.RESOLVE_STATUS
    assert isinstance(reversal.kind, VendorActionKind)
    await propose_vendor(
        runtime, channel, reversal.kind, reversal.parameters, requester=f"slack:{REQUESTER}"
    )
    undo = await action_message(runtime, people, channel, number=2)
    await people.click(SRE, channel, undo["ts"], APPROVE_ACTION_ID)
    second = await settled(runtime, 2)
    assert second.state == ActionState.VERIFIED, second.result
    assert statuspage.component_status(COMPONENT) == "operational"
    (incident,) = statuspage.incidents()
    assert incident["status"] == "resolved"
    async with runtime.sessions() as session:
        rows = list(await session.scalars(select(ActionRecord).order_by(ActionRecord.id)))
    assert [row.kind for row in rows] == ["status_update", "resolve_status"]


async def test_a_second_post_for_the_same_incident_is_refused_by_its_plan(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await propose_vendor(runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}")
    message = await action_message(runtime, people, channel)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert (await settled(runtime)).state == ActionState.VERIFIED
    again = await propose_vendor(
        runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}"
    )
    assert "already posted" in again
    assert len(statuspage.writes()) == 1
