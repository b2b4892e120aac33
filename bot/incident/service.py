"""Database reads and writes for incidents. The caller owns the transaction.

Why over 400 lines: every incident write is a typed, keyword-only function here (the rule of a
domain folder), so the module grows with the incident's columns; a new group of reads belongs
in a module of its own."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.models import ActionRecord, ActionState
from bot.audit.models import AuditRecord
from bot.clock import Clock, utc
from bot.incident.models import (
    ChannelState,
    ChartState,
    IncidentRecord,
    IncidentStatus,
    NarrativeState,
    PacketState,
)
from bot.redaction import redact
from bot.signal.models import SignalRecord
from bot.signal.values import Severity, Signal

__all__ = [
    "by_channel",
    "count_behind",
    "find_open",
    "get",
    "hold_lease",
    "list_open",
    "mark_resolved",
    "move_packet",
    "needing_slack_work",
    "next_packet_revision",
    "open_actions",
    "open_from",
    "packet_latency",
    "record_channel_created",
    "record_channel_creating",
    "record_channel_ready",
    "record_chart_state",
    "record_narrative_posting",
    "record_narrative_state",
    "record_packet_posted",
    "record_packet_posting",
    "record_packet_updated",
    "record_resolve_asked",
    "record_severity_announced",
    "record_slack_done",
    "record_slack_failed",
    "renew_lease",
    "set_commander",
    "take_lease",
]

SEVERITY_ORDER = IncidentRecord.severity  # "sev1" < "sev2" ... sorts by urgency as text
_CHART_DUE = (ChartState.PENDING, ChartState.UPLOADING)
_NARRATIVE_DUE = (NarrativeState.PENDING, NarrativeState.POSTING)


async def get(session: AsyncSession, incident_id: int) -> IncidentRecord | None:
    return await session.get(IncidentRecord, incident_id)


async def find_open(session: AsyncSession, fingerprint: str) -> IncidentRecord | None:
    query = select(IncidentRecord).where(IncidentRecord.open_fingerprint == fingerprint)
    return (await session.execute(query)).scalar_one_or_none()


async def open_from(
    session: AsyncSession, signal: Signal, *, clock: Clock
) -> IncidentRecord | None:
    """Open an incident for ``signal``; None if another transaction opened one for the same
    fingerprint first (the unique constraint decides, not a lock in memory)."""
    now = clock.now()
    record = IncidentRecord(
        fingerprint=signal.fingerprint,
        open_fingerprint=signal.fingerprint,
        service=signal.service,
        title=redact(signal.title),  # kept for display: the topic, /status, App Home
        severity=signal.severity.value,
        status=IncidentStatus.OPEN,
        opened_at=now,
        first_seen_at=signal.started_at,
        last_signal_at=signal.started_at,
        signal_count=1,
        channel_state=ChannelState.PENDING,
        packet_state=PacketState.PENDING,
        chart_state=ChartState.PENDING,
        narrative_state=NarrativeState.PENDING,
        slack_attempts=0,
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    return record


async def by_channel(session: AsyncSession, channel_id: str) -> IncidentRecord | None:
    query = select(IncidentRecord).where(IncidentRecord.channel_id == channel_id)
    return (await session.execute(query)).scalar_one_or_none()


async def list_open(session: AsyncSession) -> Sequence[IncidentRecord]:
    query = (
        select(IncidentRecord)
        .where(IncidentRecord.status == IncidentStatus.OPEN)
        .order_by(SEVERITY_ORDER, IncidentRecord.opened_at)
    )
    return (await session.execute(query)).scalars().all()


def _channel_behind() -> ColumnElement[bool]:
    """The channel has not been told everything: no channel, no packet, a chart or narrative
    not yet in the packet's thread, an older packet, an unannounced severity or an unasked
    resolve."""
    return or_(
        IncidentRecord.channel_state != ChannelState.READY,
        IncidentRecord.packet_state != PacketState.POSTED,
        IncidentRecord.chart_state.in_(_CHART_DUE),
        IncidentRecord.narrative_state.in_(_NARRATIVE_DUE),
        IncidentRecord.packet_revision > IncidentRecord.posted_revision,
        IncidentRecord.announced_severity != IncidentRecord.severity,
        and_(IncidentRecord.all_resolved, ~IncidentRecord.resolve_prompted),
    )


async def count_behind(session: AsyncSession) -> int:
    """How many open incidents need Slack work, leased or not (the outbox depth)."""
    query = select(func.count()).where(
        IncidentRecord.status == IncidentStatus.OPEN,
        IncidentRecord.quarantined_at.is_(None),
        _channel_behind(),
    )
    return int(await session.scalar(query) or 0)


async def packet_latency(session: AsyncSession, incident_id: int) -> timedelta | None:
    """From the incident's first alert accepted to its first packet posted, as the database
    recorded both (``signals.received_at``, the ``packet.posted`` audit row); None until then."""
    accepted = await session.scalar(
        select(func.min(SignalRecord.received_at)).where(SignalRecord.incident_id == incident_id)
    )
    posted = await session.scalar(
        select(func.min(AuditRecord.at)).where(
            AuditRecord.incident_id == incident_id, AuditRecord.event == "packet.posted"
        )
    )
    if accepted is None or posted is None:
        return None
    return utc(posted) - utc(accepted)


async def needing_slack_work(
    session: AsyncSession,
    *,
    now: datetime,
    limit: int = 50,
    most_severe_only: Severity | None = None,
    excluding: Collection[int] = (),
    opening: bool | None = None,
) -> Sequence[IncidentRecord]:
    """Open incidents whose channel is behind (no channel, no packet, no chart tried yet, an
    older packet, an unannounced severity, an unasked resolve) and whose lease is free, most
    severe first; ``most_severe_only=SEV2`` keeps sev1 and sev2 ("sev1" < "sev2" as text, by
    design); ``opening=True`` only incidents still without channel or packet, ``False`` only those
    that have both. Among equal severities, one the source called so comes before one raised
    by correlation, then the oldest."""
    query = (
        select(IncidentRecord)
        .where(
            IncidentRecord.status == IncidentStatus.OPEN,
            IncidentRecord.quarantined_at.is_(None),
            _channel_behind(),
            or_(IncidentRecord.lease_until.is_(None), IncidentRecord.lease_until <= now),
        )
        .order_by(SEVERITY_ORDER, IncidentRecord.severity_raised, IncidentRecord.id)
        .limit(limit)
    )
    not_open_yet = or_(
        IncidentRecord.channel_id.is_(None), IncidentRecord.packet_state != PacketState.POSTED
    )
    if opening is True:
        query = query.where(not_open_yet)
    elif opening is False:
        query = query.where(~not_open_yet)
    if most_severe_only is not None:
        query = query.where(IncidentRecord.severity <= most_severe_only.value)
    if excluding:
        query = query.where(IncidentRecord.id.not_in(list(excluding)))
    return (await session.execute(query)).scalars().all()


async def take_lease(
    session: AsyncSession, incident_id: int, *, clock: Clock, duration: timedelta
) -> datetime | None:
    """Take the incident's work lease if it is free; when it now ends if this caller took it,
    else None."""
    now = clock.now()
    until = now + duration
    result = await session.execute(
        update(IncidentRecord)
        .where(
            IncidentRecord.id == incident_id,
            or_(IncidentRecord.lease_until.is_(None), IncidentRecord.lease_until <= now),
        )
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return until if getattr(result, "rowcount", 0) == 1 else None


async def renew_lease(
    session: AsyncSession,
    incident_id: int,
    *,
    held: datetime,
    clock: Clock,
    duration: timedelta,
) -> datetime | None:
    """Extend a lease this caller holds, i.e. one still ending at ``held``, the end it last
    set; the new end, or None when another has taken the lease since (see
    :mod:`bot.incident.lease`)."""
    until = clock.now() + duration
    result = await session.execute(
        update(IncidentRecord)
        .where(IncidentRecord.id == incident_id, IncidentRecord.lease_until == held)
        .values(lease_until=until)
        .execution_options(synchronize_session=False)
    )
    return until if getattr(result, "rowcount", 0) == 1 else None


async def open_actions(session: AsyncSession, incident_id: int) -> Sequence[ActionRecord]:
    """Actions still waiting for a decision or running."""
    live = (ActionState.PROPOSED, ActionState.APPROVED, ActionState.EXECUTING)
    query = (
        select(ActionRecord)
        .where(ActionRecord.incident_id == incident_id, ActionRecord.state.in_(live))
        .order_by(ActionRecord.id)
    )
    return (await session.execute(query)).scalars().all()


# --- writes ----------------------------------------------------------------------------------
# One typed function per change the flows make, so a reader sees every column an incident's
# life writes, and a typo in a column name is a type error rather than a runtime one.


async def _update(
    session: AsyncSession,
    incident_id: int,
    values: dict[str, object],
    *conditions: ColumnElement[bool],
) -> bool:
    """The one UPDATE behind the typed writes below; True when the row matched."""
    query = update(IncidentRecord).where(IncidentRecord.id == incident_id)
    for condition in conditions:
        query = query.where(condition)
    result = await session.execute(
        query.values(values).execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0) == 1)


async def record_channel_creating(session: AsyncSession, *, incident_id: int, name: str) -> None:
    """``conversations.create`` is about to be asked for ``name``: after a crash, adopt first."""
    await _update(
        session, incident_id, {"channel_state": ChannelState.CREATING, "channel_name": name}
    )


async def record_channel_created(
    session: AsyncSession, *, incident_id: int, channel_id: str, channel_name: str
) -> None:
    await _update(session, incident_id, {"channel_id": channel_id, "channel_name": channel_name})


async def record_channel_ready(session: AsyncSession, *, incident_id: int) -> None:
    """Topic set and owners invited."""
    await _update(session, incident_id, {"channel_state": ChannelState.READY})


async def record_packet_posting(session: AsyncSession, *, incident_id: int, text: str) -> None:
    """``chat.postMessage`` is about to be asked: after a crash, look for the packet first."""
    await _update(session, incident_id, {"packet_state": PacketState.POSTING, "packet_text": text})


async def record_packet_posted(
    session: AsyncSession,
    *,
    incident_id: int,
    ts: str,
    announced_severity: str,
    revision: int | None = None,
) -> None:
    """The packet is in the channel at ``ts`` showing ``announced_severity``; ``revision`` is
    the packet revision it was built from (None: found again after a crash, unknown)."""
    values: dict[str, object] = {
        "packet_state": PacketState.POSTED,
        "packet_ts": ts,
        "announced_severity": announced_severity,
    }
    if revision is not None:
        values["posted_revision"] = revision
    await _update(session, incident_id, values)


async def record_packet_updated(
    session: AsyncSession, *, incident_id: int, revision: int, text: str
) -> None:
    await _update(session, incident_id, {"posted_revision": revision, "packet_text": text})


async def move_packet(
    session: AsyncSession, *, incident_id: int, ts: str, revision: int, text: str
) -> bool:
    """A fresh packet posted by ``/triage`` becomes the incident's packet, unless the first one
    is still being posted; True when it did."""
    return await _update(
        session,
        incident_id,
        {"packet_ts": ts, "packet_text": text, "posted_revision": revision},
        IncidentRecord.packet_state == PacketState.POSTED,
    )


async def next_packet_revision(session: AsyncSession, *, incident_id: int) -> bool:
    """Ask for the packet to be rebuilt and edited (late evidence); False when not open."""
    return await _update(
        session,
        incident_id,
        {"packet_revision": IncidentRecord.packet_revision + 1},
        IncidentRecord.status == IncidentStatus.OPEN,
    )


async def record_chart_state(session: AsyncSession, *, incident_id: int, state: ChartState) -> None:
    await _update(session, incident_id, {"chart_state": state})


async def record_narrative_posting(session: AsyncSession, *, incident_id: int, text: str) -> None:
    """The narrative's text is chosen: after a crash, it is looked for, then posted as it is."""
    await _update(
        session, incident_id, {"narrative_state": NarrativeState.POSTING, "narrative_text": text}
    )


