"""Correlating accepted signals into incidents, a batch of signals per transaction (each in a
savepoint of its own), and resolving an incident (after which nothing joins it). The rules of
which incident a signal joins are the pure functions of :mod:`bot.incident.correlation`; this
module claims, reads and writes around them.

Why a little over 400 lines: opening, joining, folding a delivery and claiming a batch share one
transaction and its savepoints; split apart, each would take the others' session rules on trust.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import quarantine
from bot.audit import service as audit
from bot.catalog import Catalog
from bot.clock import Clock
from bot.history import service as history
from bot.incident import conditions
from bot.incident import service as incidents
from bot.incident.correlation import (
    DEFAULT_WINDOW,
    JoinReason,
    OpenIncident,
    choose_incident,
    neighbours,
    severity_after_join,
)
from bot.incident.folding import fold_delivery
from bot.incident.models import IncidentRecord, IncidentStatus
from bot.incident.progress import BOT_ACTOR
from bot.quarantine import is_transient
from bot.signal import service as signals
from bot.signal.models import SignalRecord
from bot.signal.values import Severity, Signal, SignalStatus
from bot.telemetry.metrics import NO_METRICS, Metrics

__all__ = ["CORRELATE_BATCH", "OPENING_HOLD_SECONDS", "correlate_pending", "resolve_incident"]


def _delivery_of(record: SignalRecord) -> str | None:
    """The delivery a stored signal came in, as correlation names it; None for a replay."""
    return f"{record.source}:{record.body_digest}" if record.body_digest else None


async def _same_delivery(session: AsyncSession, record: SignalRecord) -> frozenset[int]:
    """The incidents holding a signal of ``record``'s delivery."""
    if not record.body_digest:
        return frozenset()
    query = select(SignalRecord.incident_id).where(
        SignalRecord.source == record.source,
        SignalRecord.body_digest == record.body_digest,
        SignalRecord.incident_id.is_not(None),
    )
    found = (await session.execute(query.distinct())).scalars()
    return frozenset(int(incident_id) for incident_id in found if incident_id is not None)


async def _candidates(
    session: AsyncSession, signal: Signal, catalog: Catalog, same_delivery: frozenset[int]
) -> list[IncidentRecord]:
    services = {signal.service, *neighbours(signal.service, catalog)}
    query = select(IncidentRecord).where(
        IncidentRecord.status == IncidentStatus.OPEN,
        or_(
            IncidentRecord.open_fingerprint == signal.fingerprint,
            IncidentRecord.service.in_(services),
            IncidentRecord.id.in_(conditions.holding(signal.fingerprint, sorted(services))),
            IncidentRecord.id.in_(list(same_delivery)),
        ),
    )
    return list((await session.execute(query)).scalars())


async def _open_view(
    session: AsyncSession, record: IncidentRecord, deliveries: frozenset[str]
) -> OpenIncident:
    held = await conditions.conditions_of(session, record.id)
    return OpenIncident(
        record.id,
        record.fingerprint,
        record.service,
        record.first_seen_at,
        record.last_signal_at or record.first_seen_at,
        held.fingerprints,
        held.services,
        deliveries,
    )


async def _join(
    session: AsyncSession,
    incident: IncidentRecord,
    record: SignalRecord,
    reason: JoinReason,
    *,
    clock: Clock,
) -> None:
    """Fold ``record`` into ``incident``: counts, newest time, its condition, severity,
    all-resolved, and a new packet revision so the channel's packet is brought up to date."""
    signal = signals.from_record(record)
    before = Severity(incident.severity)
    incident.signal_count += 1
    incident.last_signal_at = max(incident.last_signal_at or signal.started_at, signal.started_at)
    record.incident_id = incident.id
    await session.flush()
    await conditions.record(session, incident.id, [record])
    states = await conditions.states_of(session, incident.id)
    severity, raised = severity_after_join(
        before,
        signal.severity,
        firing=signal.status == SignalStatus.FIRING,
        fired_conditions=states.fired,
        already_raised=incident.severity_raised,
    )
    incident.severity, incident.severity_raised = severity.value, raised
    incident.all_resolved = states.all_resolved
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
    delivery, same_delivery = _delivery_of(record), await _same_delivery(session, record)
    candidates = {i.id: i for i in await _candidates(session, signal, catalog, same_delivery)}
    views = [
        await _open_view(
            session,
            incident,
            frozenset({delivery}) if delivery and incident.id in same_delivery else frozenset(),
        )
        for incident in candidates.values()
    ]
    chosen = choose_incident(signal, views, catalog=catalog, window=window, delivery=delivery)
    if chosen is not None:
        joined = candidates[chosen.incident_id]
        await _join(session, joined, record, chosen.reason, clock=clock)
        await fold_delivery(session, joined, record, catalog=catalog, clock=clock)
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
    await session.flush()
    await conditions.record(session, opened.id, [record])
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
    await fold_delivery(session, opened, record, catalog=catalog, clock=clock)
    return opened.severity


