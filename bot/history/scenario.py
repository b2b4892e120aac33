"""A replay scenario's ``history`` entries as past incidents the packet can compare with."""

from __future__ import annotations

from bot.analysis.logs import template_id, template_of
from bot.history.values import PastIncident, Remedy
from bot.scenario.terms import CauseKind
from bot.scenario.world import PastIncident as PastEntry

__all__ = ["past_from_entry"]


def _cause(text: str | None) -> CauseKind | None:
    """The cause kind a scenario's ``cause`` names, None when it is a story (free words)."""
    try:
        return CauseKind(text.strip().lower()) if text else None
    except ValueError:
        return None


def past_from_entry(entry: PastEntry) -> PastIncident:
    """One ``history`` entry: its ``log_templates`` are templated as live lines are, so a line
    copied from the logs and its template name the same template."""
    cause = _cause(entry.cause)
    subject = entry.dependency if cause is CauseKind.DEPENDENCY else None
    resolved = entry.at + entry.time_to_resolve if entry.time_to_resolve is not None else None
    return PastIncident(
        service=entry.service,
        title=entry.title,
        opened_at=entry.at,
        resolved_at=resolved,
        fingerprint=entry.fingerprint,
        cause=cause,
        cause_subject=subject,
        templates=frozenset(template_id(template_of(line)) for line in entry.log_templates),
        time_to_resolve=entry.time_to_resolve,
        resolution=entry.resolution,
        remedy=Remedy(entry.remedy, entry.service) if entry.remedy is not None else None,
        cause_text=entry.cause if cause is None else None,
    )
