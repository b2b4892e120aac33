"""What a person sees of an action: the approval message, as a value the chat adapter renders.

Pure: built from the stored plan and the action's state. While the action waits for a decision
the view carries ``decision_value`` (``<action id>:<plan hash>``), the value of its Approve and
Deny buttons, so a click names the exact plan that was shown; once decided it carries none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from bot.action.models import ActionState
from bot.action.plan import ActionPlan, ClusterActionKind, PlanKind, VendorActionKind, VendorRequest
from bot.interaction.ids import parse_id

__all__ = ["ActionView", "action_view", "decision_value", "parse_decision_value"]

PLAN_HASH = re.compile(r"[0-9a-f]{64}", re.ASCII)  # sha256, as bot.action.plan writes it

_TITLES: dict[PlanKind, str] = {
    ClusterActionKind.ROLLBACK: "Roll back",
    ClusterActionKind.RESTART: "Restart",
    ClusterActionKind.SCALE: "Scale",
    ClusterActionKind.DELETE_POD: "Restart pod",
    ClusterActionKind.RERUN_JOB: "Re-run job",
    ClusterActionKind.CONFIG_CHANGE: "Change config",
    ClusterActionKind.SET_ENV: "Change config of",
    VendorActionKind.STATUS_UPDATE: "Post a status update on",
    VendorActionKind.RESOLVE_STATUS: "Resolve the status update on",
    VendorActionKind.OPEN_TICKET: "Open a ticket in",
    VendorActionKind.UPDATE_TICKET: "Update the ticket in",
    VendorActionKind.PAGE_OWNER: "Page the owner of",
    VendorActionKind.FLAG_OFF: "Turn off flag",
    VendorActionKind.FLAG_ON: "Turn on flag",
}


@dataclass(frozen=True, slots=True)
class ActionView:
    action_id: int
    incident_id: int
    state: ActionState
    title: str
    lines: tuple[str, ...]
    request: str | None  # the exact write, as sent (method, path, body)
    status: str  # one line: who asked, who decided, what happened
    decision_value: str | None  # the buttons' value while a decision is due


def decision_value(action_id: int, plan_hash: str) -> str:
    return f"{action_id}:{plan_hash}"


def parse_decision_value(value: str) -> tuple[int, str] | None:
    """``(action id, plan hash)`` from a button's value; None when it is not one of ours
    (read strictly: ASCII digits a database id can hold, 64 lowercase hex digits)."""
    number, _, digest = value.partition(":")
    action_id = parse_id(number)
    if action_id is None or not PLAN_HASH.fullmatch(digest):
        return None
    return action_id, digest


def _vendor_words(plan: ActionPlan) -> tuple[str, str]:
    """A vendor object's status and reference, before and after."""

    def words(state_status: str | None, ref: str | None, empty: str) -> str:
        said = state_status or empty
        return f"{said} ({ref})" if ref else said

    current, desired = plan.current, plan.desired
    return words(current.status, current.ref, "nothing yet"), words(
        desired.status, desired.ref, "created"
    )


def _state_words(plan: ActionPlan) -> tuple[str, str]:
    current, desired = plan.current, plan.desired
    if isinstance(plan.kind, VendorActionKind):
        return _vendor_words(plan)
    if plan.kind is ClusterActionKind.ROLLBACK:
        return (
            f"revision {current.revision} ({current.image})",
            f"revision {desired.revision} ({desired.image})",
        )
    if plan.kind is ClusterActionKind.SCALE:
        return f"{current.replicas} replicas", f"{desired.replicas} replicas"
    if plan.kind is ClusterActionKind.RERUN_JOB:
        return (
            f"last run {current.job or 'none'} ({current.job_state or 'never ran'})",
            f"a new run, job {desired.job}, watched until it completes",
        )
    if plan.kind in (ClusterActionKind.CONFIG_CHANGE, ClusterActionKind.SET_ENV):
        key = plan.parameters.key
        return f"{key}={current.value}", f"{key}={desired.value}"
    if plan.kind is ClusterActionKind.RESTART:
        return (
            f"restarted at {current.restarted_at or 'never'}",
            f"restarted at {desired.restarted_at}",
        )
    return f"pod uid {current.pod_uid}", "a replacement pod from its ReplicaSet"


def action_view(
    *,
    action_id: int,
    incident_id: int,
    state: ActionState,
    plan: ActionPlan,
    requested_by: str,
    expires_at: datetime | None,
    dry_run: bool,
    status: str,
) -> ActionView:
    before, after = _state_words(plan)
    lines = [
        plan.summary,
        f"Now: {before}",
        f"After: {after}",
    ]
    if plan.reversal is not None:
        lines.append(f"To undo: {plan.reversal.summary}")
    lines.append(f"Plan hash: `{plan.plan_hash[:12]}`")
    if dry_run:
        lines.append("Dry-run mode: this plan is shown, never run.")
    elif state is ActionState.PROPOSED and expires_at is not None:
        lines.append(f"Approval needed by {expires_at:%H:%M} UTC; requested by {requested_by}.")
    request = None
    if isinstance(plan.request, VendorRequest):
        request = "\n".join(
            f"{call.method} {call.path}\n{call.body}" for call in plan.request.calls
        )
    elif plan.request is not None:
        request = f"{plan.request.method} {plan.request.path}\n{plan.request.body}"
    waiting = state is ActionState.PROPOSED and not dry_run
    return ActionView(
        action_id=action_id,
        incident_id=incident_id,
        state=state,
        title=f"{_TITLES[plan.kind]} {plan.target}",
        lines=tuple(lines),
        request=request,
        status=status,
        decision_value=decision_value(action_id, plan.plan_hash) if waiting else None,
    )
