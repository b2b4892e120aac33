"""``/incident flag-off`` and ``/incident page`` end to end: the bot with the shipped policy,
LaunchDarkly's and PagerDuty's stand-ins named by its settings, people in the Slack emulator."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime, replay_evidence, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.policy import Policy
from bot.scenario.schemas import Scenario
from integrations.flag_emulators import LaunchDarklyEmulator
from integrations.pagerduty_emulator import PagerDutyEmulator
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.actions.conftest import (
    PAYMENTS_ONCALL,
    REQUESTER,
    action_message,
    incident_channel,
    proposed_rollback,
    settled,
)
from tests.e2e.conftest import eventually, sandbox_settings

pytestmark = pytest.mark.slow

LD_TOKEN, ROUTING_KEY = "api-e2e-writer", "c" * 32


@pytest.fixture
async def launchdarkly() -> AsyncIterator[LaunchDarklyEmulator]:
    async with LaunchDarklyEmulator() as emulator:
        emulator.tokens[LD_TOKEN] = "writer"
        emulator.add_flag("default", "new-billing-parser", production=True)
        yield emulator


@pytest.fixture
async def pagerduty() -> AsyncIterator[PagerDutyEmulator]:
    async with PagerDutyEmulator() as emulator:
        emulator.state.add_service("Billing Webhooks", ROUTING_KEY)
        yield emulator


@pytest.fixture
async def runtime(
    tmp_path: Path,
    scenario: Scenario,
    emulator_config: EmulatorConfig,
    policy: Policy,
    launchdarkly: LaunchDarklyEmulator,
    pagerduty: PagerDutyEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[Runtime]:
    monkeypatch.setenv("FLAG_SERVICE", "launchdarkly")
    monkeypatch.setenv("LAUNCHDARKLY_API_URL", launchdarkly.base_url)
    monkeypatch.setenv("LAUNCHDARKLY_API_TOKEN", LD_TOKEN)
    monkeypatch.setenv("PAGERDUTY_EVENTS_URL", pagerduty.base_url)
    monkeypatch.setenv("PAGERDUTY_ROUTING_KEYS", f'{{"billing-webhooks": "{ROUTING_KEY}"}}')
    settings = sandbox_settings(
        tmp_path,
        packet_update_interval_seconds=0.2,
        recovery_window_seconds=5.0,
        action_verify_seconds=5.0,
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=emulator_config,
        poll_interval=0.1,
        policy=policy,
        cluster_seed=scenario.cluster,
    )
    yield runtime
    await runtime.stop()


async def _state(runtime: Runtime, action_id: int) -> str | None:
    async with runtime.sessions() as session:
        record = await session.get(ActionRecord, action_id)
    return record.state if record is not None else None


async def test_a_flag_turned_off_from_slack_waits_for_an_approver_and_is_read_back(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    launchdarkly: LaunchDarklyEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/incident", "flag-off new-billing-parser")
    message = await action_message(runtime, people, channel)
    assert launchdarkly.flags["default", "new-billing-parser"].on["production"] is True

    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)

    async def verified() -> bool:
        return await _state(runtime, 1) == ActionState.VERIFIED

    await eventually(verified, what="the flag_off action verified")
    flag = launchdarkly.flags["default", "new-billing-parser"]
    assert flag.on["production"] is False
    assert flag.patches[0]["instructions"] == [{"kind": "turnFlagOff"}]


async def test_a_page_from_slack_runs_on_its_own_as_the_shipped_policy_allows(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    pagerduty: PagerDutyEmulator,
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/incident", "page the parser is dropping events")

    async def paged() -> bool:
        return bool(pagerduty.state.triggers(ROUTING_KEY))

    await eventually(paged, what="the Events API trigger")
    (event,) = pagerduty.state.triggers(ROUTING_KEY)
    assert event["dedup_key"] == "incident-bot/billing-webhooks/INC-1"
    assert event["payload"]["custom_details"]["note"] == "the parser is dropping events"


async def test_a_rollback_that_is_not_verified_pages_the_owner_in_pagerduty_once(
    runtime: Runtime,
    people: EmulatorClient,
    scenario: Scenario,
    pagerduty: PagerDutyEmulator,
) -> None:
    channel, message = await proposed_rollback(runtime, people, scenario)
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    record = await settled(runtime)

    assert record.state == ActionState.NOT_VERIFIED

    async def paged() -> list[str] | None:  # the page's audit row follows its trigger
        async with runtime.sessions() as session:
            events = [entry.event for entry in await audit.entries(session, incident_id=1)]
        return events if "action.owner_paged" in events else None

    events = await eventually(paged, what="the page's audit row")
    assert events.count("action.owner_paged") == 1
    (page,) = pagerduty.state.triggers(ROUTING_KEY)
    assert page["dedup_key"] == f"incident-bot/billing-webhooks/INC-1/action-{record.id}"
    assert "needs a person" in page["payload"]["summary"]
