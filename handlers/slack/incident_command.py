"""``/incident``: people opening, leading, correcting and closing incidents from Slack.

The text is parsed into a typed command (:mod:`handlers.slack.incident.parse`); each command
type has its runner in :data:`RUNNERS`. Anything not understood gets the usage, privately.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from types import MappingProxyType
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.action.context import ActionContext
from bot.chat import Chat
from bot.clock import Clock
from bot.policy import DEFAULT_POLICY, Policy
from handlers.slack.deliveries import acknowledge
from handlers.slack.incident.actions import run_kill_switch, run_restart, run_scale
from handlers.slack.incident.cause import run_confirm_cause
from handlers.slack.incident.commander import run_commander
from handlers.slack.incident.context import VerbContext
from handlers.slack.incident.declare import run_declare
from handlers.slack.incident.parse import (
    Commander,
    ConfirmCause,
    Declare,
    FlagToggle,
    IncidentCommand,
    KillSwitch,
    Merge,
    Page,
    Resolve,
    Restart,
    Scale,
    Split,
    parse_incident_command,
)
from handlers.slack.incident.regroup import run_merge, run_resolve, run_split
from handlers.slack.incident.vendor_verbs import run_flag_toggle, run_page
from handlers.slack.usage import RefusalAudit, usage_answered

__all__ = ["RUNNERS", "parse_incident_command", "register_incident_command"]

Runner = Callable[[Any, VerbContext], Awaitable[None]]

# One runner per command type; a new verb adds its line here.
RUNNERS: Mapping[type[IncidentCommand], Runner] = MappingProxyType(
    {
        Declare: run_declare,
        Commander: run_commander,
        Merge: run_merge,
        Split: run_split,
        Resolve: run_resolve,
        KillSwitch: run_kill_switch,
        Scale: run_scale,
        Restart: run_restart,
        ConfirmCause: run_confirm_cause,
        Page: run_page,
        FlagToggle: run_flag_toggle,
    }
)


def register_incident_command(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    on_change: Callable[[], None],
    chat: Chat,
    actions: ActionContext | None = None,
    policy: Policy = DEFAULT_POLICY,
    namespace_of: Callable[[str], str | None] = lambda _service: None,
    groups_of: Callable[[str], Awaitable[frozenset[str]]] | None = None,
) -> None:
    @app.command("/incident")
    async def incident_command(
        ack: AsyncAck,
        context: AsyncBoltContext,
        command: dict[str, Any],
        respond: AsyncRespond,
    ) -> None:
        if not await acknowledge(ack, context):
            return
        refusals = RefusalAudit(
            sessions,
            clock,
            actor=f"slack:{command.get('user_id', '')}",
            what="/incident",
            channel_id=command.get("channel_id"),
        )
        async with usage_answered(respond, refusals):
            parsed = parse_incident_command(command.get("text", ""))
            verb_context = VerbContext(
                command=command,
                respond=respond,
                chat=chat,
                sessions=sessions,
                clock=clock,
                on_change=on_change,
                actions=actions,
                policy=policy,
                namespace_of=namespace_of,
                groups_of=groups_of,
            )
            await RUNNERS[type(parsed)](parsed, verb_context)
