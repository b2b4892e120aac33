"""Maintenance as a change: a resource that began to climb when a maintenance window of the
change calendar began, with the load flat, was set climbing by what the maintenance changed.

A password rotated on half the system leaves the cleanup that used the old one failing, and
what it should clean up piles up (VMs, disk, connections) at a steady rate from that hour: the
exhaustion is the symptom, the change made in maintenance the cause (configuration; nothing to
roll back). The climb must start with the window (the window opens before the second point of
the climb, and no more than an hour before its first), the window must apply to the service,
and the service's load must not have risen. Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

from datetime import timedelta

from bot.analysis.citing import hypothesis
from bot.analysis.detectors.traffic import load_spike
from bot.analysis.series import SeriesKind, Trend, series_kind, trend
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import ChangeWindow, ChangeWindowKind
from bot.scenario.terms import CauseKind

__all__ = ["MAINTENANCE_LEAD", "began_with_maintenance", "maintenance_hypotheses"]

MAINTENANCE_LEAD = timedelta(hours=1)  # a climb's first point may predate the window by this


def began_with_maintenance(facts: CaseFacts) -> tuple[ChangeWindow, Trend] | None:
    """The maintenance window that a saturation climb of the service began with, load flat."""
    if load_spike(facts) is not None:
        return None
    windows = [
        w
        for w in facts.calendar
        if w.kind is ChangeWindowKind.MAINTENANCE
        and w.applies_to(facts.service)
        and w.start <= facts.first_seen
    ]
    for series in facts.metrics:
        if series.service != facts.service or series_kind(series.name) is not SeriesKind.SATURATION:
            continue
        whole = facts.over_long_span(series)
        climb = trend(whole)
        if climb is None or len(whole.points) < 2:
            continue
        second = whole.points[1][0]
        for window in windows:
            if climb.began_at - MAINTENANCE_LEAD <= window.start < second:
                return window, climb
    return None


def maintenance_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """The change made in a maintenance window that a resource's climb began with."""
    found = began_with_maintenance(facts)
    if found is None:
        return []
    window, climb = found
    note = f" ({window.note})" if window.note else ""
    ref = f"calendar:{window.start:%Y-%m-%dT%H:%M}"
    supports = [
        Citation(ref, f"maintenance from {window.start:%H:%M}{note}", W.maintenance_change),
        Citation(
            f"metric:{climb.series.service}/{climb.series.name}",
            f"{climb.describe()}, from that window on, with the load flat",
            W.maintenance_climb,
        ),
    ]
    statement = f"The change made in maintenance{note} set {climb.series.name} climbing"
    return [hypothesis(CauseKind.CONFIG, statement, supports, subject="maintenance")]
