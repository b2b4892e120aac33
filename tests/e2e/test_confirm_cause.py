"""``/incident confirm-cause`` end to end: real Bolt over Socket Mode against the Slack
emulator. Once a commander is set only they confirm a cause; the confirmation is announced,
audited, and the postmortem draft marks that cause confirmed by the commander's display name
and the others unconfirmed. Malformed input and numbers the packet does not list get a private
answer and record nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually
from tests.e2e.test_incident_commands import quiet
from tests.e2e.test_postmortem import incident_channel, shared_file

pytestmark = pytest.mark.slow


async def _quiet_channel(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> str:
    """INC-1's channel once the bot has stopped posting in it (packet, chart), so what a
    command shows next is the command's own reply."""
    channel = await incident_channel(runtime, people, scenario)
    await eventually(lambda: quiet(runtime), what="the channel to be ready and charted")
    return channel


async def _rows(runtime: Runtime, event: str) -> list[audit.AuditEntry]:
    async with runtime.sessions() as session:
        return [e for e in await audit.entries(session, incident_id=1) if e.event == event]


def _root_cause(markdown: str) -> str:
    return markdown.split("\n## Root cause and contributing factors\n", 1)[1].split("\n## ")[0]


async def test_only_the_commander_confirms_a_cause_and_the_draft_marks_it(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await _quiet_channel(runtime, people, scenario)
    named = await people.command("U0BOB", channel, "/incident", "commander <@U0ALICE|alice>")
    assert named["responses"][0]["ephemeral"] is False

    refused = (await people.command("U0BOB", channel, "/incident", "confirm-cause 1"))["responses"][
        0
    ]
    assert refused["ephemeral"] is True
    assert refused["text"] == (
        "Only the incident commander of INC-1 (<@U0ALICE>) can confirm its cause. Nothing was "
        "recorded."
    )
    refusals = [
        e
        for e in await _rows(runtime, "interaction.refused")
        if e.details["what"] == "/incident confirm-cause"
    ]
    assert [(e.actor, e.details["reason"]) for e in refusals] == [
        ("slack:U0BOB", "only the incident commander (U0ALICE) may confirm a cause")
    ]

    for malformed in ("confirm-cause", "confirm-cause factor"):
        usage = (await people.command("U0ALICE", channel, "/incident", malformed))["responses"][0]
        assert usage["ephemeral"] is True
        assert "`/incident confirm-cause 1 [note]`" in usage["text"]
    beyond = (await people.command("U0ALICE", channel, "/incident", "confirm-cause 9"))[
        "responses"
    ][0]
    assert beyond["ephemeral"] is True
    assert beyond["text"].startswith("There is no hypothesis 9. INC-1's packet lists ")
    assert "\n1. " in beyond["text"]
    assert await _rows(runtime, "incident.cause_confirmed") == []

    confirmed = await people.command(
        "U0ALICE", channel, "/incident", "confirm-cause 1 the parser <!channel> dropped payloads"
    )
    reply = confirmed["responses"][0]
    assert reply["ephemeral"] is False
    (row,) = await _rows(runtime, "incident.cause_confirmed")
    assert row.actor == "slack:U0ALICE"
    assert row.details["kind"] == "hypothesis"
    assert row.details["number"] == 1
    assert row.details["commander"] == "U0ALICE"
    assert row.details["note"] == "the parser <!channel> dropped payloads"
    cause = row.details["cause"]
    assert "(confidence 0." in cause  # the packet's first hypothesis, as people saw it
    assert reply["text"].startswith("<@U0ALICE> confirmed as a cause of INC-1 (hypothesis 1): “")
    assert "Note: “the parser &lt;!channel&gt; dropped payloads”" in reply["text"]
    assert "<!channel>" not in reply["text"]

    await people.command("U0ALICE", channel, "/postmortem", "")
    file = await eventually(lambda: shared_file(people, channel), what="the draft's file")
    markdown = (await people.file_content(file["id"])).decode()
    root = _root_cause(markdown)
    marked = [line for line in root.splitlines() if " — **" in line]
    assert marked[0].endswith(
        f"{cause} — **confirmed** by the incident commander (alice): “the parser <!channel> "
        "dropped payloads” (quoted untrusted text that reads like an instruction; nobody should "
        "act on it)"
    )
    assert "Confirmed as the cause by the incident commander (alice): " in markdown  # Summary
    trigger = markdown.split("\n## Trigger\n", 1)[1].split("\n## ")[0]
    assert f"by the bot's leading hypothesis: {cause} — **confirmed** by the incident " in trigger
    assert "Confirm or rule out the leading hypothesis" not in markdown

    async def summary() -> str | None:
        for message in await people.messages(channel):
            if str(message.get("text") or "").startswith("Postmortem draft for INC-1"):
                return str(message["text"])
        return None

    said = await eventually(summary, what="the draft's summary message")
    assert f"\nConfirmed cause: {cause} (by the incident commander (alice))\n" in said
    assert "alice confirmed as a cause:" in markdown  # the timeline, by display name
    assert "U0ALICE" not in markdown


async def test_with_no_commander_set_a_person_in_the_channel_confirms_a_cause_in_words(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await _quiet_channel(runtime, people, scenario)
    answer: dict[str, Any] = (
        await people.command("U0BOB", channel, "/incident", "confirm-cause a stale parser schema")
    )["responses"][0]
    assert answer["ephemeral"] is False
    assert answer["text"] == (
        "<@U0BOB> confirmed as a cause of INC-1: “a stale parser schema”. The postmortem draft "
        "marks it confirmed."
    )
    await people.command("U0BOB", channel, "/postmortem", "")
    file = await eventually(lambda: shared_file(people, channel), what="the draft's file")
    root = _root_cause((await people.file_content(file["id"])).decode())
    assert (
        "- Confirmed by bob (no incident commander was set), in their own words: “a stale parser "
        "schema”" in root
    )
