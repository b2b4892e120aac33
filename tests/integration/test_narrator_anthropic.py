"""The narrator with the real Anthropic SDK against a fake Messages API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.narrator import Fact, Narration, NarrationOutcome, Narrator, NarratorLimits, explain
from integrations.anthropic import ClaudeModel
from tests.fakes.anthropic import HANG, FakeAnthropic, facts_in, overloaded, rate_limited

MODEL = "claude-sonnet-5-5"
SECRET = "xoxb-123456789012-123456789012-abcdefghijklmnopqrstuvwx"
FACTS = (
    Fact("E1", "Deploy 9f1c2ab of checkout (PR 4821) by dana at 14:02 UTC"),
    Fact("E2", "checkout error_rate rose from 0.3% to 8.7%"),
)
# Every client a test opens, closed when its fake server stops.
OPENED: list[ClaudeModel] = []


class RecordedSleep:
    """Stands in for asyncio.sleep: records the waits the narrator asks for, waits for none."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    async with FakeAnthropic() as server:
        yield server
        for model in OPENED:
            await model.close()
        OPENED.clear()


def _narrator(
    fake: FakeAnthropic,
    clock: FixedClock,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    *,
    sleep: RecordedSleep | None = None,
    timeout: float = 5.0,
    limits: NarratorLimits | None = None,
) -> Narrator:
    model = ClaudeModel(
        api_key=SecretStr(fake.api_key), model=MODEL, base_url=fake.base_url, timeout=timeout
    )
    OPENED.append(model)
    return Narrator(
        model=model,
        sessions=sessions,
        clock=clock,
        limits=limits or NarratorLimits(retry_budget_seconds=30, max_attempts=3),
        sleep=sleep or RecordedSleep(),
    )


async def _write(
    narrator: Narrator, facts: tuple[Fact, ...] = FACTS, instructions: str = "Why?"
) -> Narration:
    return await narrator.write(
        purpose="likely_cause", facts=facts, instructions=instructions, incident_id=7
    )


