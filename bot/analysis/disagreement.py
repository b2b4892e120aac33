"""Two views of one thing that disagree: readings that cannot both be right.

A load balancer that counts 502s for a target whose own access log served none, over the same
hours, says one of the two observations is wrong (or the failures happen between them: a
process killed mid-request). The packet raises ``conflicting_signals`` on it
(:mod:`bot.analysis.hypotheses`).
"""

from __future__ import annotations

import re

from bot.analysis.series import SeriesKind, series_kind
from bot.analysis.values import CaseFacts

__all__ = ["UNAVAILABLE_CLAIM", "alert_against_cluster", "errors_on_one_side"]

MIN_POINTS = 3
# HTTP server errors by status: "5xx", "502", "http_5".
_SERVER_ERRORS = re.compile(r"5xx|(?:^|[_.])5\d\d(?:[_.]|$)|server_?error|http_?5", re.I)


def errors_on_one_side(facts: CaseFacts) -> str | None:
    """Two views of the service's HTTP server errors (a load balancer's 502 count and the
    proxy's own 5xx count) over the same hours: one counts errors again and again while the
    other reads zero throughout. The same responses cannot both have failed and not."""
    # Over their whole span (the long look-back): intermittent errors show over hours.
    spans = (facts.over_long_span(m) for m in facts.metrics if m.service == facts.service)
    own = [
        m
        for m in spans
        if series_kind(m.name) is SeriesKind.ERRORS
        and _SERVER_ERRORS.search(m.name)
        and len(m.points) >= MIN_POINTS
    ]
    for counting in own:
        nonzero = [v for _, v in counting.points if v > 0]
        if len(nonzero) < 2:
            continue
        start, end = counting.points[0][0], counting.points[-1][0]
        for silent in own:
            if silent is counting:
                continue
            overlap = [v for at, v in silent.points if start <= at <= end]
            if len(overlap) >= 2 and all(v == 0 for _, v in silent.points):
                return (
                    f"{counting.name} counted up to {max(nonzero):g} while {silent.name}, "
                    "which counts the same server errors, read 0 throughout"
                )
    return None


# An alert that says the service's working units are down: "0 available replicas",
# "KubeDeploymentReplicasUnavailable", "no ready endpoints", "pods are not ready".
_UNITS = r"(?:replicas?|pods?|instances?|endpoints?|containers?)"
UNAVAILABLE_CLAIM = re.compile(
    rf"\b(?:0|zero|no) (?:available|ready|running|healthy) {_UNITS}\b|"
    rf"\b{_UNITS} (?:are |is )?(?:unavailable|not ready|not running)\b|"
    r"replicas ?unavailable|replicas ?mismatch",
    re.IGNORECASE,
)


def alert_against_cluster(facts: CaseFacts) -> str | None:
    """An alert of the service says its replicas or pods are unavailable while the cluster,
    read directly, shows every pod of the service running and ready with no restart: the alert
    and the thing it measures disagree (whatever computes the alert may be what broke)."""
    claim = next(
        (
            s
            for s in facts.signals
            if s.service == facts.service
            and UNAVAILABLE_CLAIM.search(f"{s.title}\n{s.description}")
        ),
        None,
    )
    pods = [p for p in facts.pods if p.workload == facts.service]
    if claim is None or not pods:
        return None
    if not all(p.ready and p.phase.lower() == "running" and p.restarts == 0 for p in pods):
        return None
    return (
        f"the alert says {claim.title[:100]} while the cluster shows all {len(pods)} pods of "
        f"{facts.service} running and ready, none restarted"
    )
