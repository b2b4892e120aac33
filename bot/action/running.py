"""Running an approved action once, verifying it, and keeping its message true.

``approved → executing`` is a conditional update: whichever process makes it runs the action;
no other can. The kill switch and the guardrails are read again in that same transaction, and
the kill switch once more in the checkpoint step, immediately before the write leaves. A write
that fails is never retried by the bot: the owner is paged and a human decides. A process that
dies mid-way leaves the action in ``executing``; the sweep (:mod:`bot.action.sweep`) marks it
failed with "effect unknown" after :attr:`ActionContext.stale_after`, and never runs it again.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot import messages
from bot.action import service as actions
from bot.action.codec import plan_from_dict
from bot.action.context import ActionContext
from bot.action.execution import Checkpoint, ExecutionOutcome, ExecutionResult
from bot.action.guards import calendar_windows, guard_refusal
from bot.action.models import ActionRecord, ActionState
from bot.action.recovery import Recovery
from bot.action.views import action_view
from bot.audit import service as audit
from bot.errors import ActionError, ChatError, PagerError
from bot.killswitch import service as kill_switch
from bot.pager.paging import action_dedup_key

__all__ = ["execute_approved", "move", "page_owner", "show", "tell"]

log = logging.getLogger(__name__)


class _KillSwitchEngagedError(ActionError):
    """Raised from the checkpoint step so the executor sends no write."""


def _status(record: ActionRecord) -> str:
    return messages.action_status(
        ActionState(record.state),
        requested_by=record.proposed_by,
        decided_by=record.decided_by,
        result=record.result,
    )


async def show(ctx: ActionContext, action_id: int, *, post: bool = False) -> None:
    """Post (``post``) or update the action's message to show its current state. A chat
    failure is logged, not raised: the database is the record, the message its mirror. No
    transaction is held open across the Slack call."""
    async with ctx.sessions() as session:
        record = await actions.get(session, action_id)
    if record is None or record.plan is None or record.channel_id is None:
        return
    view = action_view(
        action_id=record.id,
        incident_id=record.incident_id,
        state=ActionState(record.state),
        plan=plan_from_dict(record.plan),
        requested_by=record.proposed_by,
        expires_at=record.expires_at,
        dry_run=record.dry_run,
        status=_status(record),
    )
    try:
        if post:
            ts = await ctx.chat.post_action(record.channel_id, view)
            async with ctx.sessions() as session, session.begin():
                await actions.set_message(session, record.id, message_ts=ts)
        elif record.message_ts is not None:
            await ctx.chat.update_action(record.channel_id, record.message_ts, view)
    except ChatError as exc:
        log.warning("action %d message not shown: %s", action_id, exc)


async def tell(ctx: ActionContext, record: ActionRecord, text: str) -> None:
    """Say ``text`` in the action's thread (in its channel when its message is unknown); a
    chat failure is logged, not raised."""
    if record.channel_id is None:
        return
    try:
        if record.message_ts is not None:
            await ctx.chat.reply(record.channel_id, record.message_ts, text)
        else:
            await ctx.chat.announce(record.channel_id, text)
    except ChatError as exc:
        log.warning("action %d result not posted: %s", record.id, exc)


async def move(
    ctx: ActionContext,
    record: ActionRecord,
    to_state: ActionState,
    *,
    from_state: ActionState,
    actor: str,
    values: dict[str, object] | None = None,
    details: dict[str, object] | None = None,
) -> bool:
    """``from_state → to_state`` in a transaction of its own, with its audit row; True when
    this call moved it (False: another process or click moved it first)."""
    async with ctx.sessions() as session, session.begin():
        await audit.lock(session)
        return await actions.transition(
            session,
            actions.Transition(
                record.id, from_state, to_state, record.plan_hash, actor, values, details
            ),
            incident_id=record.incident_id,
            clock=ctx.clock,
        )


async def _claim(
    ctx: ActionContext, action_id: int, *, actor: str, details: dict[str, object] | None
) -> ActionRecord | None:
    """``approved → executing`` with the guardrails read again in the same transaction; the
    record when this process is the one to run it. A guardrail that refuses now (the kill
    switch went on, a freeze began) ends the action as failed, with nothing written."""
    async with ctx.sessions() as session:
        seen = await actions.get(session, action_id)
    if seen is None:
        return None
    calendar = await calendar_windows(ctx, seen.service or "")
    now = ctx.clock.now()
    async with ctx.sessions() as session, session.begin():
        await audit.lock(session)
        record = await actions.get(session, action_id)
        if record is None or record.state != ActionState.APPROVED or record.plan is None:
            return None
        plan = plan_from_dict(record.plan)
        refusal = await guard_refusal(
            ctx, session, plan=plan, service=record.service or "", calendar=calendar
        )
        claimed = await actions.transition(
            session,
            actions.Transition(
                record.id,
                ActionState.APPROVED,
                ActionState.EXECUTING,
                record.plan_hash,
                actor,
                values={"executed_at": now},
                details=details,
            ),
            incident_id=record.incident_id,
            clock=ctx.clock,
        )
        if not claimed:
            return None
        if refusal is not None:
            reason = messages.stopped_by_rule(refusal.rule, refusal.reason)
            await actions.transition(
                session,
                actions.Transition(
                    record.id,
                    ActionState.EXECUTING,
                    ActionState.FAILED,
                    record.plan_hash,
                    "policy",
                    values={"result": reason, "finished_at": now},
                    details={"rule": refusal.rule, "reason": refusal.reason, "write_sent": False},
                ),
                incident_id=record.incident_id,
                clock=ctx.clock,
            )
        return await actions.get(session, action_id)


async def execute_approved(
    ctx: ActionContext,
    action_id: int,
    *,
    actor: str,
    details: dict[str, object] | None = None,
    announce: str | None = None,
) -> bool:
    """Run the approved action if this process wins it, then verify it; post each result.
    True when this process claimed it (``details`` go into its ``action.executing`` row, and
    ``announce`` is said in its thread by the winner only)."""
    record = await _claim(ctx, action_id, actor=actor, details=details)
    if record is None:
        return False
    if announce is not None:
        await tell(ctx, record, announce)
    await show(ctx, record.id)
    if record.state == ActionState.FAILED:
        await tell(ctx, record, messages.action_failed(record.id, record.result or ""))
        return True
    assert record.plan is not None
    plan = plan_from_dict(record.plan)

    async def checkpoint(taken: Checkpoint) -> None:
        async with ctx.sessions() as session, session.begin():
            await audit.lock(session)
            if (await kill_switch.read(session)).engaged:
                raise _KillSwitchEngagedError("the kill switch went on before the write")
            record_now = await actions.get(session, record.id)
            assert record_now is not None
            record_now.checkpoint = taken.as_dict()
            await audit.append(
                session,
                clock=ctx.clock,
                actor="bot",
                event="action.checkpoint",
                incident_id=record.incident_id,
                details={"action_id": record.id, "checkpoint": taken.as_dict()},
            )

    try:
        result = await ctx.executors.execute(plan, record_checkpoint=checkpoint)
    except _KillSwitchEngagedError:
        result = ExecutionResult(
            ExecutionOutcome.FAILED,
            record.plan_hash,
            messages.stopped_by_rule("kill_switch", messages.KILL_SWITCH_STOPPED),
        )
    await _finish(ctx, record, result)
    return True


async def _finish(ctx: ActionContext, record: ActionRecord, result: ExecutionResult) -> None:
    now = ctx.clock.now()
    reason = result.reason or ""
    await move(
        ctx,
        record,
        result.outcome.state,
        from_state=ActionState.EXECUTING,
        actor="bot",
        values={"result": reason or None, "finished_at": now},
        details={
            "outcome": result.outcome.value,
            "reason": reason or None,
            "write_sent": result.write_sent,
        },
    )
    await show(ctx, record.id)
    if not result.succeeded:
        await tell(ctx, record, messages.action_failed(record.id, reason))
        await page_owner(ctx, record, reason)
        return
    await tell(ctx, record, messages.action_sent(record.id))
    await _verify(ctx, record, since=record.executed_at or now)


async def page_owner(ctx: ActionContext, record: ActionRecord, reason: str) -> None:
    """Page the service owner: their user group in the action's channel, and PagerDuty (an
    Events API v2 trigger) when a routing key is configured for the service. A human decides
    next."""
    await _page_through_pagerduty(ctx, record, reason)
    group = ctx.owner_group(record.service or "")
    if record.channel_id is None:
        return
    try:
        await ctx.chat.page(record.channel_id, group, messages.needs_a_human(record.id, reason))
    except ChatError as exc:
        log.warning("owner not paged for action %d: %s", record.id, exc)


async def _page_through_pagerduty(ctx: ActionContext, record: ActionRecord, reason: str) -> None:
    """One trigger per action (its dedup key names the action, so a second report of the same
    failure joins the first alert), audited whether PagerDuty took it or not."""
    service = record.service or ""
    if ctx.paging is None or not ctx.paging.configured_for(service):
        return
    dedup_key = action_dedup_key(service, record.incident_id, record.id)
    summary = f"{service}: action #{record.id} ({record.kind}) needs a person: {reason}"
    links: tuple[tuple[str, str], ...] = ()
    if record.channel_id is not None:
        links = (("Slack channel", f"https://slack.com/app_redirect?channel={record.channel_id}"),)
    details: dict[str, object] = {"action_id": record.id, "dedup_key": dedup_key}
    try:
        await ctx.paging.page(
            service=service,
            dedup_key=dedup_key,
            summary=summary,
            details={"incident": f"INC-{record.incident_id}", "reason": reason},
            links=links,
        )
        event = "action.owner_paged"
    except PagerError as exc:
        log.warning("PagerDuty not paged for action %d: %s", record.id, exc)
        event, details = "action.owner_page_failed", {**details, "reason": exc.reason}
    async with ctx.sessions() as session, session.begin():
        await audit.append(
            session,
            clock=ctx.clock,
            actor="bot",
            event=event,
            incident_id=record.incident_id,
            details=details,
        )


async def _verify(ctx: ActionContext, record: ActionRecord, *, since: datetime) -> None:
    assert record.plan is not None
    plan = plan_from_dict(record.plan)
    rollout = await ctx.executors.verify(plan, deadline=ctx.verify_deadline)
    recovery = None
    if rollout.verified and plan.kind.verified_by_itself:
        recovery = Recovery(True, "its own effect is the recovery it aims at")
    elif rollout.verified:
        recovery = await ctx.recovery.check(
            incident_id=record.incident_id, service=record.service or "", since=since
        )
    verified = rollout.verified and recovery is not None and recovery.recovered is True
    shown = recovery if recovery is not None and not plan.kind.verified_by_itself else None
    detail = (
        rollout.detail
        if plan.kind.verified_by_itself
        else messages.verification(rollout.detail, shown.detail if shown else None)
    )
    moved = await move(
        ctx,
        record,
        ActionState.VERIFIED if verified else ActionState.NOT_VERIFIED,
        from_state=ActionState.SUCCEEDED,
        actor="bot",
        values={"result": detail},
        details={
            "rollout": rollout.detail,
            "rollout_finished": rollout.verified,
            "recovery": recovery.detail if recovery else None,
        },
    )
    if not moved:
        return
    await show(ctx, record.id)
    await tell(ctx, record, messages.verification_result(record.id, verified, detail))
    if not verified:
        await page_owner(ctx, record, detail)
