"""One step of an incident's Slack progress: its typed write (``bot.incident.service``) and its
audit row, committed together before the next call to Slack, so a crash resumes from it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import Clock

__all__ = ["BOT_ACTOR", "step"]

BOT_ACTOR = "bot"


@asynccontextmanager
async def step(
    sessions: async_sessionmaker[AsyncSession],
    incident_id: int,
    *,
    clock: Clock,
    event: str | None = None,
    details: dict[str, object] | None = None,
) -> AsyncIterator[AsyncSession]:
    """A transaction for the writes made inside the block, with the audit row ``event`` (when
    given) appended to it; committed when the block ends, rolled back if it raises. With an
    event, the process's audit chain is locked first, as every writer that appends takes it
    (:func:`bot.audit.service.lock`): a step holding an incident's row while it waited for the
    chain, and a correlation batch holding the chain while it waited for that row, deadlocked on
    PostgreSQL."""
    async with sessions() as session, session.begin():
        if event is not None:
            await audit.lock(session)
        yield session
        if event is not None:
            await audit.append(
                session,
                clock=clock,
                actor=BOT_ACTOR,
                event=event,
                incident_id=incident_id,
                details=details or {},
            )
