"""Figures read from the database when metrics are scraped, so they are the database's, whichever
replica is doing the work: the outbox depth (what has been accepted or opened and not yet
finished) and the actions by state."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import quarantine
from bot.action.models import ActionRecord, ActionState
from bot.incident import service as incidents
from bot.signal.models import SignalRecord
from bot.telemetry.metrics import OutboxDepth

__all__ = ["actions_by_state", "outbox_depth"]


async def outbox_depth(session: AsyncSession) -> OutboxDepth:
    unprocessed = await session.scalar(
        select(func.count()).where(
            SignalRecord.processed_at.is_(None), SignalRecord.quarantined_at.is_(None)
        )
    )
    set_aside = await quarantine.counts(session)
    return OutboxDepth(
        unprocessed_signals=int(unprocessed or 0),
        awaiting_slack=await incidents.count_behind(session),
        quarantined_signals=set_aside.signals,
        quarantined_incidents=set_aside.incidents,
    )


async def actions_by_state(session: AsyncSession) -> dict[str, int]:
    """Every action state with how many actions are in it now, zero included."""
    rows = await session.execute(
        select(ActionRecord.state, func.count()).group_by(ActionRecord.state)
    )
    counted = {str(state): int(count) for state, count in rows}
    return {state.value: counted.get(state.value, 0) for state in ActionState}