CORRELATE_BATCH = 32  # signals claimed and correlated in one transaction
# How long a batch that opened an incident may go on before it commits: alerts that arrive
# together (four services failing at once) open their incidents in one transaction and are
# published together, while an opening behind a storm's joins still waits at most this long.
OPENING_HOLD_SECONDS = 0.05


@dataclass(slots=True)
class _Batch:
    """What one transaction did: signals tried, correlated, the severities of the incidents it
    opened, and the signals whose own correlation raised (rolled back to their savepoint)."""

    tried: int = 0
    done: int = 0
    opened: list[str] = field(default_factory=list)
    failures: list[tuple[int, Exception]] = field(default_factory=list)


async def correlate_pending(
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    catalog: Catalog,
    window: timedelta = DEFAULT_WINDOW,
    limit: int = 200,
    batch: int = CORRELATE_BATCH,
    metrics: Metrics = NO_METRICS,
    failed: set[int] | None = None,
    committed: Callable[[], None] | None = None,
) -> int:
    """Correlate accepted signals in order, ``batch`` of them per transaction (as the webhook
    intake commits concurrent deliveries together, a batch ending early after a signal that
    opened an incident); return how many were done.

    Each signal's claim is a conditional update of ``processed_at`` inside the transaction
    that correlates it, so a signal is correlated exactly once even with several replicas, and
    a crash before the commit leaves the whole batch for the next pass. Each signal runs in a
    savepoint of its own: one whose correlation raises is rolled back alone (its claim with
    it), counted, and after :data:`~bot.quarantine.QUARANTINE_AFTER` failures quarantined; the
    others of its batch commit. ``failed``, when given, holds the ids of signals that failed in
    an earlier round of the same pass: they are left for the next pass (and the ids failing in
    this round are added), so each try of a signal is a pass apart. ``committed`` is called
    after each batch that correlated something, so publishing starts on it at once.
    """
    async with sessions() as session:
        pending = [
            (record.id, record.fingerprint)
            for record in await signals.next_unprocessed(session, limit=limit)
            if failed is None or record.id not in failed
        ]
    held: set[str] = set()  # conditions whose older signal another worker holds: theirs, in order
    done = position = 0
    while position < len(pending):
        outcome = await _correlate_batch(
            pending[position : position + max(1, batch)],
            sessions=sessions,
            clock=clock,
            catalog=catalog,
            window=window,
            held=held,
        )
        position += outcome.tried
        for signal_id, exc in outcome.failures:
            if failed is not None:
                failed.add(signal_id)
            if await quarantine.signal_failed(sessions, signal_id, exc, clock=clock):
                metrics.quarantined("signal")
        for severity in outcome.opened:  # counted once committed
            metrics.incident_opened(severity)
        done += outcome.done
        if outcome.done and committed is not None:
            committed()
    return done


