"""Proposing an action and deciding on it: the bot proposes, a human approves, and only then
does :mod:`bot.action.running` execute it, once.

An approval is bound to the plan hash shown on the buttons. Before it is recorded the target is
planned afresh: if the cluster moved (a newer deploy landed, the replicas changed) the old
action expires, unexecuted, and a fresh plan is posted for a fresh decision. Every refusal says
which policy rule refused, and is audited.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot import messages
from bot.action import service as actions
from bot.action import wording
from bot.action.admission import suggest_only, undeclared_change
from bot.action.codec import plan_from_dict
from bot.action.context import ActionContext, Reply
from bot.action.guards import autonomy_for, calendar_windows, guard_refusal
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import ActionParameters, ActionPlan, ClusterActionKind, PlanKind, plan_kind
from bot.action.running import execute_approved, show, tell
from bot.action.views import parse_decision_value
from bot.audit import service as audit
from bot.errors import ActionPlanError, ChatError
from bot.policy import Autonomy, Refusal

__all__ = ["ActionRequest", "decide", "post_fresh_plan", "propose", "restart_kind"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    incident_id: int
    service: str
    channel_id: str
    kind: PlanKind
    name: str  # the Deployment (or the pod, for delete_pod); a vendor's object (a component)
    namespace: str | None  # where the catalog says the service runs; None: look it up
    parameters: ActionParameters
    requester: str  # ``slack:U0…``, or ``bot`` for a runbook step it carries out
    step: str | None = None  # that step (``<incident>:<runbook>:<index>``)


async def _refused(
    ctx: ActionContext,
    *,
    actor: str,
    event: str,
    incident_id: int | None,
    refusal: Refusal,
    action_id: int | None = None,
    plan_hash: str | None = None,
    text: str | None = None,
) -> Reply:
    """Audit ``refusal`` (rule and reason) and answer with ``text``, by default the rule's
    refusal."""
    async with ctx.sessions() as session, session.begin():
        await audit.append(
            session,
            clock=ctx.clock,
            actor=actor,
            event=event,
            incident_id=incident_id,
            details={
                "action_id": action_id,
                "plan_hash": plan_hash,
                "rule": refusal.rule,
                "reason": refusal.reason,
            },
        )
    return Reply(text or messages.action_refused(refusal.rule, refusal.reason))


async def restart_kind(ctx: ActionContext, name: str, namespace: str | None) -> ClusterActionKind:
    """How to restart ``name``: a rollout restart when it names a Deployment, deleting it when
    it names a pod (its ReplicaSet replaces it). ActionPlanError when it names neither."""
    try:
        await ctx.cluster.locate(ClusterActionKind.RESTART, name, namespace)
    except ActionPlanError:
        await ctx.cluster.locate(ClusterActionKind.DELETE_POD, name, namespace)
        return ClusterActionKind.DELETE_POD
    return ClusterActionKind.RESTART


async def propose(ctx: ActionContext, request: ActionRequest) -> Reply:
    """Plan ``request`` (a dry run), check the guardrails and the autonomy level the policy
    gives its kind now: ``suggest`` is refused (people do it by hand), ``approve`` is stored
    and posted for approval, ``auto`` is stored, posted and run at once."""
    try:
        target = await ctx.executors.locate(request.kind, request.name, request.namespace)
        plan = await ctx.executors.plan(request.kind, target, request.parameters)
    except ActionPlanError as exc:
        return Reply(messages.action_not_planned(str(exc)))
    if plan.refusal is not None:
        return Reply(messages.action_not_planned(plan.refusal))
    undeclared = undeclared_change(ctx, request)
    if undeclared is not None:
        return await _refused(
            ctx,
            actor=request.requester,
            event="action.refused",
            incident_id=request.incident_id,
            refusal=undeclared,
            plan_hash=plan.plan_hash,
        )
    calendar = await calendar_windows(ctx, request.service)
    async with ctx.sessions() as session:
        refusal = await guard_refusal(
            ctx, session, plan=plan, service=request.service, calendar=calendar
        )
        if refusal is None:
            refusal = suggest_only(
                await autonomy_for(
                    ctx,
                    session,
                    kind=request.kind,
                    service=request.service,
                    incident_id=request.incident_id,
                    calendar=calendar,
                ),
                request,
            )
    if refusal is not None:
        return await _refused(
            ctx,
            actor=request.requester,
            event="action.refused",
            incident_id=request.incident_id,
            refusal=refusal,
            plan_hash=plan.plan_hash,
        )
    return await _store_and_post(ctx, request, plan, step=request.step)


async def _store_and_post(
    ctx: ActionContext, request: ActionRequest, plan: ActionPlan, *, step: str | None = None
) -> Reply:
    """Store the plan as a proposed action and post it; with ``auto`` autonomy approve it as
    the policy rule that allows it and hand back its run. ``step`` names the runbook step an
    action the bot proposed on its own carries out (one action per step, see
    :func:`bot.action.service.create`)."""
    policy = ctx.policy
    calendar = await calendar_windows(ctx, request.service)
    async with ctx.sessions() as session:
        decision = await autonomy_for(
            ctx,
            session,
            kind=request.kind,
            service=request.service,
            incident_id=request.incident_id,
            calendar=calendar,
        )
    needs_approval = decision.level is not Autonomy.AUTO
    async with ctx.sessions() as session, session.begin():
        await audit.lock(session)
        record = await actions.create(
            session,
            incident_id=request.incident_id,
            channel_id=request.channel_id,
            plan=plan,
            service=request.service,
            requested_by=request.requester,
            requires_approval=needs_approval,
            expires_at=ctx.clock.now() + policy.approval_ttl,
            dry_run=policy.dry_run,
            clock=ctx.clock,
            step=step,
        )
    await show(ctx, record.id, post=True)
    if policy.dry_run:
        return Reply(messages.action_dry_run(record.id))
    if needs_approval:
        if decision.configured is Autonomy.AUTO and decision.reason is not None:
            async with ctx.sessions() as session:
                posted = await actions.get(session, record.id)
            await tell(ctx, posted or record, wording.auto_lowered(record.id, decision.reason))
        return Reply(messages.action_proposed(record.id))
    async with ctx.sessions() as session, session.begin():
        await audit.lock(session)
        moved = await actions.transition(
            session,
            actions.Transition(
                record.id,
                ActionState.PROPOSED,
                ActionState.APPROVED,
                record.plan_hash,
                actor="policy",
                details={"rule": decision.rule, "autonomy": decision.level.value},
            ),
            incident_id=request.incident_id,
            clock=ctx.clock,
        )
    if not moved:
        return Reply(messages.decided_meanwhile(record.id))
    await show(ctx, record.id)
    async with ctx.sessions() as session:
        posted = await actions.get(session, record.id)  # now with its message's ts
    await tell(ctx, posted or record, wording.auto_approved(record.id, decision.rule))

    async def run() -> None:
        await execute_approved(ctx, record.id, actor="policy")

    return Reply(messages.action_runs_without_approval(record.id), follow_up=run)


async def decide(ctx: ActionContext, *, value: str, user: str, approve: bool) -> Reply:
    """A click on Approve or Deny. ``value`` is the button's (``<id>:<plan hash>``), ``user``
    the Slack user id of who clicked."""
    actor = f"slack:{user}"
    event = "action.approval_refused" if approve else "action.denial_refused"
    parsed = parse_decision_value(value)
    record = None
    if parsed is not None:
        async with ctx.sessions() as session:
            record = await actions.get(session, parsed[0])
    if parsed is None or record is None or record.plan_hash != parsed[1]:
        # Not a value the bot put on a button: an altered payload, or an action that is gone.
        return await _refused(
            ctx,
            actor=actor,
            event=event,
            incident_id=record.incident_id if record is not None else None,
            refusal=Refusal("button", messages.BUTTON_NOT_OURS),
            action_id=parsed[0] if parsed else None,
            plan_hash=parsed[1] if parsed else None,
        )
    refused = await _decision_refusal(ctx, record, user=user, approve=approve)
    if refused is not None:
        return await _refused(
            ctx,
            actor=actor,
            event=event,
            incident_id=record.incident_id,
            refusal=refused,
            action_id=record.id,
            plan_hash=record.plan_hash,
        )
    if not approve:
        return await _deny(ctx, record, actor=actor)
    return await _approve(ctx, record, actor=actor)


async def _decision_refusal(
    ctx: ActionContext, record: ActionRecord, *, user: str, approve: bool
) -> Refusal | None:
    state = ActionState(record.state)
    if state is not ActionState.PROPOSED:
        return Refusal("state", messages.already_decided(record.id, state, record.decided_by))
    if record.dry_run:
        return Refusal("dry_run", messages.DRY_RUN_NOT_RUN)
    if record.expires_at is not None and ctx.clock.now() >= record.expires_at:
        await _expire(ctx, record, actor="policy", reason="the approval window closed")
        return Refusal("approval_ttl", messages.approval_expired(record.id))
    groups = await ctx.chat.groups_of(user)
    requester = record.proposed_by.removeprefix("slack:")
    if not approve and user == requester:
        return None  # whoever asked may withdraw the request
    return ctx.policy.approval_refusal(
        kind=plan_kind(record.kind).action_kind,
        service=record.service or "",
        approver=user,
        approver_groups=groups,
        requester=requester,
    )


async def _decide(
    ctx: ActionContext,
    record: ActionRecord,
    to_state: ActionState,
    *,
    actor: str,
    details: dict[str, str] | None = None,
) -> bool:
    """``proposed → to_state`` if the action still stands there with the hash the actor saw;
    True when this call moved it (its message then shows the new state)."""
    async with ctx.sessions() as session, session.begin():
        await audit.lock(session)
        moved = await actions.transition(
            session,
            actions.Transition(
                record.id, ActionState.PROPOSED, to_state, record.plan_hash, actor, None, details
            ),
            incident_id=record.incident_id,
            clock=ctx.clock,
        )
    if moved:
        await show(ctx, record.id)
    return moved


async def _expire(ctx: ActionContext, record: ActionRecord, *, actor: str, reason: str) -> bool:
    return await _decide(ctx, record, ActionState.EXPIRED, actor=actor, details={"reason": reason})


async def _lost(ctx: ActionContext, record: ActionRecord, *, actor: str, approve: bool) -> Reply:
    """A click that lost the race for the action's row (another click, person or replica
    decided it first): told so, and audited as a refusal like any other."""
    return await _refused(
        ctx,
        actor=actor,
        event="action.approval_refused" if approve else "action.denial_refused",
        incident_id=record.incident_id,
        refusal=Refusal("state", wording.LOST_THE_RACE),
        action_id=record.id,
        plan_hash=record.plan_hash,
        text=messages.decided_meanwhile(record.id),
    )


async def _deny(ctx: ActionContext, record: ActionRecord, *, actor: str) -> Reply:
    if not await _decide(ctx, record, ActionState.DENIED, actor=actor):
        return await _lost(ctx, record, actor=actor, approve=False)
    return Reply(messages.action_denied(record.id))


async def _approve(ctx: ActionContext, record: ActionRecord, *, actor: str) -> Reply:
    assert record.plan is not None, "a proposed action always stores its plan"
    shown = plan_from_dict(record.plan)
    try:
        fresh = await ctx.executors.plan(shown.kind, shown.target, shown.parameters)
    except ActionPlanError as exc:
        return Reply(messages.action_not_planned(str(exc)))
    if fresh.plan_hash != record.plan_hash:
        return await _replan(ctx, record, fresh, actor=actor)
    service = record.service or ""
    calendar = await calendar_windows(ctx, service)
    async with ctx.sessions() as session:
        refusal = await guard_refusal(ctx, session, plan=shown, service=service, calendar=calendar)
    if refusal is not None:
        return await _refused(
            ctx,
            actor=actor,
            event="action.approval_refused",
            incident_id=record.incident_id,
            refusal=refusal,
            action_id=record.id,
            plan_hash=record.plan_hash,
        )
    if not await _decide(ctx, record, ActionState.APPROVED, actor=actor):
        # Another click, person or replica got there first: it runs there, once.
        return await _lost(ctx, record, actor=actor, approve=True)

    async def run() -> None:
        await execute_approved(ctx, record.id, actor=actor)

    return Reply(messages.action_approved(record.id), follow_up=run)


async def _replan(
    ctx: ActionContext, record: ActionRecord, fresh: ActionPlan, *, actor: str
) -> Reply:
    """The cluster moved since the plan was shown: the approval is void; the old action
    expires and the fresh plan is posted for a fresh decision."""
    if not await _expire(ctx, record, actor=actor, reason="plan changed before approval"):
        return await _lost(ctx, record, actor=actor, approve=True)
    if fresh.refusal is not None:
        return Reply(messages.plan_changed_not_runnable(record.id, fresh.refusal))
    run = await post_fresh_plan(ctx, record, fresh, run_now=False)
    return Reply(messages.plan_changed(record.id), follow_up=run)


async def post_fresh_plan(
    ctx: ActionContext, record: ActionRecord, fresh: ActionPlan, *, run_now: bool = True
) -> Callable[[], Awaitable[None]] | None:
    """Store and post ``fresh`` as a new action of ``record``'s incident, requested by whoever
    requested ``record``. When the policy needs no approval for its kind the new action runs:
    at once (``run_now``), or through the returned follow-up for the caller to await after
    it answered. A chat failure is logged: the new action is stored and the sweep expires it."""
    request = ActionRequest(
        incident_id=record.incident_id,
        service=record.service or "",
        channel_id=record.channel_id or "",
        kind=fresh.kind,
        name=fresh.target.name,
        namespace=fresh.target.namespace,
        parameters=fresh.parameters,
        requester=record.proposed_by,
    )
    try:
        reply = await _store_and_post(ctx, request, fresh)
    except ChatError as exc:
        log.warning("fresh plan for action %d not posted: %s", record.id, exc)
        return None
    if reply.follow_up is not None and run_now:
        await reply.follow_up()
        return None
    return reply.follow_up
