"""Actions end to end: the bot with the shipped policy, the Slack emulator and the Kubernetes
emulator seeded from the scenario's cluster, and what people and tests need to drive them."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from bot.action import service as actions
from bot.action.models import ActionRecord, ActionState
from bot.app import Runtime, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.policy import SHIPPED_POLICY, Policy, load_policy
from bot.scenario.models import Scenario
from bot.wiring.evidence import replay_evidence
from integrations.kube_emulator import ControlClient
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, sandbox_settings

REQUESTER, PAYMENTS_ONCALL, SRE, OUTSIDER = "U0BOB", "U0DANA", "U0ALICE", "U0CAROL"


@pytest.fixture
def policy() -> Policy:
    return load_policy(SHIPPED_POLICY)


@pytest.fixture
def overrides() -> dict[str, Any]:
    """Settings a test changes (parametrize ``overrides`` to change them)."""
    return {}


@pytest.fixture
async def runtime(
    tmp_path: Path,
    scenario: Scenario,
    emulator_config: EmulatorConfig,
    policy: Policy,
    overrides: dict[str, Any],
) -> AsyncIterator[Runtime]:
    settings = sandbox_settings(
        tmp_path,
        packet_update_interval_seconds=0.2,
        recovery_window_seconds=10.0,
        action_verify_seconds=10.0,
        **overrides,
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


async def incident_channel(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> str:
    status, _ = await post_alert(runtime, "alertmanager", scenario.deliveries[0].payload)
    assert status == 202

    async def packet_and_chart_posted() -> str | None:
        # The chart follows the packet into its thread: wait for it, so what people see
        # after a command is the command's answer.
        for channel in await people.channels():
            if str(channel["name"]).startswith("inc-"):
                messages = await people.messages(channel["id"])
                packet = any("Incident packet" in str(m.get("text", "")) for m in messages)
                if packet and any(m.get("files") for m in messages):
                    return str(channel["id"])
        return None

    return await eventually(packet_and_chart_posted, what="the packet and its chart")


def texts(result: Any) -> list[str]:
    return [str(response.get("text", "")) for response in result.get("responses", [])]


async def action_message(
    runtime: Runtime, people: EmulatorClient, channel: str, number: int = 1
) -> dict[str, Any]:
    """Action ``number``'s message, once the bot has recorded where it is (as a person clicks
    it: a moment after it appears, never in the same millisecond)."""

    async def posted() -> dict[str, Any] | None:
        async with runtime.sessions() as session:
            record = await session.get(ActionRecord, number)
        if record is None or record.message_ts is None:
            return None
        for message in await people.messages(channel):
            if f"*Action #{number}*" in str(message.get("blocks")):
                return message
        return None

    return await eventually(posted, what=f"action #{number}'s message")


async def proposed_rollback(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> tuple[str, dict[str, Any]]:
    """The incident's channel, and the message of the rollback REQUESTER proposed there."""
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/rollback", "")
    return channel, await action_message(runtime, people, channel)


async def recorded(
    runtime: Runtime,
    record: ActionRecord,
    steps: Sequence[tuple[ActionState, ActionState, Mapping[str, Any] | None]],
    *,
    actor: str,
) -> None:
    """Record ``record``'s transitions (from, to, column values) in one transaction, as the
    buttons and the executor record them; each one must take."""
    async with runtime.sessions() as session, session.begin():
        for before, after, values in steps:
            transition = actions.Transition(
                record.id, before, after, record.plan_hash, actor, values
            )
            assert await actions.transition(
                session, transition, incident_id=record.incident_id, clock=runtime.clock
            )


async def action_record(runtime: Runtime, action_id: int = 1) -> ActionRecord:
    async with runtime.sessions() as session:
        record = await session.get(ActionRecord, action_id)
        assert record is not None
        return record


async def settled(runtime: Runtime, action_id: int = 1) -> ActionRecord:
    final = {ActionState.VERIFIED, ActionState.NOT_VERIFIED, ActionState.FAILED}

    async def done() -> ActionRecord | None:
        record = await action_record(runtime, action_id)
        return record if ActionState(record.state) in final else None

    return await eventually(done, what=f"action #{action_id} to settle")


async def client_writes(runtime: Runtime) -> list[dict[str, Any]]:
    assert runtime.kube_emulator is not None
    control = ControlClient(runtime.kube_emulator.base_url)
    changes = await asyncio.to_thread(control.changes)
    return [change for change in changes if change["actor"] == "client"]


async def audit_events(runtime: Runtime) -> list[tuple[str, str]]:
    async with runtime.sessions() as session:
        return [(entry.event, entry.actor) for entry in await audit.entries(session)]


def resolved(payload: dict[str, Any]) -> dict[str, Any]:
    resolved = copy.deepcopy(payload)
    resolved["status"] = "resolved"
    for alert in resolved["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = "2026-03-04T14:20:00Z"
    return resolved


async def all_said(people: EmulatorClient, channel: str, action_id: int = 1) -> None:
    """Wait until the bot said all it says once an action settled (its result, and the page
    when it did not verify), so later commands and clicks see only their own answers."""

    async def said() -> bool:
        seen = [str(m.get("text", "")) for m in await people.messages(channel)]
        done = [t for t in seen if t.startswith(f"Action #{action_id} verified")]
        other = [
            t
            for t in seen
            if t.startswith((f"Action #{action_id} NOT", f"Action #{action_id} failed"))
        ]
        paged = any(f"action #{action_id} needs a human" in t for t in seen)
        return bool(done) or (bool(other) and paged)

    await eventually(said, what=f"action #{action_id}'s results")
