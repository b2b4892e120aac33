"""``/incident commander @person``: who leads this incident, announced in its channel."""

from __future__ import annotations

from bot import messages
from bot.incident.commander import set_commander
from handlers.slack.incident.context import VerbContext, incident_here
from handlers.slack.incident.parse import Commander

__all__ = ["run_commander"]


async def run_commander(command: Commander, context: VerbContext) -> None:
    async with context.sessions() as session, session.begin():
        here = await incident_here(session, context)
        change = await set_commander(
            session,
            here.id,
            commander=command.user_id,
            actor=context.actor,
            clock=context.clock,
        )
    if not change.changed:
        await context.respond(
            text=messages.commander_unchanged(here.id, command.user_id),
            response_type="ephemeral",
        )
        return
    await context.respond(
        text=messages.commander_set(here.id, command.user_id, context.user),
        response_type="in_channel",
    )
