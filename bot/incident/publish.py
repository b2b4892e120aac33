"""Publishing an incident to Slack: its channel, its packet, the chart and the narrative in the
packet's thread, and every later change the channel must be told of, each exactly once.

Each step is its own transaction with its audit rows, and records its progress before and after
every call to Slack, so a process killed at any point resumes on restart without repeating a
channel or a packet.

Why over 400 lines: the channel, packet and channel-update steps share the lease and the
record-call-record pattern that makes them exactly-once; the chart and the narrative are already
apart (``replies.py``).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import channel_names, messages, quarantine
from bot.catalog import Catalog
from bot.chat import Channel, Chat, Notice
from bot.clock import Clock
from bot.errors import ChatError
from bot.incident import conditions, replies
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.lease import while_leased
from bot.incident.models import (
    ChannelState,
    IncidentRecord,
    PacketState,
)
from bot.incident.progress import step
from bot.incident.triage import (
    IncidentTriage,
    keep_triage_facts,
    raised_markers,
    triage_incident,
)
from bot.packet.render import stored_text
from bot.quarantine import is_transient
from bot.telemetry.metrics import Metrics

__all__ = ["channel_name_for", "publish_incident", "topic_for"]

log = logging.getLogger(__name__)

MAX_BACKOFF = timedelta(minutes=5)


def channel_name_for(incident: IncidentRecord, attempt: int = 1) -> str:
    """``inc-<yyyymmdd>-<service>``, then ``-2``, ``-3``... when the name is taken, by the rule of
    :mod:`bot.channel_names` (a service that may not name a channel gives ``incident-<id>``)."""
    return channel_names.channel_name(
        opened_at=incident.opened_at,
        service=incident.service,
        incident_id=incident.id,
        attempt=attempt,
    )


def topic_for(incident: IncidentRecord) -> str:
    """The channel topic (:func:`bot.channel_names.topic`, redacted). It holds nothing that
    changes (no severity): conversations.setTopic is Tier 2, too scarce in a storm to spend on
    keeping a topic current; the packet and the announcements carry the severity."""
    return channel_names.topic(
        service=incident.service, title=incident.title, incident_id=incident.id
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
            async with step(sessions, incident.id, clock=clock) as session:
                await incidents.record_channel_creating(session, incident_id=incident.id, name=name)
            try:
                channel = await chat.create_channel(name)
            except ChatError as exc:
                if exc.code != "name_taken":
                    raise
                attempt += 1
        async with step(
            sessions,
            incident.id,
            clock=clock,
            event="incident.channel_created",
            details={"channel_id": channel.id, "channel_name": channel.name},
        ) as session:
            await incidents.record_channel_created(
                session, incident_id=incident.id, channel_id=channel.id, channel_name=channel.name
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
        async with step(
            sessions,
            incident.id,
            clock=clock,
            event="incident.channel_ready",
            details={"topic": topic_for(incident), "invited": invited},
        ) as session:
            await incidents.record_channel_ready(session, incident_id=incident.id)


async def _ensure_packet(
    incident: IncidentRecord,
    channel_id: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
    triaging: asyncio.Task[IncidentTriage] | None = None,
) -> IncidentTriage | None:
    """Post the packet unless it is in the channel already; return the triage behind it when
    posted now (the chart and the narrative reply follow from the same evidence). ``triaging``:
    the packet's triage, started while the channel was being opened."""
    if incident.packet_state == PacketState.POSTED:
        return None
    if incident.packet_state == PacketState.POSTING:
        found = await chat.find_packet(channel_id, incident.id)
        if found is not None:
            # The severity the found packet showed is the one the channel knows: a rise since
            # is announced like any other. (Left unset, no rise would ever be announced.)
            shown = found.severity or incident.severity
            async with step(
                sessions,
                incident.id,
                clock=clock,
                event="packet.posted",
                details={"ts": found.ts, "recovered": True, "severity": shown},
            ) as session:
                await incidents.record_packet_posted(
                    session, incident_id=incident.id, ts=found.ts, announced_severity=shown
                )
            await _report_packet_latency(sessions, incident.id, context.metrics)
            incident.packet_state, incident.packet_ts = PacketState.POSTED, found.ts
            incident.announced_severity = shown
            return None
    revision = incident.packet_revision
    triage = await (
        triaging
        or triage_incident(
            incident, sessions=sessions, context=context, clock=clock, keep_facts=False
        )
    )
    packet = triage.packet
    text = stored_text(packet)
    # One transaction before the post, not two: the history facts go with the posting record.
    async with step(sessions, incident.id, clock=clock) as session:
        await keep_triage_facts(session, incident.id, triage, at=clock.now())
        await incidents.record_packet_posting(session, incident_id=incident.id, text=text)
    ts = await chat.post_packet(channel_id, packet)
    incident.packet_state, incident.packet_ts = PacketState.POSTED, ts
    incident.posted_revision, incident.announced_severity = revision, packet.severity.value
    async with step(
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
            # What the action flows read before anything runs on its own (bot.action.auto).
            "markers": raised_markers(triage),
        },
    ) as session:
        await incidents.record_packet_posted(
            session,
            incident_id=incident.id,
            ts=ts,
            revision=revision,
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
        triage = await triage_incident(incident, sessions=sessions, context=context, clock=clock)
        packet = triage.packet
        await chat.update_packet(channel_id, incident.packet_ts, packet)
        async with step(
            sessions,
            incident_id,
            clock=clock,
            event="packet.updated",
            details={
                "ts": incident.packet_ts,
                "revision": revision,
                "markers": raised_markers(triage),
            },
        ) as session:
            await incidents.record_packet_updated(
                session, incident_id=incident_id, revision=revision, text=stored_text(packet)
            )
    if incident.announced_severity and incident.announced_severity != incident.severity:
        # Looked for first: a crash after posting and before recording must not post it twice.
        notice = Notice(incident.id, f"severity:{incident.announced_severity}->{incident.severity}")
        if await chat.find_notice(channel_id, notice) is None:
            text = messages.severity_changed(
                incident.announced_severity, incident.severity, incident.signal_count
            )
            await chat.announce(channel_id, text, notice=notice)
        async with step(
            sessions,
            incident_id,
            clock=clock,
            event="incident.severity_announced",
            details={"from": incident.announced_severity, "to": incident.severity},
        ) as session:
            await incidents.record_severity_announced(
                session, incident_id=incident_id, severity=incident.severity
            )
    if incident.all_resolved and not incident.resolve_prompted:
        async with sessions() as session:
            states = await conditions.states_of(session, incident_id)
        # Asked again after new alerts fired and resolved: the signal count tells the rounds apart.
        asked = Notice(incident.id, f"resolve_asked:{incident.signal_count}")
        ts = await chat.find_notice(channel_id, asked)
        if ts is None:
            question = messages.ask_to_resolve(incident.id, states.alerts)
            ts = await chat.ask_to_resolve(channel_id, question, notice=asked)
        async with step(
            sessions, incident_id, clock=clock, event="incident.resolve_asked", details={"ts": ts}
        ) as session:
            await incidents.record_resolve_asked(session, incident_id=incident_id)
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

    Holds the incident's lease while it works, renewed until the pass ends (a pass whose lease
    another took meanwhile stops there). On a chat failure the lease is extended by a
    growing back-off, so the next pass (of any replica) retries later instead of hammering. Any
    other failure (a bug, a row no code can read) is counted the same way and, after
    :data:`~bot.quarantine.QUARANTINE_AFTER` of them, quarantines the incident's Slack work, so
    it never holds up the others.
    """
    async with sessions() as session, session.begin():
        until = await incidents.take_lease(
            session, incident_id, clock=clock, duration=context.lease
        )
        if until is None:
            return False
        incident = await incidents.get(session, incident_id)
    if incident is None:  # pragma: no cover - rows are never deleted
        return False
    try:
        # The lease is renewed while the pass runs: a pass can outlast it (lease.py).
        kept, edited = await while_leased(
            _publish_steps(incident, sessions=sessions, chat=chat, context=context, clock=clock),
            incident_id,
            until=until,
            duration=context.lease,
            sessions=sessions,
            clock=clock,
        )
        if not kept:
            return False  # another pass holds the incident now, and finishes it
    except ChatError as exc:
        attempts = incident.slack_attempts + 1
        backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(attempts, 8)))
        log.warning("incident %s: %s; retrying in %ss", incident_id, exc, backoff.seconds)
        async with step(
            sessions,
            incident_id,
            clock=clock,
            event="incident.slack_failed",
            details={"method": exc.method, "error": exc.code, "attempt": attempts},
        ) as session:
            await incidents.record_slack_failed(
                session, incident_id=incident_id, attempts=attempts, retry_at=clock.now() + backoff
            )
        return False
    except Exception as exc:
        if is_transient(exc):
            raise  # the database, not this incident: its lease runs out and it is retried
        await _publishing_failed(incident, exc, sessions=sessions, context=context, clock=clock)
        return False
    # After an edit the incident rests for a while, so a storm of joins becomes a few edits of
    # its packet (chat.update is Tier 3) rather than one per alert.
    rest = clock.now() + context.packet_update_interval if edited else None
    async with step(sessions, incident_id, clock=clock) as session:
        await incidents.record_slack_done(session, incident_id=incident_id, rest_until=rest)
    return True


async def _publishing_failed(
    incident: IncidentRecord,
    error: Exception,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
) -> None:
    """Count a failed pass; unless that quarantined the incident, back off before the next."""
    if await quarantine.incident_failed(sessions, incident.id, error, clock=clock):
        context.metrics.quarantined("incident")
        return
    backoff = min(MAX_BACKOFF, timedelta(seconds=2 ** min(incident.failures + 1, 8)))
    async with step(sessions, incident.id, clock=clock) as session:
        await incidents.hold_lease(session, incident_id=incident.id, until=clock.now() + backoff)


def _abandon(task: asyncio.Task[IncidentTriage] | None) -> None:
    """A triage started early and not used (the channel failed, the pass was cut): cancel it,
    and keep its failure, if any, from being reported as never retrieved (the next pass
    triages again). Not awaited: a cancelled pass must stay cancelled."""
    if task is None:
        return
    if not task.done():
        task.cancel()
    task.add_done_callback(lambda done: None if done.cancelled() else done.exception())


async def _publish_steps(
    incident: IncidentRecord,
    *,
    sessions: async_sessionmaker[AsyncSession],
    chat: Chat,
    context: PipelineContext,
    clock: Clock,
) -> bool:
    """Channel, packet, topic and owners, chart, narrative, then whatever changed since; in
    that order, the packet as early as it can be: its evidence is gathered while the channel is
    opened (three recorded steps and ``conversations.create``, which it does not need). True
    when the packet was edited."""
    triaging = None
    if incident.packet_state == PacketState.PENDING:
        triaging = asyncio.create_task(
            triage_incident(
                incident, sessions=sessions, context=context, clock=clock, keep_facts=False
            ),
            name=f"triage-{incident.id}",
        )
    try:
        channel_id = await _ensure_channel(
            incident, sessions=sessions, chat=chat, catalog=context.catalog, clock=clock
        )
        posted = await _ensure_packet(
            incident,
            channel_id,
            sessions=sessions,
            chat=chat,
            context=context,
            clock=clock,
            triaging=triaging,
        )
    finally:
        _abandon(triaging)
    await _finish_channel(
        incident, channel_id, sessions=sessions, chat=chat, catalog=context.catalog, clock=clock
    )
    await replies.attach_chart(
        incident,
        channel_id,
        posted.packet if posted is not None else None,
        sessions=sessions,
        chat=chat,
        context=context,
        clock=clock,
    )
    await replies.post_narrative(
        incident, channel_id, posted, sessions=sessions, chat=chat, context=context, clock=clock
    )
    return await _bring_channel_up_to_date(
        incident.id, channel_id, sessions=sessions, chat=chat, context=context, clock=clock
    )
