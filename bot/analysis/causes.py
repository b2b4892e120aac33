"""Cause detectors: each reads the case's facts and proposes hypotheses of one kind.

Scoring is additive and explainable. A hypothesis's confidence is the sum of the weights of the
citations for it, minus those against it, clamped to [0, 0.95]; each citation carries its weight,
so the packet (and anyone auditing it) can see why a cause ranks where it does. Log evidence
counts in full only when its template is new in the incident window; a template seen before
(recurring) counts for ``RECURRING_FACTOR`` of the weight, so a noisy old log line cannot carry
a hypothesis on its own.

Weights (``+`` for, ``-`` against):

- deploy: landed close before the first anomaly +0.45 at once, falling linearly to 0 at the
  2-hour window; the latest candidate +0.10; a changed file named in an error line +0.25; new
  error templates first seen after it +0.15; the deploy failed +0.20. A later candidate -0.10;
  new errors began before it landed -0.15; no new error template after it -0.10; errors name a
  failing dependency -0.15. A deploy that changed only configuration files is a ``config``
  cause scored the same way.
- config / flag: a log line of the service saying its configuration was reloaded or changed,
  or that a feature flag changed, in the 2 hours before: +0.35. A change from the flag source
  that may touch the service in the 2 hours before: +0.40, within 30 minutes +0.15, naming the
  service (not global) +0.10. Certificate or credential failures (verification failed,
  expired, handshake refused) in one of the service's alerts: +0.40, in its error lines +0.25.
- dependency: error lines name a declared dependency +0.20, with failure words (timeout,
  refused...) +0.35; its own series spiked +0.30, before the service's trouble +0.10; an alert
  from it in the incident +0.20; failure words while the service has only one dependency +0.20.
  Traces of the service's calls to it (cited as ``trace:<dependency>``): at least a fifth
  failed or slow +0.40, fewer +0.15; all of at least two calls fine -0.30. A downstream the
  catalog does not declare is proposed from traces alone when its calls are in trouble.
  A deploy candidate -0.10. Traces that show a dependency in trouble count against a deploy
  like errors naming it do.
- resource: error lines of memory, disk or pool exhaustion +0.45; a saturation series (memory,
  disk, cpu...) of the service rose by 30% over its baseline, or a percentage reached 90: +0.30.
  A pod of the service whose container was last ended ``OOMKilled`` (Kubernetes pod state,
  cited as ``pod:<namespace>/<name>``): memory exhaustion +0.45, killed before the incident
  window ``RECURRING_FACTOR`` of it; restarted ``POD_RESTARTS`` times or more +0.10.
- traffic: a request-rate series spiked +0.50; rate-limiting lines +0.15. A deploy candidate
  -0.10.
- security: an alert worded as a security finding +0.50; security words in error lines +0.25.
- unknown: always present at 0.15, the floor every other hypothesis must beat.

Adding a source of evidence (pods and their termination reasons, flag changes, traces) is adding
a detector to :data:`DETECTORS`, or a citation to an existing one, not editing the ranking.
The shared arithmetic and log citations live in :mod:`bot.analysis.citing`; the dependency
detector, with its trace evidence, in :mod:`bot.analysis.dependency`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

from bot.analysis.citing import (
    MAX_CONFIDENCE,
    RECURRING_FACTOR,
    hypothesis,
    log_citation,
    matching,
    minutes,
)
from bot.analysis.dependency import dependency_hypotheses, failing_dependency_named
from bot.analysis.deploys import DEPLOY_WINDOW, SuspectDeploy
from bot.analysis.logs import LogCluster, template_id, template_of
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.evidence.values import FlagChange, PodState
from bot.scenario.terms import CauseKind

__all__ = [
    "DETECTORS",
    "MAX_CONFIDENCE",
    "POD_RESTARTS",
    "RECURRING_FACTOR",
    "SATURATION_PERCENT",
    "SATURATION_RISE",
    "UNKNOWN_CONFIDENCE",
    "config_hypotheses",
    "credential_hypotheses",
    "dependency_hypotheses",
    "deploy_hypotheses",
    "flag_hypotheses",
    "hypothesis",
    "resource_hypotheses",
    "security_hypotheses",
    "series_kind",
    "traffic_hypotheses",
    "unknown_hypothesis",
]

POD_RESTARTS = 3  # restarts that make an OOM kill a repeating one, not a one-off
UNKNOWN_CONFIDENCE = 0.15
SATURATION_RISE = 1.3
SATURATION_PERCENT = 90.0

_RESOURCE = (
    (
        "memory",
        re.compile(
            r"oom ?kill|out of memory|outofmemory|memoryerror|cannot allocate memory|"
            r"memory limit|killed process",
            re.IGNORECASE,
        ),
    ),
    (
        "disk",
        re.compile(
            r"no space left|enospc|disk (?:is )?full|disk quota|(?:filesystem|volume) \S* ?full",
            re.IGNORECASE,
        ),
    ),
    (
        "pool",
        re.compile(
            r"too many open files|emfile|pool (?:is )?exhausted|too many (?:connections|clients)|"
            r"max_connections|queue (?:is )?full|pool saturated|saturated",
            re.IGNORECASE,
        ),
    ),
)
_CREDENTIAL = re.compile(
    r"certificate (?:verify failed|has expired|expired|mismatch)|x509|ssl handshake failed|"
    r"tls handshake (?:error|failed)|invalid client certificate|authentication failed for user",
    re.IGNORECASE,
)
_CONFIG_LOG = re.compile(
    r"config(?:uration)? (?:re)?load|config(?:uration)? (?:changed|updated|applied)|"
    r"reloading config|settings (?:changed|updated)",
    re.IGNORECASE,
)
FLAG_CLOSE = timedelta(minutes=30)
_FLAG_LOG = re.compile(
    r"(?:feature[ _-]?)?flag\b.{0,60}\b(?:enabled|disabled|toggled|turned|changed|rolled out)|"
    r"(?:enabled|disabled|toggled) (?:feature[ _-]?)?flag",
    re.IGNORECASE,
)
_RATE_LIMIT = re.compile(r"rate.?limit|too many requests|\b429\b|throttl", re.IGNORECASE)
_SECURITY = re.compile(
    r"security|unauthori[sz]ed|credential|leak|exfiltrat|intrusion|brute.?force|suspicious|"
    r"malicious|\bcve-|privilege escalation|data exposure|exposed|compromis|anomalous access",
    re.IGNORECASE,
)
_CONFIG_FILE = re.compile(
    r"(?:\.(?:ya?ml|json|toml|ini|conf|cfg|env|properties)$)|(?:^|/)(?:config|conf|helm|charts)/",
    re.IGNORECASE,
)
_KIND_WORDS = {
    "traffic": ("request", "rps", "qps", "throughput", "traffic", "hits", "calls"),
    "saturation": ("memory", "mem_", "heap", "rss", "disk", "inode", "cpu", "restart", "oom"),
    "errors": ("error", "5xx", "fail", "exception"),
    "latency": ("latency", "duration", "p99", "p95", "p50", "response_time"),
}


def series_kind(name: str) -> str | None:
    """What a metric measures, from its name: traffic, saturation, errors, latency or None."""
    lowered = name.lower()
    for kind, words in _KIND_WORDS.items():
        if any(word in lowered for word in words):
            return kind
    return None


def _deploy_label(deploy_sha: str, pr: int | None) -> str:
    return f"deploy {deploy_sha}" + (f" (PR {pr})" if pr is not None else "")


def _new_errors(facts: CaseFacts) -> tuple[LogCluster, ...]:
    return tuple(c for c in facts.clusters if c.new and c.is_error)


def _deploy_hypothesis(
    facts: CaseFacts, rank: int, candidate: SuspectDeploy, dependency: Citation | None
) -> Hypothesis:
    deploy = candidate.deploy
    ref = f"deploy:{deploy.sha}"
    anchor = "first anomaly"
    supports = [
        Citation(
            ref,
            f"landed {minutes(candidate.lead)} before the {anchor}",
            round(0.45 * max(0.0, 1 - candidate.lead / DEPLOY_WINDOW), 3),
        )
    ]
    contradicts: list[Citation] = []
    if rank == 0:
        supports.append(Citation(ref, "the latest deploy before the first anomaly", 0.10))
    else:
        later = facts.candidates[0].deploy
        contradicts.append(
            Citation(f"deploy:{later.sha}", f"a later deploy, {later.sha}, landed closer", 0.10)
        )
    named = [
        (path, c)
        for path in deploy.files
        for c in facts.clusters
        if c.is_warning_or_worse and _file_named(path, c.sample)
    ]
    if named:
        path, cluster = named[0]
        supports.append(Citation(cluster.id, f"changed file {path} appears in an error line", 0.25))
    new_errors = _new_errors(facts)
    after = [c for c in new_errors if c.first_seen >= deploy.at]
    before = [c for c in new_errors if c.first_seen < deploy.at]
    if after:
        supports.append(
            Citation(after[0].id, f"{len(after)} new error templates since it landed", 0.15)
        )
    elif facts.clusters:
        contradicts.append(Citation("evidence:logs", "no new error template since it landed", 0.10))
    if before:
        contradicts.append(
            Citation(before[0].id, "new errors began before it landed", 0.15),
        )
    if not deploy.succeeded:
        supports.append(Citation(ref, "the deploy itself failed", 0.20))
    if dependency is not None:
        contradicts.append(dependency)
    config_only = bool(deploy.files) and all(_CONFIG_FILE.search(f) for f in deploy.files)
    label = _deploy_label(deploy.sha, deploy.pr)
    who = f" by {deploy.author}" if deploy.author else ""
    what = f": {deploy.title}" if deploy.title else ""
    others = len(facts.candidates) - 1
    ranking = (
        f"; {rank + 1} of {len(facts.candidates)} deploys in the 2 hours before, "
        "ranked by proximity and by overlap with the errors"
        if others
        else ""
    )
    if config_only:
        statement = f"Configuration change in {label}{who}{what}{ranking}"
        return hypothesis(CauseKind.CONFIG, statement, supports, contradicts, deploy.sha)
    statement = f"Regression from {label}{who}{what}{ranking}"
    return hypothesis(CauseKind.DEPLOY, statement, supports, contradicts, deploy.sha)


def _file_named(path: str, line: str) -> bool:
    """``app/parser.py`` is named by ``(app/parser.py:88)`` and by ``parser.py``."""
    name = path.rsplit("/", 1)[-1]
    return path in line or (len(name) > 3 and "." in name and name in line)


def deploy_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """One hypothesis per deploy of the service in the window before the first anomaly."""
    dependency = failing_dependency_named(facts)
    return [
        _deploy_hypothesis(facts, rank, candidate, dependency)
        for rank, candidate in enumerate(facts.candidates)
    ]


def _saturated(facts: CaseFacts) -> tuple[str, str] | None:
    """A saturation series of the service (memory, disk, cpu...) that rose by a third over its
    first points, or a percentage at or above 90: (series name, what it did)."""
    for series in facts.metrics:
        if series.service != facts.service or series_kind(series.name) != "saturation":
            continue
        values = [value for _, value in series.points]
        if len(values) < 2:
            continue
        baseline, latest = min(values[: max(1, len(values) // 2)]), values[-1]
        percent = (series.unit or "").lower() in {"percent", "%"}
        if (baseline > 0 and latest >= SATURATION_RISE * baseline) or (
            percent and latest >= SATURATION_PERCENT
        ):
            return series.name, f"{series.name} rose from {baseline:g} to {latest:g}"
    return None


def _of_service(pod: PodState, service: str) -> bool:
    return pod.workload == service or pod.name.startswith(f"{service}-")


def _oom_citation(facts: CaseFacts) -> Citation | None:
    """The service's pods last ended by the kernel's OOM killer: cite the one that restarted
    most, and say how many more there are."""
    killed = sorted(
        (
            pod
            for pod in facts.pods
            if _of_service(pod, facts.service)
            and (pod.last_termination_reason or "").lower() == "oomkilled"
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
    weight = 0.45 if recent else round(0.45 * RECURRING_FACTOR, 3)
    if lead.restarts >= POD_RESTARTS:
        weight += 0.10
    more = f" (+{len(killed) - 1} more pods)" if len(killed) > 1 else ""
    when = f" at {lead.last_terminated_at:%H:%M}" if lead.last_terminated_at else ""
    text = f"pod {lead.name} was OOMKilled{when}, {lead.restarts} restarts{more}" + (
        "" if recent else ", before this incident"
    )
    return Citation(f"pod:{lead.namespace}/{lead.name}", text, round(weight, 3))


def resource_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Memory, disk or pool exhaustion, from error lines, pods the OOM killer ended and
    saturation series."""
    found: list[Hypothesis] = []
    saturated = _saturated(facts)
    metric = (
        [Citation(f"metric:{facts.service}/{saturated[0]}", saturated[1], 0.30)]
        if saturated
        else []
    )
    oom = _oom_citation(facts)
    for kind, pattern in _RESOURCE:
        ids = matching(facts.window_messages, pattern)
        pods = [oom] if kind == "memory" and oom is not None else []
        if not ids and not pods:
            continue
        logged = [log_citation(facts, ids, f"{kind} exhaustion in the logs", 0.45)] if ids else []
        supports = [*logged, *pods, *metric]
        statement = f"{kind.capitalize()} exhaustion in {facts.service}"
        found.append(hypothesis(CauseKind.RESOURCE, statement, supports, subject=kind))
    if not found and saturated:
        statement = f"Resource saturation in {facts.service} ({saturated[0]})"
        found.append(hypothesis(CauseKind.RESOURCE, statement, metric, subject="saturation"))
    return found


