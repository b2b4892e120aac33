"""Multi-step incident processes: correlating accepted signals, and giving each incident its
channel and packet exactly once.

Each step is its own transaction with its audit rows, and records its progress before and after
every call to Slack, so a process killed at any point resumes on restart without losing an alert
or repeating a channel or a packet.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.analysis.triage import Assessment, assess
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.chat import Channel, Chat, Notice
from bot.clock import Clock
from bot.errors import ChartError, ChatError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.late import LateArrival, LateEvidence, LateWatch
from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import EvidenceBundle
from bot.incident import service as incidents
from bot.incident.correlation import (
    DEFAULT_WINDOW,
    JoinReason,
    OpenIncident,
    choose_incident,
    neighbours,
    severity_after_join,
)
from bot.incident.models import (
    ChannelState,
    ChartState,
    IncidentRecord,
    IncidentStatus,
    NarrativeState,
    PacketState,
)
from bot.narrator import Narrator
from bot.narrator.facts import known_services
from bot.narrator.likely_cause import likely_cause
from bot.packet.build import build_packet
from bot.packet.chart import ChartRenderer
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import Policy
from bot.runbook.loader import RunbookLibrary
from bot.signal import service as signals
from bot.signal.models import SignalRecord
from bot.signal.sources.datadog import monitor_ids
from bot.signal.values import Severity, Signal, SignalStatus
from bot.telemetry.metrics import NO_METRICS, Metrics

__all__ = [
    "IncidentTriage",
    "PipelineContext",
    "build_incident_packet",
    "channel_name_for",
    "correlate_pending",
    "late_evidence_arrived",
    "publish_incident",
    "resolve_incident",
    "topic_for",
    "triage_incident",
    "triage_signals",
]

log = logging.getLogger(__name__)

BOT_ACTOR = "bot"
EVIDENCE_LOOKBACK = timedelta(hours=3)
DEPLOY_HISTORY = timedelta(days=14)  # far enough back to know what a rollback returns to
MAX_BACKOFF = timedelta(minutes=5)
CHANNEL_NAME_MAX = 80
SUFFIX_ROOM = 4  # "-99" plus slack


@dataclass(frozen=True, slots=True)
class PipelineContext:
    """What the pipeline needs besides the database: evidence, catalog, policy and limits."""

    sources: EvidenceSources
    catalog: Catalog
    policy: Policy
    deadline: float
    correlation_window: timedelta = DEFAULT_WINDOW
    packet_update_interval: timedelta = timedelta(seconds=15)
    # How long one worker holds an incident's Slack work. A worker that dies holding it delays
    # that incident by at most this long; it must outlast the longest run of Slack calls.
    lease: timedelta = timedelta(seconds=60)
    # Loaded and validated at start-up (bot.app); the packet chooses among them.
    runbooks: RunbookLibrary = field(default_factory=RunbookLibrary)
    metrics: Metrics = NO_METRICS
    # Draws the main signal's chart for the packet's thread; None: no charts.
    charts: ChartRenderer | None = None
    # Waits for sources that missed ``deadline`` and keeps their late answers; None: a late
    # source is cancelled and stays missing from the packet.
    late: LateEvidence | None = None
    # Writes the grounded "likely cause" reply in the packet's thread; None (no API key): the
    # packet's footer says the narrator is off and no reply is written.
    narrator: Narrator | None = None


# --- correlation -----------------------------------------------------------------------------


async def _candidates(
    session: AsyncSession, signal: Signal, catalog: Catalog
) -> list[IncidentRecord]:
    services = {signal.service, *neighbours(signal.service, catalog)}
    related_signals = select(SignalRecord.incident_id).where(
        SignalRecord.incident_id.is_not(None),
        or_(SignalRecord.fingerprint == signal.fingerprint, SignalRecord.service.in_(services)),
    )
    query = select(IncidentRecord).where(
        IncidentRecord.status == IncidentStatus.OPEN,
        or_(
            IncidentRecord.open_fingerprint == signal.fingerprint,
            IncidentRecord.service.in_(services),
            IncidentRecord.id.in_(related_signals),
        ),
    )
    return list((await session.execute(query)).scalars())


async def _open_view(session: AsyncSession, record: IncidentRecord) -> OpenIncident:
    fingerprints, services = await signals.conditions_of(session, record.id)
    return OpenIncident(
        record.id,
        record.fingerprint,
        record.service,
        record.first_seen_at,
        record.last_signal_at or record.first_seen_at,
        frozenset(fingerprints),
        frozenset(services),
    )


async def _join(
    session: AsyncSession,
    incident: IncidentRecord,
    record: SignalRecord,
    reason: JoinReason,
    *,
    clock: Clock,
) -> None:
    """Fold ``record`` into ``incident``: counts, newest time, severity, all-resolved, and a new
    packet revision so the channel's packet is brought up to date."""
    signal = signals.from_record(record)
    before = Severity(incident.severity)
    incident.signal_count += 1
    incident.last_signal_at = max(incident.last_signal_at or signal.started_at, signal.started_at)
    severity, raised = severity_after_join(
        before,
        signal.severity,
        signal_count=incident.signal_count,
        already_raised=incident.severity_raised,
    )
    incident.severity, incident.severity_raised = severity.value, raised
    record.incident_id = incident.id
    await session.flush()
    incident.all_resolved = (await signals.alert_states(session, incident.id)).all_resolved
    if not incident.all_resolved:
        incident.resolve_prompted = False  # a new firing signal: ask again when it resolves
    incident.packet_revision += 1
    details: dict[str, object] = {
        "signal_id": record.id,
        "status": signal.status.value,
        "reason": reason.value,
        "service": signal.service,
        "signal_count": incident.signal_count,
    }
    if severity != before:
        details["severity"] = {"from": before.value, "to": severity.value}
    await audit.append(
        session,
        clock=clock,
        actor=BOT_ACTOR,
        event="signal.joined",
        incident_id=incident.id,
        details=details,
    )


