"""What every ``/incident`` runner receives: the command as Slack sent it, how to answer, and
the bot's dependencies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncRespond
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.action.context import ActionContext
from bot.chat import Chat
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord
from bot.policy import DEFAULT_POLICY, Policy

__all__ = ["VerbContext", "incident_here"]


@dataclass(frozen=True, slots=True)
class VerbContext:
    command: dict[str, Any]
    respond: AsyncRespond
    chat: Chat  # the core's Slack port: what a runner posts beyond its answer goes through it
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    on_change: Callable[[], None]  # wakes the pipeline after a human's change
    actions: ActionContext | None = None  # None: no cluster is configured
    policy: Policy = DEFAULT_POLICY
    namespace_of: Callable[[str], str | None] = lambda _service: None
    groups_of: Callable[[str], Awaitable[frozenset[str]]] | None = None

    async def user_groups(self, user: str) -> frozenset[str]:
        """The groups ``user`` is in, as the policy names them (none when unknown)."""
        return await self.groups_of(user) if self.groups_of is not None else frozenset()

    @property
    def user(self) -> str:
        return str(self.command["user_id"])

    @property
    def channel_id(self) -> str:
        return str(self.command["channel_id"])

    @property
    def actor(self) -> str:
        """How the audit chain names the person: ``slack:U123``."""
        return f"slack:{self.user}"


async def incident_here(session: AsyncSession, context: VerbContext) -> IncidentRecord:
    """The incident whose channel the command was run in; usage for the person otherwise."""
    here = await incidents.by_channel(session, context.channel_id)
    if here is None:
        raise CommandUsageError(messages.NOT_AN_INCIDENT_CHANNEL)
    return here
