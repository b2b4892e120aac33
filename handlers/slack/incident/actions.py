"""``/incident scale``, ``/incident restart`` and ``/incident killswitch``: actions proposed from
an incident's channel (they run only once approved, see :mod:`bot.action.flows`), and the
switch that stops them all."""

from __future__ import annotations

from bot import messages
from bot.action.context import Reply
from bot.action.flows import ActionRequest, propose, restart_kind
from bot.action.plan import ActionParameters, ClusterActionKind
from bot.audit import service as audit
from bot.errors import ActionPlanError
from bot.killswitch import service as kill_switch
from handlers.slack.incident.context import VerbContext, incident_here
from handlers.slack.incident.parse import KillSwitch, Restart, Scale

__all__ = ["run_kill_switch", "run_restart", "run_scale"]


async def _answer(reply: Reply, context: VerbContext) -> None:
    await context.respond(
        text=reply.text, response_type="in_channel" if reply.public else "ephemeral"
    )
    if reply.follow_up is not None:
        await reply.follow_up()


async def _propose(
    context: VerbContext, kind: ClusterActionKind, name: str, parameters: ActionParameters
) -> None:
    actions = context.actions
    if actions is None:
        await context.respond(text=messages.NO_CLUSTER, response_type="ephemeral")
        return
    async with context.sessions() as session:
        here = await incident_here(session, context)
    # The policy speaks of services; a Deployment the catalog knows is one, else the action
    # belongs to the incident's service.
    service = name if context.namespace_of(name) is not None else here.service
    namespace = context.namespace_of(service)
    if kind is ClusterActionKind.RESTART:
        try:
            kind = await restart_kind(actions, name, namespace)
        except ActionPlanError as exc:
            await context.respond(
                text=messages.action_not_planned(str(exc)), response_type="ephemeral"
            )
            return
    reply = await propose(
        actions,
        ActionRequest(
            incident_id=here.id,
            service=service,
            channel_id=context.channel_id,
            kind=kind,
            name=name,
            namespace=namespace,
            parameters=parameters,
            requester=context.actor,
        ),
    )
    await _answer(reply, context)


async def run_scale(command: Scale, context: VerbContext) -> None:
    await _propose(
        context,
        ClusterActionKind.SCALE,
        command.deployment,
        ActionParameters(replicas=command.replicas),
    )


async def run_restart(command: Restart, context: VerbContext) -> None:
    await _propose(context, ClusterActionKind.RESTART, command.target, ActionParameters())


async def run_kill_switch(command: KillSwitch, context: VerbContext) -> None:
    groups = await context.user_groups(context.user)
    refusal = context.policy.kill_switch_refusal(
        engage=command.engage, user=context.user, user_groups=groups
    )
    if refusal is not None:
        async with context.sessions() as session, session.begin():
            await audit.append(
                session,
                clock=context.clock,
                actor=context.actor,
                event="kill_switch.refused",
                details={"engage": command.engage, "rule": refusal.rule, "reason": refusal.reason},
            )
        await context.respond(
            text=messages.action_refused(refusal.rule, refusal.reason), response_type="ephemeral"
        )
        return
    async with context.sessions() as session, session.begin():
        moved = await kill_switch.turn(
            session,
            engaged=command.engage,
            actor=context.actor,
            clock=context.clock,
            reason=command.reason,
        )
    if not moved:
        await context.respond(
            text=messages.kill_switch_unchanged(command.engage), response_type="ephemeral"
        )
        return
    await context.respond(
        text=messages.kill_switch_turned(command.engage, context.user, command.reason),
        response_type="in_channel",
    )
