"""Which runbook fits an incident: a score people can check, and the facts behind it.

Pure and deterministic. Selection follows the ranked cause and the evidence; the words of the
alert and the logs are one input among several. A runbook earns points for each fact the
incident shares with its ``match`` rule, and each point comes with a reason the packet shows:

=======================================================  ==========================
the ranked cause is one of its ``causes``                  4, and 1 more when the
                                                           cause's confidence is at
                                                           least 0.5
a ranked cause that is not among them                      -2, -3 when confident, 0
                                                           when one of its evidence
                                                           conditions is shown
the incident's category is one of its ``categories``       1
each of its ``evidence`` conditions the incident shows     7 (pods OOMKilled, a node
                                                           under DiskPressure...)
symptoms: each of its ``metrics`` facts of the service's   2 and 1, together at most 4
series, and each of its ``keywords`` in the texts
the service's catalog entry lists the runbook              2
the service matches one of its ``services`` globs          1
=======================================================  ==========================

A condition the platform states (a pod the OOM killer ended, customer data exposed) outweighs
the kind of the ranked cause, which is an inference; the cause outweighs symptoms (a latency
series, the alert's words), which several causes share.

A runbook *fits* at :data:`FIT_THRESHOLD` points or more when

- its ``requires`` conditions are all shown and none of its ``against`` conditions is, and the
  service's own series do not measure the resource it is written for well short of its limit
  (a disk runbook does not fit an ENOSPC while the filesystem reads 41 %);
- the service is one of its ``services`` (when it names any);
- it rests on more than a shared kind: a fact specific to it (a condition, a metric fact, a
  keyword, the catalog, its ``services``), or the ranked cause backs it (the cause is among its
  ``causes`` and is confident, or the category agrees too) and, for a runbook written for a
  resource (memory, disk...), the evidence names that resource (a resource cause whose
  evidence is all about disk, or names no resource, does not back the memory runbook);
- and no other fitting runbook scores as much: when two fit equally, the evidence does not
  choose between them, and the packet says that none fits rather than picking one by chance.

A runbook that does not fit is still scored, so it can be named among the closest: those that
share at least one fact with the incident, best score first.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.runbook.facts import RESOURCE_OF, Condition, MetricFact
from bot.runbook.schemas import Runbook
from bot.scenario.terms import CauseKind, IncidentCategory

__all__ = [
    "CATALOG_POINTS",
    "CATEGORY_POINTS",
    "CAUSE_MISMATCH_POINTS",
    "CAUSE_POINTS",
    "CLOSEST_LIMIT",
    "CONFIDENT_CAUSE",
    "EVIDENCE_POINTS",
    "FIT_THRESHOLD",
    "METRIC_POINTS",
    "SERVICE_POINTS",
    "SYMPTOM_LIMIT",
    "RunbookCandidate",
    "RunbookChoice",
    "RunbookQuery",
    "choose_runbook",
    "score_runbook",
]

CAUSE_POINTS = 4
CONFIDENT_CAUSE = 0.5
CAUSE_MISMATCH_POINTS = 2  # and 1 more when the cause is confident
CATEGORY_POINTS = 1
EVIDENCE_POINTS = 7
METRIC_POINTS = 2
SYMPTOM_LIMIT = 4  # metric facts and keywords together
CATALOG_POINTS = 2
SERVICE_POINTS = 1
FIT_THRESHOLD = 5
CLOSEST_LIMIT = 3


@dataclass(frozen=True, slots=True)
class RunbookQuery:
    """What is known about the incident when the runbook is chosen.

    ``cause`` is the ranked cause's kind and ``confidence`` its confidence; ``conditions`` and
    ``metrics`` map each fact the evidence shows to the evidence in words
    (:mod:`bot.runbook.evidence`); ``resources`` are those the ranked cause names (``disk``),
    which say which resource runbook it backs; ``texts`` are the alert titles and descriptions
    and the service's error lines; ``listed`` are the runbook ids the catalog gives for the
    service; ``clear`` the resources the service's own series measure well short of their limit
    (with the reading), which a runbook written for them cannot fit, whatever the words say.
    """

    service: str
    texts: Sequence[str] = ()
    category: IncidentCategory | None = None
    cause: CauseKind | None = None
    confidence: float = 0.0
    listed: Collection[str] = ()
    conditions: Mapping[Condition, str] = field(default_factory=dict)
    metrics: Mapping[MetricFact, str] = field(default_factory=dict)
    resources: Collection[str] = ()
    clear: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RunbookCandidate:
    """A runbook's score for a query, with one reason per fact that moved it.

    ``barred`` says why it cannot fit whatever its score (a condition against it, one it
    requires missing, a service it is not written for); ``specific`` is true when a fact of
    its own (a condition, a metric fact, a keyword, the catalog, its ``services``) counted;
    ``cause_backed`` when the ranked cause is among its causes and is confident or the
    category agrees too."""

    runbook: Runbook
    score: int
    reasons: tuple[str, ...]
    barred: tuple[str, ...] = ()
    specific: bool = False
    cause_backed: bool = False
    shared: bool = False  # at least one fact in common with the incident

    @property
    def eligible(self) -> bool:
        """Whether it can fit on its own: enough points, resting on more than a shared kind,
        and nothing barring it (a tie with another is :func:`choose_runbook`'s to judge)."""
        return (
            not self.barred and self.score >= FIT_THRESHOLD and (self.specific or self.cause_backed)
        )

    @property
    def explanation(self) -> str:
        """``oom-kill (score 12: cause traffic; pods OOMKilled: pod dns-1 last terminated
        OOMKilled)``."""
        why = "; ".join((*self.reasons, *self.barred)) or "nothing in common"
        return f"{self.runbook.id} (score {self.score}: {why})"


@dataclass(frozen=True, slots=True)
class RunbookChoice:
    """The runbook that fits best, or None; ``closest`` are the next best candidates (those
    that share a fact with the incident, best first), so a packet without a fit can say what
    came closest.
    ``tied`` is true when two runbooks fitted equally and so neither was chosen."""

    best: RunbookCandidate | None
    closest: tuple[RunbookCandidate, ...]
    tied: bool = False

    @property
    def runbook_id(self) -> str | None:
        return self.best.runbook.id if self.best is not None else None


def _contains(text: str, keyword: str) -> bool:
    # Letters and digits around a keyword must not continue it ("oom" is not in "room"), while
    # punctuation and underscores separate words ("timeout" is in "connect_timeout").
    pattern = rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])"
    return re.search(pattern, text) is not None


