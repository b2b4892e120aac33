"""The main signal's chart in the packet's thread: the real flows, the real Slack client, the
shipped emulator and matplotlib; once per incident even when a crash interrupts the upload, and
never at the packet's expense when drawing or uploading fails."""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.errors import ChartError
from bot.incident.context import PipelineContext
from bot.incident.correlate import correlate_pending
from bot.incident.models import ChartState, IncidentRecord, PacketState
from bot.incident.publish import publish_incident
from bot.packet.chart import MetricChart
from bot.policy import DEFAULT_POLICY
from bot.scenario.loader import load_scenario
from bot.signal.flows import accept_signals
from bot.signal.sources import normalize
from bot.wiring.evidence import SHIPPED_SCENARIOS, replay_evidence
from integrations.charts import MatplotlibCharts
from integrations.slack.chat import SlackChat
from integrations.slack.client import build_web_client
from integrations.slack_emulator import EmulatorClient, EmulatorConfig, SlackEmulator

SCENARIO = load_scenario(SHIPPED_SCENARIOS / "billing-parser-deploy.yaml")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class BrokenCharts:
    """A renderer that cannot draw, as matplotlib would fail on a bad series."""

    def render(self, chart: MetricChart) -> bytes:
        raise ChartError(f"{chart.title}: cannot draw")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(SCENARIO.now)


@pytest.fixture
async def emulator() -> AsyncIterator[SlackEmulator]:
    async with SlackEmulator(EmulatorConfig(port=0)) as running:
        yield running


@pytest.fixture
def chat(emulator: SlackEmulator) -> SlackChat:
    return SlackChat(build_web_client(emulator.config.bot_token, base_url=emulator.api_url))


@pytest.fixture
def context() -> PipelineContext:
    sources, catalog = replay_evidence([SCENARIO])
    return PipelineContext(
        sources=sources,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        deadline=3.0,
        charts=MatplotlibCharts(),
    )


async def _open_incident(sessions: async_sessionmaker[AsyncSession], clock: FixedClock) -> int:
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
        return int((await session.execute(select(IncidentRecord.id))).scalar_one())


async def _incident(sessions: async_sessionmaker[AsyncSession], incident_id: int) -> IncidentRecord:
    async with sessions() as session:
        incident = await session.get(IncidentRecord, incident_id)
    assert incident is not None
    return incident


async def _thread_files(emulator: SlackEmulator, incident: IncidentRecord) -> list[dict]:
    assert incident.channel_id is not None
    async with EmulatorClient(emulator.base_url) as people:
        messages = await people.messages(incident.channel_id)
    return [
        file
        for message in messages
        if message["thread_ts"] == incident.packet_ts
        for file in message.get("files", [])
    ]


async def _events(sessions: async_sessionmaker[AsyncSession], incident_id: int) -> list[str]:
    async with sessions() as session:
        return [e.event for e in await audit.entries(session, incident_id=incident_id)]


async def test_the_chart_goes_into_the_packets_thread_once(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    incident = await _incident(sessions, incident_id)
    files = await _thread_files(emulator, incident)
    assert [f["name"] for f in files] == [f"inc-{incident_id}-billing-webhooks-error-rate.png"]
    assert files[0]["mimetype"] == "image/png"
    async with EmulatorClient(emulator.base_url) as people:
        png = await people.file_content(files[0]["id"])
    assert png.startswith(PNG_SIGNATURE)
    assert incident.chart_state == ChartState.ATTACHED
    assert (await _events(sessions, incident_id)).count("packet.chart_attached") == 1


async def test_an_upload_a_crash_left_unrecorded_is_found_not_repeated(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    # The killed process had uploaded the chart but not yet recorded it.
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(chart_state=ChartState.UPLOADING, lease_until=None)
        )

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    incident = await _incident(sessions, incident_id)
    assert len(await _thread_files(emulator, incident)) == 1
    assert incident.chart_state == ChartState.ATTACHED


async def test_an_interrupted_upload_that_never_reached_slack_is_done_after_restart(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    charts_off = replace(context, charts=None)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=charts_off, clock=clock
    )
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(chart_state=ChartState.UPLOADING, lease_until=None)
        )

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    incident = await _incident(sessions, incident_id)
    assert len(await _thread_files(emulator, incident)) == 1
    assert incident.chart_state == ChartState.ATTACHED


async def test_a_chart_that_cannot_be_drawn_leaves_the_packet_as_it_is(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    broken = replace(context, charts=BrokenCharts())

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=broken, clock=clock
    )

    incident = await _incident(sessions, incident_id)
    assert incident.packet_state == PacketState.POSTED
    assert incident.chart_state == ChartState.FAILED
    assert await _thread_files(emulator, incident) == []
    assert "packet.chart_failed" in await _events(sessions, incident_id)
    # Not tried again: the incident needs no more Slack work for its chart.
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
    assert await _thread_files(emulator, await _incident(sessions, incident_id)) == []


async def test_a_refused_upload_is_audited_and_the_packet_stands(
    sessions, clock, emulator, chat, context
) -> None:
    incident_id = await _open_incident(sessions, clock)
    charts_off = replace(context, charts=None)
    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=charts_off, clock=clock
    )
    incident = await _incident(sessions, incident_id)
    assert incident.chart_state == ChartState.NONE
    # Slack will refuse this one: the packet's thread is gone (the packet was deleted).
    assert incident.channel_id is not None
    assert incident.packet_ts is not None
    web = build_web_client(emulator.config.bot_token, base_url=emulator.api_url)
    await web.chat_delete(channel=incident.channel_id, ts=incident.packet_ts)
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(chart_state=ChartState.PENDING, lease_until=None)
        )

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    async with sessions() as session:
        trail = await audit.entries(session, incident_id=incident_id)
    failure = next(e for e in trail if e.event == "packet.chart_failed")
    assert "thread_not_found" in failure.details["error"]
    assert (await _incident(sessions, incident_id)).chart_state == ChartState.FAILED


async def test_no_chart_is_attempted_without_a_metric_series(
    sessions, clock, emulator, chat
) -> None:
    sources, catalog = replay_evidence([SCENARIO])
    no_metrics = replace(sources, metrics=())
    context = PipelineContext(
        sources=no_metrics,
        catalog=catalog,
        policy=DEFAULT_POLICY,
        deadline=3.0,
        charts=MatplotlibCharts(),
    )
    incident_id = await _open_incident(sessions, clock)

    assert await publish_incident(
        incident_id, sessions=sessions, chat=chat, context=context, clock=clock
    )

    incident = await _incident(sessions, incident_id)
    assert incident.chart_state == ChartState.NONE
    assert await _thread_files(emulator, incident) == []
