"""Accepting alerts: one delivery's signals are stored (with their audit rows) in one
transaction, committed before the source hears back, so an accepted alert is never lost."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.signal import service
from bot.signal.values import Signal

__all__ = ["AcceptOutcome", "accept_signals"]


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    stored: tuple[int, ...]  # ids of the signals stored now
    duplicates: int  # signals of this delivery stored by an earlier delivery


async def accept_signals(
    signals: Sequence[Signal], *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> AcceptOutcome:
    stored: list[int] = []
    duplicates = 0
    async with sessions() as session, session.begin():
        for signal in signals:
            record = await service.store(session, signal, clock=clock)
            if record is None:
                duplicates += 1
            else:
                stored.append(record.id)
    return AcceptOutcome(tuple(stored), duplicates)
