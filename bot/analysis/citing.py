"""The arithmetic and wording every cause detector shares: a hypothesis's confidence is the sum
of its citations' weights for, minus those against, clamped to [0, ``MAX_CONFIDENCE``]; log
evidence counts in full only when its template is new in the incident window, else for
``RECURRING_FACTOR`` of its weight (see :mod:`bot.analysis.weights` for every weight)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

from bot.analysis.values import CaseFacts, Citation, Hypothesis, WindowMessage
from bot.analysis.weights import MAX_CONFIDENCE, RECURRING_FACTOR
from bot.scenario.terms import CauseKind

__all__ = [
    "ERROR",
    "MAX_CONFIDENCE",
    "RECURRING_FACTOR",
    "WARN",
    "hypothesis",
    "log_citation",
    "matching",
    "minutes",
]

WARN = 3
ERROR = 4


def hypothesis(
    category: CauseKind,
    statement: str,
    supports: Sequence[Citation],
    contradicts: Sequence[Citation] = (),
    subject: str | None = None,
) -> Hypothesis:
    """A hypothesis whose confidence is its weights for minus against, clamped."""
    score = sum(c.weight for c in supports) - sum(c.weight for c in contradicts)
    confidence = round(min(MAX_CONFIDENCE, max(0.0, score)), 2)
    return Hypothesis(category, statement, tuple(supports), tuple(contradicts), confidence, subject)


def minutes(delta: timedelta) -> str:
    """``1 minute``, ``12 minutes``: a lead time as people say it."""
    count = round(delta.total_seconds() / 60)
    return "1 minute" if count == 1 else f"{count} minutes"


def matching(
    messages: Iterable[WindowMessage], pattern: re.Pattern[str], min_rank: int = WARN
) -> tuple[str, ...]:
    """The ids of the log clusters with a line at ``min_rank`` or worse matching ``pattern``."""
    found = {m.cluster_id for m in messages if m.rank >= min_rank and pattern.search(m.text)}
    return tuple(sorted(found))


def log_citation(
    facts: CaseFacts, cluster_ids: Sequence[str], what: str, weight: float
) -> Citation:
    """Cite the busiest matching cluster; full weight only when a matching template is new."""
    clusters = [c for c in facts.clusters if c.id in cluster_ids]
    lead = clusters[0]  # facts.clusters is ordered busiest first
    new = any(c.new for c in clusters)
    more = f" (+{len(clusters) - 1} more templates)" if len(clusters) > 1 else ""
    age = "new in this incident" if new else f"recurring, {lead.history_count} lines before"
    text = f'{what}: "{lead.sample}" x{lead.count}, {age}{more}'
    return Citation(lead.id, text, weight if new else round(weight * RECURRING_FACTOR, 3))