def _cause_points(runbook: Runbook, query: RunbookQuery) -> tuple[int, list[str]]:
    """The ranked cause for or against the runbook: its kind among the runbook's causes (more
    so when confident), or of another kind (against it, more so when confident)."""
    causes = runbook.match.causes
    if query.cause is None or query.cause is CauseKind.UNKNOWN or not causes:
        return 0, []
    confident = query.confidence >= CONFIDENT_CAUSE
    if query.cause in causes:
        return CAUSE_POINTS + (1 if confident else 0), [f"cause {query.cause.value}"]
    points = CAUSE_MISMATCH_POINTS + (1 if confident else 0)
    return -points, [f"cause {query.cause.value} is not its kind"]


def _barred(runbook: Runbook, query: RunbookQuery) -> tuple[str, ...]:
    rule = runbook.match
    barred = [
        f"against it: {condition.value} ({query.conditions[condition]})"
        for condition in rule.against
        if condition in query.conditions
    ]
    barred.extend(
        f"needs {condition.value}, not shown"
        for condition in rule.requires
        if condition not in query.conditions
    )
    own = _own_resources(runbook)
    if own and all(resource in query.clear for resource in own):
        barred.extend(f"against it: the measurements: {query.clear[r]}" for r in sorted(own))
    if not rule.covers_service(query.service):
        barred.append(f"not for {query.service} (only {', '.join(rule.services)})")
    return tuple(barred)


def _condition_points(runbook: Runbook, query: RunbookQuery) -> tuple[int, list[str]]:
    """Points for the conditions the incident shows that the runbook is written for."""
    rule = runbook.match
    shown = [c for c in dict.fromkeys((*rule.requires, *rule.evidence)) if c in query.conditions]
    reasons = [f"{condition.value}: {query.conditions[condition]}" for condition in shown]
    return EVIDENCE_POINTS * len(shown), reasons