async def _correlate(
    session: AsyncSession,
    record: SignalRecord,
    *,
    clock: Clock,
    catalog: Catalog,
    window: timedelta,
) -> str | None:
    """Join or open; return the severity of the incident opened, None when none was."""
    signal = signals.from_record(record)
    candidates = {i.id: i for i in await _candidates(session, signal, catalog)}
    views = [await _open_view(session, incident) for incident in candidates.values()]
    chosen = choose_incident(signal, views, catalog=catalog, window=window)
    if chosen is not None:
        await _join(session, candidates[chosen.incident_id], record, chosen.reason, clock=clock)
        return None
    if signal.status == SignalStatus.RESOLVED:
        await audit.append(
            session,
            clock=clock,
            actor=BOT_ACTOR,
            event="signal.resolved_without_incident",
            details={"signal_id": record.id, "fingerprint": signal.fingerprint},
        )
        return None
    opened = await incidents.open_from(session, signal, clock=clock)
    if opened is None:  # another replica opened one for this fingerprint a moment ago: join it
        existing = await incidents.find_open(session, signal.fingerprint)
        if existing is not None:
            await _join(session, existing, record, JoinReason.FINGERPRINT, clock=clock)
        return None
    record.incident_id = opened.id
    await audit.append(
        session,
        clock=clock,
        actor=BOT_ACTOR,
        event="incident.opened",
        incident_id=opened.id,
        details={
            "signal_id": record.id,
            "service": opened.service,
            "severity": opened.severity,
            "title": opened.title,
            "fingerprint": opened.fingerprint,
        },
    )
    return opened.severity


