"""A storm folding into one incident, end to end: related alerts from the service's catalog
neighbours join, the severity is raised and announced, the packet is edited in place, and when
every alert has resolved the bot asks, and a person's click resolves it."""

from __future__ import annotations

import asyncio
import copy

import pytest
from sqlalchemy import text

from bot.app import Runtime
from bot.audit import service as audit
from bot.scenario.schemas import Scenario
from integrations.slack_emulator import EmulatorClient
from tests.e2e.conftest import eventually, post_alert

pytestmark = pytest.mark.slow

RELATED = [
    ("billing-db", "billing-db connections saturated"),
    ("stripe-api", "stripe-api timeouts from billing"),
    ("billing-webhooks", "billing-webhooks p99 above 2s"),
]


async def _channel_messages(people: EmulatorClient) -> tuple[str, list[dict]]:
    channel = await people.channel_by_name("inc-20260304-billing-webhooks")
    assert channel is not None
    return channel["id"], await people.messages(channel["id"])


async def test_a_storm_folds_raises_severity_and_asks_before_resolving(
    runtime: Runtime, people: EmulatorClient, scenario: Scenario
) -> None:
    alert = scenario.deliveries[0]
    assert (await post_alert(runtime, alert.source.value, alert.payload))[0] == 202

    # The channel opens at sev2 first; the storm that follows raises it where people can see.
    async def opened() -> bool:
        if await people.channel_by_name("inc-20260304-billing-webhooks") is None:
            return False
        _, messages = await _channel_messages(people)
        return any("Severity: sev2" in m["text"] for m in messages)

    await eventually(opened, what="the sev2 packet")
    for service, title in RELATED:
        body = {"service": service, "title": title, "severity": "warning", "dedup_key": title}
        assert (await post_alert(runtime, "generic", body))[0] == 202

    async def raised() -> list[dict] | None:
        if await people.channel_by_name("inc-20260304-billing-webhooks") is None:
            return None
        _, messages = await _channel_messages(people)
        found = [m for m in messages if m["text"].startswith("Severity raised to sev1")]
        return found or None

    await eventually(raised, what="the severity announcement")
    async with runtime.sessions() as session:
        incidents = (await session.execute(text("SELECT count(*) FROM incidents"))).scalar()
        severity = (await session.execute(text("SELECT severity FROM incidents"))).scalar()
    assert (incidents, severity) == (1, "sev1")

    async def packet_shows_related() -> bool:
        _, messages = await _channel_messages(people)
        packets = [m for m in messages if "Incident packet" in m["text"]]
        return (
            len(packets) == 1
            and "3 related alerts (also billing-db, stripe-api)" in (packets[0]["text"])
        )

    await eventually(packet_shows_related, what="the packet to list the related alerts")

    resolved = copy.deepcopy(alert.payload)
    resolved["status"] = "resolved"
    resolved["alerts"][0]["status"] = "resolved"
    resolved["alerts"][0]["endsAt"] = "2026-03-04T14:20:00Z"
    assert (await post_alert(runtime, alert.source.value, resolved))[0] == 202
    for service, title in RELATED:
        body = {"service": service, "title": title, "status": "resolved", "dedup_key": title}
        assert (await post_alert(runtime, "generic", body))[0] == 202

    async def question() -> dict | None:
        _, messages = await _channel_messages(people)
        return next(
            (m for m in messages if m["text"].startswith("All 4 alerts have resolved")), None
        )

    asked = await eventually(question, what="the question whether to resolve")
    channel_id, _ = await _channel_messages(people)
    async with runtime.sessions() as session:
        status = (await session.execute(text("SELECT status FROM incidents"))).scalar()
    assert status == "open"  # the bot asks; it does not close the incident itself

    # Two people click at once: the incident is resolved once, by whoever came first.
    first, second = await asyncio.gather(
        people.click("U0ERIN", channel_id, asked["ts"], "incident_resolve"),
        people.click("U0ALICE", channel_id, asked["ts"], "incident_resolve"),
    )
    assert first["confirm"]["title"] == "Resolve INC-1?"
    texts = sorted(r["text"] for answer in (first, second) for r in answer["responses"])
    assert len([t for t in texts if " resolved by " in t]) == 1, texts
    assert len([t for t in texts if "already resolved" in t]) == 1, texts

    async with runtime.sessions() as session:
        status = (await session.execute(text("SELECT status FROM incidents"))).scalar()
        trail = await audit.entries(session, incident_id=1)
        assert await audit.verify(session) > 0
    assert status == "resolved"
    assert len([e for e in trail if e.event == "incident.resolved"]) == 1
    assert "incident.severity_announced" in [e.event for e in trail]