def config_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Configuration reloads and flag changes the service logged in the 2 hours before."""
    since = facts.first_seen - DEPLOY_WINDOW
    seen: set[tuple[CauseKind, str]] = set()
    found: list[Hypothesis] = []
    for record in sorted(facts.logs, key=lambda r: (r.at, r.message)):
        if not since <= record.at <= facts.first_seen or record.service != facts.service:
            continue
        for category, pattern in ((CauseKind.FLAG, _FLAG_LOG), (CauseKind.CONFIG, _CONFIG_LOG)):
            if (category, record.message) in seen or not pattern.search(record.message):
                continue
            seen.add((category, record.message))
            lead = minutes(facts.first_seen - record.at)
            text = f'"{record.message}" {lead} before the first anomaly'
            citation = Citation(template_id(template_of(record.message)), text, 0.35)
            noun = "Feature-flag change" if category is CauseKind.FLAG else "Configuration change"
            statement = f"{noun} logged {lead} before the first anomaly"
            found.append(hypothesis(category, statement, [citation], subject=record.message))
            break
    return found


def credential_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Certificates and credentials are configuration: an alert of the service or an error line
    saying a certificate failed verification or expired, or a handshake or login was refused."""
    supports: list[Citation] = []
    for signal in facts.signals:
        if signal.service == facts.service and _CREDENTIAL.search(signal.title):
            supports.append(Citation(f"signal:{signal.fingerprint}", signal.title, 0.40))
            break
    ids = matching(facts.window_messages, _CREDENTIAL)
    if ids:
        supports.append(log_citation(facts, ids, "certificate or credential errors", 0.25))
    if not supports:
        return []
    statement = f"A certificate or credential of {facts.service} is wrong or expired"
    return [hypothesis(CauseKind.CONFIG, statement, supports, subject="credentials")]


