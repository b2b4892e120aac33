"""People correcting correlation: merging two incidents into one, or splitting a signal out into
an incident of its own. Each is one transaction with its audit rows; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident import conditions
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord, IncidentStatus
from bot.signal import service as signals
from bot.signal.models import SignalRecord

__all__ = ["Regrouped", "merge_incidents", "split_signal"]


@dataclass(frozen=True, slots=True)
class Regrouped:
    """What changed, for the messages the edge posts."""

    kept: int  # the incident that goes on
    other: int  # the merged-away incident, or the new one split out
    moved_signals: int
    other_channel_id: str | None


async def _open(session: AsyncSession, incident_id: int) -> IncidentRecord:
    record = await incidents.get(session, incident_id)
    if record is None:
        raise CommandUsageError(f"There is no INC-{incident_id}.")
    if record.status != IncidentStatus.OPEN:
        raise CommandUsageError(f"INC-{incident_id} is not open.")
    return record


async def merge_incidents(
    session: AsyncSession, *, target_id: int, source_id: int, actor: str, clock: Clock
) -> Regrouped:
    """Move every signal of ``source_id`` into ``target_id`` and resolve the source as merged."""
    if target_id == source_id:
        raise CommandUsageError("An incident cannot be merged into itself.")
    target = await _open(session, target_id)
    source = await _open(session, source_id)
    moved = await session.execute(
        update(SignalRecord)
        .where(SignalRecord.incident_id == source_id)
        .values(incident_id=target_id)
        .execution_options(synchronize_session=False)
    )
    count = int(getattr(moved, "rowcount", 0) or 0)
    source.status = IncidentStatus.RESOLVED
    source.open_fingerprint = None
    source.resolved_at = clock.now()
    source.merged_into = target_id
    target.signal_count += count
    if source.severity < target.severity:  # "sev1" < "sev2": the worse one stays
        target.severity = source.severity
    await conditions.rebuild(session, target_id)
    await conditions.rebuild(session, source_id)
    target.all_resolved = (await conditions.states_of(session, target_id)).all_resolved
    target.packet_revision += 1
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.merged",
        incident_id=target_id,
        details={"merged": source_id, "moved_signals": count},
    )
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.resolved",
        incident_id=source_id,
        details={"merged_into": target_id},
    )
    return Regrouped(target_id, source_id, count, source.channel_id)


async def split_signal(
    session: AsyncSession, *, incident_id: int, signal_id: int, actor: str, clock: Clock
) -> Regrouped:
    """Move a signal (with every signal of the same alerting condition) out of the incident into
    a new incident of its own, which gets its own channel and packet."""
    incident = await _open(session, incident_id)
    record = await session.get(SignalRecord, signal_id)
    if record is None or record.incident_id != incident_id:
        raise CommandUsageError(f"Signal #{signal_id} is not part of INC-{incident_id}.")
    if record.fingerprint == incident.fingerprint:
        raise CommandUsageError(
            f"Signal #{signal_id} is INC-{incident_id}'s own alert; split the others out instead."
        )
    await session.flush()
    opened = await incidents.open_from(session, signals.from_record(record), clock=clock)
    if opened is None:
        raise CommandUsageError("That alert already has an open incident of its own.")
    same_condition = list(
        (
            await session.execute(
                select(SignalRecord).where(
                    SignalRecord.incident_id == incident_id,
                    SignalRecord.fingerprint == record.fingerprint,
                )
            )
        ).scalars()
    )
    for moved in same_condition:
        moved.incident_id = opened.id
    opened.signal_count = len(same_condition)
    incident.signal_count = max(1, incident.signal_count - len(same_condition))
    incident.packet_revision += 1
    await conditions.rebuild(session, incident_id)
    await conditions.rebuild(session, opened.id)
    incident.all_resolved = (await conditions.states_of(session, incident_id)).all_resolved
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="signal.split",
        incident_id=incident_id,
        details={
            "signal_id": signal_id,
            "new_incident": opened.id,
            "moved_signals": len(same_condition),
        },
    )
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.opened",
        incident_id=opened.id,
        details={
            "split_from": incident_id,
            "signal_id": signal_id,
            "service": opened.service,
            "severity": opened.severity,
            "title": opened.title,
        },
    )
    return Regrouped(incident_id, opened.id, len(same_condition), None)
