"""Which recorded flag changes and calendar windows answer an evidence query.

Every flag and calendar source (replay scenarios, the operator's files) holds a list and asks
the same question of it, so the rule lives here once: a flag change counts when it happened
inside the query's window and concerns the service (names it, or names no service); a calendar
window counts when it applies to the service and overlaps the query's window at all, so a
freeze that began days before the incident and is still on is found.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.evidence.ports import EvidenceQuery
from bot.evidence.values import ChangeWindow, FlagChange

__all__ = ["select_flag_changes", "select_windows"]


def select_flag_changes(
    changes: Iterable[FlagChange], query: EvidenceQuery
) -> tuple[FlagChange, ...]:
    """The changes in ``[query.since, query.until]`` that concern ``query.service``, oldest
    first."""
    found = [
        change
        for change in changes
        if change.concerns(query.service) and query.since <= change.at <= query.until
    ]
    return tuple(sorted(found, key=lambda change: change.at))


def select_windows(
    windows: Iterable[ChangeWindow], query: EvidenceQuery
) -> tuple[ChangeWindow, ...]:
    """The windows that apply to ``query.service`` and overlap its time window, by start."""
    found = [
        window
        for window in windows
        if window.applies_to(query.service) and window.overlaps(query.since, query.until)
    ]
    return tuple(sorted(found, key=lambda window: window.start))
