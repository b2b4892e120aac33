"""Which past incidents a new one resembles, and why: pure, so replays judge it without I/O.

A past incident is *similar* when it shares facts that say the same trouble happened again:

- the same service and alert (fingerprint): the same monitor fired for the same service (3);
- the same ranked cause: the kind its packet ranked first, and, for a dependency, a resource or
  a flag, the same subject (2; a kind alone, such as "a deploy", says less: 1);
- the same new log templates: lines the service had never written before, again (2);
- the same failing dependency, named by its cause and depended on by the new incident (2).

It must score at least :data:`MIN_SCORE`, so a past incident of the same service that shares
nothing else is not named. A past incident whose ranked cause is known and differs from the new
one's known cause is never similar, however much else it shares: the same alert firing for a
different reason is a different incident, and naming its fix would mislead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from bot.analysis.assessment import Assessment
from bot.catalog import Catalog
from bot.history.values import IncidentFacts, PastIncident, SimilarIncident
from bot.scenario.terms import CauseKind
from bot.signal.values import Signal

__all__ = [
    "MAX_SIMILAR",
    "MAX_TEMPLATES",
    "MIN_SCORE",
    "compare",
    "facts_of",
    "fingerprint_matches",
    "similar_incidents",
]

MAX_SIMILAR = 3
MIN_SCORE = 2
MAX_TEMPLATES = 12  # the busiest new templates kept per incident
# Causes whose subject says which one failed: a different subject is a different cause.
SUBJECT_CAUSES = frozenset({CauseKind.DEPENDENCY, CauseKind.RESOURCE, CauseKind.FLAG})
_ROUTINE = frozenset({"trace", "debug", "info", "notice"})


def facts_of(assessment: Assessment, signals: Sequence[Signal], catalog: Catalog) -> IncidentFacts:
    """What a new incident is compared by, from its assessment: the ranked cause (and its
    subject), the service's new warning-or-worse log templates, its alerts' fingerprints, and
    the services it depends on."""
    service = assessment.service
    top = assessment.hypotheses[0] if assessment.hypotheses else None
    cause = assessment.cause
    subject = top.subject if top is not None and top.category is cause else None
    templates = [
        cluster.id
        for cluster in assessment.log_clusters
        if cluster.new and cluster.level.lower() not in _ROUTINE and service in cluster.services
    ]
    dependencies = set(catalog.dependencies(service))
    if cause is CauseKind.DEPENDENCY and subject:
        dependencies.add(subject)
    return IncidentFacts(
        service=service,
        fingerprints=frozenset(s.fingerprint for s in signals if s.service == service),
        cause=cause,
        cause_subject=subject if cause in SUBJECT_CAUSES else None,
        templates=frozenset(templates[:MAX_TEMPLATES]),
        dependencies=frozenset(dependencies),
    )


def fingerprint_matches(remembered: str, fingerprints: Iterable[str]) -> bool:
    """The same alerting condition: equal, or a scenario's bare key (``checkout-5xx``) naming
    the end of a full fingerprint (``generic:checkout-5xx``)."""
    return any(f == remembered or f.endswith(f":{remembered}") for f in fingerprints)


def _same_cause(facts: IncidentFacts, past: PastIncident) -> bool | None:
    """True or False when both causes are known; None when either is not."""
    if facts.cause is None or past.cause is None:
        return None
    if facts.cause is not past.cause:
        return False
    if facts.cause in SUBJECT_CAUSES and facts.cause_subject and past.cause_subject:
        return facts.cause_subject == past.cause_subject
    return True


def _cause_words(past: PastIncident) -> str:
    assert past.cause is not None
    if past.cause_subject and past.cause in SUBJECT_CAUSES:
        return f"same ranked cause ({past.cause.value}: {past.cause_subject})"
    return f"same ranked cause ({past.cause.value})"


def compare(facts: IncidentFacts, past: PastIncident) -> SimilarIncident | None:
    """``past`` with the facts it shares with the new incident, or None when it is not
    similar (too little in common, or a different known cause)."""
    same_cause = _same_cause(facts, past)
    if same_cause is False:
        return None
    same_service = past.service == facts.service
    depends = past.dependency is not None and past.dependency in facts.dependencies
    if not same_service and not depends:
        return None
    matched: list[str] = []
    score = 0
    remembered = past.fingerprint
    if same_service and remembered and fingerprint_matches(remembered, facts.fingerprints):
        matched.append("same service and alert (fingerprint)")
        score += 3
    if same_cause and (same_service or depends):
        assert past.cause is not None
        matched.append(_cause_words(past))
        specific = past.cause in SUBJECT_CAUSES and past.cause_subject is not None
        score += 2 if specific else 1
    shared = facts.templates & past.templates
    if shared:
        noun = "template" if len(shared) == 1 else "templates"
        matched.append(f"same new log lines ({len(shared)} {noun})")
        score += 2
    if depends:
        matched.append(f"same failing dependency ({past.dependency})")
        score += 2
    if score < MIN_SCORE:
        return None
    return SimilarIncident(past=past, matched=tuple(matched), score=score)


def _when(past: PastIncident) -> datetime:
    return past.resolved_at or past.opened_at


def similar_incidents(
    facts: IncidentFacts, history: Iterable[PastIncident], *, limit: int = MAX_SIMILAR
) -> tuple[SimilarIncident, ...]:
    """The past incidents most like the new one, most similar first (then the most recent),
    at most ``limit``; one remembered twice (by two sources) counts once."""
    found: dict[tuple[object, ...], SimilarIncident] = {}
    for past in history:
        similar = compare(facts, past)
        if similar is None:
            continue
        key: tuple[object, ...] = (past.incident_id,)
        if past.incident_id is None:
            key = (past.service, past.opened_at)
        kept = found.get(key)
        if kept is None or similar.score > kept.score:
            found[key] = similar
    ranked = sorted(found.values(), key=lambda s: (-s.score, -_when(s.past).timestamp()))
    return tuple(ranked[:limit])
