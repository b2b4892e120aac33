"""``incident-bot eval`` with a narrator configured: a real process, the real Anthropic SDK, a
fake Messages API on 127.0.0.1. Each scenario's line says how many of the narrator's claims
grounding kept and dropped, and the JSON says which and why."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.fakes.anthropic import FakeAnthropic, echo_facts, overloaded
from tests.integration.test_eval_command import COMMAND, PASSING_TODAY


@pytest.fixture
async def fake() -> AsyncIterator[FakeAnthropic]:
    # Each answer repeats two facts and adds one claim citing an id it was never given.
    async with FakeAnthropic(default=echo_facts(invent=True)) as server:
        yield server


async def run_eval(fake: FakeAnthropic, cwd: Path, *args: str | Path) -> tuple[int, str, str]:
    """The eval command in its own process, while this event loop serves the fake API."""
    env = {
        **os.environ,
        "ANTHROPIC_API_KEY": fake.api_key,
        "ANTHROPIC_BASE_URL": fake.base_url,
        "NARRATOR_MODEL": "claude-haiku-5-5",
        "NARRATOR_RETRY_BUDGET_SECONDS": "0",
    }
    process = await asyncio.create_subprocess_exec(
        *COMMAND,
        "eval",
        *map(str, args),
        env=env,
        cwd=cwd,  # no .env of the developer's
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return int(process.returncode or 0), stdout.decode(), stderr.decode()


async def test_each_scenario_reports_the_claims_grounding_dropped(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    code, stdout, stderr = await run_eval(fake, tmp_path, *PASSING_TODAY, "--json", report)
    assert stdout.splitlines()[:4] == [
        "PASS notifications-sentry-deploy (narrator: 2 claims kept, 1 dropped)",
        "PASS two-unrelated-alerts (narrator: 2 claims kept, 1 dropped)",
        "narrator: 4 claims kept, 2 dropped by grounding in 2 scenarios",
        "2 passed, 0 failed",
    ], stderr
    assert code == 0
    assert [call.body["model"] for call in fake.calls] == ["claude-haiku-5-5"] * 2
    # The JSON names each dropped claim and why.
    scenario = json.loads(report.read_text())["scenarios"][0]
    narrator = scenario["narrator"]
    assert narrator["outcome"] == "written"
    assert (narrator["claims_kept"], narrator["claims_dropped"]) == (2, 1)
    assert narrator["dropped"] == [
        {
            "text": "A deploy nobody recorded broke it.",
            "evidence_ids": ["E99"],
            "reason": "cites unknown id E99",
        }
    ]
    assert narrator["input_tokens"] > 0
    assert "narrator_ms" in scenario["timings"]


async def test_a_narrator_that_cannot_answer_is_reported_not_fatal(
    fake: FakeAnthropic, tmp_path: Path
) -> None:
    fake.script.append(overloaded())
    code, stdout, stderr = await run_eval(fake, tmp_path, PASSING_TODAY[0])
    assert stdout.splitlines()[0] == (
        "PASS notifications-sentry-deploy (narrator failed: Anthropic overloaded (HTTP 529))"
    ), stderr
    assert code == 0
