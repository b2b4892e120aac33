"""Runbook steps the bot carries out: ``auto`` in action, not only in name, and ``approve``
with something to approve.

When an incident's packet names a runbook whose ``config_change`` and ``rerun_job`` steps
declare a target for the incident's service (:mod:`bot.runbook.targets`), the bot proposes them
itself, in the runbook's order, one at a time, through the same flows as a person's request
(guardrails, kill switch, dry-run mode, exactly once, verification, audit). At ``auto`` a step
is approved by the policy rule that allows it and runs at once; at ``approve`` its plan is
posted with Approve and Deny and it runs once an approver approves; at ``suggest`` the bot
proposes nothing. The next step waits until this one verified: a step denied, expired, failed
or not verified leaves the rest to people. While the kill switch is on or a freeze covers the
service nothing is proposed; a dangerous marker lowers ``auto`` to ``approve``.

Each step is proposed once per incident however many replicas find it: the action stores the
step's key in a unique column, so a second replica's insert fails and it moves on.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.action import service as actions
from bot.action.context import ActionContext
from bot.action.flows import ActionRequest, propose
from bot.action.guards import autonomy_for, calendar_windows
from bot.action.kinds import ActionKind
from bot.action.models import ActionState
from bot.action.plan import ActionParameters, ClusterActionKind
from bot.errors import ActionPlanError
from bot.incident.models import IncidentRecord, IncidentStatus, PacketState
from bot.policy import Autonomy
from bot.runbook.schemas import Runbook
from bot.runbook.targets import StepTarget, target_for

__all__ = ["carry_out_steps", "incidents_with_steps"]

log = logging.getLogger(__name__)

_KINDS = {
    ActionKind.CONFIG_CHANGE: ClusterActionKind.CONFIG_CHANGE,
    ActionKind.RERUN_JOB: ClusterActionKind.RERUN_JOB,
}


async def incidents_with_steps(ctx: ActionContext) -> list[tuple[IncidentRecord, Runbook]]:
    """Open incidents whose posted packet names a runbook with steps the bot may carry out."""
    if ctx.runbooks is None:
        return []
    found: list[tuple[IncidentRecord, Runbook]] = []
    async with ctx.sessions() as session:
        incidents = list(
            await session.scalars(
                select(IncidentRecord)
                .where(
                    IncidentRecord.status == IncidentStatus.OPEN.value,
                    IncidentRecord.packet_state == PacketState.POSTED.value,
                    IncidentRecord.channel_id.is_not(None),
                )
                .order_by(IncidentRecord.id)
            )
        )
        for incident in incidents:
            details = await actions.packet_posted(session, incident.id) or {}
            runbook = ctx.runbooks.get(str(details.get("runbook") or ""))
            if runbook is not None and any(
                action.kind in _KINDS and target_for(action.targets, incident.service)
                for action in runbook.front.actions
            ):
                found.append((incident, runbook))
    return found


async def carry_out_steps(ctx: ActionContext) -> int:
    """One pass over every incident with steps to carry out; how many steps were proposed."""
    proposed = 0
    for incident, runbook in await incidents_with_steps(ctx):
        proposed += await _incident_steps(ctx, incident, runbook)
    return proposed


async def _incident_steps(ctx: ActionContext, incident: IncidentRecord, runbook: Runbook) -> int:
    proposed = 0
    for index, step in enumerate(runbook.front.actions):
        kind = _KINDS.get(step.kind)
        target = target_for(step.targets, incident.service) if kind is not None else None
        if kind is None or target is None:
            continue
        key = f"{incident.id}:{runbook.id}:{index}"
        async with ctx.sessions() as session:
            done = await actions.by_step(session, key)
        if done is not None:
            if done.state != ActionState.VERIFIED:
                return proposed  # running, waiting for a person, or it did not work
            continue
        calendar = await calendar_windows(ctx, incident.service)
        async with ctx.sessions() as session:
            decision = await autonomy_for(
                ctx,
                session,
                kind=kind,
                service=incident.service,
                incident_id=incident.id,
                calendar=calendar,
            )
        if decision.configured is Autonomy.SUGGEST:
            return proposed  # people take it from here, by hand
        if decision.lowered_by in ("kill_switch", "change_freeze"):
            # Nothing is proposed while the switch is on or a freeze holds; the step waits.
            return proposed
        request = await _request(ctx, incident, kind, target, key)
        if request is None:
            return proposed
        try:
            reply = await propose(ctx, request)
        except IntegrityError:
            return proposed  # another replica proposed this step first: it carries it out
        proposed += 1
        if reply.follow_up is None:
            return proposed  # refused, waiting for an approval, or dry-run mode
        await reply.follow_up()
        async with ctx.sessions() as session:
            ran = await actions.by_step(session, key)
        if ran is None or ran.state != ActionState.VERIFIED:
            return proposed
    return proposed


async def _request(
    ctx: ActionContext,
    incident: IncidentRecord,
    kind: ClusterActionKind,
    target: StepTarget,
    key: str,
) -> ActionRequest | None:
    """The request for the step, or None when it cannot be made (a config change without a
    value to switch to, which people choose)."""
    parameters = ActionParameters()
    name = target.object_name
    if kind is ClusterActionKind.CONFIG_CHANGE:
        if target.to is None or target.variable is None:
            return None
        parameters = ActionParameters(key=target.variable, value=target.to)
        if target.deployment is not None:
            kind = ClusterActionKind.SET_ENV
    namespace = target.namespace or ctx.namespace_of(incident.service)
    try:
        await ctx.cluster.locate(kind, name, namespace)
    except ActionPlanError as exc:
        log.warning("runbook step %s not carried out: %s", key, exc)
        return None
    return ActionRequest(
        incident_id=incident.id,
        service=incident.service,
        channel_id=incident.channel_id or "",
        kind=kind,
        name=name,
        namespace=namespace,
        parameters=parameters,
        requester="bot",
        step=key,
    )
