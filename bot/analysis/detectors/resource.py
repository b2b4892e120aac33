"""The resource detector: memory, disk or pool exhaustion in the service.

Evidence: error lines of exhaustion, pods the kernel's OOM killer ended, a saturation series
(USE: utilization, saturation) that rose by a third or reached 90 %. Weights:
:mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis, log_citation, matching
from bot.analysis.detectors.maintenance import began_with_maintenance
from bot.analysis.detectors.traffic import first_saturation, load_spike
from bot.analysis.kube_reasons import pod_reading
from bot.analysis.series import (
    SATURATION_PERCENT,
    SeriesKind,
    Trend,
    as_percent,
    exhaustion_words,
    series_kind,
    trend,
)
from bot.analysis.spike import detect_spike
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import RECURRING_FACTOR, W
from bot.evidence.values import PodState
from bot.runbook.facts import Condition
from bot.scenario.terms import CauseKind

__all__ = [
    "ADDRESSES_EXHAUSTED",
    "POD_RESTARTS",
    "POOL_SUBJECT",
    "RESOURCE_PATTERNS",
    "SATURATION_RISE",
    "after_deploy",
    "after_maintenance",
    "climbing",
    "follows_load",
    "of_service",
    "resource_hypotheses",
    "saturated",
]

# A network's addresses ran out: "not enough free IP addresses in its subnets",
# "InsufficientFreeAddressesInSubnet", "SNAT port exhaustion".
ADDRESSES_EXHAUSTED = (
    r"(?:not enough|no|insufficient) ?(?:free|available)? ?(?:ip ?)?addresses|"
    r"insufficient\w*addresses|(?:ip )?address(?:es)? (?:exhausted|exhaustion)|"
    r"\bip (?:address )?(?:exhaustion|starvation)|subnet\b.{0,40}\b(?:full|exhausted|out of)|"
    r"(?:snat|ephemeral) ports? (?:exhausted|exhaustion)"
)
POOL_SUBJECT = "pool"  # the subject of a connection pool running out
POD_RESTARTS = 3  # restarts that make an OOM kill a repeating one, not a one-off
SATURATION_RISE = 1.3

RESOURCE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "memory",
        re.compile(
            r"oom ?kill|out of memory|outofmemory|memoryerror|cannot allocate memory|"
            r"memory limit|killed process|heap (?:space|exhausted|out)|gc overhead",
            re.IGNORECASE,
        ),
    ),
    (
        "disk",
        re.compile(
            r"no space left|enospc|disk (?:is )?full|disk quota|(?:filesystem|volume) \S* ?full|"
            r"could not extend file|disk ?pressure",
            re.IGNORECASE,
        ),
    ),
    (
        "pool",
        re.compile(
            r"too many open files|emfile|pool (?:is )?exhausted|too many (?:connections|clients)|"
            r"max_connections|queue (?:is )?full|pool saturated|saturated|"
            r"(?:connection|thread|worker) pool|"
            r"timeout (?:waiting for|acquiring) (?:a )?connection|"
            r"remaining connection slots",
            re.IGNORECASE,
        ),
    ),
    (
        # A hard limit reached by growth: a table or file at its maximum size, a quota, an id
        # space ("The table 'bookmarks' is full", MySQL's ERROR 1114).
        "capacity",
        re.compile(
            r"\b(?:table|partition|tablespace|file|index|segment|bucket)\b[^.\n]{0,40}\bis full\b|"
            r"quota exceeded|(?:size|row|file) limit (?:reached|exceeded)|"
            r"maximum (?:size|number of \w+) (?:reached|exceeded)",
            re.IGNORECASE,
        ),
    ),
    (
        # Addresses a network hands out: subnet IPs, ephemeral or SNAT ports.
        "addresses",
        re.compile(ADDRESSES_EXHAUSTED, re.IGNORECASE),
    ),
)


def climbing(facts: CaseFacts) -> Trend | None:
    """A saturation series of the service or a dependency that climbs steadily toward its
    limit, with no step: gradual exhaustion a spike detector misses."""
    services = {facts.service, *facts.catalog.dependencies(facts.service)}
    for series in facts.metrics:
        if series.service in services and series_kind(series.name) is SeriesKind.SATURATION:
            # Read over its whole span: a climb over days shows only over days.
            found = trend(facts.over_long_span(series)) or trend(series)
            if found is not None and (found.percent or series.service == facts.service):
                return found
    return None


def saturated(facts: CaseFacts) -> tuple[str, str] | None:
    """A saturation series of the service (memory, disk, cpu...) that rose by a third over its
    first points, or a percentage (or a 0-1 ratio read as one) that reached 90 from below:
    (series name, what it did)."""
    for series in facts.metrics:
        if series.service != facts.service or series_kind(series.name) is not SeriesKind.SATURATION:
            continue
        values = [value for _, value in series.points]
        if len(values) < 2:
            continue
        baseline, latest = min(values[: max(1, len(values) // 2)]), values[-1]
        percents = as_percent(series)
        # A series that sat at 96 % all along is not what changed: it must have come from below.
        first = min(percents[: max(1, len(percents) // 2)]) if percents else 0.0
        if percents is not None and percents[-1] >= SATURATION_PERCENT > first:
            return series.name, f"{series.name} at {percents[-1]:.3g} % (from {first:.3g} %)"
        if baseline > 0 and latest >= SATURATION_RISE * baseline:
            return series.name, f"{series.name} rose from {baseline:g} to {latest:g}"
    return None


def follows_load(facts: CaseFacts) -> list[Citation]:
    """Against exhaustion: the load rose before the saturation began, so the saturation is
    the load's symptom (see :mod:`bot.analysis.detectors.traffic`)."""
    surge = load_spike(facts)
    if surge is None:
        return []
    saturated_at = first_saturation(facts)
    if saturated_at is not None and surge.first_anomaly_at > saturated_at:
        return []
    ref = f"metric:{surge.series.service}/{surge.series.name}"
    text = f"{surge.series.name} rose first (at {surge.first_anomaly_at:%H:%M}): a symptom of load"
    return [Citation(ref, text, W.resource_follows_load)]


