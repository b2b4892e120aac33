"""``/triage`` and ``/explain`` end to end: real Bolt over Socket Mode against the emulator,
evidence from the replay scenario."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert
from tests.e2e.test_offline_slice import packets_in, settled

pytestmark = pytest.mark.slow


async def opened(runtime: Runtime, people: EmulatorClient, scenario: Scenario) -> dict[str, Any]:
    """The scenario's alert posted and its incident published; returns the channel."""
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel, _ = (await eventually(lambda: packets_in(people), what="the packet"))[0]
    await eventually(lambda: settled(runtime), what="the pipeline to settle")

    async def charted() -> bool:  # the chart lands in the thread after the packet
        async with runtime.sessions() as session:
            state = await session.scalar(text("SELECT chart_state FROM incidents WHERE id = 1"))
        return state not in ("pending", "uploading")

    await eventually(charted, what="the packet's chart")
    return channel


async def test_triage_in_an_incident_channel_posts_a_fresh_packet_that_later_updates_edit(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await opened(runtime, people, scenario)
    first_ts = (await packets_in(people))[0][1]["ts"]

    seen = await people.command("U0BOB", channel["id"], "/triage", "", wait_for=2, timeout=20)

    assert seen["acked"] is True
    note = "Triage of INC-1 re-run: the fresh packet is in the channel. Updates now go to it."

    async def told() -> bool:
        messages = await people.messages(channel["id"])
        return any(m["text"] == note and m.get("ephemeral") for m in messages)

    await eventually(told, what="the note to the asker")
    packets = await packets_in(people)
    assert len(packets) == 2
    fresh = packets[1][1]
    assert fresh["ts"] != first_ts
    assert "Roll back billing-webhooks to 51d0e7c" in fresh["text"]
    async with runtime.sessions() as session:
        ts = await session.scalar(text("SELECT packet_ts FROM incidents WHERE id = 1"))
        rows = [e for e in await audit.entries(session) if e.event == "packet.retriaged"]
    assert ts == fresh["ts"]
    assert [(e.actor, e.incident_id, e.details["ts"]) for e in rows] == [
        ("slack:U0BOB", 1, fresh["ts"])
    ]

    # A related alert joins: the pipeline edits the fresh packet, not the first one.
    status, _ = await post_alert(
        runtime, "generic", {"service": "billing-webhooks", "title": "billing-webhooks p99 high"}
    )
    assert status == 202

    async def edited() -> dict[str, Any] | None:
        by_ts = {m["ts"]: m for m in await people.messages(channel["id"])}
        fresh_now = by_ts[fresh["ts"]]
        return fresh_now if "1 related alert" in fresh_now["text"] else None

    await eventually(edited, what="the fresh packet edited by the join")
    by_ts = {m["ts"]: m for m in await people.messages(channel["id"])}
    assert "1 related alert" not in by_ts[first_ts]["text"]


async def test_triage_elsewhere_shows_a_read_only_packet_only_to_the_asker(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/triage", "billing-webhooks", timeout=20)

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert reply["text"].startswith("Read-only triage of billing-webhooks at 14:"), reply["text"]
    assert "no incident was opened, and only you see this." in reply["text"]
    assert "Likely owner:\n- Payments platform (on call: @payments-oncall)" in reply["text"]
    assert not [m for m in await people.messages("C0INCIDENTS") if not m.get("ephemeral")]
    async with runtime.sessions() as session:
        counts = (
            await session.scalar(text("SELECT count(*) FROM incidents")),
            await session.scalar(text("SELECT count(*) FROM signals")),
        )
        events = [(e.event, e.actor, dict(e.details)) for e in await audit.entries(session)]
    assert counts == (0, 0)
    assert events == [
        ("triage.previewed", "slack:U0ALICE", {"service": "billing-webhooks", "unavailable": []})
    ]


@pytest.mark.parametrize(
    ("where", "words", "detail"),
    [
        ("C0INCIDENTS", "", "Name a service outside an incident."),
        ("C0INCIDENTS", "billing webhooks", "Not understood: `billing webhooks`"),
    ],
)
async def test_triage_with_bad_arguments_shows_the_usage_privately(
    runtime: Runtime, people: EmulatorClient, where: str, words: str, detail: str
) -> None:
    seen = await people.command("U0ALICE", where, "/triage", words)

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert detail in reply["text"]
    assert "Usage: `/triage`" in reply["text"]


async def test_explain_gives_the_top_hypothesis_and_its_evidence_in_the_channel(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await opened(runtime, people, scenario)

    seen = await people.command("U0BOB", channel["id"], "/explain", "", timeout=20)

    reply = seen["responses"][0]
    assert reply["ephemeral"] is False
    assert reply["text"].startswith("INC-1 · billing-webhooks\nTop hypothesis: Regression from")
    assert "deploy 9f1c2ab (PR 4821) by dana" in reply["text"]
    assert "Evidence for it:\n- landed 11 minutes before the first anomaly" in reply["text"]
    assert "Every evidence source answered" in reply["text"]


async def test_explain_answers_a_question_from_the_packet(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    channel = await opened(runtime, people, scenario)

    owner = await people.command("U0BOB", channel["id"], "/explain", "who owns", timeout=20)
    weather = await people.command("U0BOB", channel["id"], "/explain", "will it rain", timeout=20)

    assert "Payments platform (on call: @payments-oncall)" in owner["responses"][0]["text"]
    assert "The packet does not answer that" in weather["responses"][0]["text"]


async def test_explain_outside_an_incident_channel_shows_the_usage_privately(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/explain", "why")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert "`/explain` works in an incident's own channel." in reply["text"]
    assert "Usage, in an incident channel: `/explain`" in reply["text"]
