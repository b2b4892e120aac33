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
