"""The "likely cause" reply in the packet's thread: the real flows, the real Slack client against
the shipped emulator, and the real Anthropic SDK against a fake Messages API. Once per incident
even across a crash, never holding up the packet, and the deterministic text when the narrator
cannot answer or is not configured."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord, NarrativeState, PacketState
from bot.incident.publish import publish_incident
from bot.narrator import Narrator, NarratorLimits
from bot.packet.render import NARRATOR_OFF
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.anthropic import ClaudeModel
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.fakes.anthropic import FakeAnthropic, facts_in, overloaded

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
PLANTED = "xoxb-111111111111-222222222222-abcdefghijklmnopqrstuvwx"


class NoWait:
    async def __call__(self, seconds: float) -> None:
        return None


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as server:
        yield server


@pytest.fixture
async def narrator(
    fake: FakeAnthropic, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> AsyncIterator[Narrator]:
    model = ClaudeModel(
        api_key=SecretStr(fake.api_key), model="claude-sonnet-5-5", base_url=fake.base_url
    )
    narrator = Narrator(
        model=model,
        sessions=sessions,
        clock=clock,
        limits=NarratorLimits(retry_budget_seconds=10, max_attempts=2),
        sleep=NoWait(),
    )
    yield narrator
    await narrator.close()


@pytest.fixture
def context(narrator: Narrator) -> PipelineContext:
    sources, catalog = replay_evidence([SCENARIO])
    return PipelineContext(
        sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=3.0, narrator=narrator
    )


def _payload_with_secret() -> dict[str, Any]:
    payload = copy.deepcopy(SCENARIO.deliveries[0].payload)
    assert isinstance(payload, dict)
    payload["alerts"][0]["annotations"]["summary"] = f"billing-webhooks errors token={PLANTED}"
    payload["commonAnnotations"]["summary"] = f"billing-webhooks errors token={PLANTED}"
    return payload


async def _open_incident(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, payload: Any = None
) -> int:
    alert = SCENARIO.deliveries[0]
    payload = payload if payload is not None else alert.payload
    signals = normalize(
        alert.source,
        payload,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(payload).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=SCENARIO.to_catalog())
    async with sessions() as session:
        return int((await session.execute(select(IncidentRecord.id))).scalar_one())


async def _incident(sessions: async_sessionmaker[AsyncSession], incident_id: int) -> IncidentRecord:
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
    assert incident is not None
    return incident


async def _replies(emulator: SlackEmulator, incident: IncidentRecord) -> list[dict[str, Any]]:
    assert incident.channel_id is not None
    async with EmulatorClient(emulator.base_url) as people:
        messages = await people.messages(incident.channel_id)
    return [
        m
        for m in messages
        if m["thread_ts"] == incident.packet_ts and m.get("ts") != incident.packet_ts
    ]


async def _trail(sessions: async_sessionmaker[AsyncSession], incident_id: int) -> list[Any]:
    async with sessions() as session:
        return list(await audit.entries(session, incident_id=incident_id))


async def _publish(
    incident_id: int, sessions: Any, chat: SlackChat, context: PipelineContext, clock: FixedClock
) -> bool:
    return await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )


async def test_the_grounded_cause_is_replied_in_the_packets_thread_once(
    sessions, clock, emulator, chat, context, fake
) -> None:
    incident_id = await _open_incident(sessions, clock)

    assert await _publish(incident_id, sessions, chat, context, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)

    incident = await _incident(sessions, incident_id)
    (reply,) = await _replies(emulator, incident)
    assert float(reply["ts"]) > float(incident.packet_ts or "0")
    first_fact = facts_in(fake.calls[0].prompt)["E1"]
    assert reply["text"].startswith("*Likely cause*, written by a language model")
    assert f"The evidence shows: {first_fact} [E1]" in reply["text"]
    assert incident.narrative_state == NarrativeState.POSTED
    assert len(fake.calls) == 1
    events = [e.event for e in await _trail(sessions, incident_id)]
    assert events.index("packet.posted") < events.index("narrator.call")
    assert events.count("packet.narrative_posted") == 1


async def test_the_packet_says_nothing_of_a_narrator_when_one_is_configured(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)
    incident = await _incident(sessions, incident_id)
    assert NARRATOR_OFF not in (incident.packet_text or "")


async def test_the_audit_records_the_calls_tokens_and_cost(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)

    (call,) = [e for e in await _trail(sessions, incident_id) if e.event == "narrator.call"]
    assert call.actor == "narrator"
    assert call.details["purpose"] == "likely_cause"
    assert call.details["model"] == "claude-sonnet-5-5"
    assert call.details["outcome"] == "written"
    assert call.details["input_tokens"] > 0
    assert call.details["output_tokens"] > 0
    assert call.details["cache_creation_input_tokens"] > 0
    assert call.details["cost_usd"] > 0
    assert call.details["claims_dropped"] == 0


async def test_a_secret_in_the_alert_never_reaches_the_model(
    sessions, clock, emulator, chat, context, fake
) -> None:
    incident_id = await _open_incident(sessions, clock, _payload_with_secret())
    assert await _publish(incident_id, sessions, chat, context, clock)

    (call,) = fake.calls
    assert "token=" in call.prompt  # the alert's words went, the token itself did not
    assert PLANTED not in call.everything
    (reply,) = await _replies(emulator, await _incident(sessions, incident_id))
    assert PLANTED not in reply["text"]


async def test_an_overloaded_model_leaves_the_bots_own_ranking_in_the_thread(
    sessions, clock, emulator, chat, context, fake
) -> None:
    fake.script.extend([overloaded(), overloaded()])
    incident_id = await _open_incident(sessions, clock)

    assert await _publish(incident_id, sessions, chat, context, clock)

    incident = await _incident(sessions, incident_id)
    assert incident.packet_state == PacketState.POSTED
    (reply,) = await _replies(emulator, incident)
    assert reply["text"].startswith(
        "*Likely cause*, from the bot's own ranking (the narrator could not answer "
        "(Anthropic overloaded (HTTP 529)))"
    )
    assert "9f1c2ab" in reply["text"]  # the top hypothesis names the deploy
    (call,) = [e for e in await _trail(sessions, incident_id) if e.event == "narrator.call"]
    assert (call.details["outcome"], call.details["attempts"]) == ("failed", 2)


async def test_claims_that_stray_from_the_facts_are_left_out_and_counted(
    sessions, clock, emulator, chat, context, fake
) -> None:
    fake.default = lambda call: {
        "claims": [
            {"text": f"The evidence shows: {facts_in(call.prompt)['E1']}", "evidence_ids": ["E1"]},
            {"text": "Deploy 0badc0de broke billing-webhooks.", "evidence_ids": ["E2"]},
            {"text": "The database ran out of connections.", "evidence_ids": ["E42"]},
        ]
    }
    incident_id = await _open_incident(sessions, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)

    (reply,) = await _replies(emulator, await _incident(sessions, incident_id))
    assert "0badc0de" not in reply["text"]
    assert "connections" not in reply["text"]
    assert "_2 sentences left out: not supported by the facts cited._" in reply["text"]
    (call,) = [e for e in await _trail(sessions, incident_id) if e.event == "narrator.call"]
    assert call.details["claims_dropped"] == 2
    assert [d["reason"] for d in call.details["dropped"]] == [
        "names sha 0badc0de not in its evidence",
        "cites unknown id E42",
    ]


async def test_a_reply_a_crash_left_unrecorded_is_found_not_repeated(
    sessions, clock, emulator, chat, context, fake
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)
    # The killed process had posted the reply but not yet recorded it.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(narrative_state=NarrativeState.POSTING, lease_until=None)
        )

    assert await _publish(incident_id, sessions, chat, context, clock)

    incident = await _incident(sessions, incident_id)
    assert len(await _replies(emulator, incident)) == 1
    assert incident.narrative_state == NarrativeState.POSTED
    assert len(fake.calls) == 1


async def test_a_reply_chosen_but_never_posted_is_posted_as_written_after_restart(
    sessions, clock, emulator, chat, context, fake
) -> None:
    incident_id = await _open_incident(sessions, clock)
    no_narrator = replace(context, narrator=None)
    assert await _publish(incident_id, sessions, chat, no_narrator, clock)
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(
                narrative_state=NarrativeState.POSTING,
                narrative_text="*Likely cause*, chosen before the crash",
                lease_until=None,
            )
        )

    assert await _publish(incident_id, sessions, chat, context, clock)

    (reply,) = await _replies(emulator, await _incident(sessions, incident_id))
    assert reply["text"] == "*Likely cause*, chosen before the crash"
    assert fake.calls == []  # the model is not asked twice for one incident


async def test_without_a_narrator_there_is_no_reply_and_the_packet_says_so(
    sessions, clock, emulator, chat, context, fake
) -> None:
    incident_id = await _open_incident(sessions, clock)
    no_narrator = replace(context, narrator=None)

    assert await _publish(incident_id, sessions, chat, no_narrator, clock)

    incident = await _incident(sessions, incident_id)
    assert incident.narrative_state == NarrativeState.NONE
    assert await _replies(emulator, incident) == []
    assert (incident.packet_text or "").endswith(NARRATOR_OFF)
    assert fake.calls == []
    assert incident.channel_id is not None
    async with EmulatorClient(emulator.base_url) as people:
        (packet,) = [m for m in await people.messages(incident.channel_id) if m["blocks"]][:1]
    footer = packet["blocks"][-1]["elements"][0]["text"]
    assert footer.endswith(NARRATOR_OFF)


async def test_a_narrative_a_crash_interrupted_keeps_the_incident_in_the_outbox(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await _publish(incident_id, sessions, chat, context, clock)
    async with sessions() as session:
        assert await incidents.needing_slack_work(session, now=clock.now()) == []
    # The process died after the packet and before its narrative was posted.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(narrative_state=NarrativeState.PENDING, lease_until=None)
        )

    async with sessions() as session:
        due = await incidents.needing_slack_work(session, now=clock.now())
    assert [incident.id for incident in due] == [incident_id]
