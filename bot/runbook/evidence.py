"""Reading the facts a runbook is matched on (:mod:`bot.runbook.facts`) from the evidence.

Pure functions, one per kind of evidence, each returning the facts it found with the evidence
that shows each one in words (the first found), so the packet can say which facts chose the
runbook:

- :func:`cluster_conditions`: the service's pods and the Kubernetes events about them (pod
  termination reasons and event reasons through the one table of
  :mod:`bot.analysis.kube_reasons`), and the events of the nodes they
  run on when its pods suffer;
- :func:`line_conditions`: what alert texts and error lines state outright (out of memory, no
  space left, a scheduled job's run that failed);
- :func:`metric_facts`: the USE/RED kind of each of the service's series that moved;
- :func:`alert_facts`: what the alert's words measure (latency) and the resource they name;
- :func:`cause_resources`: the resource the ranked cause names;
- :func:`measured_clear`: the resources the service's own series measure well short of their
  limit, so words that say one ran out (``no space left on device`` from an inotify watch
  limit) are not read as that resource;
- :func:`load_flat`: the service's own request rate measured flat, so a saturation is more
  work per request (a spin, a thrash) rather than more requests;
- :func:`units_lost`: the service's own count of working units (healthy hosts, available
  replicas) fell by half or more: capacity taken away, which scaling back restores.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.analysis.detectors.alert import alert_resource
from bot.analysis.detectors.resource import RESOURCE_PATTERNS, SATURATION_RISE
from bot.analysis.kube_reasons import eviction_reading, kube_reason, pod_reading
from bot.analysis.series import (
    SATURATION_PERCENT,
    SeriesKind,
    as_percent,
    exhaustion_words,
    series_kind,
    trend,
    units_up,
)
from bot.evidence.values import ClusterState, MetricSeries, PodState, WorkloadEvent
from bot.runbook.facts import (
    RESOURCE_OF,
    RESOURCE_SATURATION,
    Condition,
    MetricFact,
)

__all__ = [
    "alert_facts",
    "cause_resources",
    "cluster_conditions",
    "eviction_condition",
    "line_conditions",
    "load_flat",
    "measured_clear",
    "metric_facts",
    "units_lost",
]

CLEAR_PERCENT = 75.0  # a resource measured below this at the end is not what ran out
FLAT_LOAD = 1.25  # a request rate whose every point stays within 1.25x of its first is flat
UNITS_LOST = 0.5  # working units at half (or less) of their earlier count were taken away

TEXT_LIMIT = 120
RED_RISE = 2.0  # a latency, error or traffic series that doubled moved, as a saturation at 1.3x

_LINE_PATTERNS = {kind: pattern for kind, pattern in RESOURCE_PATTERNS}
_LINE_CONDITIONS = (
    (Condition.MEMORY_EXHAUSTED, _LINE_PATTERNS["memory"]),
    (Condition.DISK_EXHAUSTED, _LINE_PATTERNS["disk"]),
)
# A run of a scheduled job that failed: "nightly run failed", "ETL job exited with code 1",
# "hourly export run failed (3rd consecutive)". A "job backlog" of a web service is not one, nor
# is a name that contains the word ("job-dispatcher@0e7c41b to production: failure").
# A job class of a queue counts as one (``DeliverNotificationJob failed``), and so do jobs that
# keep failing, or that used up their retries into a dead set (a queue's failed runs).
_RUN_FAILED = re.compile(
    r"(?:(?<![\w./@-])(?:job|jobs|run|runs|etl|cron|cronjob|dag|pipeline|backfill|batch)"
    r"(?![\w/@-])|(?-i:[a-z0-9]Jobs?)\b)[^.\n]{0,60}?"
    r"(?:\bfail(?:ed|s|ures?|ing)?\b|\bexit(?:ed)?(?: with)? (?:code|status) [1-9]|\baborted\b|"
    r"\bdid not (?:complete|finish)\b|\bexhaust(?:ed|ing) (?:\w+ )?retries|"
    r"\bdead(?:[- ]letter| set| queue)\b)|"
    # Work on a schedule that failed: "Nightly refresh failed", "hourly rollup did not finish".
    r"\b(?:nightly|hourly|daily|weekly|monthly|scheduled|periodic)\s+(?:[\w-]+\s+){1,2}?"
    r"(?:fail(?:ed|s|ing)?\b|did not (?:complete|finish)|aborted)|"
    # A step of a run that used up its last retry on its source: "extract ...: source replica-3
    # connect timeout after 30s, retry 5/5" (retries exhausted, written as numbers).
    r"\b(?:extract|load|export|import|sync|ingest)\w*\b[^\n]{0,80}?"
    r"\b(?:retry|retries|attempt)\s+(?P<last>\d+)\s*(?:/|of)\s*(?P=last)\b",
    re.IGNORECASE,
)
_SUFFERING_PHASES = frozenset({"pending", "failed", "unknown"})
# An alert that measures a duration (RED): "p99 latency above 800ms", "response time 4.2s".
_ALERT_LATENCY = re.compile(
    r"latency|\bp(?:50|75|90|95|99|999)\b|response[ _]?time|\bduration\b|\bslow\b", re.IGNORECASE
)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1] + "…"


def _names_service(name: str, service: str) -> bool:
    return name == service or name.startswith(f"{service}-")


def _of_service(pod: PodState, service: str) -> bool:
    return pod.workload == service or _names_service(pod.name, service)


def _object_of_service(event: WorkloadEvent, service: str) -> bool:
    """``pod/search-7b8c-4rj2k``, ``deployment/search``, ``job/search-export-2866``."""
    _, _, name = event.object.rpartition("/")
    return _names_service(name, service)


def _suffers(pod: PodState) -> bool:
    return (
        not pod.ready
        or pod.phase.lower() in _SUFFERING_PHASES
        or pod.last_termination_reason is not None
    )


def eviction_condition(message: str) -> Condition | None:
    """What an eviction says ran out: ``The node was low on resource: ephemeral-storage`` is
    disk, ``... memory`` is memory; None when the message names neither."""
    reading = eviction_reading(message)
    return reading.condition if reading is not None else None


def _event_condition(event: WorkloadEvent) -> Condition | None:
    reading = kube_reason(event.reason, event.message)
    return reading.condition if reading is not None else None


def cluster_conditions(service: str, cluster: ClusterState) -> dict[Condition, str]:
    """Conditions of ``service`` from its pods' last termination reasons and the events about
    its objects; a node's events (SystemOOM, DiskPressure...) count when pods of the service
    suffer (not ready, pending, failed or terminated). Pods that cannot be scheduled count only
    while a pod of the service is Pending: a scheduling event alone is the cluster catching up."""
    found: dict[Condition, str] = {}
    pods = [pod for pod in cluster.pods if _of_service(pod, service)]
    for pod in pods:
        reading = pod_reading(pod, cluster.events)
        condition = reading.condition if reading is not None else None
        if condition is not None:
            text = f"pod {pod.name} last terminated {pod.last_termination_reason}"
            found.setdefault(condition, text)
    pending = any(pod.phase.lower() == "pending" for pod in pods)
    suffering = any(_suffers(pod) for pod in pods)
    for event in sorted(cluster.events, key=lambda e: e.at):
        kind, _, _ = event.object.partition("/")
        own = _object_of_service(event, service)
        if not own and not (kind.lower() == "node" and suffering):
            continue
        condition = _event_condition(event)
        if condition is None or (condition is Condition.UNSCHEDULABLE and not pending):
            continue
        found.setdefault(condition, _short(f"{event.reason} on {event.object}: {event.message}"))
    return found


def line_conditions(lines: Iterable[str]) -> dict[Condition, str]:
    """Conditions stated outright by alert texts or the service's error lines: memory or disk
    exhausted (the analysis' own log patterns), a scheduled job's run that failed."""
    found: dict[Condition, str] = {}
    for line in lines:
        for condition, pattern in _LINE_CONDITIONS:
            if condition not in found and pattern.search(line):
                found[condition] = _short(line)
        if Condition.BATCH_JOB_FAILED not in found and _RUN_FAILED.search(line):
            found[Condition.BATCH_JOB_FAILED] = _short(line)
    return found


def _moved(series: MetricSeries, kind: SeriesKind, spiked: bool) -> str | None:
    """How the series moved, in words, or None when it stayed where it was: a saturation that
    reached 90 % from below, a steady climb, a spike, or a rise over its early points (1.3x
    for a saturation, 2x for latency, errors or traffic). A series that sat at 96 % all along is
    not what changed."""
    values = [value for _, value in series.points]
    if len(values) < 2:
        return None
    percents = as_percent(series)
    early = slice(0, max(1, len(values) // 2))
    if (
        kind is SeriesKind.SATURATION
        and percents
        and percents[-1] >= SATURATION_PERCENT
        and min(percents[early]) < SATURATION_PERCENT
    ):
        return f"{series.name} reached {percents[-1]:.3g} % (from {min(percents[early]):.3g} %)"
    climb = trend(series)
    if climb is not None:
        return climb.describe()
    baseline, latest = min(values[early]), values[-1]
    rise = SATURATION_RISE if kind is SeriesKind.SATURATION else RED_RISE
    if spiked or (baseline > 0 and latest >= rise * baseline):
        return f"{series.name} rose from {baseline:g} to {latest:g}"
    return None


def metric_facts(
    service: str,
    metrics: Iterable[MetricSeries],
    spiked: Iterable[str] = (),
    longer: Iterable[MetricSeries] = (),
) -> dict[MetricFact, str]:
    """The USE/RED kinds of the service's series that moved (``spiked`` names the series the
    analysis found a spike in): latency, errors, traffic, saturation and the saturated
    resource (memory, disk, cpu, pool, queue). A saturation that sat near its limit all
    through the window may have climbed there over days: its steady climb over the long
    look-back (``longer``, the same series over days) counts too."""
    spiked_names = frozenset(spiked)
    whole = {(m.service, m.name): m for m in longer}
    found: dict[MetricFact, str] = {}
    for series in metrics:
        kind = series_kind(series.name) if series.service == service else None
        if kind is None:
            continue
        how = _moved(series, kind, series.name in spiked_names)
        over_days = whole.get((series.service, series.name))
        if how is None and kind is SeriesKind.SATURATION and over_days is not None:
            climb = trend(over_days)
            how = climb.describe() if climb is not None else None
        if how is None:
            continue
        found.setdefault(MetricFact(kind.value), how)
        resource = RESOURCE_SATURATION.get(exhaustion_words(series.name))
        if kind is SeriesKind.SATURATION and resource is not None:
            found.setdefault(resource, how)
    return found


def alert_facts(alert_texts: Iterable[str]) -> dict[MetricFact, str]:
    """What the alerts' own words measure (``p99 latency above 800ms`` is latency, a RED
    duration, whatever the source) and the resource they say is exhausted (``disk usage above
    90 %``, ``pool exhausted``): a disk alert is a disk fact whichever source sent it."""
    found: dict[MetricFact, str] = {}
    for text in alert_texts:
        said = f"the alert says so: {_short(text)}"
        if _ALERT_LATENCY.search(text):
            found.setdefault(MetricFact.LATENCY, said)
        resource = RESOURCE_SATURATION.get(alert_resource(text) or "")
        if resource is not None:
            found.setdefault(MetricFact.SATURATION, said)
            found.setdefault(resource, said)
    return found


def cause_resources(subjects: Iterable[str]) -> frozenset[str]:
    """The resources (``memory``, ``disk``, ``cpu``, ``pool``, ``queue``) the ranked resource
    cause names, by its subject or the series it cites. They say which resource runbook the
    cause backs; they are not symptoms of their own (the cause already counted)."""
    found: set[str] = set()
    for subject in subjects:
        fact = RESOURCE_SATURATION.get(subject) or RESOURCE_SATURATION.get(
            exhaustion_words(subject)
        )
        if fact is not None:
            found.add(RESOURCE_OF[fact])
    return frozenset(found)


def measured_clear(service: str, metrics: Iterable[MetricSeries]) -> dict[str, str]:
    """The resources (``disk``, ``memory``...) that every saturation series of ``service``
    naming them reads below :data:`CLEAR_PERCENT` at its last point, without a steady climb
    toward the limit: an error that says the disk is full while the filesystem is 41 % used
    is another limit (inotify watches, a quota) worded as ENOSPC. Each with the reading."""
    readings: dict[str, list[str | None]] = {}
    for series in metrics:
        if series.service != service or series_kind(series.name) is not SeriesKind.SATURATION:
            continue
        fact = RESOURCE_SATURATION.get(exhaustion_words(series.name))
        percents = as_percent(series)
        if fact is None or not percents:
            continue
        low = percents[-1] < CLEAR_PERCENT and trend(series) is None
        reading = f"{series.name} reads {percents[-1]:.3g} %" if low else None
        readings.setdefault(RESOURCE_OF[fact], []).append(reading)
    return {
        resource: found[0]
        for resource, found in readings.items()
        if found and all(found) and found[0] is not None
    }


def load_flat(service: str, metrics: Iterable[MetricSeries]) -> str | None:
    """The reading that shows ``service``'s load flat (``requests_per_second stayed at 137000
    (142000 at first)``): every request-rate series of the service, measured at two points or
    more, stays within :data:`FLAT_LOAD` times its first point either way. None when a rate
    rose or collapsed, or when no rate of the service is measured (unmeasured load is not flat
    load)."""
    readings: list[str] = []
    for series in metrics:
        if series.service != service or series_kind(series.name) is not SeriesKind.TRAFFIC:
            continue
        values = [value for _, value in series.points]
        first = values[0]
        if (
            len(values) < 2
            or first <= 0
            or not first / FLAT_LOAD < min(values) <= max(values) < FLAT_LOAD * first
        ):
            return None
        readings.append(f"{series.name} stayed at {values[-1]:g} ({values[0]:g} at first)")
    return readings[0] if readings else None


def units_lost(service: str, metrics: Iterable[MetricSeries]) -> str | None:
    """The reading that shows ``service``'s working units taken away (``healthy_hosts fell
    from 402 to 14``): a count of its own units up that ends at :data:`UNITS_LOST` of its
    earlier highest or below. None otherwise."""
    for series in metrics:
        if series.service != service or not units_up(series.name) or len(series.points) < 2:
            continue
        values = [value for _, value in series.points]
        before = max(values[:-1])
        if before > 0 and values[-1] <= UNITS_LOST * before:
            return f"{series.name} fell from {before:g} to {values[-1]:g}"
    return None
