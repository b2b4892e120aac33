"""The dependency detector: a declared dependency of the service (the catalog's graph) is
failing, or a downstream the traces show in trouble. Weights in :mod:`bot.analysis.weights`.

Why a little over 400 lines: the steps that say which dependency the errors, its own series and
its alerts point at are weighed against each other in one ranking; the readers they share
(``own_lines``, ``config_push``) are modules of their own already."""

from __future__ import annotations

import re
from collections.abc import Mapping

from bot.analysis.citing import WARN, hypothesis, log_citation, matching
from bot.analysis.detectors.config import logged_change
from bot.analysis.detectors.config_push import pushed_under
from bot.analysis.detectors.own_lines import own_lines_name
from bot.analysis.detectors.traffic import load_spike
from bot.analysis.logs import template_id, template_of
from bot.analysis.series import SATURATION_PERCENT, SeriesKind, as_percent, series_kind
from bot.analysis.spike import Spike, detect_spike
from bot.analysis.traces import DownstreamCalls, downstream_calls
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.evidence.values import MetricSeries
from bot.scenario.terms import CauseKind

__all__ = [
    "FAILURE",
    "alias_pattern",
    "blocked_lines",
    "caused_by_deploy",
    "dependency_hypotheses",
    "failing_dependency_named",
]

FAILURE = re.compile(
    r"time[d ]?out|timed out|connection (?:refused|reset|closed|error)|refused|unreachable|"
    r"unavailable|could not connect|failed to connect|cannot connect|no route to host|"
    r"circuit (?:breaker )?open|econnrefused|etimedout|\b50[234]\b|bad gateway",
    re.IGNORECASE,
)
# A dependency's own lines saying it is blocked: requests queue behind a lock or find no free
# connection slot. Read at any level (PostgreSQL logs lock waits at LOG).
BLOCKED = re.compile(
    r"waiting for \w*lock|lock wait|deadlock|lock timeout|wait queue|blocked by|"
    r"too many (?:clients|connections)|remaining connection slots|pool exhausted",
    re.IGNORECASE,
)
_NODE_UNREACHABLE = re.compile(
    r"\bnode\b[^\n]{0,40}\b(?:unreachable|not ?ready|down|lost)\b", re.IGNORECASE
)
ERROR_PERCENT = 5.0
SATURATION_RISE = 1.3
LAG = re.compile(r"lag|behind|replication_delay|seconds_behind", re.IGNORECASE)
LAG_SECONDS = 60.0
STALE = re.compile(r"\bstale\b|behind|lagg|frozen|not (?:replicating|updated)", re.IGNORECASE)
_GENERIC_PREFIX = frozenset({"db", "svc", "srv", "api", "the"})
_GENERIC_SUFFIX = frozenset({"api", "svc", "service", "server", "db", "database", "cache"})


def failing_dependency_named(facts: CaseFacts) -> Citation | None:
    """Evidence that a dependency fails, to cite against a deploy: a declared dependency that
    warning-or-worse lines name together with failure words, else the downstream whose traced
    calls are most in trouble."""
    failing = [m for m in facts.window_messages if m.rank >= WARN and FAILURE.search(m.text)]
    for dependency in facts.catalog.dependencies(facts.service):
        alias = alias_pattern(dependency, facts.service)
        if caused_by_deploy(facts, dependency) is not None:
            continue
        if any(alias.search(m.text) for m in failing):
            text = f"errors name failing dependency {dependency}"
            return Citation(f"catalog:{dependency}", text, W.deploy_dependency_failing)
        if (own := own_lines_name(facts, dependency)) is not None:
            text = f"failing dependency {dependency}: {own.citation.text}"
            return Citation(f"catalog:{dependency}", text[:200], W.deploy_dependency_failing)
    troubled = [
        calls
        for calls in _traced_calls(facts).values()
        if calls.in_trouble and caused_by_deploy(facts, calls.downstream) is None
    ]
    if not troubled:
        return None
    worst = max(troubled, key=lambda calls: calls.bad)
    text = f"traces show calls to {worst.downstream} failing"
    return Citation(f"trace:{worst.downstream}", text, W.deploy_dependency_failing)


def _traced_calls(facts: CaseFacts) -> dict[str, DownstreamCalls]:
    return downstream_calls(facts.traces, service=facts.service, since=facts.window_start)


def _trace_citations(calls: DownstreamCalls | None) -> tuple[list[Citation], list[Citation]]:
    """What the service's traced calls to one downstream say for and against its failing."""
    if calls is None:
        return [], []
    ref = f"trace:{calls.downstream}"
    if calls.in_trouble:
        return [Citation(ref, calls.describe(), W.dependency_traces_trouble)], []
    if calls.bad:
        return [Citation(ref, calls.describe(), W.dependency_traces_some)], []
    if calls.healthy:
        return [], [Citation(ref, calls.describe(), W.dependency_traces_healthy)]
    return [], []


