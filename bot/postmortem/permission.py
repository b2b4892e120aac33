"""Who may draft an incident's postmortem from Slack: its commander when it has one, else
anyone in its channel (the command only runs there). A stand-in with the policy's shape, so
the policy's ``postmortem_refusal`` can take its place without touching the listener."""

from __future__ import annotations

__all__ = ["postmortem_refusal"]


def postmortem_refusal(*, user: str, commander: str | None) -> str | None:
    """None when ``user`` may draft it; otherwise the reason, for the person and the audit."""
    if commander is None or user == commander:
        return None
    return f"only the incident commander ({commander}) may draft the postmortem"
