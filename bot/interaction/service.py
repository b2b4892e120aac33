"""Recording chat deliveries so each is handled once. The caller owns the transaction."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.interaction.models import InteractionRecord

__all__ = ["claim"]


async def claim(session: AsyncSession, *, key: str, kind: str, clock: Clock) -> bool:
    """True when this delivery is seen for the first time (and is now recorded); False for a
    re-delivery that another attempt or replica already took."""
    if await session.get(InteractionRecord, key) is not None:
        return False
    try:
        async with session.begin_nested():
            session.add(InteractionRecord(key=key[:255], kind=kind, received_at=clock.now()))
    except IntegrityError:
        return False
    return True
