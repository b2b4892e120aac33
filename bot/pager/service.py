"""Database reads and writes of the PagerDuty write-back; the caller owns the transaction."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.models import AuditRecord
from bot.incident.models import IncidentConditionRecord, IncidentRecord, IncidentStatus, PacketState
from bot.pager.models import WriteBackRecord, WriteBackState, WriteBackStep
from bot.pager.writeback import FINGERPRINT_PREFIX, IncidentFacts, Resolution

__all__ = [
    "Claim",
    "candidates",
    "claim_again",
    "claim_new",
    "facts_of",
    "finish",
    "steps_of",
]

FINAL = tuple(state.value for state in WriteBackState if state.final)


@dataclass(frozen=True, slots=True)
class Claim:
    """This process may call PagerDuty for ``step``; ``recovering`` when an earlier attempt
    may have reached it (look before writing again)."""

    record_id: int
    step: WriteBackStep
    attempts: int
    recovering: bool


async def candidates(session: AsyncSession) -> Sequence[tuple[int, str]]:
    """(incident id, fingerprint) of every PagerDuty incident an incident of ours came from
    whose write-back has not ended (fewer than three steps in a final state)."""
    finished = (
        select(func.count(WriteBackRecord.id))
        .where(
            WriteBackRecord.incident_id == IncidentConditionRecord.incident_id,
            WriteBackRecord.fingerprint == IncidentConditionRecord.fingerprint,
            WriteBackRecord.state.in_(FINAL),
        )
        .scalar_subquery()
    )
    query = (
        select(IncidentConditionRecord.incident_id, IncidentConditionRecord.fingerprint)
        .where(IncidentConditionRecord.fingerprint.startswith(FINGERPRINT_PREFIX))
        .where(finished < len(WriteBackStep))
        .distinct()
        .order_by(IncidentConditionRecord.incident_id, IncidentConditionRecord.fingerprint)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


async def _resolution(session: AsyncSession, incident: IncidentRecord) -> Resolution:
    """A person's resolution is an ``incident.resolved`` row by a Slack user (``slack:U...``)
    that is not a merge's."""
    if incident.status != IncidentStatus.RESOLVED:
        return Resolution.OPEN
    if incident.merged_into is not None:
        return Resolution.BY_MERGE
    rows = await session.execute(
        select(AuditRecord.actor, AuditRecord.details).where(
            AuditRecord.incident_id == incident.id, AuditRecord.event == "incident.resolved"
        )
    )
    for actor, details in rows.all():
        if actor.startswith("slack:") and "merged_into" not in json.loads(details or "{}"):
            return Resolution.BY_PERSON
    return Resolution.OTHERWISE


async def facts_of(session: AsyncSession, incident_id: int) -> IncidentFacts | None:
    incident = await session.get(IncidentRecord, incident_id, populate_existing=True)
    if incident is None:
        return None
    return IncidentFacts(
        incident_id=incident.id,
        service=incident.service,
        severity=incident.severity,
        title=incident.title,
        packet_posted=incident.packet_state == PacketState.POSTED,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
        packet_text=incident.packet_text,
        commander=incident.commander,
        resolution=await _resolution(session, incident),
    )


async def steps_of(
    session: AsyncSession, incident_id: int, fingerprint: str
) -> dict[WriteBackStep, WriteBackRecord]:
    rows = await session.execute(
        select(WriteBackRecord).where(
            WriteBackRecord.incident_id == incident_id, WriteBackRecord.fingerprint == fingerprint
        )
    )
    return {WriteBackStep(row.step): row for row in rows.scalars()}


async def claim_new(
    session: AsyncSession,
    *,
    incident_id: int,
    fingerprint: str,
    pagerduty_incident: str,
    step: WriteBackStep,
    state: WriteBackState,
    now: datetime,
    claimed_until: datetime | None,
    detail: str | None = None,
) -> int:
    """Insert the step's row; raises IntegrityError (at flush) when another process has."""
    record = WriteBackRecord(
        incident_id=incident_id,
        fingerprint=fingerprint,
        pagerduty_incident=pagerduty_incident,
        step=step.value,
        state=state.value,
        attempts=1 if state is WriteBackState.SENDING else 0,
        claimed_until=claimed_until,
        detail=detail,
        updated_at=now,
    )
    session.add(record)
    await session.flush()
    return record.id


async def claim_again(
    session: AsyncSession, record_id: int, *, now: datetime, claimed_until: datetime
) -> bool:
    """Take a step whose claim lapsed (a process died while ``sending``) or whose retry is
    due; True when this call took it."""
    moved = await session.execute(
        update(WriteBackRecord)
        .where(
            WriteBackRecord.id == record_id,
            or_(
                and_(
                    WriteBackRecord.state == WriteBackState.SENDING,
                    WriteBackRecord.claimed_until < now,
                ),
                and_(
                    WriteBackRecord.state == WriteBackState.RETRY, WriteBackRecord.retry_at <= now
                ),
            ),
        )
        .values(
            state=WriteBackState.SENDING,
            claimed_until=claimed_until,
            attempts=WriteBackRecord.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    return getattr(moved, "rowcount", 0) == 1


async def finish(
    session: AsyncSession,
    record_id: int,
    *,
    state: WriteBackState,
    now: datetime,
    detail: str | None,
    retry_at: datetime | None = None,
) -> bool:
    """``sending`` -> ``state``; False when the claim was lost meanwhile (not ours to record)."""
    moved = await session.execute(
        update(WriteBackRecord)
        .where(WriteBackRecord.id == record_id, WriteBackRecord.state == WriteBackState.SENDING)
        .values(state=state, detail=detail, retry_at=retry_at, claimed_until=None, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return getattr(moved, "rowcount", 0) == 1