def of_service(pod: PodState, service: str) -> bool:
    return pod.workload == service or pod.name.startswith(f"{service}-")


def _memory_killed(pod: PodState, facts: CaseFacts) -> bool:
    """The pod last ended for want of memory (``OOMKilled``, or evicted because the node ran low
    on memory), read through the one table of Kubernetes reasons."""
    reading = pod_reading(pod, facts.events)
    return reading is not None and reading.condition is Condition.MEMORY_EXHAUSTED


def _oom_citation(facts: CaseFacts) -> Citation | None:
    """The service's pods last ended for want of memory (the kernel's OOM killer, a memory
    eviction): cite the one that restarted most, and say how many more there are."""
    killed = sorted(
        (
            pod
            for pod in facts.pods
            if of_service(pod, facts.service) and _memory_killed(pod, facts)
        ),
        key=lambda pod: (-pod.restarts, pod.namespace, pod.name),
    )
    if not killed:
        return None
    lead = killed[0]
    recent = [
        pod
        for pod in killed
        if pod.last_terminated_at is None or pod.last_terminated_at >= facts.window_start
    ]
    weight = W.resource_pod_oom if recent else round(W.resource_pod_oom * RECURRING_FACTOR, 3)
    if lead.restarts >= POD_RESTARTS:
        weight += W.resource_pod_restarts
    more = f" (+{len(killed) - 1} more pods)" if len(killed) > 1 else ""
    when = f" at {lead.last_terminated_at:%H:%M}" if lead.last_terminated_at else ""
    text = (
        f"pod {lead.name} was {lead.last_termination_reason}{when}, {lead.restarts} restarts{more}"
    ) + ("" if recent else ", before this incident")
    return Citation(f"pod:{lead.namespace}/{lead.name}", text, round(weight, 3))


def after_deploy(facts: CaseFacts) -> list[Citation]:
    """The service's saturation series left their baseline only after its latest deploy
    landed, while its request rate was measured and flat: the release brought the exhaustion
    (a leak that shows under production traffic), so the resource is its symptom."""
    if not facts.candidates or load_spike(facts) is not None:
        return []
    own = [m for m in facts.metrics if m.service == facts.service]
    if not any(series_kind(m.name) is SeriesKind.TRAFFIC for m in own):
        return []
    began = [
        spike.first_anomaly_at
        for m in own
        if series_kind(m.name) is SeriesKind.SATURATION
        and (spike := detect_spike(m, ratio=SATURATION_RISE)) is not None
    ]
    deploy = facts.candidates[0].deploy
    if not began or min(began) <= deploy.at:
        return []
    text = (
        f"it began at {min(began):%H:%M}, after deploy {deploy.sha} landed, with the load "
        "flat: the release brought it"
    )
    return [Citation(f"deploy:{deploy.sha}", text, W.resource_after_deploy)]


def after_maintenance(facts: CaseFacts) -> list[Citation]:
    """Against exhaustion as the cause: it began to climb with a maintenance window, load flat
    (see :mod:`bot.analysis.detectors.maintenance`): what the maintenance changed is the cause."""
    found = began_with_maintenance(facts)
    if found is None:
        return []
    window, climb = found
    ref = f"calendar:{window.start:%Y-%m-%dT%H:%M}"
    text = f"{climb.series.name} began climbing with the maintenance at {window.start:%H:%M}"
    return [Citation(ref, text, W.resource_after_maintenance)]


def resource_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Memory, disk or pool exhaustion, from error lines, pods the OOM killer ended and
    saturation series."""
    found: list[Hypothesis] = []
    rose = saturated(facts)
    metric = (
        [Citation(f"metric:{facts.service}/{rose[0]}", rose[1], W.resource_saturated)]
        if rose
        else []
    )
    oom = _oom_citation(facts)
    against = [*follows_load(facts), *after_deploy(facts), *after_maintenance(facts)]
    for kind, pattern in RESOURCE_PATTERNS:
        ids = matching(facts.window_messages, pattern)
        pods = [oom] if kind == "memory" and oom is not None else []
        if not ids and not pods:
            continue
        what = f"{kind} exhaustion in the logs"
        logged = [log_citation(facts, ids, what, W.resource_logs)] if ids else []
        supports = [*logged, *pods, *metric]
        statement = f"{kind.capitalize()} exhaustion in {facts.service}"
        found.append(hypothesis(CauseKind.RESOURCE, statement, supports, against, kind))
    gradual = climbing(facts)
    if gradual is not None and not found:
        ref = f"metric:{gradual.series.service}/{gradual.series.name}"
        cited = [Citation(ref, gradual.describe(), W.resource_trend), *metric]
        what = exhaustion_words(gradual.series.name)
        statement = f"Gradual {what} exhaustion ({gradual.series.name} of {gradual.series.service})"
        subject = {"connection pool": POOL_SUBJECT, "resource": "capacity"}.get(what, what)
        found.append(hypothesis(CauseKind.RESOURCE, statement, cited, against, subject))
    if not found and rose:
        statement = f"Resource saturation in {facts.service} ({rose[0]})"
        found.append(hypothesis(CauseKind.RESOURCE, statement, metric, against, "saturation"))
    return found