async def test_the_request_forces_the_claims_tool_and_caches_the_instructions(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    await _write(_narrator(fake, clock))
    (call,) = fake.calls
    assert call.body["model"] == MODEL
    assert call.body["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert [tool["name"] for tool in call.body["tools"]] == ["report_claims"]
    assert call.body["tool_choice"] == {"type": "tool", "name": "report_claims"}
    assert facts_in(call.prompt)["E1"].startswith("Deploy 9f1c2ab of checkout")


async def test_a_grounded_answer_is_kept_with_its_citations(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.append(
        {
            "claims": [
                {
                    "text": "Errors rose from 0.3% to 8.7% after deploy 9f1c2ab.",
                    "evidence_ids": ["E1", "E2"],
                }
            ]
        }
    )
    narration = await _write(_narrator(fake, clock))
    assert narration.outcome is NarrationOutcome.WRITTEN
    assert narration.text == "Errors rose from 0.3% to 8.7% after deploy 9f1c2ab. [E1, E2]"
    assert narration.dropped == ()


async def test_a_claim_citing_an_unknown_id_is_dropped(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.append(
        {
            "claims": [
                {"text": "Errors rose to 8.7%.", "evidence_ids": ["E2"]},
                {"text": "The cache was cold.", "evidence_ids": ["E7"]},
            ]
        }
    )
    narration = await _write(_narrator(fake, clock))
    assert [claim.text for claim in narration.claims] == ["Errors rose to 8.7%."]
    assert [dropped.reason for dropped in narration.dropped] == ["cites unknown id E7"]


async def test_a_claim_inventing_a_sha_is_dropped(fake: FakeAnthropic, clock: FixedClock) -> None:
    fake.script.append(
        {"claims": [{"text": "Deploy 4e5d6c7b broke checkout.", "evidence_ids": ["E1"]}]}
    )
    narration = await _write(_narrator(fake, clock))
    assert narration.claims == ()
    assert not narration.grounded
    assert [d.reason for d in narration.dropped] == ["names sha 4e5d6c7b not in its evidence"]


async def test_a_rate_limit_is_retried_after_the_wait_it_asks_for(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.extend([rate_limited(2), overloaded()])
    sleep = RecordedSleep()
    narration = await _write(_narrator(fake, clock, sleep=sleep))
    assert narration.outcome is NarrationOutcome.WRITTEN
    assert narration.attempts == 3
    assert sleep.waits == [2.0, 2.0]  # the provider's 2 s, then our back-off (1 s doubled)
    assert len(fake.calls) == 3


async def test_an_exhausted_budget_gives_no_prose(fake: FakeAnthropic, clock: FixedClock) -> None:
    fake.script.extend([overloaded(), overloaded(), overloaded()])
    narration = await _write(_narrator(fake, clock))
    assert narration.outcome is NarrationOutcome.FAILED
    assert narration.error == "Anthropic overloaded (HTTP 529)"
    assert not narration.grounded
    assert len(fake.calls) == 3


async def test_a_retry_after_longer_than_the_budget_is_not_waited_for(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.append(rate_limited(120))
    sleep = RecordedSleep()
    narration = await _write(_narrator(fake, clock, sleep=sleep))
    assert narration.outcome is NarrationOutcome.FAILED
    assert sleep.waits == []
    assert len(fake.calls) == 1


async def test_a_hang_past_the_timeout_is_retried_then_given_up(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.extend([HANG, HANG])
    limits = NarratorLimits(retry_budget_seconds=30, max_attempts=2)
    narration = await _write(_narrator(fake, clock, timeout=0.2, limits=limits))
    assert narration.outcome is NarrationOutcome.FAILED
    assert narration.error == "Anthropic did not answer in time"
    assert narration.attempts == 2


async def test_a_wrong_key_is_not_retried(fake: FakeAnthropic, clock: FixedClock) -> None:
    model = ClaudeModel(api_key=SecretStr("wrong"), model=MODEL, base_url=fake.base_url)
    OPENED.append(model)
    narrator = Narrator(model=model, sessions=None, clock=clock, sleep=RecordedSleep())
    narration = await _write(narrator)
    assert narration.outcome is NarrationOutcome.FAILED
    assert narration.error == "Anthropic failed (HTTP 401)"
    assert len(fake.calls) == 1


async def test_no_secret_in_the_facts_reaches_the_model(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    facts = (Fact("E1", f"Alert: checkout down, token={SECRET}"),)
    await _write(_narrator(fake, clock), facts, instructions=f"Explain {SECRET}")
    (call,) = fake.calls
    assert SECRET not in call.everything
    assert "[redacted" in call.prompt


async def test_explain_gives_no_prose_when_no_claim_survives(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.append({"claims": [{"text": "It was DNS.", "evidence_ids": ["E5"]}]})
    narration = await explain(_narrator(fake, clock), "why?", FACTS)
    assert not narration.grounded
    assert [d.reason for d in narration.dropped] == ["cites unknown id E5"]


async def test_each_narration_leaves_a_usage_row_in_the_audit(
    fake: FakeAnthropic, clock: FixedClock, sessions: async_sessionmaker[AsyncSession]
) -> None:
    narrator = _narrator(fake, clock, sessions)
    fake.default = lambda call: {
        "claims": [
            {"text": "Errors rose to 8.7%.", "evidence_ids": ["E2"]},
            {"text": "Deploy abcdef12 did it.", "evidence_ids": ["E1"]},
        ]
    }
    await _write(narrator)
    await _write(narrator)
    async with sessions() as session:
        rows = [e for e in await audit.entries(session, incident_id=7)]
        assert await audit.verify(session) == len(await audit.entries(session))
    assert [row.event for row in rows] == ["narrator.call", "narrator.call"]
    first, second = (row.details for row in rows)
    assert first["model"] == MODEL
    assert first["outcome"] == "written"
    assert (first["claims_kept"], first["claims_dropped"]) == (1, 1)
    assert first["input_tokens"] > 0
    assert first["output_tokens"] > 0
    assert first["cost_usd"] > 0
    # the instructions were written to the prompt cache once, then read from it
    assert first["cache_creation_input_tokens"] > 0
    assert second["cache_read_input_tokens"] == first["cache_creation_input_tokens"]
    assert second["cost_usd"] < first["cost_usd"]


class BudgetClock:
    """A monotonic clock that moves only when the narrator sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


async def test_a_retry_may_take_only_what_is_left_of_the_budget(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.extend([rate_limited(9.5), HANG])
    budget = BudgetClock()
    model = ClaudeModel(
        api_key=SecretStr(fake.api_key), model=MODEL, base_url=fake.base_url, timeout=600
    )
    OPENED.append(model)
    narrator = Narrator(
        model=model,
        sessions=None,
        clock=clock,
        limits=NarratorLimits(retry_budget_seconds=10, max_attempts=3),
        sleep=budget.sleep,
        monotonic=budget,
    )
    # The hang is cut at the half second left, not at the client's 600 s timeout.
    narration = await _write(narrator)
    assert narration.outcome is NarrationOutcome.FAILED
    assert narration.error == "Anthropic did not answer in time"
    assert narration.attempts == 2


async def test_explain_answers_the_question_from_the_facts(
    fake: FakeAnthropic, clock: FixedClock
) -> None:
    fake.script.append(
        {"claims": [{"text": "Deploy 9f1c2ab landed at 14:02 UTC.", "evidence_ids": ["E1"]}]}
    )
    narrator = _narrator(fake, clock)
    narration = await narrator.explain("When did the deploy land?", FACTS, incident_id=7)
    assert narration.purpose == "explain"
    assert narration.text == "Deploy 9f1c2ab landed at 14:02 UTC. [E1]"
    prompt = fake.calls[0].prompt
    task = prompt.split("</task>")[0]
    assert "When did the deploy land?" not in task  # a person's words are data, not orders
    assert (
        '<question origin="typed after /explain by a person in Slack" trust="untrusted">'
        "When did the deploy land?</question>" in prompt
    )