def flag_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """Feature-flag changes that may touch the service (they name it, or no service) in the
    2 hours before the first anomaly, from the flag source: one hypothesis per flag, its
    latest change. Closer is likelier, and a flag that names the service counts more than a
    global one."""
    since = facts.first_seen - DEPLOY_WINDOW
    latest: dict[str, FlagChange] = {}
    for change in facts.flags:
        if change.concerns(facts.service) and since <= change.at <= facts.first_seen:
            latest[change.key] = change
    found: list[Hypothesis] = []
    for change in latest.values():
        lead = facts.first_seen - change.at
        lead_text = minutes(lead)
        supports = [
            Citation(
                f"flag:{change.key}",
                f"flag {change.key} {change.change} {lead_text} before the first anomaly",
                0.40,
            )
        ]
        if lead <= FLAG_CLOSE:
            supports.append(Citation(f"flag:{change.key}", "within 30 minutes of it", 0.15))
        if change.service == facts.service:
            supports.append(Citation(f"flag:{change.key}", f"it targets {facts.service}", 0.10))
        statement = f"Feature flag {change.key} changed ({change.change}) {lead_text} before"
        found.append(hypothesis(CauseKind.FLAG, statement, supports, subject=change.key))
    return found


def traffic_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """A surge in requests: a traffic series spiked, or the service rate-limits."""
    supports: list[Citation] = []
    traffic = [s for s in facts.spikes if series_kind(s.series.name) == "traffic"]
    for spike in traffic[:1]:
        text = f"{spike.series.name} rose from {spike.baseline:g} to {spike.latest:g}"
        supports.append(Citation(f"metric:{facts.service}/{spike.series.name}", text, 0.50))
    limited = matching(facts.window_messages, _RATE_LIMIT)
    if limited:
        supports.append(log_citation(facts, limited, "rate limiting in the logs", 0.15))
    if not supports:
        return []
    against = [
        Citation(f"deploy:{c.deploy.sha}", f"deploy {c.deploy.sha} landed before it", 0.10)
        for c in facts.candidates[:1]
    ]
    statement = f"Traffic surge on {facts.service}"
    return [hypothesis(CauseKind.TRAFFIC, statement, supports, against)]


