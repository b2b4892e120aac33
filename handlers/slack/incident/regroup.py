"""``/incident merge``, ``split`` and ``resolve``: people correcting and closing incidents."""

from __future__ import annotations

from bot import messages
from bot.history.flows import ResolveOutcome, resolve_with_note
from bot.incident.regroup import merge_incidents, split_signal
from handlers.slack.incident.context import VerbContext, incident_here
from handlers.slack.incident.parse import Merge, Resolve, Split

__all__ = ["run_merge", "run_resolve", "run_split"]


async def run_resolve(command: Resolve, context: VerbContext) -> None:
    async with context.sessions() as session, session.begin():
        here = await incident_here(session, context)
        outcome = await resolve_with_note(
            session,
            here.id,
            actor=context.actor,
            clock=context.clock,
            note=command.note,
            noise=command.noise,
        )
    context.on_change()
    text: str
    if outcome is ResolveOutcome.RESOLVED:
        text = messages.resolved_with_note(
            here.id, context.user, noted=bool(command.note), noise=command.noise
        )
    elif outcome is ResolveOutcome.NOTED:
        text = messages.resolution_noted(here.id, context.user)
    else:
        text = messages.already_resolved(here.id)
    await context.respond(text=text, response_type="in_channel")


async def run_merge(command: Merge, context: VerbContext) -> None:
    async with context.sessions() as session, session.begin():
        here = await incident_here(session, context)
        regrouped = await merge_incidents(
            session,
            target_id=here.id,
            source_id=command.incident_id,
            actor=context.actor,
            clock=context.clock,
        )
    context.on_change()
    text = messages.merged(regrouped.other, regrouped.kept, regrouped.moved_signals)
    await context.respond(text=text, response_type="in_channel")
    if regrouped.other_channel_id:
        await context.chat.announce(
            regrouped.other_channel_id,
            messages.merged_away(regrouped.other, regrouped.kept, context.channel_id),
        )


async def run_split(command: Split, context: VerbContext) -> None:
    async with context.sessions() as session, session.begin():
        here = await incident_here(session, context)
        regrouped = await split_signal(
            session,
            incident_id=here.id,
            signal_id=command.signal_id,
            actor=context.actor,
            clock=context.clock,
        )
    context.on_change()
    text = messages.split(command.signal_id, regrouped.kept, regrouped.other)
    await context.respond(text=text, response_type="in_channel")
