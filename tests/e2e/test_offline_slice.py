"""The foundation's slice, end to end: alert webhook → incident channel → evidence packet →
/status, with a tamper-evident audit trail."""

from __future__ import annotations

import copy
import os
from typing import Any

import pytest
from sqlalchemy import text

from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, RateLimits
from tests.e2e.conftest import eventually, post_alert, run_cli

pytestmark = pytest.mark.slow


async def packets_in(people: EmulatorClient) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    found = []
    for channel in await people.channels():
        if not channel["name"].startswith("inc-"):
            continue
        for message in await people.messages(channel["id"]):
            if "Incident packet" in (message.get("text") or ""):
                found.append((channel, message))
    return found


async def settled(runtime: Runtime) -> bool:
    """True once every accepted signal is correlated and every open incident is published,
    its channel finished too (topic and invites follow the packet)."""
    async with runtime.sessions() as session:
        pending = await session.scalar(
            text("SELECT count(*) FROM signals WHERE processed_at IS NULL")
        )
        unpublished = await session.scalar(
            text(
                "SELECT count(*) FROM incidents WHERE status = 'open' "
                "AND (packet_state != 'posted' OR channel_state != 'ready')"
            )
        )
    return pending == 0 and unpublished == 0


async def test_two_identical_alerts_give_one_channel_and_one_packet(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    first = await post_alert(runtime, alert.source.value, alert.payload)
    second = await post_alert(runtime, alert.source.value, alert.payload)
    assert (first[0], second[0]) == (202, 200)

    # The same alert re-fired later is a new delivery with the same fingerprint: it joins.
    refired = copy.deepcopy(alert.payload)
    refired["alerts"][0]["startsAt"] = "2026-03-04T14:05:30Z"
    assert (await post_alert(runtime, alert.source.value, refired))[0] == 202

    await eventually(lambda: packets_in(people), what="the packet")
    await eventually(lambda: settled(runtime), what="the pipeline to settle")
    # Another pass changes nothing: the work is done, not merely not yet repeated.
    await runtime.worker.run_once()

    packets = await packets_in(people)
    assert len(packets) == 1
    channel, packet = packets[0]
    assert channel["name"] == "inc-20260304-billing-webhooks"
    assert [c["name"] for c in await people.channels() if c["name"].startswith("inc-")] == [
        "inc-20260304-billing-webhooks"
    ]
    text_ = packet["text"]
    assert "Service: billing-webhooks" in text_
    assert "Severity: sev2 candidate" in text_
    assert "First seen: 14:03 UTC" in text_
    assert "Error rate rose from 0.3% to 8.7%" in text_
    assert "Latest deploy landed 11 minutes before first spike" in text_
    assert "Payments platform" in text_
    assert "PR 4821" in text_
    assert "Roll back billing-webhooks to 51d0e7c" in text_
    assert "Requires approval:\n- Rollback" in text_
    async with runtime.sessions() as session:
        signals = await session.scalar(text("SELECT count(*) FROM signals"))
        incidents = await session.scalar(text("SELECT count(*) FROM incidents"))
    assert (signals, incidents) == (2, 1)


async def test_the_channel_has_a_topic_and_the_owners_on_call_group(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel, _ = (await eventually(lambda: packets_in(people), what="the packet"))[0]

    async def dressed() -> dict[str, Any] | None:
        # The packet goes first; the topic and the invitations follow it (by design).
        found = {c["id"]: c for c in await people.channels()}[channel["id"]]
        topic = found["topic"]
        has_topic = topic["value"] if isinstance(topic, dict) else topic
        return found if has_topic and len(found["members"]) > 1 else None

    ready = await eventually(dressed, what="the channel's topic")
    topic = ready["topic"]
    topic_text = topic["value"] if isinstance(topic, dict) else topic
    assert topic_text == "billing-webhooks · billing-webhooks error rate above 5% · INC-1"
    assert len(ready["members"]) > 1  # the bot and the on-call group


async def test_status_answers_in_the_incident_channel(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    channel, _ = (await eventually(lambda: packets_in(people), what="the packet"))[0]

    seen = await people.command("U0ALICE", channel["id"], "/status", "")

    assert seen["acked"] is True
    reply = seen["responses"][0]
    assert reply["ephemeral"] is False
    assert "Status of INC-1: open" in reply["text"]
    assert "Service: billing-webhooks" in reply["text"]
    assert "[firing]" in reply["text"]
    assert "Open actions: none" in reply["text"]


async def test_status_elsewhere_lists_the_open_incidents_privately(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    await eventually(lambda: packets_in(people), what="the packet")

    seen = await people.command("U0ALICE", "C0INCIDENTS", "/status", "")

    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert "Open incidents (1):" in reply["text"]
    assert "INC-1 · sev2 · billing-webhooks" in reply["text"]


async def test_status_with_arguments_shows_the_usage_privately(
    runtime: Runtime, people: EmulatorClient
) -> None:
    seen = await people.command("U0ALICE", "C0INCIDENTS", "/status", "everything please")
    reply = seen["responses"][0]
    assert reply["ephemeral"] is True
    assert "Usage: `/status`" in reply["text"]


async def test_the_audit_chain_verifies_and_an_sql_edit_is_named_by_the_cli(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    await eventually(lambda: packets_in(people), what="the packet")
    await eventually(lambda: settled(runtime), what="the pipeline to settle")

    async def chart_done() -> bool:
        # The chart follows the packet into its thread, after the channel is finished.
        async with runtime.sessions() as session:
            state = await session.scalar(text("SELECT chart_state FROM incidents WHERE id = 1"))
        return state not in ("pending", "uploading")

    await eventually(chart_done, what="the packet's chart")
    async with runtime.sessions() as session:
        events = [entry.event for entry in await audit.entries(session)]
        assert await audit.verify(session) == len(events)
    assert events == [
        "signal.accepted",
        "incident.opened",
        "incident.channel_created",
        "packet.posted",
        "incident.channel_ready",
        "packet.chart_attached",
    ]

    env = {**os.environ, "DATABASE_URL": runtime.settings.database_url}
    good = await run_cli(env, "audit", "verify")
    assert good.returncode == 0, good.stderr

    async with runtime.sessions() as session, session.begin():
        await session.execute(text("UPDATE audit_log SET event = 'incident.closed' WHERE seq = 2"))
    bad = await run_cli(env, "audit", "verify")
    assert bad.returncode == 1
    assert "audit row 2" in bad.stderr


@pytest.mark.parametrize(
    "emulator_config",
    [
        EmulatorConfig(
            port=0,
            # One call per method at a time, a new one every two seconds: three incidents opened
            # together must queue on conversations.create, setTopic and friends.
            rate_limits=RateLimits(
                tier2=30,
                tier3=30,
                tier4=30,
                burst=1,
                post_message_per_channel_per_second=0.5,
                post_message_channel_burst=1,
            ),
        )
    ],
)
async def test_a_rate_limiting_slack_still_gets_exactly_one_packet_per_incident(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    await post_alert(runtime, alert.source.value, alert.payload)
    for service in ("checkout-api", "search-api"):
        status, _ = await post_alert(
            runtime, "generic", {"service": service, "title": f"{service} is failing"}
        )
        assert status == 202

    async def all_published() -> bool:
        return len(await packets_in(people)) >= 3 and await settled(runtime)

    await eventually(all_published, timeout=90, what="three packets")

    stats = await people.stats()
    assert sum(stats["ratelimited"].values()) > 0, stats  # the limits really bit
    per_channel: dict[str, int] = {}
    for channel, _packet in await packets_in(people):
        per_channel[channel["name"]] = per_channel.get(channel["name"], 0) + 1
    assert per_channel == {
        "inc-20260304-billing-webhooks": 1,
        "inc-20260304-checkout-api": 1,
        "inc-20260304-search-api": 1,
    }
