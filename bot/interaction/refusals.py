"""Recording a refused command or click: every refusal is audited, not only the ones a policy
rule decides. The caller owns the transaction.

What the person typed is not stored (it may hold a pasted secret, and it is theirs to repeat):
the row says who, where, which command or button, and why, in the bot's own words.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock

__all__ = ["record_refusal"]


async def record_refusal(
    session: AsyncSession,
    *,
    clock: Clock,
    actor: str,
    what: str,
    reason: str,
    channel_id: str | None = None,
    incident_id: int | None = None,
) -> None:
    """An ``interaction.refused`` audit row: ``actor`` (``slack:U…``) used ``what`` (a command
    such as ``/incident``, or a button's action id) and was refused for ``reason``."""
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="interaction.refused",
        incident_id=incident_id,
        details={"what": what, "reason": reason, "channel_id": channel_id},
    )
