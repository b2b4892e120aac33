"""``/explain [question]``: in an incident channel, why its packet says what it says, or the
part of it a question asks about, from the packet's facts only (:mod:`bot.incident.explanation`:
deterministic words, or the narrator's grounded ones when it is configured)."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.explanation import explanation
from bot.redaction import redact
from handlers.slack.deliveries import acknowledge
from handlers.slack.usage import usage_answered

__all__ = ["register_explain"]


def register_explain(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    pipeline: PipelineContext,
) -> None:
    @app.command("/explain")
    async def explain_command(
        ack: AsyncAck, context: AsyncBoltContext, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        async with usage_answered(respond):
            async with sessions() as session:
                here = await incidents.by_channel(session, command["channel_id"])
            if here is None:
                raise CommandUsageError(
                    messages.usage_error(
                        messages.EXPLAIN_USAGE, "`/explain` works in an incident's own channel."
                    )
                )
            text = await explanation(
                here, command.get("text", ""), sessions=sessions, context=pipeline, clock=clock
            )
            await respond(text=redact(text), response_type="in_channel")  # alert text inside
