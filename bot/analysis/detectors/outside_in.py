"""Outside-in failures: a check from outside (a synthetic probe, an uptime check, load balancer
health, users' traffic that stopped arriving) fails while the service's own RED metrics (error
rate, latency) stay normal.

A senior reads that as trouble in front of the service: the CDN, edge, proxy, DNS or load
balancer between users and it. The service's own deploy is not what broke (its code serves
what reaches it fine), and the disagreement itself is a warning people must see
(``conflicting_signals``, raised in :mod:`bot.analysis.hypotheses`). Weights:
:mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis
from bot.analysis.series import SeriesKind, as_percent, series_kind
from bot.analysis.spike import detect_spike
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["EDGE", "OUTSIDE_IN", "healthy_inside", "outside_in_failing", "outside_in_hypotheses"]

OUTSIDE_IN = re.compile(
    r"synthetic|probe|uptime|health ?check|backends? healthy|blackbox|\bdown\b|"
    r"from \d+ (?:of \d+ )?(?:probe )?locations|resolv|dropped below|requests dropped|"
    r"status page",
    re.IGNORECASE,
)
EDGE = re.compile(r"cdn|edge|proxy|dns|ingress|load.?balancer|\blb\b|gateway|waf", re.IGNORECASE)
HEALTHY_ERROR_PERCENT = 5.0


def outside_in_failing(facts: CaseFacts) -> Citation | None:
    """The service's own alert that comes from outside it (a probe, a health check...)."""
    for signal in facts.signals:
        if signal.service == facts.service and OUTSIDE_IN.search(
            f"{signal.title}\n{signal.description}"
        ):
            return Citation(f"signal:{signal.fingerprint}", f"outside-in: {signal.title}", 0.0)
    return None


def healthy_inside(facts: CaseFacts) -> str | None:
    """``error_rate and p99_latency of shop-frontend are normal``: the service's own error and
    latency series exist and none rose (an error share stays under 5 %); None otherwise."""
    healthy: list[str] = []
    for series in facts.metrics:
        if series.service != facts.service or len(series.points) < 2:
            continue
        kind = series_kind(series.name)
        if kind not in (SeriesKind.ERRORS, SeriesKind.LATENCY):
            continue
        if detect_spike(series, ratio=2.0) is not None:
            return None
        percents = as_percent(series)
        if kind is SeriesKind.ERRORS and percents and percents[-1] >= HEALTHY_ERROR_PERCENT:
            return None
        healthy.append(series.name)
    if not healthy:
        return None
    return f"{' and '.join(healthy)} of {facts.service} are normal"


def outside_in_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """The declared dependency in front of the service (CDN, edge, proxy, DNS, load balancer)
    is failing, when an outside-in check fails and the service's own metrics are healthy."""
    failing = outside_in_failing(facts)
    inside = healthy_inside(facts)
    if failing is None or inside is None:
        return []
    edges = [d for d in facts.catalog.dependencies(facts.service) if EDGE.search(d)]
    found: list[Hypothesis] = []
    for dependency in edges:
        text = f"{failing.text}, while {inside}: the failure is in front of the service"
        supports = [Citation(failing.ref, text, W.dependency_outside_in)]
        statement = f"Downstream dependency {dependency} (in front of {facts.service}) is failing"
        found.append(hypothesis(CauseKind.DEPENDENCY, statement, supports, subject=dependency))
    return found
