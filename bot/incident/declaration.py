"""A person declaring an incident from Slack.

The declaration is a signal like any alert's (source ``slack``), stored durably with its audit
rows in one transaction and left for the pipeline, so it is correlated, given a channel and a
packet exactly as an alert would be: a declaration for a service already burning joins that
incident instead of opening a second one.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import Clock
from bot.incident import service as incidents
from bot.redaction import redact
from bot.signal import service as signals
from bot.signal.models import SignalRecord
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

__all__ = ["DeclaredIncident", "await_declared_incident", "declare_incident", "declared_signal"]


def declared_signal(
    *,
    service: str,
    severity: Severity,
    title: str,
    declared_by: str,
    delivery_id: str,
    clock: Clock,
) -> Signal:
    """The signal a declaration stands for. Its fingerprint is the service and the words, so
    the same declaration made twice is one condition; ``delivery_id`` (the Slack trigger id)
    makes one command stored once however often Slack delivers it."""
    return Signal(
        source=AlertSource.SLACK,
        service=service,
        severity=severity,
        status=SignalStatus.FIRING,
        started_at=clock.now(),
        title=title,
        # Redacted before lowering: a lowered key no rule knows would sit in the fingerprint.
        fingerprint=f"slack:{service}:{' '.join(redact(title).lower().split())}",
        delivery_id=delivery_id,
        labels={"declared_by": declared_by},
    )


async def declare_incident(
    signal: Signal,
    *,
    actor: str,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
) -> int | None:
    """Store the declared signal and an ``incident.declared`` audit row naming who declared it,
    in one transaction; return the signal's id, None when this delivery was stored before."""
    async with sessions() as session, session.begin():
        await audit.lock(session)
        record = await signals.store(session, signal, clock=clock)
        if record is None:
            return None
        await audit.append(
            session,
            clock=clock,
            actor=actor,
            event="incident.declared",
            details={
                "signal_id": record.id,
                "service": signal.service,
                "severity": signal.severity.value,
                "title": signal.title,
                "declared_by": actor,
            },
        )
        return record.id


@dataclass(frozen=True, slots=True)
class DeclaredIncident:
    """Where a declaration landed: its incident, and the channel once it exists."""

    incident_id: int
    channel_id: str | None
    opened: bool  # False: it joined an incident that was open already


async def _landed(session: AsyncSession, signal_id: int) -> DeclaredIncident | None:
    record = await session.get(SignalRecord, signal_id, populate_existing=True)
    if record is None or record.incident_id is None:
        return None
    incident = await incidents.get(session, record.incident_id)
    if incident is None:  # pragma: no cover - rows are never deleted
        return None
    await session.refresh(incident)
    first = min(s.id for s in await signals.signals_of(session, incident.id))
    return DeclaredIncident(incident.id, incident.channel_id, opened=first == signal_id)


async def await_declared_incident(
    signal_id: int,
    *,
    sessions: async_sessionmaker[AsyncSession],
    timeout: float,
    interval: float = 0.2,
) -> DeclaredIncident | None:
    """Wait (at most ``timeout`` seconds) until the pipeline has correlated the declaration and
    its incident has a channel; the last thing seen (perhaps without a channel), or None."""
    deadline = time.monotonic() + timeout
    seen: DeclaredIncident | None = None
    while True:
        async with sessions() as session:
            seen = await _landed(session, signal_id)
        if (seen is not None and seen.channel_id) or time.monotonic() >= deadline:
            return seen
        await asyncio.sleep(interval)
