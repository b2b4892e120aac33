"""Running one approved vendor plan, once: the part every vendor executor shares.

1. Plan afresh from the vendor; when the fresh plan's hash differs from the approved one,
   write nothing (``plan_changed``): the approval was for another state or another text.
2. Hand the checkpoint (the state just read) to the recorder before anything is sent; if it
   raises (the kill switch went on), nothing is sent.
3. Send the plan's calls in order (:attr:`~bot.action.plan.VendorRequest.calls`), each once:
   a failed call is never retried, and the ones after it are not sent. The result says whether
   a write left the bot, and when its effect is unknown (no answer in time) says to look first.

Exactly-once rests on the action's conditional claim (:mod:`bot.action.running`), on this
fresh plan (a vendor object the bot already made is part of the observed state, so a second
run plans differently and refuses), and on the idempotency key where the vendor takes one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.action.execution import (
    Checkpoint,
    CheckpointRecorder,
    ExecutionOutcome,
    ExecutionResult,
)
from bot.action.plan import ActionPlan, VendorRequest
from bot.clock import Clock
from bot.errors import ActionPlanError, VendorCallError

__all__ = ["run_vendor_plan"]


async def run_vendor_plan(
    plan: ActionPlan,
    *,
    replan: Callable[[], Awaitable[ActionPlan]],
    send: Callable[[VendorRequest], Awaitable[None]],
    clock: Clock,
    record_checkpoint: CheckpointRecorder | None,
    version: Callable[[ActionPlan], str] = lambda _plan: "",
) -> ExecutionResult:
    """Execute ``plan`` as the module says. ``replan`` reads the vendor again (raising
    ActionPlanError when it cannot), ``send`` sends one call (raising VendorCallError), and
    ``version`` names the version of the vendor's object the write follows (its
    ``updated_at``), for the checkpoint."""
    approved = plan.plan_hash
    request = plan.request
    if not plan.executable or not isinstance(request, VendorRequest):
        reason = plan.refusal or "this plan has no vendor request"
        return ExecutionResult(ExecutionOutcome.NOT_EXECUTABLE, approved, reason)
    try:
        fresh = await replan()
    except ActionPlanError as exc:
        return ExecutionResult(ExecutionOutcome.FAILED, approved, f"nothing written: {exc}")
    if fresh.plan_hash != approved:
        why = fresh.refusal or fresh.summary
        return ExecutionResult(
            ExecutionOutcome.PLAN_CHANGED,
            approved,
            f"plan changed: {why}; nothing written",
            fresh_plan=fresh,
        )
    checkpoint = Checkpoint(
        plan.kind, plan.target, fresh.current, version(fresh), clock.now(), None, plan.reversal
    )
    if record_checkpoint is not None:
        await record_checkpoint(checkpoint)
    sent = False
    for number, call in enumerate(request.calls, start=1):
        try:
            await send(call)
        except VendorCallError as exc:
            sent = sent or exc.sent
            reason = exc.reason
            if number > 1:
                total = len(request.calls)
                reason = f"call {number} of {total} failed ({reason}); the ones before took effect"
            return ExecutionResult(
                ExecutionOutcome.FAILED, approved, reason, checkpoint, write_sent=sent
            )
        sent = True
    return ExecutionResult(ExecutionOutcome.SUCCEEDED, approved, None, checkpoint, write_sent=True)
