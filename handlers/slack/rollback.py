"""``/rollback [service] [to REVISION]``: propose a rollback in an incident channel. The person
sees the dry-run plan in the channel; it runs only once the policy's approvers approve it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.action.context import ActionContext
from bot.action.flows import ActionRequest, propose
from bot.action.plan import ActionParameters, ClusterActionKind
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.interaction.ids import parse_count, parse_id
from handlers.slack.deliveries import acknowledge
from handlers.slack.usage import RefusalAudit, usage_answered

__all__ = ["RollbackCommand", "parse_rollback", "register_rollback"]

SERVICE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,199}$")


@dataclass(frozen=True, slots=True)
class RollbackCommand:
    service: str | None
    to_revision: int | None


def parse_rollback(text: str) -> RollbackCommand:
    """``[service] [to REVISION]``; CommandUsageError for anything else."""
    words = text.split()
    service = None
    if words and words[0].lower() != "to":
        service = words.pop(0)
        if not SERVICE.match(service):
            raise CommandUsageError(
                messages.usage_error(messages.ROLLBACK_USAGE, f"Not a service name: `{service}`")
            )
    revision = None
    if words:
        if len(words) != 2 or words[0].lower() != "to" or parse_count(words[1]) is None:
            raise CommandUsageError(
                messages.usage_error(messages.ROLLBACK_USAGE, f"Not understood: `{text}`")
            )
        revision = parse_id(words[1])
        if revision is None:
            raise CommandUsageError(
                messages.usage_error(messages.ROLLBACK_USAGE, "A revision is 1 or more.")
            )
    return RollbackCommand(service, revision)


def register_rollback(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    actions: ActionContext,
    namespace_of: Callable[[str], str | None],
) -> None:
    @app.command("/rollback")
    async def rollback(
        ack: AsyncAck, context: AsyncBoltContext, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        if not await acknowledge(ack, context):
            return
        refusals = RefusalAudit(
            sessions,
            actions.clock,
            actor=f"slack:{command.get('user_id', '')}",
            what="/rollback",
            channel_id=command.get("channel_id"),
        )
        async with usage_answered(respond, refusals):
            await _rollback(command, respond)

    async def _rollback(command: dict[str, Any], respond: AsyncRespond) -> None:
        wanted = parse_rollback(command.get("text", ""))
        async with sessions() as session:
            incident = await incidents.by_channel(session, command["channel_id"])
        if incident is None:
            raise CommandUsageError(
                messages.usage_error(messages.ROLLBACK_USAGE, messages.ROLLBACK_NOT_IN_INCIDENT)
            )
        service = wanted.service or incident.service
        reply = await propose(
            actions,
            ActionRequest(
                incident_id=incident.id,
                service=service,
                channel_id=command["channel_id"],
                kind=ClusterActionKind.ROLLBACK,
                name=service,
                namespace=namespace_of(service),
                parameters=ActionParameters(to_revision=wanted.to_revision),
                requester=f"slack:{command['user_id']}",
            ),
        )
        await respond(text=reply.text, response_type="in_channel" if reply.public else "ephemeral")
        if reply.follow_up is not None:
            await reply.follow_up()
