"""Which runbook fits an incident: a score people can check, and the reasons behind it.

Pure and deterministic. A runbook earns points for each thing the incident shares with its
``match`` rule, and each point comes with a reason the packet can show:

=================================================  ======
each symptom of its ``evidence`` the analysis found 5
the analysis' cause is one of its ``causes``        3
the incident's category is one of its ``categories`` 2
the service's catalog entry lists the runbook       2
the service matches one of its ``services`` globs   1
each of its ``keywords`` found in the texts         1 (at most 4)
=================================================  ======

A runbook *fits* at :data:`FIT_THRESHOLD` points or more when at least one of them is specific
to it (a symptom, a keyword, the catalog's listing, its ``services``): no single weak hint is
enough, and
a category and cause that several runbooks share do not pick one of them by chance. A runbook
whose ``services`` do not include the incident's service never fits, but it is still scored so
it can be named among the closest.
Ties go to the smaller id, so replays always agree.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from bot.runbook.models import Runbook, Symptom
from bot.scenario.terms import CauseKind, IncidentCategory

__all__ = [
    "CATALOG_POINTS",
    "CATEGORY_POINTS",
    "CAUSE_POINTS",
    "CLOSEST_LIMIT",
    "EVIDENCE_POINTS",
    "FIT_THRESHOLD",
    "KEYWORD_LIMIT",
    "SERVICE_POINTS",
    "RunbookCandidate",
    "RunbookChoice",
    "RunbookQuery",
    "choose_runbook",
    "score_runbook",
]

EVIDENCE_POINTS = 5
DEFINING_SYMPTOMS = frozenset({"customer_data", "job"})
CAUSE_POINTS = 3
CATEGORY_POINTS = 2
CATALOG_POINTS = 2
SERVICE_POINTS = 1
KEYWORD_LIMIT = 4
FIT_THRESHOLD = 4
CLOSEST_LIMIT = 3


@dataclass(frozen=True, slots=True)
class RunbookQuery:
    """What is known about the incident when the runbook is chosen.

    ``texts`` are the alert titles and descriptions and the log lines (or their templates);
    ``listed`` are the runbook ids the service catalog gives for the service.
    """

    service: str
    texts: Sequence[str] = ()
    category: IncidentCategory | None = None
    cause: CauseKind | None = None
    listed: Collection[str] = ()
    symptoms: Collection[Symptom] = ()


@dataclass(frozen=True, slots=True)
class RunbookCandidate:
    """A runbook's score for a query, with one reason per point-earning fact."""

    runbook: Runbook
    score: int
    reasons: tuple[str, ...]
    service_allowed: bool = True
    specific: bool = False  # a keyword, the catalog or its services, not only category and cause

    @property
    def fits(self) -> bool:
        return self.service_allowed and self.specific and self.score >= FIT_THRESHOLD

    @property
    def explanation(self) -> str:
        """``oom-kill (score 7: cause resource; keywords oomkilled, out of memory)``."""
        why = "; ".join(self.reasons) or "nothing in common"
        return f"{self.runbook.id} (score {self.score}: {why})"


@dataclass(frozen=True, slots=True)
class RunbookChoice:
    """The runbook that fits best, or None; ``closest`` are the next best candidates (those
    that scored at all, best first), so a packet without a fit can say what came closest."""

    best: RunbookCandidate | None
    closest: tuple[RunbookCandidate, ...]

    @property
    def runbook_id(self) -> str | None:
        return self.best.runbook.id if self.best is not None else None


def _contains(text: str, keyword: str) -> bool:
    # Letters and digits around a keyword must not continue it ("oom" is not in "room"), while
    # punctuation and underscores separate words ("timeout" is in "connect_timeout").
    pattern = rf"(?<![a-z0-9]){re.escape(keyword)}(?![a-z0-9])"
    return re.search(pattern, text) is not None


def score_runbook(runbook: Runbook, query: RunbookQuery) -> RunbookCandidate:
    """Score one runbook for ``query`` (see the module's table)."""
    rule = runbook.match
    score = 0
    reasons: list[str] = []
    shown = [symptom.value for symptom in rule.evidence if symptom in query.symptoms]
    if shown:
        # Customer data at risk, or a failed job, is handled by the runbook written for that
        # kind of incident, whatever the cause: those symptoms count double.
        score += sum(
            EVIDENCE_POINTS * (2 if symptom in DEFINING_SYMPTOMS else 1) for symptom in shown
        )
        reasons.append(f"evidence {', '.join(shown)}")
    if query.cause is not None and query.cause in rule.causes:
        score += CAUSE_POINTS
        reasons.append(f"cause {query.cause.value}")
    if query.category is not None and query.category in rule.categories:
        score += CATEGORY_POINTS
        reasons.append(f"category {query.category.value}")
    if runbook.id in query.listed:
        score += CATALOG_POINTS
        reasons.append(f"the catalog lists it for {query.service}")
    allowed = rule.covers_service(query.service)
    if rule.services:
        if allowed:
            score += SERVICE_POINTS
            reasons.append(f"written for {query.service}")
        else:
            reasons.append(f"not for {query.service} (only {', '.join(rule.services)})")
    text = "\n".join(query.texts).lower()
    found = [keyword for keyword in rule.keywords if _contains(text, keyword)][:KEYWORD_LIMIT]
    if found:
        score += len(found)
        reasons.append(f"keyword{'s' if len(found) > 1 else ''} {', '.join(found)}")
    specific = bool(found or shown) or runbook.id in query.listed or bool(rule.services and allowed)
    return RunbookCandidate(runbook, score, tuple(reasons), allowed, specific)


def choose_runbook(runbooks: Iterable[Runbook], query: RunbookQuery) -> RunbookChoice:
    """The best fitting runbook for ``query`` and the closest others (at most
    :data:`CLOSEST_LIMIT`, only those with a score above zero)."""
    ranked = sorted(
        (score_runbook(runbook, query) for runbook in runbooks),
        key=lambda c: (not c.fits, -c.score, c.runbook.id),
    )
    best = ranked[0] if ranked and ranked[0].fits else None
    others = ranked[1:] if best is not None else ranked
    closest = tuple(c for c in others if c.score > 0)[:CLOSEST_LIMIT]
    return RunbookChoice(best, closest)
