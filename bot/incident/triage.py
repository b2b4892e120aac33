"""An incident's triage: gathering evidence around its first alert, assessing it and building
its packet. Used by publishing (the packet posted in the channel), by ``/triage`` and ``/explain``
(a fresh look) and by the replay evaluation; and a late source's answer asking for the packet
to be built again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.assessment import Assessment, assess
from bot.audit import service as audit
from bot.clock import Clock
from bot.evidence.gather import gather_evidence
from bot.evidence.late import LateArrival, LateWatch
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import EvidenceBundle
from bot.history import service as history
from bot.history.similarity import facts_of
from bot.history.values import IncidentFacts
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.models import IncidentRecord
from bot.incident.progress import BOT_ACTOR
from bot.packet.build import build_packet
from bot.packet.values import Packet
from bot.signal import service as signals
from bot.signal.sources.datadog import monitor_ids
from bot.signal.values import Severity, Signal, sane_start

__all__ = [
    "DEPLOY_HISTORY",
    "EVIDENCE_LOOKBACK",
    "LOG_LOOKBACK",
    "TREND_LOOKBACK",
    "IncidentTriage",
    "build_incident_packet",
    "keep_triage_facts",
    "late_evidence_arrived",
    "raised_markers",
    "triage_incident",
    "triage_signals",
]

EVIDENCE_LOOKBACK = timedelta(hours=3)  # change detection: spikes, new log templates
# Read over a longer span, kept apart from change detection: a saturation series' trend over
# days (time to exhaustion), a symptom's level before a release, when data first went astray.
TREND_LOOKBACK = timedelta(days=30)  # metrics and change windows
LOG_LOOKBACK = timedelta(hours=24)  # logs
DEPLOY_HISTORY = timedelta(days=14)  # far enough back to know what a rollback returns to


@dataclass(frozen=True, slots=True)
class IncidentTriage:
    """What the pipeline concluded about an incident: the evidence it gathered, the assessment
    it drew from it, and the packet built from both (the replay evaluation reads all three)."""

    evidence: EvidenceBundle
    assessment: Assessment
    packet: Packet
    # What an incident's packet established, kept for the packets of incidents to come.
    facts: IncidentFacts | None = None


async def triage_signals(
    *,
    incident_id: int,
    service: str,
    title: str,
    severity: Severity,
    signals: Sequence[Signal],
    first_seen: datetime,
    context: PipelineContext,
    clock: Clock,
    late: LateWatch | None = None,
) -> IncidentTriage:
    """Gather evidence for ``service`` around ``first_seen``, assess it and build the packet;
    the incident's own triage, and ``/triage``'s read-only one for a service with no incident."""
    entry = context.catalog.get(service)
    # An incident opened before alert times were checked may say it began in year 1; its
    # evidence is looked for around when it was opened instead (see sane_start).
    first_seen = sane_start(first_seen, clock.now())
    query = EvidenceQuery(
        service,
        since=first_seen - EVIDENCE_LOOKBACK,
        until=clock.now(),
        namespace=entry.namespace if entry is not None else None,
    )
    evidence = await gather_evidence(
        query,
        context.sources,
        deadline=context.deadline,
        deploy_query=EvidenceQuery(service, since=first_seen - DEPLOY_HISTORY, until=query.until),
        long_query=replace(query, since=first_seen - TREND_LOOKBACK),
        log_query=replace(query, since=first_seen - LOG_LOOKBACK),
        late=late,
        monitor_ids=monitor_ids(signals),
    )
    assessment = assess(service, signals, evidence, catalog=context.catalog)
    packet = build_packet(
        incident_id=incident_id,
        title=title,
        severity=severity,
        signals=signals,
        assessment=assessment,
        evidence=evidence,
        catalog=context.catalog,
        policy=context.policy,
        runbooks=context.runbooks,
    )
    if context.narrator is None:
        packet = replace(packet, narrator_off=True)
    return IncidentTriage(evidence, assessment, packet)


async def triage_incident(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
    watch_late: bool = True,
    keep_facts: bool = True,
) -> IncidentTriage:
    """Gather evidence for the incident's service, assess it and build its packet.
    ``watch_late=False`` lets a late source's answer go (no packet revision follows it).
    ``keep_facts=False``: the caller keeps the facts (:func:`keep_facts`) in a transaction of
    its own, e.g. the one recording the packet, rather than in one more before it."""
    async with sessions() as session:
        records = await signals.signals_of(session, incident.id)
    incident_signals = [signals.from_record(record) for record in records]
    first = min((s.started_at for s in incident_signals), default=incident.first_seen_at)
    late = context.late.watch(incident.id) if context.late is not None and watch_late else None
    triage = await triage_signals(
        incident_id=incident.id,
        service=incident.service,
        title=incident.title,
        severity=Severity(incident.severity),
        signals=incident_signals,
        first_seen=first,
        context=context,
        clock=clock,
        late=late,
    )
    triage = replace(triage, facts=facts_of(triage.assessment, incident_signals, context.catalog))
    if keep_facts:
        async with sessions() as session, session.begin():
            await keep_triage_facts(session, incident.id, triage, at=clock.now())
    return triage


async def keep_triage_facts(
    session: AsyncSession,
    incident_id: int,
    triage: IncidentTriage,
    *,
    at: datetime,
) -> None:
    """Keep what the packet established for the packets of incidents to come (history), in
    the caller's transaction."""
    stored = await incidents.get(session, incident_id)
    if stored is not None and triage.facts is not None:
        await history.record_triage(session, incident=stored, facts=triage.facts, at=at)


def raised_markers(triage: IncidentTriage) -> list[str]:
    """The markers (``customer_data``...) the triage raised, as the packet's audit rows record
    them for the action flows: nothing runs on its own in an incident that raised one."""
    return sorted({raised.marker.value for raised in triage.assessment.markers})


async def build_incident_packet(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
) -> Packet:
    """Gather evidence for the incident's service and build its packet."""
    triage = await triage_incident(incident, sessions=sessions, context=context, clock=clock)
    return triage.packet


async def late_evidence_arrived(
    arrival: LateArrival, *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> bool:
    """A source answered after the packet was built: a new packet revision makes the next
    publishing pass (of any replica) rebuild the packet and edit it in place. False when the
    incident is no longer open."""
    async with sessions() as session, session.begin():
        if not await incidents.next_packet_revision(session, incident_id=arrival.incident_id):
            return False
        await audit.append(
            session,
            clock=clock,
            actor=BOT_ACTOR,
            event="evidence.arrived_late",
            incident_id=arrival.incident_id,
            details={"source": arrival.source, "kind": arrival.kind},
        )
    return True
