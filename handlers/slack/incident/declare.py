"""``/incident declare <service> [sev1..sev4] <title...>``: a person opens an incident.

The declaration is stored as a signal and goes down the alerts' own path (correlation, channel,
packet); the runner then waits, bounded, for the channel and invites the declarer to it.
"""

from __future__ import annotations

from bot import messages
from bot.incident.declaration import await_declared_incident, declare_incident, declared_signal
from bot.redaction import redact
from handlers.slack.incident.context import VerbContext
from handlers.slack.incident.parse import Declare

__all__ = ["CHANNEL_WAIT_SECONDS", "run_declare"]

CHANNEL_WAIT_SECONDS = 30.0  # past this the person is told to look in /status


async def run_declare(command: Declare, context: VerbContext) -> None:
    signal = declared_signal(
        service=command.service,
        severity=command.severity,
        title=command.title,
        declared_by=context.user,
        delivery_id=f"slack:{context.command['trigger_id']}",
        clock=context.clock,
    )
    signal_id = await declare_incident(
        signal, actor=context.actor, sessions=context.sessions, clock=context.clock
    )
    if signal_id is None:
        await context.respond(text=messages.declared_again(), response_type="ephemeral")
        return
    context.on_change()
    await context.respond(
        # The title is the person's words, which may hold a pasted secret.
        text=redact(messages.declared(command.service, command.severity.value, signal.title)),
        response_type="ephemeral",
    )
    landed = await await_declared_incident(
        signal_id, sessions=context.sessions, timeout=CHANNEL_WAIT_SECONDS
    )
    if landed is None or landed.channel_id is None:
        incident_id = landed.incident_id if landed is not None else None
        await context.respond(
            text=messages.declared_pending(incident_id), response_type="ephemeral"
        )
        return
    await context.chat.invite_people(landed.channel_id, [context.user])
    await context.respond(
        text=messages.declared_in(landed.incident_id, landed.channel_id, opened=landed.opened),
        response_type="ephemeral",
    )
