"""``/incident scale``, ``restart`` and ``killswitch`` through Slack: proposals that go through
the same approval as ``/rollback``, the policy's limits, and the switch that stops them all."""

from __future__ import annotations

import asyncio
from typing import Any

from kubernetes import client

from bot.action.models import ActionState
from bot.app import Runtime
from bot.killswitch import service as kill_switch
from bot.scenario.schemas import Scenario
from integrations.slack.blocks import APPROVE_ACTION_ID
from integrations.slack_emulator import EmulatorClient
from tests.e2e.actions.conftest import (
    OUTSIDER,
    PAYMENTS_ONCALL,
    REQUESTER,
    SRE,
    action_message,
    action_record,
    audit_events,
    client_writes,
    incident_channel,
    settled,
    texts,
)


def _apps(runtime: Runtime) -> client.ApiClient:
    assert runtime.kube_emulator is not None
    configuration = client.Configuration()
    configuration.host = runtime.kube_emulator.base_url
    configuration.api_key = {"authorization": f"Bearer {runtime.kube_emulator.config.token}"}
    return client.ApiClient(configuration)


async def _replicas(runtime: Runtime) -> int:
    def read() -> int:
        with _apps(runtime) as api:
            scale: Any = client.AppsV1Api(api).read_namespaced_deployment_scale(
                "billing-webhooks", "payments"
            )
            return int(scale.spec.replicas)

    return await asyncio.to_thread(read)


async def _a_pod(runtime: Runtime) -> str:
    def read() -> str:
        with _apps(runtime) as api:
            pods: Any = client.CoreV1Api(api).list_namespaced_pod("payments")
            return str(pods.items[0].metadata.name)

    return await asyncio.to_thread(read)


async def test_scale_is_proposed_approved_and_runs_once(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    asked = await people.command(REQUESTER, channel, "/incident", "scale billing-webhooks 8", 2)
    assert asked["acked"] is True
    assert any("Action #1 proposed" in text for text in texts(asked))
    message = await action_message(runtime, people, channel)
    assert "6 replicas" in str(message["blocks"])
    assert "8 replicas" in str(message["blocks"])
    await people.click(PAYMENTS_ONCALL, channel, message["ts"], APPROVE_ACTION_ID)
    record = await settled(runtime)
    assert record.kind == "scale"
    assert record.state in (ActionState.VERIFIED, ActionState.NOT_VERIFIED)
    assert await _replicas(runtime) == 8
    writes = await client_writes(runtime)
    assert [(w["verb"], w["subresource"]) for w in writes] == [("patch", "scale")]


async def test_scaling_past_the_policys_factor_is_refused_with_the_rule(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    refused = await people.command(REQUESTER, channel, "/incident", "scale billing-webhooks 20")
    assert any("`actions.scale.max_scale_factor`" in text for text in texts(refused))
    assert ("action.refused", f"slack:{REQUESTER}") in await audit_events(runtime)
    assert await client_writes(runtime) == []


async def test_restart_names_a_deployment_or_one_pod(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    await people.command(REQUESTER, channel, "/incident", "restart billing-webhooks", 2)
    first = await action_message(runtime, people, channel, 1)
    assert "Restart payments/billing-webhooks" in str(first["blocks"])
    pod = await _a_pod(runtime)
    await people.command(REQUESTER, channel, "/incident", f"restart {pod}", 2)
    second = await action_message(runtime, people, channel, 2)
    assert f"Restart pod payments/{pod}" in str(second["blocks"])
    assert (await action_record(runtime, 1)).kind == "restart"
    assert (await action_record(runtime, 2)).kind == "delete_pod"
    nothing = await people.command(REQUESTER, channel, "/incident", "restart no-such-thing")
    assert any("No plan" in text for text in texts(nothing))


async def test_anyone_may_turn_the_kill_switch_on_and_only_operators_off(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await incident_channel(runtime, people, scenario)
    on = await people.command(OUTSIDER, channel, "/incident", "killswitch on bad rollout wave")
    assert any("Kill switch ON" in text for text in texts(on))
    async with runtime.sessions() as session:
        assert (await kill_switch.read(session)).engaged is True
    refused = await people.command(OUTSIDER, channel, "/incident", "killswitch off")
    assert any("`kill_switch.operators`" in text for text in texts(refused))
    proposal = await people.command(REQUESTER, channel, "/rollback", "")
    assert any("`kill_switch`" in text for text in texts(proposal))
    off = await people.command(SRE, channel, "/incident", "killswitch off")
    assert any("Kill switch OFF" in text for text in texts(off))
    events = await audit_events(runtime)
    assert ("kill_switch.engaged", f"slack:{OUTSIDER}") in events
    assert ("kill_switch.refused", f"slack:{OUTSIDER}") in events
    assert ("kill_switch.released", f"slack:{SRE}") in events


async def test_an_unknown_incident_verb_gets_the_usage_and_is_acked(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command(REQUESTER, "general", "/incident", "frobnicate now")
    assert seen["acked"] is True
    assert any("Usage" in text for text in texts(seen))
