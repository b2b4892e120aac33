"""The traffic detector: a surge in load (RED's rate) is the cause.

Load versus saturation: when requests (or connections, webhooks, retries) rose before CPU,
memory or a queue saturated, the saturation is a symptom of the load, and the load is the
cause; the resource detectors count the same fact against themselves. A load rise that a flag,
config or deploy change just before explains is that change's effect, so it counts against
traffic. The surge may arrive through a declared dependency (a webhook intake, a reconnecting
backend). Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from bot.analysis.citing import hypothesis, log_citation, matching
from bot.analysis.series import SeriesKind, series_kind, units_up
from bot.analysis.spike import Spike, detect_spike
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import MetricSeries
from bot.scenario.terms import CauseKind

__all__ = [
    "CHANGE_LEAD",
    "demand_held",
    "first_saturation",
    "load_spike",
    "steady_growth",
    "sustained_rise",
    "traffic_hypotheses",
]

CHANGE_LEAD = timedelta(minutes=30)  # a change this close before a load rise explains it
LOAD_RATIO = 2.0  # load that doubles is a surge
GROWTH_RATIO = 1.5  # load that climbs steadily by half again is a surge too
_RATE_LIMIT = re.compile(r"rate.?limit|too many requests|\b429\b|throttl", re.IGNORECASE)


def sustained_rise(series: MetricSeries, ratio: float) -> Spike | None:
    """A series that left its first point and never came back: every later point (at least
    two) is ``ratio`` times the first or more. With one point of baseline before the rise a
    spike detector sees no baseline; an engineer sees load that arrived and stayed."""
    values = [value for _, value in series.points]
    if len(values) < 3 or values[0] <= 0 or any(v < ratio * values[0] for v in values[1:]):
        return None
    return Spike(series, values[0], values[-1], series.points[1][0])


def steady_growth(series: MetricSeries, ratio: float = GROWTH_RATIO) -> Spike | None:
    """Load that grew point after point (four or more, none falling) to ``ratio`` times where
    it started: a record day arrives as a climb, not a step. It began at the second point."""
    values = [value for _, value in series.points]
    if len(values) < 4 or values[0] <= 0 or values[-1] < ratio * values[0]:
        return None
    if any(later < earlier for earlier, later in itertools.pairwise(values)):
        return None
    return Spike(series, values[0], values[-1], series.points[1][0])


def load_spike(facts: CaseFacts) -> Spike | None:
    """The earliest surge in a traffic series of the service, of a declared dependency, or of a
    caller (its requests are the load that reaches the service: spam snippets hammering the
    database behind them). A caller's surge counts only when it came before the service's
    trouble: callers retrying a failing service surge after it, as its symptom. A neighbour's
    busier series counts only when the service's own request rate is not measured flat: with
    the service's load flat, a dependency is doing more work per request (cache misses, a
    costlier query), which is its trouble, not a surge of users."""
    callers = set(facts.catalog.dependents(facts.service))
    services = {facts.service, *facts.catalog.dependencies(facts.service), *callers}
    if _own_load_flat(facts):
        services = {facts.service}
    spikes = [
        spike
        for series in facts.metrics
        if series.service in services and series_kind(series.name) is SeriesKind.TRAFFIC
        if (spike := _rise(series) or _plateau(facts, series)) is not None
        if series.service not in callers or spike.first_anomaly_at <= facts.first_seen
    ]
    return min(spikes, key=lambda s: (s.first_anomaly_at, s.series.name), default=None)


PLATEAU_REACH = timedelta(hours=12)  # a surge this long before the trouble may still be it


def _plateau(facts: CaseFacts, series: MetricSeries) -> Spike | None:
    """Load that surged before the packet's window opened and stayed up through it: the
    window shows only the plateau, the long look-back shows the rise (within
    ``PLATEAU_REACH`` of the first anomaly)."""
    longer = facts.over_long_span(series)
    if longer is series:
        return None
    rise = _rise(longer)
    if rise is None or rise.first_anomaly_at < facts.first_seen - PLATEAU_REACH:
        return None
    held = [v for at, v in longer.points if at >= rise.first_anomaly_at]
    return rise if min(held) >= LOAD_RATIO * rise.baseline else None


def _own_load_flat(facts: CaseFacts) -> bool:
    """The service's own request rate is measured (two points or more) and did not surge."""
    own = [
        series
        for series in facts.metrics
        if series.service == facts.service
        and series_kind(series.name) is SeriesKind.TRAFFIC
        and len(series.points) >= 2
    ]
    return bool(own) and all(_rise(series) is None for series in own)


