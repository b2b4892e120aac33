"""``/postmortem`` end to end: the real Bolt app over Socket Mode against the Slack emulator.
An alert opens an incident with its packet, a person writes in the channel, and the draft
lands in the channel as a Markdown file with a summary message; the CLI prints the same draft
from the database."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Runtime
from bot.audit import service as audit
from bot.postmortem.render import SECTION_TITLES
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert, run_cli
from tests.fakes.anthropic import FakeAnthropic

pytestmark = pytest.mark.slow

FILENAME = "postmortem-INC-1.md"


async def incident_channel(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> str:
    """Fire the scenario's alert and wait for its packet and its record; return the
    channel's id."""
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)

    async def packet_channel() -> str | None:
        for channel in await people.channels():
            if channel["name"].startswith("inc-"):
                for message in await people.messages(channel["id"]):
                    if "Incident packet" in (message.get("text") or ""):
                        return str(channel["id"])
        return None

    channel_id = await eventually(packet_channel, what="the packet")

    async def recorded() -> bool:
        # The packet.posted audit row is written just after the message is in Slack.
        async with runtime.sessions() as session:
            behind = await session.scalar(
                text(
                    "SELECT count(*) FROM incidents "
                    "WHERE packet_state != 'posted' OR channel_state != 'ready'"
                )
            )
        return behind == 0

    await eventually(recorded, what="the packet's audit row")
    return channel_id


async def shared_file(people: EmulatorClient, channel_id: str) -> dict[str, Any] | None:
    for file in await people.files():
        if file["name"] == FILENAME and channel_id in file["shares"] and file["completed"]:
            return file
    return None


async def postmortem_rows(runtime: Runtime) -> list[audit.AuditEntry]:
    async with runtime.sessions() as session:
        entries = await audit.entries(session, incident_id=1)
    return [entry for entry in entries if entry.event.startswith("postmortem.")]


def sections_of(markdown: str) -> list[str]:
    return [line[3:] for line in markdown.splitlines() if line.startswith("## ")]


def _section_of(markdown: str, title: str) -> str:
    return markdown.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def slack_time(ts: str) -> str:
    return f"{datetime.fromtimestamp(float(ts), UTC):%Y-%m-%d %H:%M:%S} UTC"


