"""Global middleware: each Slack delivery is handled once.

Slack re-delivers an envelope that was not acked in time, and with several replicas any one of
them may get the retry. The key is the delivery's own id (``event_id`` for events, ``trigger_id``
for commands and clicks), recorded by a database constraint. A repeat is acked and dropped.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.response import BoltResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.interaction.service import claim

__all__ = ["delivery_key", "once_per_delivery"]


def delivery_key(body: dict[str, Any]) -> tuple[str, str] | None:
    """(kind, key) identifying one delivery, or None when the body carries no id."""
    if body.get("event_id"):
        return "event", f"event:{body['event_id']}"
    if body.get("command") and body.get("trigger_id"):
        return "command", f"command:{body['trigger_id']}"
    if body.get("type") and body.get("trigger_id"):
        return str(body["type"]), f"{body['type']}:{body['trigger_id']}"
    return None


def once_per_delivery(
    sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> Callable[..., Awaitable[BoltResponse | None]]:
    async def middleware(
        body: dict[str, Any],
        next: Callable[[], Awaitable[None]],  # Bolt injects arguments by this name
    ) -> BoltResponse | None:
        identity = delivery_key(body)
        if identity is not None:
            kind, key = identity
            async with sessions() as session, session.begin():
                first = await claim(session, key=key, kind=kind, clock=clock)
            if not first:
                return BoltResponse(status=200, body="")
        await next()
        return None

    return middleware