def demand_held(service: str, metrics: Iterable[MetricSeries]) -> bool:
    """The service's own request rate is measured and did not rise, and no series of its
    working units (instances, servers, replicas up) fell by half or more: the same demand on
    the same capacity. Whatever saturated, the work per request changed (a spin, a leak, a
    bug), and more replicas do not fix that."""
    own = [m for m in metrics if m.service == service and len(m.points) >= 2]
    load = [m for m in own if series_kind(m.name) is SeriesKind.TRAFFIC]
    if not load or any(_rise(m) is not None for m in load):
        return False
    for units in (m for m in own if units_up(m.name)):
        values = [v for _, v in units.points]
        if values[0] > 0 and min(values[1:]) <= values[0] / 2:
            return False
    return True


def _rise(series: MetricSeries) -> Spike | None:
    """A surge, a rise that stayed, or steady growth, whichever the series shows."""
    return (
        detect_spike(series, ratio=LOAD_RATIO)
        or sustained_rise(series, LOAD_RATIO)
        or steady_growth(series)
    )


def first_saturation(facts: CaseFacts) -> datetime | None:
    """When the service's first saturation series (CPU, memory, queue...) left its baseline."""
    times = [
        spike.first_anomaly_at
        for series in facts.metrics
        if series.service in {facts.service, *facts.catalog.dependencies(facts.service)}
        and series_kind(series.name) is SeriesKind.SATURATION
        if (spike := detect_spike(series, ratio=1.3) or sustained_rise(series, 1.3)) is not None
    ]
    return min(times, default=None)


def _change_before(facts: CaseFacts, at: datetime) -> Citation | None:
    """A flag change or a deploy of the service shortly before the load rose."""
    for change in facts.flags:
        if change.concerns(facts.service) and at - CHANGE_LEAD <= change.at <= at:
            text = f"flag {change.key} changed ({change.change}) just before the load rose"
            return Citation(f"flag:{change.key}", text, W.traffic_first)
    return None


def traffic_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """A surge in requests: a traffic series spiked (before any saturation), or the service
    rate-limits."""
    supports: list[Citation] = []
    against: list[Citation] = []
    surge = load_spike(facts)
    if surge is not None:
        series = surge.series
        whose = "" if series.service == facts.service else f" of {series.service}"
        text = f"{series.name}{whose} rose from {surge.baseline:g} to {surge.latest:g}"
        ref = f"metric:{series.service}/{series.name}"
        supports.append(Citation(ref, text, W.traffic_spiked))
        saturated_at = first_saturation(facts)
        if saturated_at is not None and surge.first_anomaly_at <= saturated_at:
            text = (
                f"the load rose at {surge.first_anomaly_at:%H:%M}, before saturation began "
                f"at {saturated_at:%H:%M}: the saturation is its symptom"
            )
            supports.append(Citation(ref, text, W.traffic_first))
        if (change := _change_before(facts, surge.first_anomaly_at)) is not None:
            against.append(change)
    limited = matching(facts.window_messages, _RATE_LIMIT)
    if limited:
        text = "rate limiting in the logs"
        supports.append(log_citation(facts, limited, text, W.traffic_rate_limited))
    if not supports:
        return []
    against.extend(
        Citation(
            f"deploy:{c.deploy.sha}",
            f"deploy {c.deploy.sha} landed before it",
            W.traffic_deploy_near,
        )
        for c in facts.candidates[:1]
    )
    statement = f"Traffic surge on {facts.service}"
    return [hypothesis(CauseKind.TRAFFIC, statement, supports, against)]
