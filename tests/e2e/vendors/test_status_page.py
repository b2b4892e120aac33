"""A status update on Statuspage, end to end: proposed by the bot when the packet suggests one,
planned with the exact text and request shown,
refused without the approval the policy asks for (whatever the autonomy level), posted once
however many approve at once, stopped by the kill switch, never sent in dry-run mode,
verified by reading the page back, and undone by resolving it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.action import service as actions
from bot.action.codec import plan_from_dict
from bot.action.executors import VendorExecutors
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import VendorActionKind, VendorRequest
from bot.action.sweep import sweep
from bot.app import Runtime
from bot.clock import ReplayClock
from bot.killswitch import service as kill_switch
from bot.policy import parse_policy
from bot.scenario.models import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from integrations.statuspage_emulator import StatuspageEmulator
from integrations.vendor_actions import build_vendor_executors, load_vendor_settings
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
from tests.e2e.vendors.conftest import (
    COMPONENT,
    PAGE,
    STATUSPAGE_KEY,
    propose_vendor,
    status_update,
)

UPDATE = VendorActionKind.STATUS_UPDATE
TEXT = (
    "We are investigating a problem affecting billing-webhooks. "
    "We will post an update as soon as we know more."
)


@pytest.fixture
def vendors(statuspage: StatuspageEmulator, scenario: Scenario) -> VendorExecutors:
    """Only the status page: these tests watch its actions alone."""
    settings = load_vendor_settings(
        statuspage_api_url=statuspage.base_url,
        statuspage_api_key=STATUSPAGE_KEY,
        statuspage_page_id=PAGE,
        statuspage_components={"billing-webhooks": COMPONENT},
    )
    return build_vendor_executors(settings, clock=ReplayClock(scenario.now), poll_interval=0.05)


async def proposed_update(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> tuple[str, ActionRecord, dict[str, Any]]:
    """The incident's channel, and the status update the bot proposed there (the packet of
    this scenario suggests one: billing-webhooks is customer-facing)."""
    channel = await incident_channel(runtime, people, scenario)
    assert runtime.actions is not None
    await sweep(runtime.actions)  # the bot's own pass (one proposal, whichever pass makes it)
    async with runtime.sessions() as session:
        record = await actions.by_step(session, "1:status")
    assert record is not None
    return channel, record, await action_message(runtime, people, channel, record.id)


async def test_a_status_update_waits_for_approval_and_posts_exactly_the_text_shown_once(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel, record, message = await proposed_update(runtime, people, scenario)
    assert record.state == ActionState.PROPOSED
    assert record.plan is not None
    plan = plan_from_dict(record.plan)
    assert isinstance(plan.request, VendorRequest)
    sent_text = plan.request.json()["incident"]["body"]
    assert sent_text == TEXT
    assert sent_text in str(message["blocks"])  # the approver reads the exact text
    assert statuspage.writes() == []

    outsider = await people.click(OUTSIDER, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`approvers`" in text for text in texts(outsider)), texts(outsider)
    await asyncio.gather(
        people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID),
        people.click(SRE, channel, message["ts"], APPROVE_ACTION_ID),
    )
    final = await settled(runtime, record.id)
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
    _, record, _ = await proposed_update(runtime, people, scenario)
    assert record.state == ActionState.PROPOSED
    assert record.requires_approval
    assert statuspage.writes() == []


async def test_the_kill_switch_stops_an_approved_status_update_before_it_is_sent(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    channel, record, message = await proposed_update(runtime, people, scenario)
    async with runtime.sessions() as session, session.begin():
        await kill_switch.turn(session, engaged=True, actor=f"slack:{SRE}", clock=runtime.clock)
    refused = await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert any("`kill_switch`" in text for text in texts(refused)), texts(refused)
    assert (await action_record(runtime, record.id)).state == ActionState.PROPOSED
    assert statuspage.writes() == []


@pytest.mark.parametrize("policy", [parse_policy(DRY_RUN, path=Path("policy.yaml"))])
async def test_in_dry_run_mode_the_plan_is_shown_and_nothing_is_sent(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    statuspage: StatuspageEmulator,
) -> None:
    _, record, message = await proposed_update(runtime, people, scenario)
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
    channel, record, message = await proposed_update(runtime, people, scenario)
    statuspage.fail(r"^POST /v1/pages/pg-acme/incidents$", 503, times=5)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    final = await settled(runtime, record.id)
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
    channel, record, message = await proposed_update(runtime, people, scenario)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    first = await settled(runtime, record.id)
    assert first.state == ActionState.VERIFIED
    assert first.plan is not None
    reversal = plan_from_dict(first.plan).reversal
    assert reversal is not None
    assert reversal.kind is VendorActionKind.RESOLVE_STATUS
    assert isinstance(reversal.kind, VendorActionKind)
    await propose_vendor(
        runtime, channel, reversal.kind, reversal.parameters, requester=f"slack:{REQUESTER}"
    )
    undo = await action_message(runtime, people, channel, number=record.id + 1)
    await people.click(SRE, channel, undo["ts"], APPROVE_ACTION_ID)
    second = await settled(runtime, record.id + 1)
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
    channel, record, message = await proposed_update(runtime, people, scenario)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    assert (await settled(runtime, record.id)).state == ActionState.VERIFIED
    again = await propose_vendor(
        runtime, channel, UPDATE, status_update(), requester=f"slack:{REQUESTER}"
    )
    assert "already posted" in again
    assert len(statuspage.writes()) == 1
