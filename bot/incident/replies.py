"""The replies in a packet's thread: the main signal's chart and the narrator's "likely cause",
each posted at most once per incident, after the packet and never holding it up.

A failure to draw, narrate or post is logged and audited and leaves the packet as it is; it is
never retried. The state before each Slack call is recorded, so after a crash the thread is
searched before anything is posted again.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.chat import Chat
from bot.clock import Clock
from bot.errors import ChartError, ChatError
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.models import ChartState, IncidentRecord, NarrativeState
from bot.incident.progress import step
from bot.incident.triage import IncidentTriage, build_incident_packet, triage_incident
from bot.narrator.facts import known_services
from bot.narrator.likely_cause import likely_cause
from bot.packet.values import Packet

__all__ = ["attach_chart", "post_narrative"]

log = logging.getLogger(__name__)


async def attach_chart(
    incident: IncidentRecord,
    channel_id: str,
    packet: Packet | None,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> None:
    """The main signal's chart as a reply in the packet's thread, once per incident.

    Runs after the packet is posted and never holds it up; a failure to draw or upload is
    logged and audited and leaves the packet as it is, never retried. ``uploading`` is recorded
    before the upload, so after a crash the thread is searched before uploading again.
    """
    state = ChartState(incident.chart_state)
    if state not in (ChartState.PENDING, ChartState.UPLOADING) or incident.packet_ts is None:
        return
    thread_ts = incident.packet_ts
    if context.charts is None:
        async with step(sessions, incident.id, clock=clock) as session:
            await incidents.record_chart_state(
                session, incident_id=incident.id, state=ChartState.NONE
            )
        return
    if packet is None:  # posted by an earlier pass: the chart comes from the same evidence
        packet = await build_incident_packet(
            incident, sessions=sessions, context=context, clock=clock
        )
    chart = packet.chart.redacted() if packet.chart is not None else None
    if chart is None:
        async with step(sessions, incident.id, clock=clock) as session:
            await incidents.record_chart_state(
                session, incident_id=incident.id, state=ChartState.NONE
            )
        return
    try:
        file_id = None
        if state == ChartState.UPLOADING:
            file_id = await chat.find_image(channel_id, thread_ts, chart.filename)
        if file_id is None:
            png = await asyncio.to_thread(context.charts.render, chart)
            async with step(sessions, incident.id, clock=clock) as session:
                await incidents.record_chart_state(
                    session, incident_id=incident.id, state=ChartState.UPLOADING
                )
            file_id = await chat.attach_image(channel_id, thread_ts, chart.image(png))
    except (ChartError, ChatError) as exc:
        log.warning("incident %s: the packet's chart was not attached: %s", incident.id, exc)
        async with step(
            sessions,
            incident.id,
            clock=clock,
            event="packet.chart_failed",
            details={"metric": chart.metric, "error": str(exc)},
        ) as session:
            await incidents.record_chart_state(
                session, incident_id=incident.id, state=ChartState.FAILED
            )
        return
    async with step(
        sessions,
        incident.id,
        clock=clock,
        event="packet.chart_attached",
        details={"file_id": file_id, "metric": chart.metric, "thread_ts": thread_ts},
    ) as session:
        await incidents.record_chart_state(
            session, incident_id=incident.id, state=ChartState.ATTACHED
        )


async def post_narrative(
    incident: IncidentRecord,
    channel_id: str,
    triage: IncidentTriage | None,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> None:
    """The "likely cause" paragraph as a reply in the packet's thread, once per incident.

    Runs after the packet (and its chart) and never holds them up. The text is stored with
    ``posting`` before the post, so after a crash the thread is searched and, if the reply is
    missing, the same text is posted without asking the model again. A chat failure is logged
    and audited and leaves the packet as it is, never retried.
    """
    state = NarrativeState(incident.narrative_state)
    if state not in (NarrativeState.PENDING, NarrativeState.POSTING) or incident.packet_ts is None:
        return
    thread_ts = incident.packet_ts
    if context.narrator is None:
        async with step(sessions, incident.id, clock=clock) as session:
            await incidents.record_narrative_state(
                session, incident_id=incident.id, state=NarrativeState.NONE
            )
        return
    text = incident.narrative_text
    grounded: bool | None = None  # known only when the model was asked in this pass
    try:
        found = None
        if state == NarrativeState.POSTING:
            found = await chat.find_narrative(channel_id, thread_ts, incident.id)
        if found is None and text is None:
            if triage is None:  # posted by an earlier pass: narrate from the same evidence
                triage = await triage_incident(
                    incident, sessions=sessions, context=context, clock=clock
                )
            cause = await likely_cause(
                context.narrator,
                packet=triage.packet,
                assessment=triage.assessment,
                evidence=triage.evidence,
                services=known_services(context.catalog, incident.service),
            )
            text, grounded = cause.text, cause.grounded
            async with step(sessions, incident.id, clock=clock) as session:
                await incidents.record_narrative_posting(
                    session, incident_id=incident.id, text=text
                )
        if found is None and text is not None:
            found = await chat.post_narrative(channel_id, thread_ts, incident.id, text)
    except ChatError as exc:
        log.warning("incident %s: the narrative was not posted: %s", incident.id, exc)
        async with step(
            sessions,
            incident.id,
            clock=clock,
            event="packet.narrative_failed",
            details={"error": str(exc)},
        ) as session:
            await incidents.record_narrative_state(
                session, incident_id=incident.id, state=NarrativeState.FAILED
            )
        return
    async with step(
        sessions,
        incident.id,
        clock=clock,
        event="packet.narrative_posted",
        details={
            "ts": found,
            "thread_ts": thread_ts,
            "grounded": grounded,
            "recovered": state == NarrativeState.POSTING,
        },
    ) as session:
        await incidents.record_narrative_state(
            session, incident_id=incident.id, state=NarrativeState.POSTED
        )
