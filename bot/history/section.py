"""History in the packet: the similar past incidents in words, and their verified remedies
ranked first among the suggestions with the citation. Pure; :func:`bot.packet.build.build_packet`
calls :func:`history_for_packet` once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from bot.action.kinds import ActionKind
from bot.analysis.assessment import Assessment
from bot.catalog import Catalog
from bot.history.similarity import facts_of, similar_incidents
from bot.history.values import PastIncident, SimilarIncident
from bot.packet.values import SuggestedAction
from bot.policy import Policy
from bot.signal.values import Signal

__all__ = [
    "CHANNEL_LINK",
    "channel_link",
    "citation",
    "describe_duration",
    "favour_remedies",
    "history_for_packet",
    "similar_line",
]

# Slack's documented deep link: it opens the channel in the reader's own workspace.
CHANNEL_LINK = "https://slack.com/app_redirect?channel={channel_id}"
# A remedy history proves may be suggested even when nothing else suggests it; a rollback or a
# flag needs today's suspect to say what to roll back or turn off, so those are only reordered.
SUGGESTED_FROM_HISTORY = frozenset(
    {ActionKind.RESTART, ActionKind.SCALE, ActionKind.FAILOVER, ActionKind.RERUN_JOB}
)
NOTE_LIMIT = 200


def describe_duration(delta: timedelta) -> str:
    """``6 minutes``, ``2 h 5 min``, ``3 days``: how long people read a time to resolve."""
    minutes = max(0, round(delta.total_seconds() / 60))
    if minutes < 60:
        return "1 minute" if minutes == 1 else f"{minutes} minutes"
    if minutes < 48 * 60:
        hours, rest = divmod(minutes, 60)
        return f"{hours} h {rest} min" if rest else f"{hours} h"
    return f"{round(minutes / (24 * 60))} days"


def channel_link(past: PastIncident) -> str | None:
    return CHANNEL_LINK.format(channel_id=past.channel_id) if past.channel_id else None


def _name(past: PastIncident) -> str:
    return f"INC-{past.incident_id}" if past.incident_id is not None else f"{past.title!r}"


def citation(past: PastIncident) -> str:
    """``INC-12 on 12 Mar 2026``: how a suggestion cites the incident that proves it."""
    return f"{_name(past)} on {past.opened_at:%d %b %Y}"


def _resolved_by(past: PastIncident) -> str:
    if past.noise:
        note = f": {_clip(past.resolution)}" if past.resolution else ""
        return f"not an incident (noise){note}"
    parts = []
    if past.remedy is not None:
        parts.append(f"{past.remedy.kind.label.lower()} of {past.remedy.target} (verified)")
    if past.resolution:
        parts.append(f"note: {_clip(past.resolution)}")
    return "; ".join(parts) if parts else "no resolution recorded"


def _clip(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= NOTE_LIMIT else line[: NOTE_LIMIT - 1] + "…"


def similar_line(similar: SimilarIncident) -> str:
    """``INC-12 on 12 Mar 2026, billing (Consumer died): resolved by restart of billing
    (verified) in 6 minutes. Matched: same service and alert (fingerprint); same new log lines
    (2 templates). Channel: https://slack.com/app_redirect?channel=C012``."""
    past = similar.past
    took = f" in {describe_duration(past.time_to_resolve)}" if past.time_to_resolve else ""
    line = f"{citation(past)}, {past.service} ({past.title}): {_resolved_by(past)}{took}."
    line += f" Matched: {'; '.join(similar.matched)}."
    link = channel_link(past)
    if link:
        line += f" Channel: {link}"
    return line


def favour_remedies(
    actions: Sequence[SuggestedAction],
    similar: Sequence[SimilarIncident],
    *,
    policy: Policy,
    service: str,
) -> list[SuggestedAction]:
    """The suggestions with each action a similar incident's verified remedy proves moved to
    the front, citing that incident; a restart, scale, failover or re-run of the same service
    that nothing else suggested is added (the policy still says whether it needs approval)."""
    cited: list[SuggestedAction] = []
    rest = list(actions)
    for item in similar:
        remedy = item.past.remedy
        if remedy is None or item.past.noise or any(a.kind is remedy.kind for a in cited):
            continue
        proof = f" (resolved {citation(item.past)}, verified)"
        present = next((a for a in rest if a.kind is remedy.kind), None)
        if present is not None:
            rest.remove(present)
            cited.append(replace(present, text=present.text + proof))
        elif remedy.kind in SUGGESTED_FROM_HISTORY and item.past.service == service:
            text = f"{remedy.kind.label} {remedy.target}{proof}"
            cited.append(
                SuggestedAction(text, remedy.kind, policy.requires_approval(remedy.kind, service))
            )
    return [*cited, *rest]


def history_for_packet(
    *,
    assessment: Assessment,
    signals: Sequence[Signal],
    catalog: Catalog,
    history: Sequence[PastIncident],
    actions: Sequence[SuggestedAction],
    policy: Policy,
) -> tuple[tuple[SimilarIncident, ...], list[SuggestedAction]]:
    """The similar past incidents for the packet, and its suggestions with their remedies
    ranked first."""
    similar = similar_incidents(facts_of(assessment, signals, catalog), history)
    ranked = favour_remedies(actions, similar, policy=policy, service=assessment.service)
    return similar, ranked