async def test_postmortem_shares_a_markdown_draft_and_a_summary_in_the_channel(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel_id = await incident_channel(runtime, people, scenario)
    said = await people.event(
        "message", "U0BOB", channel_id, "Rolled back billing-webhooks, errors are dropping"
    )
    assert said["ok"], said
    message_ts = str(said["ts"])

    seen = await people.command("U0ALICE", channel_id, "/postmortem", "", wait_for=1)
    assert seen["acked"] is True

    file = await eventually(lambda: shared_file(people, channel_id), what="the draft's file")
    markdown = (await people.file_content(file["id"])).decode()
    assert sections_of(markdown) == list(SECTION_TITLES)
    assert markdown.startswith("# Postmortem draft: INC-1 billing-webhooks error rate above 5%")
    # Times from the data: the alert's own start, the audit rows, Slack's ts of the message.
    assert "`2026-03-04 14:03:00 UTC` Alert fired: billing-webhooks error rate above 5%" in markdown
    assert "Incident opened at sev2 for billing-webhooks" in markdown
    assert "Evidence packet posted in the channel" in markdown
    assert (
        f"`{slack_time(message_ts)}` bob in the channel: "  # named by users.info, not U0BOB
        "“Rolled back billing-webhooks, errors are dropping”" in markdown
    )
    root = _section_of(markdown, "Root cause and contributing factors")
    assert "(confidence 0." in root  # the hypotheses
    assert "— **unconfirmed**" in root
    assert "Latest deploy landed 11 minutes before first spike" in markdown
    assert "No resolution recorded yet: INC-1 is still open:" in markdown
    assert "| Confirm or rule out the leading hypothesis" in markdown
    assert "U0BOB" not in markdown

    async def summary() -> dict[str, Any] | None:
        for message in await people.messages(channel_id):
            if (message.get("text") or "").startswith("Postmortem draft for INC-1"):
                return message
        return None

    posted = await eventually(summary, what="the summary message")
    assert "(still open) attached" in posted["text"]
    assert "and 1 message in this channel" in posted["text"]  # U0BOB's, not the bot's

    # The audit row follows the Slack calls it records.
    rows = await eventually(lambda: postmortem_rows(runtime), what="the postmortem's audit row")
    async with runtime.sessions() as session:
        assert await audit.verify(session) > 0
    assert [(row.event, row.actor) for row in rows] == [("postmortem.drafted", "slack:U0ALICE")]
    assert rows[0].details["file_id"] == file["id"]
    assert rows[0].details["messages"] == 1


async def test_only_the_commander_may_draft_when_one_is_set(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel_id = await incident_channel(runtime, people, scenario)
    async with runtime.sessions() as session, session.begin():
        await session.execute(text("UPDATE incidents SET commander = 'U0ALICE' WHERE id = 1"))

    refused = await people.command("U0BOB", channel_id, "/postmortem", "")

    reply = refused["responses"][0]
    assert reply["ephemeral"] is True
    assert "Only the incident commander of INC-1 (<@U0ALICE>)" in reply["text"]
    assert await shared_file(people, channel_id) is None
    rows = await postmortem_rows(runtime)  # written before the refusal was answered
    assert [(row.event, row.actor) for row in rows] == [("postmortem.refused", "slack:U0BOB")]
    assert "incident commander" in rows[0].details["reason"]

    await people.command("U0ALICE", channel_id, "/postmortem", "")
    await eventually(lambda: shared_file(people, channel_id), what="the commander's draft")


async def test_postmortem_outside_an_incident_channel_shows_the_usage_privately(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/postmortem", "")
    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert reply["text"].startswith("Usage: `/postmortem`")

    with_arguments = await people.command("U0ALICE", "C0INCIDENTS", "/postmortem", "INC-1")
    assert with_arguments["responses"][0]["ephemeral"] is True
    assert "takes no arguments" in with_arguments["responses"][0]["text"]


async def test_the_cli_prints_the_draft_with_or_without_the_channel(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel_id = await incident_channel(runtime, people, scenario)
    said = await people.event("message", "U0BOB", channel_id, "Looking at the parser deploy")
    assert runtime.emulator is not None
    env = {**os.environ, "DATABASE_URL": runtime.settings.database_url}

    with_slack = await run_cli(
        {**env, "SLACK_EMULATOR_PORT": str(runtime.emulator.port)}, "postmortem", "INC-1"
    )
    assert with_slack.returncode == 0, with_slack.stderr
    assert sections_of(with_slack.stdout) == list(SECTION_TITLES)
    assert (
        f"`{slack_time(str(said['ts']))}` bob in the channel: “Looking at the parser deploy”"
        in with_slack.stdout
    )

    without = await run_cli({**env, "SLACK_EMULATOR_PORT": "0"}, "postmortem", "1")
    assert without.returncode == 0, without.stderr
    assert sections_of(without.stdout) == list(SECTION_TITLES)
    assert "Looking at the parser deploy" not in without.stdout
    assert "Channel messages were not read (no Slack connection)" in without.stdout
    assert "`2026-03-04 14:03:00 UTC` Alert fired:" in without.stdout

    unknown = await run_cli(env, "postmortem", "INC-99")
    assert unknown.returncode == 2
    assert unknown.stdout == ""
    assert "no incident INC-99 in the database" in unknown.stderr

    nonsense = await run_cli(env, "postmortem", "yesterday")
    assert nonsense.returncode == 2
    assert "not an incident: 'yesterday'" in nonsense.stderr


async def test_the_cli_writes_the_summary_with_the_narrators_grounded_prose_and_audits_it(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    await incident_channel(runtime, people, scenario)
    env = {
        **os.environ,
        "DATABASE_URL": runtime.settings.database_url,
        "SLACK_EMULATOR_PORT": "0",
    }
    async with FakeAnthropic() as fake:
        narrated = await run_cli(
            {**env, "ANTHROPIC_API_KEY": fake.api_key, "ANTHROPIC_BASE_URL": fake.base_url},
            "postmortem",
            "INC-1",
        )
    assert narrated.returncode == 0, narrated.stderr
    assert sections_of(narrated.stdout) == list(SECTION_TITLES)
    assert "The evidence shows:" in narrated.stdout  # the fake's claims, each citing a fact
    assert fake.calls
    async with runtime.sessions() as session:
        calls = [e for e in await audit.entries(session) if e.event == "narrator.call"]
    assert {entry.incident_id for entry in calls} == {1}
