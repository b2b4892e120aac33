"""The sentences people read when the policy refuses something.

They live here rather than in :mod:`bot.messages` because :mod:`bot.policy` is a pure core
module that the pipeline imports, and :mod:`bot.messages` imports the database side (audit,
incidents); the Slack handlers show these sentences as they are, after the rule's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.action.kinds import ActionKind

__all__ = [
    "approver_not_allowed",
    "change_freeze",
    "dry_run",
    "kill_switch_engaged",
    "kill_switch_not_operator",
    "one_pod_at_a_time",
    "postmortem_not_allowed",
    "replicas_unknown",
    "restarts_per_hour",
    "scale_factor",
    "scale_to_zero",
    "self_approval",
    "too_many_replicas",
]


def _who(entries: Sequence[str]) -> str:
    return ", ".join(entries) if entries else "no one"


def _at(instant: datetime) -> str:
    return f"{instant:%Y-%m-%d %H:%M} UTC"


def kill_switch_engaged() -> str:
    return "The kill switch is engaged: no action runs until an operator releases it."


def dry_run() -> str:
    return "The policy is in dry-run-only mode: actions are planned and shown, never run."


def change_freeze(service: str, until: datetime, note: str | None) -> str:
    text = f"A change freeze covers {service} until {_at(until)}"
    return f"{text}: {note}" if note else f"{text}."


def scale_factor(current: int, desired: int, limit: float) -> str:
    return (
        f"Scaling from {current} to {desired} replicas is more than the {limit:g}x "
        "the policy allows in one step."
    )


def scale_to_zero(service: str) -> str:
    return f"Scaling {service} to 0 replicas needs the policy's explicit allowance."


def replicas_unknown() -> str:
    return "The current replica count is unknown, so the scale limits cannot be checked."


def too_many_replicas(desired: int, limit: int) -> str:
    return f"{desired} replicas is more than the {limit} the policy allows."


def restarts_per_hour(service: str, done: int, limit: int) -> str:
    return (
        f"{service} has been restarted {done} time{'s' if done != 1 else ''} in the last hour; "
        f"the policy allows {limit}."
    )


def one_pod_at_a_time(service: str) -> str:
    return f"A pod of {service} is already being restarted; the policy allows one at a time."


def approver_not_allowed(kind: ActionKind, service: str, approvers: Sequence[str]) -> str:
    return f"{kind.label} on {service} may be approved by {_who(approvers)}."


def self_approval() -> str:
    return "The person who asked for an action cannot approve it; someone else must."


def kill_switch_not_operator(operators: Sequence[str]) -> str:
    return f"Only the kill switch's operators may release it: {_who(operators)}."


def postmortem_not_allowed(allowed: Sequence[str]) -> str:
    return f"The incident's commander may start its postmortem, and so may {_who(allowed)}."
