"""Accepting alerts: one delivery's signals are stored (with their audit rows) in one
transaction, committed before the source hears back, so an accepted alert is never lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.signal import service
from bot.signal.values import Signal

__all__ = ["DEDUP_WINDOW", "AcceptOutcome", "accept_signals"]

DEDUP_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    stored: tuple[int, ...]  # ids of the signals stored now
    duplicates: int  # signals of this delivery stored by an earlier delivery


async def accept_signals(
    signals: Sequence[Signal],
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    body_digest: str | None = None,
    dedup_window: timedelta = DEDUP_WINDOW,
) -> AcceptOutcome:
    """Store one delivery's signals. A delivery whose exact body (``body_digest``) came from
    the same source within ``dedup_window`` is a retry: every signal counts as a duplicate."""
    stored: list[int] = []
    duplicates = 0
    async with sessions() as session, session.begin():
        if body_digest and signals:
            retried = await service.seen_body(
                session,
                source=signals[0].source.value,
                body_digest=body_digest,
                since=clock.now() - dedup_window,
            )
            if retried:
                return AcceptOutcome((), len(signals))
        for signal in signals:
            record = await service.store(session, signal, clock=clock, body_digest=body_digest)
            if record is None:
                duplicates += 1
            else:
                stored.append(record.id)
    return AcceptOutcome(tuple(stored), duplicates)
