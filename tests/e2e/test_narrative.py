"""End to end with a narrator: the bot as it serves (Bolt over Socket Mode, the webhook server,
the pipeline) with ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL pointing at a fake Messages API.
The packet comes first; the grounded "likely cause" follows as a reply in its thread, and the
audit trail holds the call's tokens and cost. A secret in the alert never reaches the model."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.app import Runtime, start_runtime
from bot.audit import service as audit
from bot.clock import ReplayClock
from bot.packet.render import NARRATOR_OFF
from bot.scenario.models import Scenario
from bot.wiring.evidence import replay_evidence
from integrations.slack_emulator import EmulatorClient, EmulatorConfig
from tests.e2e.conftest import eventually, post_alert, sandbox_settings
from tests.e2e.test_offline_slice import packets_in, settled
from tests.fakes.anthropic import FakeAnthropic

pytestmark = pytest.mark.slow

PLANTED = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as server:
        yield server


@pytest.fixture
async def narrated(
    tmp_path: Path, scenario: Scenario, fake: FakeAnthropic
) -> AsyncIterator[Runtime]:
    settings = sandbox_settings(
        tmp_path,
        packet_update_interval_seconds=0.2,
        anthropic_api_key=fake.api_key,
        anthropic_base_url=fake.base_url,
    )
    runtime = await start_runtime(
        settings,
        clock=ReplayClock(scenario.now),
        evidence=replay_evidence([scenario]),
        emulator_config=EmulatorConfig(port=0),
        poll_interval=0.1,
    )
    yield runtime
    await runtime.stop()


@pytest.fixture
async def people(narrated: Runtime) -> AsyncIterator[EmulatorClient]:
    assert narrated.emulator is not None
    async with EmulatorClient(narrated.emulator.base_url) as client:
        yield client


async def _replies(people: EmulatorClient, channel: str, ts: str) -> list[dict[str, Any]]:
    """The thread's text replies (the chart's upload is a reply too, without text)."""
    return [
        m
        for m in await people.messages(channel)
        if m["thread_ts"] == ts and m.get("ts") != ts and m["text"]
    ]


async def _narrative_recorded(runtime: Runtime) -> bool:
    async with runtime.sessions() as session:
        trail = await audit.entries(session)
    return any(entry.event == "packet.narrative_posted" for entry in trail)


async def test_the_likely_cause_follows_the_packet_in_its_thread(
    narrated: Runtime, people: EmulatorClient, scenario: Scenario, fake: FakeAnthropic
) -> None:
    alert = scenario.deliveries[0]
    payload = copy.deepcopy(alert.payload)
    assert isinstance(payload, dict)
    payload["commonAnnotations"]["summary"] = f"billing-webhooks errors, token {PLANTED}"
    payload["alerts"][0]["annotations"]["summary"] = f"billing-webhooks errors, token {PLANTED}"
    await post_alert(narrated, alert.source.value, payload)

    channel, packet = (await eventually(lambda: packets_in(people), what="the packet"))[0]
    (reply,) = await eventually(
        lambda: _replies(people, channel["id"], packet["ts"]), what="the narrative reply"
    )
    await eventually(lambda: settled(narrated), what="the pipeline to settle")
    # The reply is in Slack a moment before the bot records it: wait for the record it reads.
    await eventually(lambda: _narrative_recorded(narrated), what="the narrative's audit row")

    assert float(reply["ts"]) > float(packet["ts"])
    assert reply["text"].startswith("*Likely cause*, written by a language model")
    assert NARRATOR_OFF not in packet["text"]
    (call,) = fake.calls
    assert call.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert call.body["tool_choice"] == {"type": "tool", "name": "report_claims"}
    assert PLANTED not in call.everything
    async with narrated.sessions() as session:
        trail = await audit.entries(session)
        assert await audit.verify(session) == len(trail)
    (usage,) = [entry for entry in trail if entry.event == "narrator.call"]
    assert usage.incident_id is not None
    assert usage.details["outcome"] == "written"
    assert usage.details["input_tokens"] > 0
    assert usage.details["output_tokens"] > 0
    assert usage.details["cost_usd"] > 0
    events = [entry.event for entry in trail]
    assert events.index("packet.posted") < events.index("packet.narrative_posted")


async def test_explain_answers_with_the_narrators_grounded_sentences(
    narrated: Runtime, people: EmulatorClient, scenario: Scenario, fake: FakeAnthropic
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(narrated, alert.source.value, alert.payload)
    channel, packet = (await eventually(lambda: packets_in(people), what="the packet"))[0]
    await eventually(
        lambda: _replies(people, channel["id"], packet["ts"]), what="the narrative reply"
    )
    await eventually(lambda: settled(narrated), what="the pipeline to settle")

    seen = await people.command("U0BOB", channel["id"], "/explain", "is it the deploy?")

    (answer,) = [r["text"] for r in seen.get("responses", []) if r["text"].startswith("*Answer*")]
    assert "The evidence shows:" in answer  # the fake's claims, each citing a fact
    assert "\nE1: " in answer  # the cited facts spelled out
    assert "is it the deploy?" in fake.calls[-1].prompt
    async with narrated.sessions() as session:
        trail = await audit.entries(session)
    calls = [entry.details for entry in trail if entry.event == "narrator.call"]
    assert [details["purpose"] for details in calls] == ["likely_cause", "explain"]