def _symptom_points(runbook: Runbook, query: RunbookQuery) -> tuple[int, list[str]]:
    """Points for the metric facts and the keywords (at most :data:`SYMPTOM_LIMIT`): what the
    incident looks like, which several causes share."""
    rule = runbook.match
    metrics = [fact for fact in rule.metrics if fact in query.metrics]
    reasons = [f"{fact.value}: {query.metrics[fact]}" for fact in metrics]
    text = "\n".join(query.texts).lower()
    found = [keyword for keyword in rule.keywords if _contains(text, keyword)]
    if found:
        reasons.append(f"keyword{'s' if len(found) > 1 else ''} {', '.join(found[:SYMPTOM_LIMIT])}")
    return min(SYMPTOM_LIMIT, METRIC_POINTS * len(metrics) + len(found)), reasons


def _own_resources(runbook: Runbook) -> set[str]:
    """The resources a runbook is written for (its evidence, requires and metrics name them)."""
    rule = runbook.match
    facts: list[Condition | MetricFact] = [*rule.evidence, *rule.requires, *rule.metrics]
    return {RESOURCE_OF[fact] for fact in facts if fact in RESOURCE_OF}


def _resource_unshown(runbook: Runbook, query: RunbookQuery) -> str | None:
    """Why the ranked cause alone does not back a runbook written for a resource (its evidence
    and metrics name memory, disk...): the evidence does not name that resource (``the
    evidence names disk, not memory``, ``no evidence names memory``); None otherwise. A
    resource cause or a load surge says *that* something ran out, not *what*."""
    own = _own_resources(runbook)
    seen: list[Condition | MetricFact] = [*query.conditions, *query.metrics]
    shown = {RESOURCE_OF[fact] for fact in seen if fact in RESOURCE_OF} | set(query.resources)
    if not own or own & shown:
        return None
    if not shown:
        return f"no evidence names {', '.join(sorted(own))}"
    return f"the evidence names {', '.join(sorted(shown))}, not {', '.join(sorted(own))}"


def score_runbook(runbook: Runbook, query: RunbookQuery) -> RunbookCandidate:
    """Score one runbook for ``query`` (see the module's table)."""
    rule = runbook.match
    score, reasons = _cause_points(runbook, query)
    cause_agrees = score > 0
    conditions, condition_reasons = _condition_points(runbook, query)
    if score < 0 and conditions > 0:
        # A condition it is written for, stated by the platform, outweighs the kind of the
        # ranked cause (an inference): a release that opened a data exposure is still one.
        kind = query.cause.value if query.cause is not None else "unknown"
        score, reasons = 0, [f"cause {kind} is not its kind, outweighed by what is shown"]
    category_agrees = query.category is not None and query.category in rule.categories
    if category_agrees and query.category is not None:
        score += CATEGORY_POINTS
        reasons.append(f"category {query.category.value}")
    symptoms, symptom_reasons = _symptom_points(runbook, query)
    score += conditions + symptoms
    reasons.extend((*condition_reasons, *symptom_reasons))
    listed = runbook.id in query.listed
    if listed:
        score += CATALOG_POINTS
        reasons.append(f"the catalog lists it for {query.service}")
    written_for = bool(rule.services) and rule.covers_service(query.service)
    if written_for:
        score += SERVICE_POINTS
        reasons.append(f"written for {query.service}")
    confident = query.confidence >= CONFIDENT_CAUSE
    unshown = _resource_unshown(runbook, query) if cause_agrees else None
    if unshown is not None:
        reasons.append(unshown)
    return RunbookCandidate(
        runbook,
        score,
        tuple(reasons),
        _barred(runbook, query),
        specific=conditions + symptoms > 0 or listed or written_for,
        cause_backed=cause_agrees and (confident or category_agrees) and unshown is None,
        shared=cause_agrees or category_agrees or conditions + symptoms > 0 or listed,
    )


def choose_runbook(runbooks: Iterable[Runbook], query: RunbookQuery) -> RunbookChoice:
    """The best fitting runbook for ``query`` and the closest others (at most
    :data:`CLOSEST_LIMIT`, only those that share a fact with the incident). Two runbooks that
    fit with one score are a tie the evidence does not settle: neither is chosen, both are
    named closest."""
    ranked = sorted(
        (score_runbook(runbook, query) for runbook in runbooks),
        key=lambda c: (not c.eligible, -c.score, c.runbook.id),
    )
    eligible = [candidate for candidate in ranked if candidate.eligible]
    tied = len(eligible) > 1 and eligible[0].score == eligible[1].score
    best = eligible[0] if eligible and not tied else None
    others = ranked[1:] if best is not None else ranked
    closest = tuple(c for c in others if c.shared)[:CLOSEST_LIMIT]
    return RunbookChoice(best, closest, tied)