def alias_pattern(dependency: str, service: str) -> re.Pattern[str]:
    """How log lines name a dependency: ``db-replica-2`` also as ``replica-2`` or ``replica 2``;
    ``stripe-api`` also as ``stripe``, ``conversations-db`` as ``conversations``; an instance
    of it by a number after its name (``sync-rds-replica-1``). An alias that is a prefix of the
    service's own name (``billing`` for ``billing-db`` in ``billing-webhooks``) is not used."""
    words = [w for w in re.split(r"[-_.\s]+", dependency.lower()) if w]
    aliases = [words]
    if len(words) > 1 and words[0] in _GENERIC_PREFIX:
        aliases.append(words[1:])
    if len(words) > 1 and words[-1] in _GENERIC_SUFFIX:
        aliases.append(words[:-1])
    usable = [
        a for a in aliases if len("".join(a)) >= 4 and not service.lower().startswith("-".join(a))
    ] or [words]
    alternatives = "|".join(r"[-_.\s]?".join(re.escape(w) for w in a) for a in usable)
    # An instance of it keeps its name: ``sync-rds-replica-1``, ``cache-02.internal``.
    # A host in a URL names it too (``https://payments-gateway.internal/charge``), a path
    # segment does not (``/v1/payments``).
    return re.compile(
        rf"(?:(?<=//)|(?<![\w/-]))(?:{alternatives})(?:[-_]\d+)?(?![\w-])", re.IGNORECASE
    )


def _alert_names(facts: CaseFacts, alias: re.Pattern[str]) -> Citation | None:
    """The service's own alert names the dependency with failure words (a job that timed out
    reading its source, calls refused by it): the alert is evidence too."""
    for signal in facts.signals:
        text = f"{signal.title}\n{signal.description}"
        if (
            signal.service == facts.service
            and alias.search(text)
            and (FAILURE.search(text) or STALE.search(text))
        ):
            ref = f"signal:{signal.fingerprint}"
            return Citation(
                ref, f"the alert names it failing: {signal.title}", W.dependency_alert_names
            )
    return None


def _lagging(facts: CaseFacts, service: str) -> Citation | None:
    """A lag series of ``service`` (a replica or read node falling behind) that rose past a
    minute: a source serving stale data."""
    for series in facts.metrics:
        if series.service != service or not LAG.search(series.name) or len(series.points) < 2:
            continue
        first, latest = series.points[0][1], series.points[-1][1]
        if latest >= LAG_SECONDS and latest > 3 * max(first, 1.0):
            ref = f"metric:{service}/{series.name}"
            text = f"{series.name} of {service} rose from {first:g} to {latest:g}"
            return Citation(ref, text, W.dependency_source_job)
    return None


def _saturated_series(facts: CaseFacts, service: str) -> Citation | None:
    """A saturation series of ``service`` at 90 % or more, or its error series well above 5 %:
    the dependency is in trouble even without a spike."""
    for series in facts.metrics:
        if series.service != service or len(series.points) < 2:
            continue
        kind = series_kind(series.name)
        percents = as_percent(series)
        if percents is None:
            continue
        first, latest = percents[0], percents[-1]
        high = latest >= SATURATION_PERCENT if kind is SeriesKind.SATURATION else False
        failing = kind is SeriesKind.ERRORS and latest >= ERROR_PERCENT and latest > 3 * first
        if high or failing:
            ref = f"metric:{service}/{series.name}"
            text = f"{series.name} of {service} at {latest:.3g} % (from {first:.3g} %)"
            return Citation(ref, text, W.dependency_spiked)
    return None


def blocked_lines(facts: CaseFacts, dependency: str) -> list[Citation]:
    """The dependency's own lines in the incident window saying it is blocked (lock waits, no
    free connection slots), and, when the service's alert or lines say its pool ran out, that
    the pool is held by calls to the blocked dependency: the exhaustion is a symptom."""
    lines = [
        record
        for record in facts.related_logs
        if record.service == dependency
        and record.at >= facts.window_start
        and BLOCKED.search(record.message)
    ]
    if not lines:
        return []
    busiest = max(lines, key=lambda record: record.count)
    text = f'{dependency} logs it is blocked: "{busiest.message[:120]}" x{busiest.count}'
    found = [Citation(f"log:{dependency}", text, W.dependency_own_lines)]
    own = [f"{s.title} {s.description}" for s in facts.signals if s.service == facts.service]
    own += [m.text for m in facts.window_messages]
    if any(_POOL.search(text) for text in own):
        why = f"the service's connection pool ran out holding calls to {dependency}"
        found.append(Citation(f"log:{dependency}", why, W.dependency_behind_pool))
    return found


