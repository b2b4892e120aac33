"""One audit row in words for the timeline: what happened and who did it, never the row's
internals (plan hashes, checkpoints, parameters, Slack timestamps, tokens, costs). Pure.

An event with no words here is named plainly with its actor, and its details left out: the
audit trail (``incident-bot audit show``) is where the details live.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from bot.postmortem.facts import ActionFact, AuditFact
from bot.postmortem.people import Names

__all__ = ["SKIPPED_PREFIXES", "audit_words"]

# Not part of the incident's story: drafting this very document, its refusals, and the
# narrator's calls (their tokens and costs are audit internals).
SKIPPED_PREFIXES = ("postmortem.", "narrator.", "triage.previewed")

Words = Callable[[AuditFact, Names], str]


def _d(row: AuditFact, key: str, default: Any = "?") -> Any:
    return row.details.get(key, default)


def _joined(row: AuditFact, names: Names) -> str:
    text = (
        f"Signal #{_d(row, 'signal_id')} ({_d(row, 'service')}, {_d(row, 'status')}) joined "
        f"the incident by {_d(row, 'reason')}; {_d(row, 'signal_count')} signals in all"
    )
    change = row.details.get("severity")
    if isinstance(change, Mapping):
        text += f"; severity raised from {change.get('from')} to {change.get('to')}"
    return text


EVENT_WORDS: dict[str, Words] = {
    "incident.opened": lambda row, names: (
        f"Incident opened at {_d(row, 'severity')} for {_d(row, 'service')}: {_d(row, 'title')}"
    ),
    "incident.declared": lambda row, names: (
        f"Incident declared by {names.person(row.actor)} for {_d(row, 'service')}"
    ),
    "incident.channel_created": lambda row, names: (
        f"Incident channel #{_d(row, 'channel_name')} created"
    ),
    "incident.channel_ready": lambda row, names: (
        f"Channel topic set; {_d(row, 'invited', 0)} people of the on-call group invited"
    ),
    "incident.commander_set": lambda row, names: (
        f"{names.person(_d(row, 'commander', None))} became incident commander "
        f"(set by {names.person(row.actor)})"
    ),
    "incident.cause_confirmed": lambda row, names: (
        f"{names.person(row.actor)} confirmed as a cause: {_d(row, 'cause')}"
        + (f" (note: {row.details['note']})" if row.details.get("note") else "")
    ),
    "packet.posted": lambda row, names: "Evidence packet posted in the channel",
    "packet.updated": lambda row, names: (
        f"Evidence packet updated (revision {_d(row, 'revision')})"
    ),
    "packet.retriaged": lambda row, names: (
        f"Evidence packet re-triaged by {names.person(row.actor)}"
    ),
    "packet.chart_attached": lambda row, names: (
        f"Chart of {_d(row, 'metric')} attached to the packet"
    ),
    "packet.chart_failed": lambda row, names: f"Chart of {_d(row, 'metric')} could not be drawn",
    "packet.narrative_posted": lambda row, names: "Likely-cause reply posted under the packet",
    "packet.narrative_failed": lambda row, names: "Likely-cause reply could not be posted",
    "signal.joined": _joined,
    "signal.split": lambda row, names: (
        f"Signal split out of the incident by {names.person(row.actor)}"
    ),
    "incident.severity_announced": lambda row, names: (
        f"Severity change announced in the channel: {_d(row, 'from')} to {_d(row, 'to')}"
    ),
    "incident.resolve_asked": lambda row, names: (
        "Every alert had resolved; the bot asked the channel whether to resolve the incident"
    ),
    "incident.resolved": lambda row, names: (
        f"Incident resolved by {names.person(row.actor)}"
        + (
            f" (merged into INC-{row.details['merged_into']})"
            if row.details.get("merged_into")
            else ""
        )
    ),
    "incident.merged": lambda row, names: (
        f"INC-{_d(row, 'merged')} merged into this incident by {names.person(row.actor)} "
        f"({_d(row, 'moved_signals')} signals moved)"
    ),
    "incident.slack_failed": lambda row, names: f"Slack call {_d(row, 'method')} failed",
    "evidence.arrived_late": lambda row, names: (
        f"Late evidence arrived: {_d(row, 'kind')} from {_d(row, 'source')}"
    ),
    "kill_switch.engaged": lambda row, names: f"Kill switch turned on by {names.person(row.actor)}",
    "kill_switch.released": lambda row, names: (
        f"Kill switch turned off by {names.person(row.actor)}"
    ),
}

# Action steps: the words after "Action #N (kind of target)".
STEP_WORDS = {
    "proposed": "proposed",
    "approved": "approved",
    "denied": "denied",
    "expired": "expired",
    "executing": "started",
    "succeeded": "succeeded",
    "failed": "failed",
    "verified": "verified",
    "not_verified": "could not be verified",
    "checkpoint": "checkpoint saved (the state to restore it from)",
    "refused": "refused by the policy",
    "approval_refused": "approval refused",
    "denial_refused": "denial refused",
}
# Details an action row may show: what a person needs, never hashes, plans or checkpoints.
SHOWN_DETAILS = ("reason", "result", "recovery", "rollout", "summary")


def _action_words(row: AuditFact, names: Names, actions: Mapping[int, ActionFact]) -> str:
    step = row.event.removeprefix("action.")
    action_id = row.details.get("action_id")
    action = actions.get(action_id) if isinstance(action_id, int) else None
    what = f" ({action.kind} of {action.target})" if action is not None else ""
    text = f"Action #{action_id}{what} {STEP_WORDS.get(step, step.replace('_', ' '))}"
    if not row.actor.startswith("bot"):
        text += f" by {names.person(row.actor)}"
    shown = [
        str(row.details[key]).strip()
        for key in SHOWN_DETAILS
        if isinstance(row.details.get(key), str) and str(row.details[key]).strip()
    ]
    if shown:
        text += ": " + "; ".join(shown)
    return text


def audit_words(row: AuditFact, names: Names, actions: Mapping[int, ActionFact]) -> str | None:
    """The row in words, or None for a row that is not part of the incident's story."""
    if row.event.startswith(SKIPPED_PREFIXES):
        return None
    if row.event.startswith("action.") and "action_id" in row.details:
        return _action_words(row, names, actions)
    words = EVENT_WORDS.get(row.event)
    if words is not None:
        return names.text(words(row, names))
    return f"{row.event} ({names.person(row.actor)})"