async def correlate_pending(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    catalog: Catalog,
    window: timedelta = DEFAULT_WINDOW,
    limit: int = 200,
    metrics: Metrics = NO_METRICS,
) -> int:
    """Correlate accepted signals in order, one transaction each; return how many were done.

    The claim is a conditional update of ``processed_at`` inside the same transaction as the
    correlation, so a signal is correlated exactly once even with several replicas, and a crash
    before the commit leaves it for the next pass.
    """
    async with sessions() as session:
        pending = [record.id for record in await signals.next_unprocessed(session, limit=limit)]
    done = 0
    for signal_id in pending:
        async with sessions() as session, session.begin():
            claimed = await session.execute(
                update(SignalRecord)
                .where(SignalRecord.id == signal_id, SignalRecord.processed_at.is_(None))
                .values(processed_at=clock.now())
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue
            record = await session.get(SignalRecord, signal_id)
            if record is None:  # pragma: no cover - rows are never deleted
                continue
            opened = await _correlate(session, record, clock=clock, catalog=catalog, window=window)
            done += 1
        if opened is not None:  # counted once committed
            metrics.incident_opened(opened)
    return done


# --- channel and packet ----------------------------------------------------------------------


def channel_name_for(incident: IncidentRecord, attempt: int = 1) -> str:
    """``inc-<yyyymmdd>-<service>``, then ``-2``, ``-3``... when the name is taken; always within
    Slack's rules (lowercase letters, digits, ``-`` and ``_``, at most 80 characters)."""
    service = re.sub(r"[^a-z0-9_-]+", "-", incident.service.lower()).strip("-_") or "service"
    base = f"inc-{incident.opened_at:%Y%m%d}-{service}"[: CHANNEL_NAME_MAX - SUFFIX_ROOM]
    return base if attempt == 1 else f"{base}-{attempt}"


def topic_for(incident: IncidentRecord) -> str:
    """The channel topic. It holds nothing that changes (no severity): conversations.setTopic
    is Tier 2, too scarce in a storm to spend on keeping a topic current; the packet and the
    announcements carry the severity."""
    topic = f"{incident.service} · {incident.title} · INC-{incident.id}"
    return topic if len(topic) <= 250 else topic[:249] + "…"


async def _save(
    sessions: async_sessionmaker[AsyncSession],
    incident_id: int,
    *,
    clock: Clock,
    event: str | None = None,
    details: dict[str, object] | None = None,
    **values: object,
) -> None:
    """Record progress (and its audit row) in one committed transaction."""
    async with sessions() as session, session.begin():
        await session.execute(
            update(IncidentRecord)
            .where(IncidentRecord.id == incident_id)
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        if event is not None:
            await audit.append(
                session,
                clock=clock,
                actor=BOT_ACTOR,
                event=event,
                incident_id=incident_id,
                details=details or {},
            )


async def _channel_in_use(sessions: async_sessionmaker[AsyncSession], channel_id: str) -> bool:
    async with sessions() as session:
        return await incidents.by_channel(session, channel_id) is not None


async def _ensure_channel(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    catalog: Catalog,
    clock: Clock,
) -> str:
    """Create (or, after a crash, adopt) the incident's channel. Returns the channel id."""
    channel: Channel | None = None
    if incident.channel_id is None:
        if incident.channel_state == ChannelState.CREATING and incident.channel_name:
            found = await chat.find_own_channel(incident.channel_name)
            if found is not None and not await _channel_in_use(sessions, found.id):
                channel = found
        attempt = 1
        if incident.channel_name:
            match = re.search(r"-(\d+)$", incident.channel_name)
            base = channel_name_for(incident)
            if match and incident.channel_name != base:
                attempt = int(match.group(1))
        while channel is None:
            name = channel_name_for(incident, attempt)
            await _save(
                sessions,
                incident.id,
                clock=clock,
                channel_state=ChannelState.CREATING,
                channel_name=name,
            )
            try:
                channel = await chat.create_channel(name)
            except ChatError as exc:
                if exc.code != "name_taken":
                    raise
                attempt += 1
        await _save(
            sessions,
            incident.id,
            clock=clock,
            event="incident.channel_created",
            details={"channel_id": channel.id, "channel_name": channel.name},
            channel_id=channel.id,
            channel_name=channel.name,
        )
        incident.channel_id = channel.id
        incident.channel_name = channel.name
    return incident.channel_id


async def _finish_channel(
    incident: IncidentRecord,
    channel_id: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    catalog: Catalog,
    clock: Clock,
) -> None:
    """Topic and the owner's on-call group: after the packet, which matters more."""
    if incident.channel_state != ChannelState.READY:
        await chat.set_topic(channel_id, topic_for(incident))
        entry = catalog.get(incident.service)
        invited = 0
        if entry is not None and entry.slack_group:
            invited = await chat.invite_group(channel_id, entry.slack_group)
        await _save(
            sessions,
            incident.id,
            clock=clock,
            event="incident.channel_ready",
            details={"topic": topic_for(incident), "invited": invited},
            channel_state=ChannelState.READY,
        )


@dataclass(frozen=True, slots=True)
class IncidentTriage:
    """What the pipeline concluded about an incident: the evidence it gathered, the assessment
    it drew from it, and the packet built from both (the replay evaluation reads all three)."""

    evidence: EvidenceBundle
    assessment: Assessment
    packet: Packet


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
) -> IncidentTriage:
    """Gather evidence for the incident's service, assess it and build its packet.
    ``watch_late=False`` lets a late source's answer go (no packet revision follows it)."""
    async with sessions() as session:
        records = await signals.signals_of(session, incident.id)
    incident_signals = [signals.from_record(record) for record in records]
    first = min((s.started_at for s in incident_signals), default=incident.first_seen_at)
    late = context.late.watch(incident.id) if context.late is not None and watch_late else None
    return await triage_signals(
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


async def _ensure_packet(
    incident: IncidentRecord,
    channel_id: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> IncidentTriage | None:
    """Post the packet unless it is in the channel already; return the triage behind it when
    posted now (the chart and the narrative reply follow from the same evidence)."""
    if incident.packet_state == PacketState.POSTED:
        return None
    if incident.packet_state == PacketState.POSTING:
        found = await chat.find_packet(channel_id, incident.id)
        if found is not None:
            # The severity the found packet showed is the one the channel knows: a rise since
            # is announced like any other. (Left unset, no rise would ever be announced.)
            shown = found.severity or incident.severity
            await _save(
                sessions,
                incident.id,
                clock=clock,
                event="packet.posted",
                details={"ts": found.ts, "recovered": True, "severity": shown},
                packet_state=PacketState.POSTED,
                packet_ts=found.ts,
                announced_severity=shown,
            )
            await _report_packet_latency(sessions, incident.id, context.metrics)
            incident.packet_state, incident.packet_ts = PacketState.POSTED, found.ts
            incident.announced_severity = shown
            return None
    revision = incident.packet_revision
    triage = await triage_incident(incident, sessions=sessions, context=context, clock=clock)
    packet = triage.packet
    text = render_plain(packet)
    await _save(
        sessions, incident.id, clock=clock, packet_state=PacketState.POSTING, packet_text=text
    )
    ts = await chat.post_packet(channel_id, packet)
    incident.packet_state, incident.packet_ts = PacketState.POSTED, ts
    incident.posted_revision, incident.announced_severity = revision, packet.severity.value
    await _save(
        sessions,
        incident.id,
        clock=clock,
        event="packet.posted",
        details={
            "ts": ts,
            "channel_id": channel_id,
            "requires_approval": [kind.value for kind in packet.requires_approval],
            "unavailable": [failure.source for failure in packet.unavailable],
            "runbook": packet.runbook.id if packet.runbook is not None else None,
        },
        packet_state=PacketState.POSTED,
        packet_ts=ts,
        posted_revision=revision,
        announced_severity=packet.severity.value,
    )
    await _report_packet_latency(sessions, incident.id, context.metrics)
    return triage


async def _report_packet_latency(
    sessions: async_sessionmaker[AsyncSession], incident_id: int, metrics: Metrics
) -> None:
    async with sessions() as session:
        latency = await incidents.packet_latency(session, incident_id)
    if latency is not None:
        metrics.packet_posted(latency.total_seconds())


async def _attach_chart(
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
        await _save(sessions, incident.id, clock=clock, chart_state=ChartState.NONE)
        return
    if packet is None:  # posted by an earlier pass: the chart comes from the same evidence
        packet = await build_incident_packet(
            incident, sessions=sessions, context=context, clock=clock
        )
    chart = packet.chart.redacted() if packet.chart is not None else None
    if chart is None:
        await _save(sessions, incident.id, clock=clock, chart_state=ChartState.NONE)
        return
    try:
        file_id = None
        if state == ChartState.UPLOADING:
            file_id = await chat.find_image(channel_id, thread_ts, chart.filename)
        if file_id is None:
            png = await asyncio.to_thread(context.charts.render, chart)
            await _save(sessions, incident.id, clock=clock, chart_state=ChartState.UPLOADING)
            file_id = await chat.attach_image(channel_id, thread_ts, chart.image(png))
    except (ChartError, ChatError) as exc:
        log.warning("incident %s: the packet's chart was not attached: %s", incident.id, exc)
        await _save(
            sessions,
            incident.id,
            clock=clock,
            event="packet.chart_failed",
            details={"metric": chart.metric, "error": str(exc)},
            chart_state=ChartState.FAILED,
        )
        return
    await _save(
        sessions,
        incident.id,
        clock=clock,
        event="packet.chart_attached",
        details={"file_id": file_id, "metric": chart.metric, "thread_ts": thread_ts},
        chart_state=ChartState.ATTACHED,
    )


async def _post_narrative(
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
        await _save(sessions, incident.id, clock=clock, narrative_state=NarrativeState.NONE)
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
            await _save(
                sessions,
                incident.id,
                clock=clock,
                narrative_state=NarrativeState.POSTING,
                narrative_text=text,
            )
        if found is None and text is not None:
            found = await chat.post_narrative(channel_id, thread_ts, incident.id, text)
    except ChatError as exc:
        log.warning("incident %s: the narrative was not posted: %s", incident.id, exc)
        await _save(
            sessions,
            incident.id,
            clock=clock,
            event="packet.narrative_failed",
            details={"error": str(exc)},
            narrative_state=NarrativeState.FAILED,
        )
        return
    await _save(
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
        narrative_state=NarrativeState.POSTED,
    )


async def _bring_channel_up_to_date(
    incident_id: int,
    channel_id: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> bool:
    """Tell the channel what changed since it was last told: a newer packet (edited in place),
    a severity change (announced), every alert resolved (one question). True when the packet
    was edited, so the caller can space edits out."""
    async with sessions() as session:
        incident = await incidents.get(session, incident_id)
    if incident is None or incident.packet_ts is None:  # pragma: no cover - checked by caller
        return False
    edited = incident.packet_revision > incident.posted_revision
    if edited:
        revision = incident.packet_revision
        packet = await build_incident_packet(
            incident, sessions=sessions, context=context, clock=clock
        )
        await chat.update_packet(channel_id, incident.packet_ts, packet)
        await _save(
            sessions,
            incident_id,
            clock=clock,
            event="packet.updated",
            details={"ts": incident.packet_ts, "revision": revision},
            posted_revision=revision,
            packet_text=render_plain(packet),
        )
    if incident.announced_severity and incident.announced_severity != incident.severity:
        # Looked for first: a crash after posting and before recording must not post it twice.
        notice = Notice(incident.id, f"severity:{incident.announced_severity}->{incident.severity}")
        if await chat.find_notice(channel_id, notice) is None:
            text = messages.severity_changed(
                incident.announced_severity, incident.severity, incident.signal_count
            )
            await chat.announce(channel_id, text, notice=notice)
        await _save(
            sessions,
            incident_id,
            clock=clock,
            event="incident.severity_announced",
            details={"from": incident.announced_severity, "to": incident.severity},
            announced_severity=incident.severity,
        )
    if incident.all_resolved and not incident.resolve_prompted:
        async with sessions() as session:
            states = await signals.alert_states(session, incident_id)
        # Asked again after new alerts fired and resolved: the signal count tells the rounds apart.
        asked = Notice(incident.id, f"resolve_asked:{incident.signal_count}")
        ts = await chat.find_notice(channel_id, asked)
        if ts is None:
            question = messages.ask_to_resolve(incident.id, states.alerts)
            ts = await chat.ask_to_resolve(channel_id, question, notice=asked)
        await _save(
            sessions,
            incident_id,
            clock=clock,
            event="incident.resolve_asked",
            details={"ts": ts},
            resolve_prompted=True,
        )
    return edited


async def publish_incident(
    incident_id: int,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> bool:
    """Give the incident its channel and packet if it lacks them; True when both are done.

    Holds the incident's lease while it works. On a chat failure the lease is extended by a
    growing back-off, so the next pass (of any replica) retries later instead of hammering.
    """
    async with sessions() as session, session.begin():
        if not await incidents.take_lease(
            session, incident_id, clock=clock, duration=context.lease
        ):
            return False
        incident = await incidents.get(session, incident_id)
    if incident is None:  # pragma: no cover - rows are never deleted
        return False
    try:
        channel_id = await _ensure_channel(
            incident, sessions=sessions, chat=chat, catalog=context.catalog, clock=clock
        )
        posted = await _ensure_packet(
            incident, channel_id, sessions=sessions, chat=chat, context=context, clock=clock
        )
        await _finish_channel(
            incident, channel_id, sessions=sessions, chat=chat, catalog=context.catalog, clock=clock
        )
        await _attach_chart(
            incident,
            channel_id,
            posted.packet if posted is not None else None,
            sessions=sessions,
            chat=chat,
            context=context,
            clock=clock,
        )
        await _post_narrative(
            incident, channel_id, posted, sessions=sessions, chat=chat, context=context, clock=clock
        )
        edited = await _bring_channel_up_to_date(
            incident_id, channel_id, sessions=sessions, chat=chat, context=context, clock=clock
        )
    except ChatError as exc:
        attempts = incident.slack_attempts + 1
        backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 8)))
        log.warning("incident %s: %s; retrying in %ss", incident_id, exc, backoff.seconds)
        await _save(
            sessions,
            incident_id,
            clock=clock,
            event="incident.slack_failed",
            details={"method": exc.method, "error": exc.code, "attempt": attempts},
            slack_attempts=attempts,
            lease_until=clock.now() + backoff,
        )
        return False
    # After an edit the incident rests for a while, so a storm of joins becomes a few edits of
    # its packet (chat.update is Tier 3) rather than one per alert.
    rest = clock.now() + context.packet_update_interval if edited else None
    await _save(sessions, incident_id, clock=clock, lease_until=rest, slack_attempts=0)
    return True


async def late_evidence_arrived(
    arrival: LateArrival, *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> bool:
    """A source answered after the packet was built: a new packet revision makes the next
    publishing pass (of any replica) rebuild the packet and edit it in place. False when the
    incident is no longer open."""
    async with sessions() as session, session.begin():
        result = await session.execute(
            update(IncidentRecord)
            .where(
                IncidentRecord.id == arrival.incident_id,
                IncidentRecord.status == IncidentStatus.OPEN,
            )
            .values(packet_revision=IncidentRecord.packet_revision + 1)
            .execution_options(synchronize_session=False)
        )
        if getattr(result, "rowcount", 0) != 1:
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


async def resolve_incident(
    session: AsyncSession, incident_id: int, *, actor: str, clock: Clock
) -> bool:
    """Resolve an open incident (a human's decision); False when it was not open. The
    conditional update makes a double click, or two replicas, resolve it once."""
    result = await session.execute(
        update(IncidentRecord)
        .where(IncidentRecord.id == incident_id, IncidentRecord.status == IncidentStatus.OPEN)
        .values(status=IncidentStatus.RESOLVED, open_fingerprint=None, resolved_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        return False
    await audit.append(
        session, clock=clock, actor=actor, event="incident.resolved", incident_id=incident_id
    )
    return True
