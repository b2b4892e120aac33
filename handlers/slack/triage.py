"""``/triage [service]``: in an incident channel, gather the evidence again and post a fresh
packet for everyone; elsewhere, a read-only packet for the named service, only to the asker,
without opening an incident. The work lives in :mod:`bot.incident.retriage`."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.chat import Chat
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.incident.context import PipelineContext
from bot.incident.retriage import preview_service, retriage
from bot.redaction import redact
from handlers.slack.deliveries import acknowledge
from handlers.slack.usage import usage_answered

__all__ = ["parse_triage", "register_triage"]

SERVICE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


def parse_triage(text: str) -> str | None:
    """The service named, None for none; :class:`CommandUsageError` for anything else."""
    words = text.split()
    if not words:
        return None
    if len(words) == 1 and SERVICE.match(words[0].lower()):
        return words[0].lower()
    raise CommandUsageError(
        messages.usage_error(messages.TRIAGE_USAGE, f"Not understood: `{text}`")
    )


def register_triage(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    pipeline: PipelineContext,
    chat: Chat,
) -> None:
    @app.command("/triage")
    async def triage(
        ack: AsyncAck, context: AsyncBoltContext, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        async with usage_answered(respond):
            service = parse_triage(command.get("text", ""))
            actor = f"slack:{command['user_id']}"
            async with sessions() as session:
                here = await incidents.by_channel(session, command["channel_id"])
            if here is not None and service in (None, here.service):
                done = await retriage(
                    here.id,
                    actor=actor,
                    sessions=sessions,
                    chat=chat,
                    context=pipeline,
                    clock=clock,
                )
                text = (
                    messages.triage_posted(here.id, replaced=done.replaced)
                    if done is not None
                    else messages.triage_pending(here.id)
                )
                await respond(text=text, response_type="ephemeral")
                return
            if service is None:
                raise CommandUsageError(
                    messages.usage_error(
                        messages.TRIAGE_USAGE, "Name a service outside an incident."
                    )
                )
            packet = await preview_service(
                service, actor=actor, sessions=sessions, context=pipeline, clock=clock
            )
            text = messages.triage_preview(packet, f"{clock.now():%H:%M}")
            await respond(text=redact(text), response_type="ephemeral")
