"""The packet's lines about the monitors behind the alerts, as their source sees them now.

An alert says what a monitor thought when it fired; by the time people read the packet it may
have recovered, or spread to more groups. Each monitor the incident's alerts name gets one line:
its state now, since when, and how many of its groups fire; one that could not be read says so,
so silence is never mistaken for "still firing" (the reason is under "Evidence unavailable").
"""

from __future__ import annotations

from bot.evidence.values import EvidenceBundle, MonitorState

__all__ = ["describe_monitor", "monitor_lines"]


def describe_monitor(state: MonitorState) -> str:
    """``Datadog monitor 1234: Alert (since 14:03), 3 groups alerting``."""
    text = f"Datadog monitor {state.monitor_id}: {state.state}"
    if state.firing and state.since is not None:
        text += f" (since {state.since:%H:%M})"
    if state.groups > 1:
        share = state.groups_firing if state.groups_firing == state.groups else None
        count = f"{share}" if share is not None else f"{state.groups_firing} of {state.groups}"
        text += f", {count} groups alerting"
    elif not state.firing:
        text += ", no longer alerting"
    return text


def monitor_lines(evidence: EvidenceBundle) -> list[str]:
    """One line per monitor asked about: its state now, or that it could not be read."""
    lines = [describe_monitor(state) for state in evidence.monitors]
    lines.extend(
        f"Datadog monitor {monitor_id}: current state could not be read"
        for monitor_id in evidence.monitors_unread
    )
    return lines
