"""What people read about an approval the bot resumed after a restart, and about a click or a
command refused before it reached a decision.

Kept beside the action flows while ``bot/messages.py`` is reworked for escaping; each text is a
pure function of typed values, and nothing here repeats what a person typed.
"""

from __future__ import annotations

__all__ = [
    "LOST_THE_RACE",
    "RESOLVE_BUTTON_NOT_OURS",
    "approval_resumed",
    "approval_voided",
    "auto_approved",
    "auto_lowered",
    "not_carried_out",
    "suggest_only",
    "undeclared_change",
]

LOST_THE_RACE = "another click was recorded first"
RESOLVE_BUTTON_NOT_OURS = (
    "This button does not name an incident the bot showed (an altered or stale payload); "
    "nothing was resolved."
)


def approval_resumed(action_id: int) -> str:
    return (
        f"The bot restarted after action #{action_id} was approved and before it ran. Its plan "
        "still holds (checked against the cluster just now), so it runs now, once."
    )


def approval_voided(action_id: int, why: str) -> str:
    return (
        f"The bot restarted after action #{action_id} was approved and before it ran, and {why}: "
        "that approval is void and the action will not run. A fresh plan follows for a fresh "
        "decision when the target can still be planned."
    )


def suggest_only(kind_label: str, service: str) -> str:
    return (
        f"The policy only suggests this ({kind_label} on {service}): the bot shows it and never "
        "runs it. Do it by hand, or ask for the policy's autonomy level to change."
    )


def auto_approved(action_id: int, rule: str) -> str:
    return (
        f"Action #{action_id} runs on its own: the policy rule `{rule}` allows it within its "
        "guardrails. Its plan is above; its outcome follows here."
    )


def auto_lowered(action_id: int, reason: str) -> str:
    return f"Action #{action_id} would run on its own, but {reason}; it waits for an approver."


def undeclared_change(config_map: str, key: str, value: str) -> str:
    return (
        f"No runbook declares {key} of configmap {config_map} changeable to {value} for this "
        "service: a config change runs only on a key a runbook lists, to one of its values."
    )


_NO_STANDARD_API = {
    "failover": (
        "no safe, standard API fails a database over for every engine this bot may face; "
        "people carry it out with their database's own tooling"
    ),
}


def not_carried_out(kind: str, label: str) -> str:
    """Why ``kind`` (shown as ``label``) stays a suggestion: it has no safe standard API, or
    no executor for it is configured in the settings."""
    why = _NO_STANDARD_API.get(kind)
    if why is not None:
        return f"{label} stays a suggestion: {why}"
    return (
        f"{label} stays a suggestion: no executor for it is configured in this bot's settings, "
        "so people carry it out by hand"
    )
