"""Publishing survives a crash between any two Slack calls: the real flows, the real Slack client
and the shipped emulator, with the database left as a killed process would leave it."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text, update

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import ChannelState, IncidentRecord, PacketState
from bot.incident.publish import channel_name_for, publish_incident
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    emulator = SlackEmulator(EmulatorConfig(port=0))
    await emulator.start()
    yield emulator
    await emulator.stop()


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))


@pytest.fixture
def context() -> PipelineContext:
    sources, catalog = replay_evidence([SCENARIO])
    return PipelineContext(sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=3.0)


async def _open_incident(sessions, clock, payload=None) -> int:
    alert = SCENARIO.deliveries[0]
    body = payload or alert.payload
    signals = normalize(
        alert.source,
        body,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(body).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=SCENARIO.to_catalog())
    async with sessions() as session:
        query = select(IncidentRecord.id).order_by(IncidentRecord.id.desc()).limit(1)
        return int((await session.execute(query)).scalar_one())


async def _incident_channels(emulator: SlackEmulator) -> list[dict]:
    async with EmulatorClient(emulator.base_url) as people:
        return [c for c in await people.channels() if c["name"].startswith("inc-")]


async def _packets(emulator: SlackEmulator, channel_id: str) -> list[dict]:
    async with EmulatorClient(emulator.base_url) as people:
        messages = await people.messages(channel_id)
    return [m for m in messages if "Incident packet" in (m.get("text") or "")]


# One severity step up from each: what more related alerts do to an incident.
RAISED = {"sev4": "sev3", "sev3": "sev2", "sev2": "sev1"}


async def _first_published(sessions, clock, chat, context) -> IncidentRecord:
    """An incident opened from the scenario's first alert and published: channel and packet."""
    incident_id = await _open_incident(sessions, clock)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    async with sessions() as session:
        return await session.get(IncidentRecord, incident_id)


