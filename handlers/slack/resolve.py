"""The "Resolve incident" button the bot shows once every alert has resolved. Resolving is a
human's decision; the click is it, and it counts once however often it arrives."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.incident.correlate import resolve_incident
from bot.messages import already_resolved, resolved_by
from handlers.slack.deliveries import acknowledge
from integrations.slack.blocks import RESOLVE_ACTION_ID

__all__ = ["register_resolve"]


def register_resolve(
    app: AsyncApp, *, sessions: async_sessionmaker[AsyncSession], clock: Clock
) -> None:
    @app.action(RESOLVE_ACTION_ID)
    async def resolve(
        ack: AsyncAck, context: AsyncBoltContext, body: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        incident_id = int(body["actions"][0]["value"])
        user = body["user"]["id"]
        async with sessions() as session, session.begin():
            done = await resolve_incident(session, incident_id, actor=f"slack:{user}", clock=clock)
        if done:
            await respond(text=resolved_by(incident_id, user), replace_original=True)
        else:
            await respond(
                text=already_resolved(incident_id),
                response_type="ephemeral",
                replace_original=False,
            )