async def record_narrative_state(
    session: AsyncSession, *, incident_id: int, state: NarrativeState
) -> None:
    await _update(session, incident_id, {"narrative_state": state})


async def record_severity_announced(
    session: AsyncSession, *, incident_id: int, severity: str
) -> None:
    await _update(session, incident_id, {"announced_severity": severity})


async def record_resolve_asked(session: AsyncSession, *, incident_id: int) -> None:
    await _update(session, incident_id, {"resolve_prompted": True})


async def record_slack_failed(
    session: AsyncSession, *, incident_id: int, attempts: int, retry_at: datetime
) -> None:
    """A Slack call failed: the lease is held until ``retry_at`` so the next try backs off."""
    await _update(session, incident_id, {"slack_attempts": attempts, "lease_until": retry_at})


async def record_slack_done(
    session: AsyncSession, *, incident_id: int, rest_until: datetime | None
) -> None:
    """The channel is up to date: the lease is released (or held until ``rest_until``, so a
    storm of joins becomes a few packet edits) and the failure counts reset."""
    await _update(
        session, incident_id, {"lease_until": rest_until, "slack_attempts": 0, "failures": 0}
    )


async def hold_lease(session: AsyncSession, *, incident_id: int, until: datetime) -> None:
    """Keep the incident's lease until ``until``: a failed pass backs off before the next."""
    await _update(session, incident_id, {"lease_until": until})


async def mark_resolved(session: AsyncSession, *, incident_id: int, at: datetime) -> bool:
    """Resolve the incident if open (its fingerprint is freed for a new one); True if it was."""
    return await _update(
        session,
        incident_id,
        {"status": IncidentStatus.RESOLVED, "open_fingerprint": None, "resolved_at": at},
        IncidentRecord.status == IncidentStatus.OPEN,
    )


async def set_commander(session: AsyncSession, *, incident_id: int, commander: str) -> None:
    await _update(session, incident_id, {"commander": commander})