async def _published_with(sessions, clock, chat, context, incident_id, **crashed) -> None:
    """Leave the incident as a process killed after its last Slack post would (``crashed``:
    the columns it had not written yet), then publish it again."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(lease_until=None, **crashed)
        )
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )


async def _channel_texts(emulator: SlackEmulator, channel_id: str) -> list[str]:
    async with EmulatorClient(emulator.base_url) as people:
        return [m.get("text") or "" for m in await people.messages(channel_id)]


async def test_a_channel_created_just_before_a_crash_is_adopted_not_duplicated(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
        name = channel_name_for(incident)
    # The killed process had recorded its intent and Slack had created the channel.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(channel_state=ChannelState.CREATING, channel_name=name)
        )
    created = await chat.create_channel(name)

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    channels = await _incident_channels(emulator)
    assert [c["id"] for c in channels] == [created.id]
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
    assert incident.channel_id == created.id
    assert len(await _packets(emulator, created.id)) == 1


async def test_a_packet_posted_just_before_a_crash_is_found_not_posted_again(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    async with sessions() as session:
        posted = await session.get(IncidentRecord, incident_id)
    # The killed process had posted but not yet recorded the ts.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(packet_state=PacketState.POSTING, packet_ts=None, lease_until=None)
        )

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    assert len(await _packets(emulator, posted.channel_id)) == 1
    async with sessions() as session:
        recovered = await session.get(IncidentRecord, incident_id)
        trail = await audit.entries(session, incident_id=incident_id)
    assert recovered.packet_ts == posted.packet_ts
    assert trail[-1].event == "packet.posted"
    assert trail[-1].details["recovered"] is True


async def test_a_severity_raised_after_a_recovered_packet_is_still_announced(
    sessions, clock, emulator, chat, context
) -> None:
    posted = await _first_published(sessions, clock, chat, context)
    shown = posted.severity
    raised = RAISED[shown]
    # The killed process had posted but recorded nothing of it, not even the severity the packet
    # showed; meanwhile more related alerts raised the incident's severity.
    await _published_with(
        sessions,
        clock,
        chat,
        context,
        posted.id,
        packet_state=PacketState.POSTING,
        packet_ts=None,
        announced_severity=None,
        severity=raised,
        packet_revision=IncidentRecord.packet_revision + 1,
    )

    texts = await _channel_texts(emulator, posted.channel_id)
    assert len([t for t in texts if "Incident packet" in t]) == 1
    assert [t for t in texts if shown in t and raised in t and "Incident packet" not in t]
    async with sessions() as session:
        recovered = await session.get(IncidentRecord, posted.id)
        trail = await audit.entries(session, incident_id=posted.id)
    assert recovered.announced_severity == raised
    announced = [e.details for e in trail if e.event == "incident.severity_announced"]
    assert announced == [{"from": shown, "to": raised}]


async def test_a_severity_announcement_a_crash_left_unrecorded_is_not_posted_twice(
    sessions, clock, emulator, chat, context
) -> None:
    posted = await _first_published(sessions, clock, chat, context)
    incident_id, shown = posted.id, posted.severity
    raised = RAISED[shown]
    await _published_with(sessions, clock, chat, context, incident_id, severity=raised)
    announced = [t for t in await _channel_texts(emulator, posted.channel_id) if raised in t]

    # Killed after posting the announcement, before recording it: announced_severity is old.
    await _published_with(sessions, clock, chat, context, incident_id, announced_severity=shown)

    texts = await _channel_texts(emulator, posted.channel_id)
    assert len(announced) == 1
    assert [t for t in texts if raised in t and "Incident packet" not in t] == announced
    async with sessions() as session:
        assert (await session.get(IncidentRecord, incident_id)).announced_severity == raised


async def test_a_resolve_question_a_crash_left_unrecorded_is_not_asked_twice(
    sessions, clock, emulator, chat, context
) -> None:
    published = await _first_published(sessions, clock, chat, context)
    incident_id, channel_id = published.id, published.channel_id
    await _published_with(sessions, clock, chat, context, incident_id, all_resolved=True)
    before = await _channel_texts(emulator, channel_id)

    # Killed after asking, before recording resolve_prompted.
    await _published_with(sessions, clock, chat, context, incident_id, resolve_prompted=False)

    assert await _channel_texts(emulator, channel_id) == before
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
        trail = await audit.entries(session, incident_id=incident_id)
    assert incident.resolve_prompted is True
    asked = [entry.details["ts"] for entry in trail if entry.event == "incident.resolve_asked"]
    assert len(asked) == 2
    assert asked[0] == asked[1]  # the second round found the first question


async def test_a_name_taken_by_another_incident_gets_a_suffix(
    sessions, clock, emulator, chat, context
) -> None:
    first = await _open_incident(sessions, clock)
    assert await publish_incident(first, sessions=sessions, chat=chat, context=context, clock=clock)
    # The first incident resolves; the same alert fires again the same day.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == first)
            .values(status="resolved", open_fingerprint=None)
        )
    again = copy.deepcopy(SCENARIO.deliveries[0].payload)
    again["alerts"][0]["startsAt"] = "2026-03-04T15:00:00Z"
    second = await _open_incident(sessions, clock, again)
    assert second != first

    assert await publish_incident(
        second, sessions=sessions, chat=chat, context=context, clock=clock
    )

    names = sorted(c["name"] for c in await _incident_channels(emulator))
    assert names == ["inc-20260304-billing-webhooks", "inc-20260304-billing-webhooks-2"]


async def test_a_slack_failure_is_audited_backs_off_and_is_retried_later(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    unreachable = SlackChat(build_web_client("xoxb-x", base_url="http://127.0.0.1:9/api/"))

    assert not await publish_incident(
        incident_id, sessions=sessions, chat=unreachable, context=context, clock=clock
    )
    async with sessions() as session:
        failed = await session.get(IncidentRecord, incident_id)
        trail = await audit.entries(session, incident_id=incident_id)
    assert trail[-1].event == "incident.slack_failed"
    assert failed.lease_until is not None
    assert failed.lease_until > clock.now()
    # Still backing off: nobody may take it yet.
    assert not await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    clock.advance(timedelta(minutes=1))
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    async with sessions() as session:
        done = await session.get(IncidentRecord, incident_id)
        count = await session.scalar(text("SELECT count(*) FROM audit_log"))
        assert await audit.verify(session) == count
    assert done.packet_state == PacketState.POSTED
