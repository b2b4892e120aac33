"""``/status``: in an incident channel, that incident's state, signals and open actions (posted
in the channel for everyone there); anywhere else, the open incidents (only to the asker).
Alert titles and services in it are escaped as the text is composed
(:func:`bot.messages.render_status`) and redacted on the way out like every reply
(:mod:`integrations.slack.outgoing`)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.incident.status import IncidentStatusReport, status_of
from bot.messages import STATUS_USAGE, render_status, usage_error
from handlers.slack.deliveries import acknowledge

__all__ = ["register_status"]


def register_status(app: AsyncApp, *, sessions: async_sessionmaker[AsyncSession]) -> None:
    @app.command("/status")
    async def status(
        ack: AsyncAck, context: AsyncBoltContext, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        if command.get("text", "").strip():
            await respond(
                text=usage_error(STATUS_USAGE, "`/status` takes no arguments."),
                response_type="ephemeral",
            )
            return
        async with sessions() as session:
            report = await status_of(session, channel_id=command["channel_id"])
        in_incident = isinstance(report, IncidentStatusReport)
        await respond(
            text=render_status(report),
            response_type="in_channel" if in_incident else "ephemeral",
        )