def security_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """An alert worded as a security finding, or security words in error lines."""
    supports: list[Citation] = []
    for signal in facts.signals:
        words = " ".join([signal.title, signal.description, *signal.labels.values()])
        if _SECURITY.search(words):
            supports.append(
                Citation(f"signal:{signal.fingerprint}", f"security alert: {signal.title}", 0.50)
            )
            break
    ids = matching(facts.window_messages, _SECURITY)
    if ids:
        supports.append(log_citation(facts, ids, "security words in the logs", 0.25))
    if not supports:
        return []
    return [hypothesis(CauseKind.SECURITY, f"Security event on {facts.service}", supports)]


def unknown_hypothesis(facts: CaseFacts) -> Hypothesis:
    """The floor every other hypothesis must beat: the evidence names no cause."""
    supports = [
        Citation("evidence:all", "no other explanation is better supported", UNKNOWN_CONFIDENCE)
    ]
    if facts.deploys_checked and not facts.candidates:
        supports.append(
            Citation("evidence:deploys", "no deploy of the service in the 2 hours before", 0.0)
        )
    return hypothesis(CauseKind.UNKNOWN, "Cause unknown from the evidence so far", supports)


Detector = Callable[[CaseFacts], list[Hypothesis]]

DETECTORS: tuple[Detector, ...] = (
    deploy_hypotheses,
    dependency_hypotheses,
    resource_hypotheses,
    config_hypotheses,
    credential_hypotheses,
    flag_hypotheses,
    traffic_hypotheses,
    security_hypotheses,
)
