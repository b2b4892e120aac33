"""``/incident confirm-cause``: the incident commander confirms what caused it, for the
postmortem. Refused privately (and audited) to anyone else once a commander is set."""

from __future__ import annotations

from bot import messages
from bot.interaction.refusals import record_refusal
from bot.postmortem.confirm import ConfirmedCause, confirm_cause, confirmation_refusal
from handlers.slack.incident.context import VerbContext, incident_here
from handlers.slack.incident.parse import ConfirmCause

__all__ = ["run_confirm_cause"]


async def _policy_reason(context: VerbContext) -> str | None:
    """The policy's refusal of a postmortem to this person (it governs while no commander is
    set), or None."""
    refused = context.policy.postmortem_refusal(
        user=context.user,
        user_groups=await context.user_groups(context.user),
        is_commander=False,
    )
    return refused.reason if refused is not None else None


async def run_confirm_cause(command: ConfirmCause, context: VerbContext) -> None:
    policy_reason = await _policy_reason(context)
    confirmed: ConfirmedCause | None = None
    async with context.sessions() as session, session.begin():
        here = await incident_here(session, context)
        refusal = confirmation_refusal(
            user=context.user, commander=here.commander, policy_reason=policy_reason
        )
        if refusal is not None:
            await record_refusal(
                session,
                clock=context.clock,
                actor=context.actor,
                what="/incident confirm-cause",
                reason=refusal,
                channel_id=context.channel_id,
                incident_id=here.id,
            )
        else:
            confirmed = await confirm_cause(
                session, here, choice=command, actor=context.actor, clock=context.clock
            )
    if confirmed is None:
        await context.respond(
            text=messages.cause_confirm_refused(here.id, here.commander, refusal or ""),
            response_type="ephemeral",
        )
        return
    await context.respond(
        text=messages.cause_confirmed(
            confirmed.incident_id,
            context.user,
            cause=confirmed.cause,
            kind=confirmed.kind.value,
            number=confirmed.number,
            note=confirmed.note,
        ),
        response_type="in_channel",
    )
