"""Database reads and writes for signals. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from sqlalchemy import exists, select
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
    "seen_body",
    "signals_of",
    "store",
]


async def store(
    session: AsyncSession, signal: Signal, *, clock: Clock, body_digest: str | None = None
) -> SignalRecord | None:
    """Store ``signal`` in the outbox; None when this delivery was stored before.

    A savepoint contains the insert, so a concurrent replica storing the same delivery (the
    unique constraint fires) leaves the caller's transaction usable.
    """
    seen = await session.scalar(
        select(
            exists().where(
                SignalRecord.source == signal.source.value,
                SignalRecord.delivery_id == signal.delivery_id,
            )
        )
    )
    if seen:
        return None
    record = SignalRecord(
        source=signal.source.value,
        delivery_id=signal.delivery_id,
        service=signal.service,
        severity=signal.severity.value,
        status=signal.status.value,
        started_at=signal.started_at,
        title=signal.title,
        fingerprint=signal.fingerprint,
        description=signal.description,
        links=[{"title": link.title, "url": link.url} for link in signal.links],
        labels=dict(signal.labels),
        owner=signal.owner,
        received_at=clock.now(),
        body_digest=body_digest,
    )
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    await audit.append(
        session,
        clock=clock,
        actor=f"source:{signal.source.value}",
        event="signal.accepted",
        details={
            "signal_id": record.id,
            "delivery_id": signal.delivery_id,
            "service": signal.service,
            "severity": signal.severity.value,
            "status": signal.status.value,
            "fingerprint": signal.fingerprint,
            "title": signal.title,
        },
    )
    return record


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


async def seen_body(
    session: AsyncSession, *, source: str, body_digest: str, since: datetime
) -> bool:
    """Whether a delivery with this exact body from this source was stored since ``since``."""
    return bool(
        await session.scalar(
            select(
                exists().where(
                    SignalRecord.source == source,
                    SignalRecord.body_digest == body_digest,
                    SignalRecord.received_at >= since,
                )
            )
        )
    )


async def signals_of(session: AsyncSession, incident_id: int) -> Sequence[SignalRecord]:
    query = (
        select(SignalRecord)
        .where(SignalRecord.incident_id == incident_id)
        .order_by(SignalRecord.started_at, SignalRecord.id)
    )
    return (await session.execute(query)).scalars().all()
