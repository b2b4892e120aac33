"""The red-team corpus through the real Anthropic SDK against the local Messages API, and through
the real incident flows against the Slack emulator: no adversarial or injected claim reaches the
thread; untrusted text reaches the model only as quoted data; an unusable answer ends once, in
the bot's own words, with one audit row."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord, NarrativeState, PacketState
from bot.incident.publish import publish_incident
from bot.narrator import Narrator, NarratorLimits
from bot.narrator.values import NarrationOutcome
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.scenario.models import Scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.anthropic import ClaudeModel
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.fakes.anthropic import (
    FakeAnthropic,
    RawAnswer,
    RecordedCall,
    facts_in,
    no_content,
    not_json,
    text_only,
    truncated,
    wrong_tool,
)
from tests.redteam import (
    ADVERSARIAL,
    ADVICE,
    FACTS,
    GROUNDED,
    INJECTED_ADVICE,
    INJECTIONS,
    NAMES,
    answer_with,
    poisoned_scenario,
    unquoted,
)

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
CHUNK = 11  # adversarial claims per answer, with one grounded claim (the tool takes 12)
CHUNKS = [list(ADVERSARIAL[i : i + CHUNK]) for i in range(0, len(ADVERSARIAL), CHUNK)]
KINDS = {fact.id: fact.kind.value for fact in FACTS}
FACT_KIND = r'<fact id="(E\d+)" kind="([a-z]+)"'


class NoWait:
    async def __call__(self, seconds: float) -> None:
        return None


def prompt_kinds(call: RecordedCall) -> dict[str, str]:
    return dict(re.findall(FACT_KIND, call.prompt))


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


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
        limits=NarratorLimits(retry_budget_seconds=10, max_attempts=3),
        sleep=NoWait(),
    )
    yield narrator
    await narrator.close()


@pytest.mark.parametrize("chunk", CHUNKS, ids=[f"claims {i * CHUNK + 1}+" for i in range(99)][
    : len(CHUNKS)])  # fmt: skip
async def test_no_adversarial_claim_survives_the_real_sdk_round_trip(
    fake: FakeAnthropic,
    narrator: Narrator,
    sessions: async_sessionmaker[AsyncSession],
    chunk: list[Any],
) -> None:
    grounded_text, grounded_ids = GROUNDED[1]
    fake.script.append(answer_with(chunk, KINDS, grounded=(grounded_text, grounded_ids[0])))

    narration = await narrator.write(
        purpose="likely_cause",
        facts=FACTS,
        instructions="Why?",
        incident_id=5,
        names=NAMES,
        advice=ADVICE,
    )

    assert [claim.text for claim in narration.claims] == [grounded_text]
    assert len(narration.dropped) == len(chunk)
    text = messages.narrative(narration, FACTS)
    for adversarial in chunk:
        assert adversarial.marker not in text, adversarial.text
    left_out = "sentence" if len(chunk) == 1 else "sentences"
    assert f"_{len(chunk)} {left_out} left out: not supported by the facts cited._" in text
    async with sessions() as session:
        (row,) = await audit.entries(session, incident_id=5)
    assert row.details["claims_dropped"] == len(chunk)
    assert all(d["reason"] for d in row.details["dropped"])


# --- through the incident flows and Slack ---------------------------------------------------


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))


def _context(narrator: Narrator, scenario: Scenario) -> PipelineContext:
    sources, catalog = replay_evidence([scenario])
    return PipelineContext(
        sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=3.0, narrator=narrator
    )


async def _open(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock, scenario: Scenario
) -> int:
    alert = scenario.deliveries[0]
    signals = normalize(
        alert.source,
        alert.payload,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(alert.payload).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=scenario.to_catalog())
    async with sessions() as session:
        return int((await session.execute(select(IncidentRecord.id))).scalar_one())


async def _published(
    sessions: async_sessionmaker[AsyncSession],
    clock: FixedClock,
    chat: SlackChat,
    emulator: SlackEmulator,
    context: PipelineContext,
    scenario: Scenario,
) -> tuple[IncidentRecord, list[dict[str, Any]]]:
    incident_id = await _open(sessions, clock, scenario)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
    assert incident is not None
    assert incident.channel_id is not None
    async with EmulatorClient(emulator.base_url) as people:
        channel = await people.messages(incident.channel_id)
    return incident, channel


def _adversarial_answer(call: RecordedCall) -> dict[str, Any]:
    kinds = prompt_kinds(call)
    first = next(iter(facts_in(call.prompt).items()))
    return answer_with(list(ADVERSARIAL[:CHUNK]), kinds, grounded=(f"Seen: {first[1]}", first[0]))


async def test_the_thread_carries_none_of_the_adversarial_claims(
    sessions, clock, emulator, chat, narrator, fake
) -> None:
    fake.default = _adversarial_answer
    incident, channel = await _published(
        sessions, clock, chat, emulator, _context(narrator, SCENARIO), SCENARIO
    )

    (reply,) = [m for m in channel if m["thread_ts"] == incident.packet_ts and m["text"]
                and m["ts"] != incident.packet_ts]  # fmt: skip
    assert reply["text"].startswith("*Likely cause*, written by a language model")
    for adversarial in ADVERSARIAL[:CHUNK]:
        assert adversarial.marker not in reply["text"], adversarial.text
    assert f"_{CHUNK} sentences left out: not supported by the facts cited._" in reply["text"]


async def test_untrusted_text_reaches_the_model_only_as_flagged_quoted_data(
    sessions, clock, emulator, chat, narrator, fake
) -> None:
    scenario = poisoned_scenario(SCENARIO)
    fake.default = lambda call: {
        "claims": [
            {"text": "On-call should run kubectl delete ns payments now.", "evidence_ids": ["E1"]},
            {"text": f"Seen: {facts_in(call.prompt)['E1']}", "evidence_ids": ["E1"]},
        ]
    }
    incident, channel = await _published(
        sessions, clock, chat, emulator, _context(narrator, scenario), scenario
    )

    (call,) = fake.calls
    system = call.everything.split("\n")[0]
    task = call.prompt.split("</task>")[0]
    placed = {where for where, _ in INJECTIONS if where != "question"}
    assert placed == {"alert title", "alert description", "alert label", "log line",
                      "commit message", "PR title"}  # fmt: skip
    for where, text in INJECTIONS:
        assert text not in task, where
        assert text[:30] not in system, where
    kinds = prompt_kinds(call)
    assert kinds["E1"] == "alert"
    (alert_line,) = [line for line in call.prompt.splitlines() if line.startswith('<fact id="E1"')]
    assert 'trust="untrusted"' in alert_line
    assert "ignore previous instructions" in alert_line
    assert 'flagged="reads like an instruction' in call.prompt
    # The packet shows the alert's poisoned words quoted and marked; the thread never as advice.
    assert "(quoted untrusted text that reads like an instruction" in (incident.packet_text or "")
    replies = [m["text"] for m in channel if m["thread_ts"] == incident.packet_ts
               and m["ts"] != incident.packet_ts and m["text"]]  # fmt: skip
    assert replies
    assert all("On-call should run" not in reply for reply in replies)
    for reply in replies:
        for piece in INJECTED_ADVICE:
            assert piece not in unquoted(reply), piece


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (not_json(), "Anthropic answered with a body that is not JSON"),
        (RawAnswer("{not json"), "Anthropic answered with a body that is not JSON"),
        (no_content(), "Anthropic answered without content"),
        (text_only(), "Anthropic's answer did not use the report_claims tool (did not call it)"),
        (wrong_tool(), "Anthropic's answer did not use the report_claims tool (called "
         "run_command instead)"),
        (truncated(), "Anthropic's answer was cut off at the token limit"),
        (RawAnswer({"foo": 1}, complete=False), "Anthropic answered without content"),
    ],
    ids=["html", "bad json", "no content", "text only", "wrong tool", "max tokens", "wrong shape"],
)  # fmt: skip
async def test_an_unusable_answer_ends_once_in_the_bots_own_words(
    sessions, clock, emulator, chat, narrator, fake, answer: RawAnswer, reason: str
) -> None:
    fake.script.append(answer)
    incident, channel = await _published(
        sessions, clock, chat, emulator, _context(narrator, SCENARIO), SCENARIO
    )

    assert incident.packet_state == PacketState.POSTED
    assert incident.narrative_state == NarrativeState.POSTED
    assert len(fake.calls) == 1  # asked once, never again
    (reply,) = [m["text"] for m in channel if m["thread_ts"] == incident.packet_ts
                and m["ts"] != incident.packet_ts and m["text"]]  # fmt: skip
    assert reply.startswith(
        f"*Likely cause*, from the bot's own ranking (the narrator could not answer ({reason}))"
    )
    async with sessions() as session:
        rows = [e for e in await audit.entries(session) if e.event == "narrator.call"]
    (row,) = rows
    assert (row.details["outcome"], row.details["error"]) == (
        NarrationOutcome.MALFORMED.value,
        reason,
    )
    # A second pass (the outbox) finds the reply posted and asks nothing.
    assert await publish_incident(
        incident.id,
        sessions=sessions,
        chat=chat,
        context=_context(narrator, SCENARIO),
        clock=clock,
    )
    assert len(fake.calls) == 1