async def _correlate_batch(
    pending: Sequence[tuple[int, str]],
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    catalog: Catalog,
    window: timedelta,
    held: set[str],
) -> _Batch:
    """Claim and correlate the ``pending`` signals (id, fingerprint) in order in one
    transaction, each in a savepoint. A batch that opened an incident ends early, once it has
    run :data:`OPENING_HOLD_SECONDS`: the opening is what a person waits for, so it is
    committed (and published) while the rest are correlated, and alerts that came together
    open together. A storm's joins, which open nothing, go in full batches.

    A signal another worker is correlating right now is skipped, not waited for (see
    :func:`_claim_and_correlate`), and so is every later signal of its condition in this pass
    (``held``): a condition's signals are correlated in order by whichever worker has the
    first, so a resolve never goes before its firing."""
    outcome = _Batch()
    started = time.monotonic()
    async with sessions() as session, session.begin():
        # The chain lock first, as every writer of this process takes it: a batch holds
        # incident rows a publisher's step waits on, and that step holds the chain a batch's
        # audit rows need, a deadlock PostgreSQL resolved by undoing one of them.
        await audit.lock(session)
        for signal_id, fingerprint in pending:
            outcome.tried += 1
            if fingerprint in held:
                continue
            try:
                async with session.begin_nested():
                    opened = await _claim_and_correlate(
                        session, signal_id, clock=clock, catalog=catalog, window=window
                    )
            except Exception as exc:
                if is_transient(exc):
                    raise  # the database, not this signal: the next pass retries the batch
                outcome.failures.append((signal_id, exc))
                continue
            if opened is False:
                held.add(fingerprint)
                continue
            outcome.done += 1
            if opened is not None:
                outcome.opened.append(opened)
            if outcome.opened and time.monotonic() - started >= OPENING_HOLD_SECONDS:
                break  # committed now: its channel and packet need not wait for the batch
    return outcome


async def _claim_and_correlate(
    session: AsyncSession,
    signal_id: int,
    *,
    clock: Clock,
    catalog: Catalog,
    window: timedelta,
) -> str | Literal[False] | None:
    """Claim and correlate one signal in the caller's transaction: the severity of the incident
    it opened, None when it opened none, False when another worker (or a fold of this batch)
    had claimed it or is correlating it now.

    On PostgreSQL the row is first locked with ``FOR UPDATE SKIP LOCKED``: replicas read the
    same oldest-first list of waiting signals, and without it the second one to reach a signal
    waited on the first one's row lock for its whole batch, then found it claimed, so two
    replicas correlated no faster than one (bench/replicas, ``--waits``). SQLite has one writer
    at a time and ignores the clause."""
    free = await session.scalar(
        select(SignalRecord.id)
        .where(
            SignalRecord.id == signal_id,
            SignalRecord.processed_at.is_(None),
            SignalRecord.quarantined_at.is_(None),
        )
        .with_for_update(skip_locked=True)
    )
    if free is None:
        return False
    claimed = await session.execute(
        update(SignalRecord)
        .where(
            SignalRecord.id == signal_id,
            SignalRecord.processed_at.is_(None),
            SignalRecord.quarantined_at.is_(None),
        )
        .values(processed_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    if getattr(claimed, "rowcount", 0) != 1:
        return False
    # Fresh from the row: an earlier fold in this session may have read it before the claim.
    record = await session.get(SignalRecord, signal_id, populate_existing=True)
    if record is None:  # pragma: no cover - rows are never deleted
        return False
    return await _correlate(session, record, clock=clock, catalog=catalog, window=window)


async def resolve_incident(
    session: AsyncSession,
    incident_id: int,
    *,
    actor: str,
    clock: Clock,
    note: str | None = None,
    noise: bool = False,
) -> bool:
    """Resolve an open incident (a human's decision); False when it was not open. The
    conditional update makes a double click, or two replicas, resolve it once. ``note`` says
    what fixed it and ``noise`` that it was not an incident: history shows both next time."""
    if not await incidents.mark_resolved(session, incident_id=incident_id, at=clock.now()):
        return False
    record = await incidents.get(session, incident_id)
    assert record is not None  # it was just resolved, and incidents are never deleted
    outcome = await history.record_outcome(
        session, incident=record, at=clock.now(), actor=actor, note=note, noise=noise
    )
    details: dict[str, object] = {"noise": noise}
    if outcome.resolution is not None:
        details["note"] = outcome.resolution
    if outcome.remedy_kind is not None:
        details["remedy"] = {"kind": outcome.remedy_kind, "target": outcome.remedy_target}
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.resolved",
        incident_id=incident_id,
        details=details,
    )
    return True
