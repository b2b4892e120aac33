"""Folding the rest of a delivery into the incident its first alert went to, in one go.

One Alertmanager group naming three hundred services is one problem seen three hundred times
(:data:`~bot.incident.correlation.JoinReason.DELIVERY`). Correlating its alerts one transaction
each would keep the database's one writer busy for as long, and every other alert, a genuine sev1
among them, waiting behind it. So once one alert of a delivery is placed, the delivery's other
waiting alerts that would follow it there join in the same transaction, up to
:data:`FOLD_BATCH` at a time, each with its own ``signal.joined`` audit row.

Left to the one-by-one path, which decides them on their own: resolved alerts, alerts whose
condition (fingerprint) is already in another open incident or still has an older alert waiting
from another delivery (a condition's alerts go in order), alerts whose service the catalog keeps
apart from the incident's, and rows no code can read.
"""

from __future__ import annotations

from sqlalchemy import Select, String, exists, literal, or_, select, union_all, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import Clock
from bot.incident import conditions
from bot.incident.correlation import JoinReason, catalog_keeps_apart, severity_after_join
from bot.incident.models import IncidentConditionRecord, IncidentRecord, IncidentStatus
from bot.incident.progress import BOT_ACTOR
from bot.signal.models import SignalRecord
from bot.signal.values import Severity, SignalStatus, sane_start

__all__ = ["FOLD_BATCH", "fold_delivery"]

FOLD_BATCH = 100  # alerts joined in one transaction: the writer is free again soon
_SEVERITIES = frozenset(severity.value for severity in Severity)


def _waiting_elsewhere(fingerprint: str, record: SignalRecord) -> Select[str]:
    """The fingerprint, if a signal of it waits from another delivery than ``record``'s. The
    first one found answers (EXISTS), through the condition's waiting signals only
    (``ix_signals_fingerprint_waiting``), so it reads a few rows however many signals the
    condition already had."""
    return select(literal(fingerprint, String)).where(
        exists().where(
            SignalRecord.fingerprint == fingerprint,
            SignalRecord.processed_at.is_(None),
            SignalRecord.quarantined_at.is_(None),
            or_(
                SignalRecord.source != record.source,
                SignalRecord.body_digest.is_distinct_from(record.body_digest),
            ),
        )
    )


async def _fingerprints_held_elsewhere(
    session: AsyncSession, incident: IncidentRecord, record: SignalRecord, fingerprints: set[str]
) -> set[str]:
    in_other_incident = (
        select(IncidentConditionRecord.fingerprint)
        .join(IncidentRecord, IncidentRecord.id == IncidentConditionRecord.incident_id)
        .where(
            IncidentRecord.status == IncidentStatus.OPEN,
            IncidentRecord.id != incident.id,
            IncidentConditionRecord.fingerprint.in_(sorted(fingerprints)),
        )
    )
    opened_by = select(IncidentRecord.open_fingerprint).where(
        IncidentRecord.id != incident.id, IncidentRecord.open_fingerprint.in_(sorted(fingerprints))
    )
    from_other_delivery = union_all(*(_waiting_elsewhere(f, record) for f in sorted(fingerprints)))
    held: set[str] = set()
    for query in (in_other_incident, opened_by, from_other_delivery):
        held |= {str(found) for found in (await session.execute(query)).scalars() if found}
    return held


async def _waiting_in_delivery(
    session: AsyncSession, incident: IncidentRecord, record: SignalRecord, catalog: Catalog
) -> list[SignalRecord]:
    """The delivery's other alerts still waiting (a batch of them), of a severity that may
    join and of a service the catalog does not keep apart from the incident's."""
    query = (
        select(SignalRecord)
        .where(
            SignalRecord.source == record.source,
            SignalRecord.body_digest == record.body_digest,
            SignalRecord.processed_at.is_(None),
            SignalRecord.quarantined_at.is_(None),
            SignalRecord.status == SignalStatus.FIRING,
            SignalRecord.id != record.id,
        )
        .order_by(SignalRecord.id)
        .limit(FOLD_BATCH)
    )
    return [
        r
        for r in (await session.execute(query)).scalars()
        if r.severity in _SEVERITIES
        and not catalog_keeps_apart(r.service, incident.service, catalog)
    ]


def _join(
    incident: IncidentRecord, signal: SignalRecord, states: conditions.AlertStates
) -> audit.NewEntry:
    """Count ``signal`` into ``incident`` (severity, last signal) and say so in an audit row."""
    before = Severity(incident.severity)
    started = sane_start(signal.started_at, signal.received_at)
    incident.signal_count += 1
    incident.last_signal_at = max(incident.last_signal_at or started, started)
    severity, raised = severity_after_join(
        before,
        Severity(signal.severity),
        firing=signal.status == SignalStatus.FIRING,
        fired_conditions=states.fired,
        already_raised=incident.severity_raised,
    )
    incident.severity, incident.severity_raised = severity.value, raised
    details: dict[str, object] = {
        "signal_id": signal.id,
        "status": signal.status,
        "reason": JoinReason.DELIVERY.value,
        "service": signal.service,
        "signal_count": incident.signal_count,
    }
    if severity != before:
        details["severity"] = {"from": before.value, "to": severity.value}
    return audit.NewEntry(BOT_ACTOR, "signal.joined", incident.id, details)


async def fold_delivery(
    session: AsyncSession,
    incident: IncidentRecord,
    record: SignalRecord,
    *,
    catalog: Catalog,
    clock: Clock,
) -> int:
    """Join the waiting alerts of ``record``'s delivery that belong with ``incident`` (which
    ``record`` has just opened or joined), in the caller's transaction; return how many."""
    if not record.body_digest or incident.status != IncidentStatus.OPEN:
        return 0
    rest = await _waiting_in_delivery(session, incident, record, catalog)
    if not rest:
        return 0
    held = await _fingerprints_held_elsewhere(
        session, incident, record, {r.fingerprint for r in rest}
    )
    chosen = {r.id: r for r in rest if r.fingerprint not in held}
    if not chosen:
        return 0
    now = clock.now()
    claimed = await session.execute(
        update(SignalRecord)
        .where(SignalRecord.id.in_(sorted(chosen)), SignalRecord.processed_at.is_(None))
        .values(processed_at=now, incident_id=incident.id)
        .returning(SignalRecord.id)
        .execution_options(synchronize_session=False)
    )
    joined = [chosen[int(signal_id)] for signal_id in sorted(claimed.scalars())]
    if not joined:
        return 0
    await session.flush()
    await conditions.record(session, incident.id, joined)
    states = await conditions.states_of(session, incident.id)
    entries = [_join(incident, signal, states) for signal in joined]
    incident.all_resolved = states.all_resolved
    if not incident.all_resolved:
        incident.resolve_prompted = False
    incident.packet_revision += 1
    await audit.append_many(session, entries, clock=clock)
    return len(joined)