_POOL = re.compile(r"pool (?:is )?exhausted|no (?:free|available) connection|pool timeout", re.I)


def caused_by_deploy(facts: CaseFacts, dependency: str) -> Citation | None:
    """Evidence that a dependency's trouble is the service's own latest deploy's doing, with
    the service's request rate measured and flat (no more load reached the dependency): its
    series left their baseline only after the deploy landed (the release changed how the
    service uses it, e.g. an expensive query per request), or its own latency and error series
    held while the service's calls to it slowed (the slowness is on the service's side)."""
    if not facts.candidates or load_spike(facts) is not None:
        return None
    own_load = [
        m
        for m in facts.metrics
        if m.service == facts.service and series_kind(m.name) is SeriesKind.TRAFFIC
    ]
    if not own_load:
        return None
    deploy = facts.candidates[0].deploy
    ref = f"deploy:{deploy.sha}"
    series = [m for m in facts.metrics if m.service == dependency and len(m.points) >= 2]
    began = [
        spike.first_anomaly_at
        for m in series
        if series_kind(m.name) is not SeriesKind.TRAFFIC
        and (spike := detect_spike(m, ratio=SATURATION_RISE) or _risen(m)) is not None
    ]
    if began:
        if min(began) <= deploy.at:
            return None
        text = (
            f"{dependency}'s trouble began at {min(began):%H:%M}, after deploy {deploy.sha} "
            "landed, with the service's load flat: the release changed how it uses "
            f"{dependency}"
        )
        return Citation(ref, text, W.dependency_after_deploy)
    health = [m for m in series if series_kind(m.name) in {SeriesKind.LATENCY, SeriesKind.ERRORS}]
    if not health:
        return None
    text = f"{dependency}'s own {health[0].name} held: the slowness is on the service's side"
    return Citation(f"metric:{dependency}/{health[0].name}", text, W.dependency_after_deploy)


def _pushed(facts: CaseFacts, dependency: str) -> Citation | None:
    """A configuration push to the dependency, or to what it depends on, landed before the
    service's trouble: the dependency fails because of the push, which is the cause to name
    (and revert); the dependency is only the path it took."""
    push = pushed_under(facts, dependency)
    if push is None:
        # ... or a configuration change the service, the dependency, what is under it or another
        # path the service's calls take (a sibling dependency: the backbone) logged.
        services = {
            facts.service,
            dependency,
            *facts.catalog.dependencies(dependency),
            *facts.catalog.dependencies(facts.service),
        }
        if (change := logged_change(facts, services)) is None:
            return None
        text = f'it broke after a configuration change {change.service} logged: "{change.message}"'
        ref = template_id(template_of(change.message))
        return Citation(ref, text[:240], W.dependency_after_push)
    deploy = push.deploy
    text = f"it broke after a configuration push to {deploy.service} ({deploy.sha})"
    return Citation(f"deploy:{deploy.sha}", text, W.dependency_after_push)


def _risen(series: MetricSeries) -> Spike | None:
    values = [value for _, value in series.points]
    for index in range(1, len(values)):
        if values[0] > 0 and all(v >= SATURATION_RISE * values[0] for v in values[index:]):
            return Spike(series, values[0], values[-1], series.points[index][0])
    return None


def _load_first(facts: CaseFacts) -> list[Citation]:
    """The service's own request rate surged before its trouble began: calls to a dependency
    that fail afterwards follow the load (a herd the dependency cannot absorb), they do not
    explain it."""
    surge = load_spike(facts)
    if surge is None or surge.series.service != facts.service:
        return []
    if surge.first_anomaly_at >= facts.first_seen:
        return []
    text = (
        f"{surge.series.name} rose from {surge.baseline:g} to {surge.latest:g} at "
        f"{surge.first_anomaly_at:%H:%M}, before the trouble: the failing calls follow the load"
    )
    ref = f"metric:{facts.service}/{surge.series.name}"
    return [Citation(ref, text, W.dependency_follows_load)]


def _spike_of(facts: CaseFacts, service: str) -> Spike | None:
    # A rise in a dependency's request rate is load passing through it, not it failing.
    spikes = [
        s
        for m in facts.metrics
        if m.service == service
        and series_kind(m.name) is not SeriesKind.TRAFFIC
        and (s := detect_spike(m))
    ]
    return min(spikes, key=lambda s: s.first_anomaly_at, default=None)


