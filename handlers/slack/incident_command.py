"""``/incident``: people correcting and closing incidents from Slack.

``/incident merge INC-N`` folds INC-N into this channel's incident; ``/incident split SIGNAL``
moves a signal (see ``/status`` for ids) out into an incident of its own; ``/incident resolve``
resolves this channel's incident. Anything else gets the usage, privately.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_bolt.context.async_context import AsyncBoltContext
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.clock import Clock
from bot.errors import CommandUsageError
from bot.incident import service as incidents
from bot.incident.flows import resolve_incident
from bot.incident.regroup import merge_incidents, split_signal
from handlers.slack.deliveries import acknowledge

__all__ = ["parse_incident_command", "register_incident_command"]

NUMBER = re.compile(r"^(?:inc-|#)?(\d+)$", re.IGNORECASE)


def parse_incident_command(text: str) -> tuple[str, int | None]:
    """``("merge", 12)``, ``("split", 40)``, ``("resolve", None)``; CommandUsageError otherwise."""
    words = text.split()
    if not words:
        raise CommandUsageError(messages.INCIDENT_USAGE)
    verb, rest = words[0].lower(), words[1:]
    if verb == "resolve" and not rest:
        return verb, None
    if verb in ("merge", "split") and len(rest) == 1 and (match := NUMBER.match(rest[0])):
        return verb, int(match.group(1))
    raise CommandUsageError(
        messages.usage_error(messages.INCIDENT_USAGE, f"Not understood: `{text}`")
    )


def register_incident_command(
    app: AsyncApp,
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    on_change: Callable[[], None],
) -> None:
    @app.command("/incident")
    async def incident_command(
        ack: AsyncAck,
        context: AsyncBoltContext,
        command: dict[str, Any],
        respond: AsyncRespond,
        client: AsyncWebClient,
    ) -> None:
        if not await acknowledge(ack, context):
            return
        verb, number = parse_incident_command(command.get("text", ""))
        actor = f"slack:{command['user_id']}"
        async with sessions() as session, session.begin():
            here = await incidents.by_channel(session, command["channel_id"])
            if here is None:
                raise CommandUsageError(messages.NOT_AN_INCIDENT_CHANNEL)
            if verb == "resolve":
                done = await resolve_incident(session, here.id, actor=actor, clock=clock)
                text = (
                    messages.resolved_by(here.id, command["user_id"])
                    if done
                    else messages.already_resolved(here.id)
                )
                regrouped = None
            elif verb == "merge":
                assert number is not None
                regrouped = await merge_incidents(
                    session, target_id=here.id, source_id=number, actor=actor, clock=clock
                )
                text = messages.merged(regrouped.other, regrouped.kept, regrouped.moved_signals)
            else:
                assert number is not None
                regrouped = await split_signal(
                    session, incident_id=here.id, signal_id=number, actor=actor, clock=clock
                )
                text = messages.split(number, regrouped.kept, regrouped.other)
        on_change()
        await respond(text=text, response_type="in_channel")
        if verb == "merge" and regrouped is not None and regrouped.other_channel_id:
            await client.chat_postMessage(
                channel=regrouped.other_channel_id,
                text=messages.merged_away(regrouped.other, regrouped.kept, command["channel_id"]),
            )
