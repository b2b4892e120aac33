"""Reading and turning the kill switch. The caller owns the transaction; turning it writes an
audit row in that same transaction, so the switch never moves without a trace.

The reason is a person's words, shown on App Home, in the channel and in the audit trail: it is
redacted before it is stored, so a pasted token never sits in the database either."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock
from bot.killswitch.models import KILL_SWITCH_ID, KillSwitchRecord
from bot.redaction import redact

__all__ = ["KillSwitch", "read", "turn"]


@dataclass(frozen=True, slots=True)
class KillSwitch:
    engaged: bool
    changed_by: str | None = None
    changed_at: datetime | None = None
    reason: str | None = None


async def read(session: AsyncSession) -> KillSwitch:
    """The switch as the database has it now (a fresh read, never the session's cached copy)."""
    record = await session.get(KillSwitchRecord, KILL_SWITCH_ID, populate_existing=True)
    if record is None:  # a database the migration did not seed counts as off, never as unknown
        return KillSwitch(engaged=False)
    return KillSwitch(
        engaged=record.engaged,
        changed_by=record.changed_by,
        changed_at=record.changed_at,
        reason=record.reason,
    )


async def turn(
    session: AsyncSession,
    *,
    engaged: bool,
    actor: str,
    clock: Clock,
    reason: str | None = None,
) -> bool:
    """Set the switch; True when it moved, False when it already stood so (nothing written).
    The update is conditional on the old value, so two people turning it at once write one
    audit row between them."""
    now = clock.now()
    reason = redact(reason) if reason else reason
    result = await session.execute(
        update(KillSwitchRecord)
        .where(KillSwitchRecord.id == KILL_SWITCH_ID, KillSwitchRecord.engaged != engaged)
        .values(engaged=engaged, changed_by=actor, changed_at=now, reason=reason)
        .execution_options(synchronize_session=False)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        return False
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="kill_switch.engaged" if engaged else "kill_switch.released",
        details={"reason": reason} if reason else None,
    )
    return True