def _named_in_errors(facts: CaseFacts, dependency: str, alias: re.Pattern[str]) -> list[Citation]:
    """The service's window lines name the dependency, more so with failure words."""
    named = matching(facts.window_messages, alias)
    if not named:
        return []
    cited = [log_citation(facts, named, f"errors name {dependency}", W.dependency_named)]
    failing_ids = matching(facts.window_messages, FAILURE)
    failing = [cid for cid in named if cid in failing_ids]
    if failing:
        text = "with failure words (timeout, refused...)"
        cited.append(log_citation(facts, failing, text, W.dependency_failure_words))
    return cited


def _own_series(facts: CaseFacts, dependency: str) -> list[Citation]:
    """Its own series: a spike (more so before the service's trouble), else a saturated or
    lagging series."""
    spike = _spike_of(facts, dependency)
    if spike is None:
        saturated = _saturated_series(facts, dependency) or _lagging(facts, dependency)
        return [saturated] if saturated is not None else []
    ref = f"metric:{dependency}/{spike.series.name}"
    text = f"{spike.series.name} of {dependency} spiked"
    cited = [Citation(ref, text, W.dependency_spiked)]
    if spike.first_anomaly_at <= facts.first_seen:
        text = "before the service's own trouble began"
        cited.append(Citation(ref, text, W.dependency_spiked_first))
    return cited


def _alerts_about(facts: CaseFacts, dependency: str, alias: re.Pattern[str]) -> list[Citation]:
    """The service's alert names it failing; an alert of its own in the incident."""
    cited = []
    if (named_by_alert := _alert_names(facts, alias)) is not None:
        cited.append(named_by_alert)
    alert = next((s for s in facts.signals if s.service == dependency), None)
    if alert is not None:
        text = f"alert on {dependency}: {alert.title}"
        cited.append(Citation(f"signal:{alert.fingerprint}", text, W.dependency_alert))
    return cited


def _declared(
    facts: CaseFacts,
    dependency: str,
    traced: Mapping[str, DownstreamCalls],
    against: list[Citation],
) -> Hypothesis | None:
    """The hypothesis that a declared dependency is failing, when any evidence says so: the
    errors, its series, the alerts, traced calls, its own lines."""
    trace_for, healthy = _trace_citations(traced.get(dependency))
    alias = alias_pattern(dependency, facts.service)
    supports = [
        *_named_in_errors(facts, dependency, alias),
        *_own_series(facts, dependency),
        *_alerts_about(facts, dependency, alias),
        *trace_for,
        *blocked_lines(facts, dependency),
    ]
    if (own := own_lines_name(facts, dependency)) is not None:
        supports.append(own.citation)
    if not supports:
        return None
    statement = f"Downstream dependency {dependency} is failing"
    deployed = caused_by_deploy(facts, dependency) or _pushed(facts, dependency)
    contradicts = [*against, *healthy, *([deployed] if deployed else [])]
    return hypothesis(CauseKind.DEPENDENCY, statement, supports, contradicts, dependency)


def dependency_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """A declared dependency is failing: named in errors, its own series or alerts, or the
    service's traced calls to it; or an undeclared downstream whose traced calls are in
    trouble. Healthy traced calls to a dependency count against it."""
    dependencies = facts.catalog.dependencies(facts.service)
    failing_ids = matching(facts.window_messages, FAILURE)
    against = [
        Citation(
            f"deploy:{c.deploy.sha}",
            f"deploy {c.deploy.sha} landed before it",
            W.dependency_deploy_near,
        )
        for c in facts.candidates[:1]
    ]
    traced = _traced_calls(facts)
    against.extend(_load_first(facts))
    found = [
        found_one
        for dependency in dependencies
        if (found_one := _declared(facts, dependency, traced, against)) is not None
    ]
    named_any = any(
        matching(facts.window_messages, alias_pattern(d, facts.service)) for d in dependencies
    )
    # Lines that say a node (a machine of the platform) is what cannot be reached are about
    # the platform, not about the one dependency.
    failing_ids = tuple(
        cid
        for cid in failing_ids
        if not any(
            m.cluster_id == cid and _NODE_UNREACHABLE.search(m.text) for m in facts.window_messages
        )
    )
    if not found and not named_any and len(dependencies) == 1 and failing_ids:
        only = dependencies[0]
        citation = log_citation(
            facts, failing_ids, "errors carry failure words", W.dependency_only_one
        )
        _, healthy = _trace_citations(traced.get(only))
        statement = f"Downstream dependency {only} (the only one declared) is failing"
        found.append(
            hypothesis(CauseKind.DEPENDENCY, statement, [citation], [*against, *healthy], only)
        )
    for downstream, calls in sorted(traced.items()):
        if downstream in dependencies or downstream == facts.service or not calls.in_trouble:
            continue
        supports, _ = _trace_citations(calls)
        statement = f"Downstream {downstream} (seen in traces, not in the catalog) is failing"
        found.append(hypothesis(CauseKind.DEPENDENCY, statement, supports, against, downstream))
    return found
