"""Triage on demand (``/triage``, ``/explain``): gathering the evidence again and building a
fresh packet, for an incident or for a service with none.

For an incident, the fresh packet is posted as a new message and becomes the incident's packet:
``packet_ts`` moves to it, so later updates (joins, late evidence) edit what people read last.
The move is a conditional update on a posted packet, so it never races the first posting. For a
service with no incident, nothing is opened or stored except the audit row saying who looked.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.chat import Chat
from bot.clock import Clock
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.models import IncidentRecord
from bot.incident.packet import raised_markers, triage_incident, triage_signals
from bot.packet.render import stored_text
from bot.packet.values import Packet
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

__all__ = ["PREVIEW_INCIDENT_ID", "Retriaged", "current_packet", "preview_service", "retriage"]

PREVIEW_INCIDENT_ID = 0  # a read-only packet belongs to no incident


@dataclass(frozen=True, slots=True)
class Retriaged:
    packet: Packet
    ts: str
    replaced: bool  # the new message is now the incident's packet (False: the first is pending)


async def current_packet(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
) -> Packet:
    """The incident's packet from the evidence as it stands now, changing nothing (a late
    source's answer is not kept for the incident: this is a look, not a revision)."""
    triage = await triage_incident(
        incident, sessions=sessions, context=context, clock=clock, watch_late=False
    )
    return triage.packet


async def retriage(
    incident_id: int,
    *,
    actor: str,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> Retriaged | None:
    """Gather again, post a new packet in the incident's channel and record it; None when the
    incident has no channel yet (the pipeline is still opening it)."""
    async with sessions() as session:
        incident = await incidents.get(session, incident_id)
    if incident is None or incident.channel_id is None:
        return None
    revision = incident.packet_revision
    triage = await triage_incident(
        incident, sessions=sessions, context=context, clock=clock, watch_late=False
    )
    packet = triage.packet
    ts = await chat.post_packet(incident.channel_id, packet)
    async with sessions() as session, session.begin():
        replaced = await incidents.move_packet(
            session,
            incident_id=incident_id,
            ts=ts,
            revision=revision,
            text=stored_text(packet),
        )
        await audit.append(
            session,
            clock=clock,
            actor=actor,
            event="packet.retriaged",
            incident_id=incident_id,
            details={
                "ts": ts,
                "previous_ts": incident.packet_ts,
                "channel_id": incident.channel_id,
                "replaced": replaced,
                "unavailable": [failure.source for failure in packet.unavailable],
                "markers": raised_markers(triage),
            },
        )
    return Retriaged(packet, ts, replaced)


async def preview_service(
    service: str,
    *,
    actor: str,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
) -> Packet:
    """A read-only packet for ``service`` as if an alert fired now: evidence gathered and
    assessed, no incident opened, nothing stored but a ``triage.previewed`` audit row."""
    # The analysis anchors on an alert; the request stands in for one, and is not stored.
    request = Signal(
        source=AlertSource.SLACK,
        service=service,
        severity=Severity.SEV4,
        status=SignalStatus.FIRING,
        started_at=clock.now(),
        title=f"Triage of {service} on request",
        fingerprint=f"slack:triage:{service}",
        delivery_id=f"slack:triage:{service}",
    )
    triage = await triage_signals(
        incident_id=PREVIEW_INCIDENT_ID,
        service=service,
        title=request.title,
        severity=request.severity,
        signals=(request,),
        first_seen=request.started_at,
        context=context,
        clock=clock,
    )
    async with sessions() as session, session.begin():
        await audit.append(
            session,
            clock=clock,
            actor=actor,
            event="triage.previewed",
            details={
                "service": service,
                "unavailable": [failure.source for failure in triage.packet.unavailable],
            },
        )
    return triage.packet
