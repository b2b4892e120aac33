"""The red team against ``incident-bot serve`` as a separate process (sandbox mode: it starts
the Slack emulator itself), its narrator pointed at a local Messages API that answers
adversarially, an Alertmanager alert whose title, description and a label carry injections.
Nothing invented or injected reaches the likely-cause thread, ``/explain`` or the shared
postmortem; the packet shows the poisoned title only quoted and marked untrusted; and
``incident-bot postmortem INC-1`` against a model that answers with a body that is not JSON
still exits 0 with the bot's own draft."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from bot.scenario.loader import load_scenario
from bot.wiring.evidence import SHIPPED_SCENARIOS
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import run_cli
from tests.e2e.test_narrator_redteam import adversarial, assert_clean
from tests.fakes.anthropic import FakeAnthropic, not_json
from tests.harness import eventually, free_port, post_signed, serve_env, start_serve
from tests.redteam import payload, poisoned_alert

pytestmark = pytest.mark.slow

MARK = "(quoted untrusted text that reads like an instruction"


async def _packet(people: EmulatorClient) -> tuple[str, dict[str, Any]] | None:
    for channel in await people.channels():
        if channel["name"].startswith("inc-"):
            for message in await people.messages(channel["id"]):
                if "Incident packet" in (message.get("text") or ""):
                    return str(channel["id"]), message
    return None


async def _replies(people: EmulatorClient, channel: str, ts: str) -> list[str] | None:
    found = [
        str(m["text"])
        for m in await people.messages(channel)
        if m.get("thread_ts") == ts and m.get("ts") != ts and "Likely cause" in str(m["text"])
    ]
    return found or None


async def _shared(people: EmulatorClient) -> dict[str, Any] | None:
    for file in await people.files():
        if file["name"] == "postmortem-INC-1.md" and file["completed"]:
            return file
    return None


async def test_serve_with_an_adversarial_model_posts_nothing_invented_or_injected(
    tmp_path: Path,
) -> None:
    emulator_port = free_port()
    scenario_file = SHIPPED_SCENARIOS / "billing-parser-deploy.yaml"
    database = f"sqlite+aiosqlite:///{tmp_path}/serve.sqlite3"
    async with FakeAnthropic(default=adversarial()) as fake:
        model = {"ANTHROPIC_API_KEY": fake.api_key, "ANTHROPIC_BASE_URL": fake.base_url}
        env = serve_env(
            database_url=database,
            webhook_secrets={"alertmanager": "serve-secret"},
            SLACK_EMULATOR_PORT=str(emulator_port),
            REPLAY_SCENARIOS=json.dumps([str(scenario_file)]),
            **model,
        )
        bot = await start_serve(env, workdir=tmp_path)
        try:
            alert = poisoned_alert(load_scenario(scenario_file).deliveries[0].payload)
            status, _ = await post_signed(bot.url, "alertmanager", alert, "serve-secret")
            assert status == 202
            async with EmulatorClient(f"http://127.0.0.1:{emulator_port}") as people:
                channel, packet = await eventually(
                    lambda: _packet(people), timeout=30, what="the packet"
                )
                context = packet["blocks"][-1]["elements"][0]["text"]
                assert MARK in context
                assert_clean(context, "the packet's context line")
                assert_clean(packet["text"], "the packet's fallback text")

                (reply,) = await eventually(
                    lambda: _replies(people, channel, str(packet["ts"])),
                    timeout=30,
                    what="the likely-cause reply",
                )
                assert_clean(reply, "the likely-cause reply")
                assert "sentences left out" in reply

                seen = await people.command(
                    "U0BOB", channel, "/explain", payload("question"), timeout=30
                )
                answers = [str(r["text"]) for r in seen.get("responses", [])]
                assert answers
                for answer in answers:
                    assert_clean(answer, "/explain")

                await people.command("U0ALICE", channel, "/postmortem", "", wait_for=0)
                file = await eventually(lambda: _shared(people), timeout=30, what="the draft")
                markdown = (await people.file_content(file["id"])).decode()
                assert_clean(markdown, "the shared postmortem")
                assert MARK in markdown
        finally:
            returncode = await bot.stop()
        assert returncode == 0, bot.output()
        assert len(fake.calls) == 4  # likely cause, /explain, the draft's summary and root cause

        fake.script.extend([not_json(), not_json()])
        drafted = await run_cli(
            {**os.environ, "DATABASE_URL": database, "SLACK_EMULATOR_PORT": "0", **model},
            "postmortem",
            "INC-1",
        )
    assert drafted.returncode == 0, drafted.stderr
    assert "Traceback" not in drafted.stderr
    assert drafted.stdout.startswith("# Postmortem draft: INC-1 “billing-webhooks error rate")
    assert "_The language model's answer was not used: " in drafted.stdout
    assert_clean(drafted.stdout, "the CLI's postmortem")
