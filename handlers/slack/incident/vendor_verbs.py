"""``/incident page`` and ``/incident flag-off|flag-on``: vendor actions asked for from an
incident's channel, through the same flows as any action (:mod:`bot.action.flows`)."""

from __future__ import annotations

from bot import messages
from bot.action.flows import ActionRequest, propose
from bot.action.plan import ActionParameters, VendorActionKind
from handlers.slack.incident.context import VerbContext, incident_here
from handlers.slack.incident.parse import FlagToggle, Page

__all__ = ["run_flag_toggle", "run_page"]


async def _propose(
    context: VerbContext,
    kind: VendorActionKind,
    name: str | None,
    parameters: ActionParameters,
) -> None:
    """Propose ``kind`` on ``name`` (None: the incident's service) and answer as the flows
    reply; run what the policy lets run at once after answering."""
    actions = context.actions
    if actions is None:
        await context.respond(text=messages.NO_CLUSTER, response_type="ephemeral")
        return
    async with context.sessions() as session:
        here = await incident_here(session, context)
    reply = await propose(
        actions,
        ActionRequest(
            incident_id=here.id,
            service=here.service,
            channel_id=context.channel_id,
            kind=kind,
            name=name or here.service,
            namespace=None,
            parameters=parameters,
            requester=context.actor,
        ),
    )
    await context.respond(
        text=reply.text, response_type="in_channel" if reply.public else "ephemeral"
    )
    if reply.follow_up is not None:
        await reply.follow_up()


async def run_page(command: Page, context: VerbContext) -> None:
    async with context.sessions() as session:
        here = await incident_here(session, context)
    parameters = ActionParameters(
        ref=f"INC-{here.id}",
        title=f"{here.service}: INC-{here.id} needs its owner",
        text=command.note,
    )
    await _propose(context, VendorActionKind.PAGE_OWNER, None, parameters)


async def run_flag_toggle(command: FlagToggle, context: VerbContext) -> None:
    kind = VendorActionKind.FLAG_ON if command.on else VendorActionKind.FLAG_OFF
    await _propose(context, kind, command.flag, ActionParameters())
