"""Database reads and writes for signals. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Table, insert, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock
from bot.signal.models import SignalRecord
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus

__all__ = [
    "AlertStates",
    "alert_states",
    "conditions_of",
    "from_record",
    "next_unprocessed",
    "seen_bodies",
    "signals_of",
    "store",
    "store_many",
    "stored_deliveries",
]

_SIGNALS = cast(Table, SignalRecord.__table__)


def _row(signal: Signal, *, clock: Clock, body_digest: str | None) -> dict[str, Any]:
    return {
        "source": signal.source.value,
        "delivery_id": signal.delivery_id,
        "service": signal.service,
        "severity": signal.severity.value,
        "status": signal.status.value,
        "started_at": signal.started_at,
        "title": signal.title,
        "fingerprint": signal.fingerprint,
        "description": signal.description,
        "links": [{"title": link.title, "url": link.url} for link in signal.links],
        "labels": dict(signal.labels),
        "owner": signal.owner,
        "received_at": clock.now(),
        "body_digest": body_digest,
    }


def _accepted(signal: Signal, signal_id: int) -> audit.NewEntry:
    return audit.NewEntry(
        actor=f"source:{signal.source.value}",
        event="signal.accepted",
        details={
            "signal_id": signal_id,
            "delivery_id": signal.delivery_id,
            "service": signal.service,
            "severity": signal.severity.value,
            "status": signal.status.value,
            "fingerprint": signal.fingerprint,
            "title": signal.title,
        },
    )


async def store(
    session: AsyncSession, signal: Signal, *, clock: Clock, body_digest: str | None = None
) -> SignalRecord | None:
    """Store ``signal`` in the outbox; None when this delivery was stored before.

    A savepoint contains the insert, so a concurrent replica storing the same delivery (the
    unique constraint fires) leaves the caller's transaction usable.
    """
    if await stored_deliveries(session, [(signal.source.value, signal.delivery_id)]):
        return None
    record = SignalRecord(**_row(signal, clock=clock, body_digest=body_digest))
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    await audit.append_many(session, [_accepted(signal, record.id)], clock=clock)
    return record


async def store_many(
    session: AsyncSession, signals: Sequence[tuple[Signal, str | None]], *, clock: Clock
) -> list[int]:
    """Store signals known to be new (with their body digests) and their audit rows, and return
    their ids in order: one insert and one audit append for all. A delivery stored meanwhile by
    another replica raises IntegrityError and the caller's transaction is lost; :func:`store`
    is the careful path."""
    if not signals:
        return []
    rows = [_row(signal, clock=clock, body_digest=digest) for signal, digest in signals]
    connection = await session.connection()  # Core: the ORM's bookkeeping is most of the cost
    # One multi-row INSERT ... RETURNING. Asking SQLAlchemy to keep the parameters' order
    # (sort_by_parameter_order) makes it send one statement per row on SQLite, each a thread
    # round trip; the delivery key maps the returned ids back instead (it is unique).
    inserted = await connection.execute(
        insert(_SIGNALS).returning(_SIGNALS.c.id, _SIGNALS.c.source, _SIGNALS.c.delivery_id),
        rows,
    )
    by_delivery = {(source, delivery): int(id_) for id_, source, delivery in inserted}
    ids = [by_delivery[(signal.source.value, signal.delivery_id)] for signal, _ in signals]
    entries = [
        _accepted(signal, signal_id) for (signal, _), signal_id in zip(signals, ids, strict=True)
    ]
    await audit.append_many(session, entries, clock=clock)
    return ids


async def stored_deliveries(
    session: AsyncSession, deliveries: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these ``(source, delivery_id)`` pairs are stored already."""
    keys = list(set(deliveries))
    if not keys:
        return set()
    pair = tuple_(_SIGNALS.c.source, _SIGNALS.c.delivery_id)
    connection = await session.connection()
    rows = await connection.execute(
        select(_SIGNALS.c.source, _SIGNALS.c.delivery_id).where(pair.in_(keys))
    )
    return {(source, delivery_id) for source, delivery_id in rows}


async def seen_bodies(
    session: AsyncSession, bodies: Iterable[tuple[str, str]], *, since: datetime
) -> set[tuple[str, str]]:
    """Which of these ``(source, body_digest)`` pairs were stored since ``since``: a delivery
    with the same exact body from the same source is a retry."""
    keys = list(set(bodies))
    if not keys:
        return set()
    pair = tuple_(_SIGNALS.c.source, _SIGNALS.c.body_digest)
    connection = await session.connection()
    rows = await connection.execute(
        select(_SIGNALS.c.source, _SIGNALS.c.body_digest)
        .where(pair.in_(keys), _SIGNALS.c.received_at >= since)
        .distinct()
    )
    return {(source, digest) for source, digest in rows if digest is not None}


def from_record(record: SignalRecord) -> Signal:
    return Signal(
        source=AlertSource(record.source),
        service=record.service,
        severity=Severity(record.severity),
        status=SignalStatus(record.status),
        started_at=record.started_at,
        title=record.title,
        fingerprint=record.fingerprint,
        delivery_id=record.delivery_id,
        description=record.description,
        links=tuple(Link(item["title"], item["url"]) for item in record.links),
        labels=MappingProxyType(dict(record.labels)),
        owner=record.owner,
    )


async def next_unprocessed(session: AsyncSession, *, limit: int = 100) -> Sequence[SignalRecord]:
    """Accepted signals not yet correlated, oldest first."""
    query = (
        select(SignalRecord)
        .where(SignalRecord.processed_at.is_(None))
        .order_by(SignalRecord.id)
        .limit(limit)
    )
    return (await session.execute(query)).scalars().all()


@dataclass(frozen=True, slots=True)
class AlertStates:
    """An incident's alerting conditions (fingerprints) by their latest status."""

    alerts: int
    firing: int

    @property
    def all_resolved(self) -> bool:
        return self.alerts > 0 and self.firing == 0


async def alert_states(session: AsyncSession, incident_id: int) -> AlertStates:
    rows = (
        await session.execute(
            select(SignalRecord.fingerprint, SignalRecord.status)
            .where(SignalRecord.incident_id == incident_id)
            .order_by(SignalRecord.started_at, SignalRecord.id)
        )
    ).all()
    latest: dict[str, str] = {}
    for fingerprint, status in rows:
        latest[fingerprint] = status
    firing = sum(1 for status in latest.values() if status == SignalStatus.FIRING)
    return AlertStates(alerts=len(latest), firing=firing)


async def conditions_of(session: AsyncSession, incident_id: int) -> tuple[set[str], set[str]]:
    """The fingerprints and the services of every signal in the incident."""
    query = select(SignalRecord.fingerprint, SignalRecord.service).where(
        SignalRecord.incident_id == incident_id
    )
    rows = (await session.execute(query)).all()
    return {row[0] for row in rows}, {row[1] for row in rows}


async def signals_of(session: AsyncSession, incident_id: int) -> Sequence[SignalRecord]:
    query = (
        select(SignalRecord)
        .where(SignalRecord.incident_id == incident_id)
        .order_by(SignalRecord.started_at, SignalRecord.id)
    )
    return (await session.execute(query)).scalars().all()
