"""The action sweep: finishing what no click and no live process will.

Every ``ACTION_SWEEP_SECONDS`` each replica:

- expires proposals whose approval window closed, and takes their buttons away;
- resumes approvals whose process died between recording the approval and running it (still
  ``approved`` after :attr:`ActionContext.stranded_after`). The target is planned afresh: when
  the plan still holds (same hash) and the approval is younger than the policy's approval
  window, the action runs, through the same conditional claim as a click's, so exactly one
  process runs it. Otherwise the approval expires (``approved → expired``, nothing written) and
  a fresh plan is posted for a fresh decision. Never both, never neither: a cluster that cannot
  be read leaves the approval for the next sweep, until its window closes and it expires;
- closes actions a dead process left in ``executing`` (failed, "effect unknown", never run
  again) or ``succeeded`` (not verified);
- carries out the runbook steps the policy lets the bot run on its own (:mod:`bot.action.steps`),
  and what it does with the vendors (tickets, status page: :mod:`bot.action.vendor_steps`).
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy.exc import SQLAlchemyError

from bot import messages
from bot.action import service as actions
from bot.action import wording
from bot.action.codec import plan_from_dict
from bot.action.context import ActionContext
from bot.action.flows import post_fresh_plan
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import ActionPlan
from bot.action.running import execute_approved, move, page_owner, show, tell
from bot.action.steps import carry_out_steps
from bot.action.vendor_steps import carry_out_vendor_steps
from bot.errors import ActionPlanError

__all__ = ["resume_approval", "sweep", "sweep_forever"]

log = logging.getLogger(__name__)


async def sweep(ctx: ActionContext) -> int:
    """One pass; return how many actions moved (expired, resumed or closed)."""
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        due = list(await actions.due_to_expire(session, now=now))
        stranded = list(await actions.approved_before(session, before=now - ctx.stranded_after))
        stale = list(await actions.executing_since(session, before=now - ctx.stale_after))
    moved = 0
    for record in due:
        if await move(
            ctx,
            record,
            ActionState.EXPIRED,
            from_state=ActionState.PROPOSED,
            actor="policy",
            details={"reason": "the approval window closed"},
        ):
            moved += 1
            await show(ctx, record.id)
    for record in stranded:
        moved += await resume_approval(ctx, record)
    for record in stale:
        moved += await _close_interrupted(ctx, record)
    moved += await carry_out_steps(ctx)
    moved += await carry_out_vendor_steps(ctx)
    return moved


async def _close_interrupted(ctx: ActionContext, record: ActionRecord) -> bool:
    state = ActionState(record.state)
    executing = state is ActionState.EXECUTING
    reason = messages.INTERRUPTED_EXECUTION if executing else messages.INTERRUPTED_VERIFICATION
    if not await move(
        ctx,
        record,
        ActionState.FAILED if executing else ActionState.NOT_VERIFIED,
        from_state=state,
        actor="bot",
        values={"result": reason, "finished_at": ctx.clock.now()},
        details={"reason": reason},
    ):
        return False
    await show(ctx, record.id)
    await tell(ctx, record, messages.action_failed(record.id, reason))
    await page_owner(ctx, record, reason)
    return True


async def resume_approval(ctx: ActionContext, record: ActionRecord) -> bool:
    """Run ``record`` (approved, its process gone) when its plan still holds, or void its
    approval and post a fresh plan; True when this call did either."""
    assert record.plan is not None, "an approved action always stores its plan"
    shown = plan_from_dict(record.plan)
    approved_at = record.decided_at or record.proposed_at
    lapsed = ctx.clock.now() >= approved_at + ctx.policy.approval_ttl
    fresh: ActionPlan | None = None
    try:
        fresh = await ctx.executors.plan(shown.kind, shown.target, shown.parameters)
    except ActionPlanError as exc:
        if not lapsed:
            log.warning("approved action %d not resumed yet: %s", record.id, exc)
            return False  # the next sweep asks the cluster again
    if fresh is not None and fresh.plan_hash == record.plan_hash and not lapsed:
        # Every replica's sweep may get here; the claim lets one run it, and only that one
        # says so.
        return await execute_approved(
            ctx,
            record.id,
            actor=record.decided_by or "bot",
            details={"resumed": "approved before a restart; plan re-checked and unchanged"},
            announce=wording.approval_resumed(record.id),
        )
    # Here the approval is too old, or the cluster moved (an unreadable cluster waited above
    # until the approval was too old).
    why = (
        "the approval is older than the approval window"
        if lapsed
        else "the cluster changed since its plan was shown"
    )
    if not await move(
        ctx,
        record,
        ActionState.EXPIRED,
        from_state=ActionState.APPROVED,
        actor="bot",
        # Who approved it stays on record; the audit row says who expired it and why.
        values={"decided_by": record.decided_by, "decided_at": record.decided_at},
        details={"reason": f"approved before a restart, and {why}", "resumed": False},
    ):
        return False
    await show(ctx, record.id)
    await tell(ctx, record, wording.approval_voided(record.id, why))
    if fresh is not None and fresh.refusal is not None:
        await tell(ctx, record, messages.plan_changed_not_runnable(record.id, fresh.refusal))
    elif fresh is not None:
        await post_fresh_plan(ctx, record, fresh)
    return True


async def sweep_forever(ctx: ActionContext, *, interval: float) -> None:
    """:func:`sweep` every ``interval`` seconds until cancelled; a failed sweep (the database
    away for a moment) is logged and tried again next time."""
    while True:
        try:
            await sweep(ctx)
        except (SQLAlchemyError, OSError) as exc:
            log.warning("action sweep failed: %s", type(exc).__name__)
        await asyncio.sleep(interval)
