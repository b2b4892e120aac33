"""What the bot says about actions and approvals: proposed, refused, approved, run, verified."""

from __future__ import annotations

from bot.action.models import ActionState
from bot.messages.home import person
from bot.mrkdwn import Mrkdwn, mrkdwn

__all__ = [
    "BUTTON_NOT_OURS",
    "DRY_RUN_NOT_RUN",
    "INTERRUPTED_EXECUTION",
    "INTERRUPTED_VERIFICATION",
    "KILL_SWITCH_STOPPED",
    "NO_CLUSTER",
    "ROLLBACK_NOT_IN_INCIDENT",
    "ROLLBACK_USAGE",
    "action_approved",
    "action_denied",
    "action_dry_run",
    "action_failed",
    "action_not_planned",
    "action_proposed",
    "action_refused",
    "action_runs_without_approval",
    "action_sent",
    "action_status",
    "already_decided",
    "approval_expired",
    "decided_meanwhile",
    "needs_a_human",
    "plan_changed",
    "plan_changed_not_runnable",
    "stopped_by_rule",
    "verification",
    "verification_result",
]


ROLLBACK_USAGE = (
    "Usage, in an incident channel: `/rollback [service] [to REVISION]` — propose rolling the "
    "service (default: this incident's) back to its previous revision, or to REVISION. "
    "You see the dry-run plan; it runs only once someone the policy allows approves it."
)


NO_CLUSTER = (
    "No Kubernetes cluster is configured (KUBE_API_URL or KUBE_CONFIG_PATH), so the bot "
    "cannot plan or run actions. The packet's suggestions still stand."
)


ROLLBACK_NOT_IN_INCIDENT = "Run `/rollback` in the incident's own channel."


BUTTON_NOT_OURS = (
    "This button does not match any plan the bot showed (an altered or stale payload); "
    "nothing was approved."
)


DRY_RUN_NOT_RUN = "The bot runs in dry-run mode: plans are shown, never run."


KILL_SWITCH_STOPPED = "The kill switch is on: no action runs until it is turned off."


INTERRUPTED_EXECUTION = (
    "The bot stopped while this action was executing: the write may or may not have reached "
    "the cluster. It is not retried; look at the cluster before doing anything else."
)


INTERRUPTED_VERIFICATION = (
    "The bot stopped while verifying this action: its effect was not confirmed."
)


_STATE_WORDS = {
    "proposed": "Waiting for approval",
    "approved": "Approved",
    "denied": "Denied",
    "expired": "Expired, not run",
    "executing": "Executing",
    "succeeded": "Sent to the cluster, verifying",
    "failed": "Failed",
    "verified": "Done and verified",
    "not_verified": "Done, NOT verified",
}


def _who(actor: str | None) -> Mrkdwn:
    return Mrkdwn("nobody") if actor is None else person(actor)


def action_status(
    state: ActionState, *, requested_by: str, decided_by: str | None, result: str | None
) -> Mrkdwn:
    words = mrkdwn("{} · requested by {}", _STATE_WORDS[state.value], _who(requested_by))
    if decided_by is not None and state is ActionState.DENIED:
        words += mrkdwn(" · denied by {}", _who(decided_by))
    elif decided_by is not None and state not in (ActionState.PROPOSED, ActionState.EXPIRED):
        words += mrkdwn(" · approved by {}", _who(decided_by))
    if result:
        words += mrkdwn("\n{}", result)  # the cluster's words: escaped
    return words


def action_refused(rule: str, reason: str) -> str:
    return f"Refused by policy rule `{rule}`: {reason}"


def stopped_by_rule(rule: str, reason: str) -> str:
    return f"Stopped before any write by policy rule `{rule}`: {reason}"


def action_not_planned(reason: str) -> str:
    return f"No plan: {reason}. Nothing was proposed."


def action_proposed(action_id: int) -> str:
    return (
        f"Action #{action_id} proposed; its dry-run plan is in the channel, waiting for approval."
    )


def action_dry_run(action_id: int) -> str:
    return f"Action #{action_id}: dry-run plan posted. {DRY_RUN_NOT_RUN}"


def action_runs_without_approval(action_id: int) -> str:
    return f"Action #{action_id}: the policy needs no approval for this kind; it ran at once."


def already_decided(action_id: int, state: ActionState, decided_by: str | None) -> Mrkdwn:
    by = mrkdwn(" by {}", _who(decided_by)) if decided_by else Mrkdwn("")
    return mrkdwn(
        "Action #{id} is already {state}{by}; this click changes nothing.",
        id=action_id,
        state=state.value,
        by=by,
    )


def approval_expired(action_id: int) -> str:
    return (
        f"Action #{action_id}'s approval window has closed; it will not run. "
        "Propose it again for a fresh plan."
    )


def decided_meanwhile(action_id: int) -> str:
    return f"Action #{action_id} was decided by someone else a moment ago; it runs at most once."


def action_denied(action_id: int) -> str:
    return f"Action #{action_id} denied; it will not run."


def action_approved(action_id: int) -> str:
    return f"Action #{action_id} approved; results follow in its thread."


def plan_changed(action_id: int) -> str:
    return (
        f"The cluster changed since action #{action_id}'s plan was shown, so that approval is "
        "void. A fresh plan is posted for a fresh decision."
    )


def plan_changed_not_runnable(action_id: int, reason: str) -> str:
    return f"The cluster changed since action #{action_id}'s plan was shown: {reason}."


def action_sent(action_id: int) -> str:
    return f"Action #{action_id}: the cluster accepted the change. Verifying…"


def action_failed(action_id: int, reason: str) -> str:
    return f"Action #{action_id} failed: {reason}. It is not retried automatically."


def needs_a_human(action_id: int, reason: str) -> str:
    return f"action #{action_id} needs a human. {reason}"


def verification(rollout: str, recovery: str | None) -> str:
    if recovery is None:
        return f"Rollout: {rollout}"
    return f"Rollout: {rollout}. Signal: {recovery}"


def verification_result(action_id: int, verified: bool, detail: str) -> str:
    verdict = "verified" if verified else "NOT verified"
    return f"Action #{action_id} {verdict}. {detail}"
