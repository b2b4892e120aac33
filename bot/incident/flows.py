"""Multi-step incident processes: correlating accepted signals, and giving each incident its
channel and packet exactly once.

Each step is its own transaction with its audit rows, and records its progress before and after
every call to Slack, so a process killed at any point resumes on restart without losing an alert
or repeating a channel or a packet.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.analysis.triage import assess
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.chat import Channel, Chat
from bot.clock import Clock
from bot.errors import ChatError
from bot.evidence.gather import EvidenceSources, gather_evidence
from bot.evidence.ports import EvidenceQuery
from bot.incident import service as incidents
from bot.incident.correlation import OpenIncident, choose_incident
from bot.incident.models import ChannelState, IncidentRecord, IncidentStatus, PacketState
from bot.packet.build import build_packet
from bot.packet.render import render_plain
from bot.packet.values import Packet
from bot.policy import Policy
from bot.signal import service as signals
from bot.signal.models import SignalRecord
from bot.signal.values import Severity, SignalStatus

__all__ = [
    "PacketContext",
    "build_incident_packet",
    "channel_name_for",
    "correlate_pending",
    "publish_incident",
    "topic_for",
]

log = logging.getLogger(__name__)

BOT_ACTOR = "bot"
LEASE = timedelta(seconds=60)
EVIDENCE_LOOKBACK = timedelta(hours=3)
DEPLOY_HISTORY = timedelta(days=14)  # far enough back to know what a rollback returns to
MAX_BACKOFF = timedelta(minutes=5)
CHANNEL_NAME_MAX = 80
SUFFIX_ROOM = 4  # "-99" plus slack


@dataclass(frozen=True, slots=True)
class PacketContext:
    """What building a packet needs besides the incident itself."""

    sources: EvidenceSources
    catalog: Catalog
    policy: Policy
    deadline: float


# --- correlation -----------------------------------------------------------------------------


async def _correlate(session: AsyncSession, record: SignalRecord, *, clock: Clock) -> int | None:
    signal = signals.from_record(record)
    candidates = (
        await session.execute(
            select(IncidentRecord).where(
                IncidentRecord.status == IncidentStatus.OPEN,
                or_(
                    IncidentRecord.open_fingerprint == signal.fingerprint,
                    IncidentRecord.service == signal.service,
                ),
            )
        )
    ).scalars()
    chosen = choose_incident(
        signal, [OpenIncident(i.id, i.fingerprint, i.service) for i in candidates]
    )
    if chosen is None and signal.status == SignalStatus.RESOLVED:
        await audit.append(
            session,
            clock=clock,
            actor=BOT_ACTOR,
            event="signal.resolved_without_incident",
            details={"signal_id": record.id, "fingerprint": signal.fingerprint},
        )
        return None
    if chosen is None:
        opened = await incidents.open_from(session, signal, clock=clock)
        if opened is None:  # another replica opened it a moment ago: join that one
            existing = await incidents.find_open(session, signal.fingerprint)
            chosen = existing.id if existing else None
        else:
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
            return opened.id
    if chosen is None:  # pragma: no cover - the conflicting incident closed in between
        return None
    await audit.append(
        session,
        clock=clock,
        actor=BOT_ACTOR,
        event="signal.joined",
        incident_id=chosen,
        details={"signal_id": record.id, "status": signal.status.value},
    )
    return chosen


async def correlate_pending(
    *, sessions: async_sessionmaker[AsyncSession], clock: Clock, limit: int = 200
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
            record.incident_id = await _correlate(session, record, clock=clock)
            done += 1
    return done


# --- channel and packet ----------------------------------------------------------------------


def channel_name_for(incident: IncidentRecord, attempt: int = 1) -> str:
    """``inc-<yyyymmdd>-<service>``, then ``-2``, ``-3``... when the name is taken; always within
    Slack's rules (lowercase letters, digits, ``-`` and ``_``, at most 80 characters)."""
    service = re.sub(r"[^a-z0-9_-]+", "-", incident.service.lower()).strip("-_") or "service"
    base = f"inc-{incident.opened_at:%Y%m%d}-{service}"[: CHANNEL_NAME_MAX - SUFFIX_ROOM]
    return base if attempt == 1 else f"{base}-{attempt}"


def topic_for(incident: IncidentRecord) -> str:
    topic = f"{incident.severity} · {incident.service} · {incident.title} · INC-{incident.id}"
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
    """Create (or, after a crash, adopt) the incident's channel; set its topic and invite the
    owner's on-call group. Returns the channel id."""
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
    channel_id = incident.channel_id
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
    return channel_id


async def build_incident_packet(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PacketContext,
    clock: Clock,
) -> Packet:
    """Gather evidence for the incident's service and build its packet."""
    async with sessions() as session:
        records = await signals.signals_of(session, incident.id)
    incident_signals = [signals.from_record(record) for record in records]
    first = min((s.started_at for s in incident_signals), default=incident.first_seen_at)
    query = EvidenceQuery(incident.service, since=first - EVIDENCE_LOOKBACK, until=clock.now())
    evidence = await gather_evidence(
        query,
        context.sources,
        deadline=context.deadline,
        deploy_query=EvidenceQuery(
            incident.service, since=first - DEPLOY_HISTORY, until=query.until
        ),
    )
    assessment = assess(incident.service, incident_signals, evidence)
    return build_packet(
        incident_id=incident.id,
        title=incident.title,
        severity=Severity(incident.severity),
        signals=incident_signals,
        assessment=assessment,
        evidence=evidence,
        catalog=context.catalog,
        policy=context.policy,
    )


async def _ensure_packet(
    incident: IncidentRecord,
    channel_id: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PacketContext,
    clock: Clock,
) -> None:
    if incident.packet_state == PacketState.POSTED:
        return
    if incident.packet_state == PacketState.POSTING:
        found = await chat.find_packet(channel_id, incident.id)
        if found is not None:
            await _save(
                sessions,
                incident.id,
                clock=clock,
                event="packet.posted",
                details={"ts": found, "recovered": True},
                packet_state=PacketState.POSTED,
                packet_ts=found,
            )
            return
    packet = await build_incident_packet(incident, sessions=sessions, context=context, clock=clock)
    text = render_plain(packet)
    await _save(
        sessions, incident.id, clock=clock, packet_state=PacketState.POSTING, packet_text=text
    )
    ts = await chat.post_packet(channel_id, packet)
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
        },
        packet_state=PacketState.POSTED,
        packet_ts=ts,
        lease_until=None,
    )


async def publish_incident(
    incident_id: int,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PacketContext,
    clock: Clock,
) -> bool:
    """Give the incident its channel and packet if it lacks them; True when both are done.

    Holds the incident's lease while it works. On a chat failure the lease is extended by a
    growing back-off, so the next pass (of any replica) retries later instead of hammering.
    """
    async with sessions() as session, session.begin():
        if not await incidents.take_lease(session, incident_id, clock=clock, duration=LEASE):
            return False
        incident = await incidents.get(session, incident_id)
    if incident is None:  # pragma: no cover - rows are never deleted
        return False
    try:
        channel_id = await _ensure_channel(
            incident, sessions=sessions, chat=chat, catalog=context.catalog, clock=clock
        )
        await _ensure_packet(
            incident, channel_id, sessions=sessions, chat=chat, context=context, clock=clock
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
    return True
