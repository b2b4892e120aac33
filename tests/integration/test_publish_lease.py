"""A publishing pass keeps its incident's lease for as long as it runs, and stops when another
has taken it: a lease that lapsed mid-pass let a second pass make a second channel or packet
(the crash-recovery and replica tests, on a loaded machine). The pass is held inside Slack's
``conversations.create`` by the emulator's fault, as a 429 or a slow machine would hold it."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from bot.clock import FixedClock
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import IncidentRecord
from bot.incident.publish import publish_incident
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator
from tests.harness import eventually

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
LEASE = timedelta(seconds=0.3)  # renewed every 0.1 s of real time while the pass runs


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0, rate_limits_enabled=False)) as running:
        yield running


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))


@pytest.fixture
def context() -> PipelineContext:
    sources, catalog = replay_evidence([SCENARIO])
    return replace(
        PipelineContext(sources=sources, catalog=catalog, policy=DEFAULT_POLICY, deadline=3.0),
        lease=LEASE,
    )


async def _open_incident(sessions, clock) -> int:
    alert = SCENARIO.deliveries[0]
    signals = normalize(
        alert.source,
        alert.payload,
        received_at=clock.now(),
        body_digest=hashlib.sha256(json.dumps(alert.payload).encode()).hexdigest(),
    )
    await accept_signals(signals, sessions=sessions, clock=clock)
    await correlate_pending(sessions=sessions, clock=clock, catalog=SCENARIO.to_catalog())
    async with sessions() as session:
        query = select(IncidentRecord.id).order_by(IncidentRecord.id.desc()).limit(1)
        return int((await session.execute(query)).scalar_one())


async def _lease_until(sessions, incident_id):
    async with sessions() as session:
        return (await session.get(IncidentRecord, incident_id)).lease_until


async def _pass_held_in_channel_creation(sessions, clock, chat, context, people):
    """An incident and a pass of it stuck in conversations.create (the task)."""
    incident_id = await _open_incident(sessions, clock)
    await people.set_faults(conversations_create="after")  # made, not answered
    task = asyncio.create_task(
        publish_incident(incident_id, sessions=sessions, chat=chat, context=context, clock=clock)
    )

    async def held() -> bool:
        return (await people.stats())["fault_hits"].get("conversations.create", 0) > 0

    await eventually(held, what="the pass to reach conversations.create")
    return incident_id, task


async def test_a_pass_that_outlasts_its_lease_keeps_the_incident(
    sessions, clock, emulator, chat, context
) -> None:
    async with EmulatorClient(emulator.base_url) as people:
        incident_id, task = await _pass_held_in_channel_creation(
            sessions, clock, chat, context, people
        )
        clock.advance(LEASE * 10)  # the lease as first taken is long over

        async def renewed() -> bool:
            return await _lease_until(sessions, incident_id) > clock.now()

        await eventually(renewed, what="the holder to renew its lease")
        async with sessions() as session, session.begin():
            taken = await incidents.take_lease(session, incident_id, clock=clock, duration=LEASE)
        assert taken is None  # another pass finds it held

        await people.set_faults()
        assert await task is True
        channels = [c for c in await people.channels() if c["name"].startswith("inc-")]
    assert len(channels) == 1


async def test_a_pass_whose_lease_another_took_stops_and_leaves_the_incident_to_it(
    sessions, clock, emulator, chat, context
) -> None:
    async with EmulatorClient(emulator.base_url) as people:
        incident_id, task = await _pass_held_in_channel_creation(
            sessions, clock, chat, context, people
        )
        # Another replica took the lease (this one was starved past it, say).
        theirs = clock.now() + timedelta(minutes=5)
        async with sessions() as session, session.begin():
            await session.execute(
                update(IncidentRecord)
                .where(IncidentRecord.id == incident_id)
                .values(lease_until=theirs)
            )

        assert await task is False  # stopped, its Slack call abandoned
        await people.set_faults()
    assert await _lease_until(sessions, incident_id) == theirs  # left as the new holder set it
