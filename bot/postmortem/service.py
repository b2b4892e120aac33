"""Database reads for a postmortem: one incident's record, signals, actions and audit rows as
facts, and the catalog's word on each affected service. The caller owns the session."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.models import ActionRecord
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord
from bot.postmortem.facts import (
    ActionFact,
    AuditFact,
    IncidentFact,
    PostmortemFacts,
    ServiceFact,
    SignalFact,
)
from bot.postmortem.packet_text import read_packet_text
from bot.signal import service as signals

__all__ = ["incident_fact", "stored_facts"]


def incident_fact(record: IncidentRecord) -> IncidentFact:
    return IncidentFact(
        id=record.id,
        title=record.title,
        service=record.service,
        severity=record.severity,
        status=record.status,
        opened_at=record.opened_at,
        first_seen_at=record.first_seen_at,
        resolved_at=record.resolved_at,
        channel_id=record.channel_id,
        channel_name=record.channel_name,
        commander=record.commander,
        merged_into=record.merged_into,
    )


def _services(
    service: str, signal_facts: tuple[SignalFact, ...], catalog: Catalog
) -> tuple[ServiceFact, ...]:
    names = list(dict.fromkeys([service, *(s.service for s in signal_facts)]))
    found: list[ServiceFact] = []
    for name in names:
        entry = catalog.get(name)
        if entry is None:
            found.append(ServiceFact(name, known=False))
        else:
            found.append(ServiceFact(name, known=True, owner=entry.owner, tier=entry.tier))
    return tuple(found)


async def stored_facts(
    session: AsyncSession, incident_id: int, *, catalog: Catalog, now: datetime
) -> PostmortemFacts | None:
    """The incident's facts from the database (no channel messages yet), None when there is
    no such incident."""
    record = await incidents.get(session, incident_id)
    if record is None:
        return None
    signal_facts = tuple(
        SignalFact(
            id=row.id,
            source=row.source,
            service=row.service,
            severity=row.severity,
            status=row.status,
            title=row.title,
            fingerprint=row.fingerprint,
            started_at=row.started_at,
            received_at=row.received_at,
        )
        for row in await signals.signals_of(session, incident_id)
    )
    action_rows = (
        await session.execute(
            select(ActionRecord)
            .where(ActionRecord.incident_id == incident_id)
            .order_by(ActionRecord.id)
        )
    ).scalars()
    action_facts = tuple(
        ActionFact(
            id=row.id,
            kind=row.kind,
            target=row.target,
            state=row.state,
            proposed_by=row.proposed_by,
            proposed_at=row.proposed_at,
            decided_by=row.decided_by,
            decided_at=row.decided_at,
            executed_at=row.executed_at,
            finished_at=row.finished_at,
            result=row.result,
            dry_run=bool(row.dry_run),
        )
        for row in action_rows
    )
    audit_facts = tuple(
        AuditFact(
            entry.seq, entry.at, entry.actor, entry.event, MappingProxyType(dict(entry.details))
        )
        for entry in await audit.entries(session, incident_id=incident_id)
    )
    return PostmortemFacts(
        incident=incident_fact(record),
        drafted_at=now,
        signals=signal_facts,
        actions=action_facts,
        audit=audit_facts,
        packet=read_packet_text(record.packet_text),
        services=_services(record.service, signal_facts, catalog),
    )
