"""Each Slack delivery is handled once, and acked first.

Slack re-delivers an envelope that was not acked in time, and with several replicas any one of
them may get the retry. The key is the delivery's own id (``event_id`` for events, ``trigger_id``
for commands and clicks), recorded by a database constraint.

The record is written after the ack, not before: Slack wants the ack within 3 s and a person
should see their command taken at once, while the database may be busy (fifty commands at once
on SQLite queue for its one writer). So the global middleware only starts the claim; each
listener opens with ``if not await acknowledge(ack, context): return``, which acks and then
waits for the claim: a repeat is acked and dropped there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.response import BoltResponse
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.interaction.service import claim

__all__ = ["acknowledge", "delivery_key", "once_per_delivery"]

CLAIM = "first_delivery"  # the context key of the claim's task


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
    async def first(kind: str, key: str) -> bool:
        async with sessions() as session, session.begin():
            return await claim(session, key=key, kind=kind, clock=clock)

    async def middleware(
        body: dict[str, Any],
        context: AsyncBoltContext,
        next: Callable[[], Awaitable[None]],  # Bolt injects arguments by this name
    ) -> BoltResponse | None:
        identity = delivery_key(body)
        if identity is not None:
            context[CLAIM] = asyncio.ensure_future(first(*identity))
        await next()
        return None

    return middleware


async def acknowledge(ack: AsyncAck, context: AsyncBoltContext) -> bool:
    """Ack now; then True when this is the delivery's first arrival (go on), False for a
    repeat another attempt or replica already took (stop)."""
    await ack()
    claimed: asyncio.Future[bool] | None = context.get(CLAIM)
    return True if claimed is None else await claimed
