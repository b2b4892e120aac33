"""The alert is evidence: what its own words say is exhausted.

An alert that says disk usage is above 90 %, a connection pool is exhausted, memory ran out, or
a key space or a subnet's addresses reached its limit states a symptom class by itself; a
packet must not answer "cause unknown" with the answer in its first line. This detector reads
the service's own alerts (title and description) and proposes the resource cause they name.
Two facts count against it: the load rose first (then the exhaustion is the load's symptom, see
:mod:`.traffic`), and, for a pool, a declared dependency is saturated or failing (a pool empties
when what it draws from is slow). Weights: :mod:`bot.analysis.weights`.
"""

from __future__ import annotations

import re

from bot.analysis.citing import hypothesis
from bot.analysis.detectors.resource import ADDRESSES_EXHAUSTED, after_maintenance, follows_load
from bot.analysis.series import SATURATION_PERCENT, SeriesKind, as_percent, series_kind
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["ALERT_RESOURCES", "alert_hypotheses", "alert_resource", "saturated_dependency"]

ALERT_RESOURCES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "disk",
        re.compile(
            r"\bdisk\b.{0,40}(?:usage|space|full|above|filling|in_use|used)|no space left|"
            r"(?:filesystem|volume|pvc|inode)s?\b.{0,40}(?:full|above|usage|filling|%)|"
            r"disk ?pressure|system\.disk|filesystem_avail",
            re.IGNORECASE,
        ),
    ),
    (
        "memory",
        re.compile(
            r"out of memory|\boom(?:killed|kill)?\b|memory (?:usage|above|limit|pressure)|"
            r"heap (?:usage|exhausted)",
            re.IGNORECASE,
        ),
    ),
    (
        "pool",
        re.compile(
            r"(?:connection|thread|worker|db|database) pool\b.{0,40}(?:exhausted|empty|full|"
            r"saturated|0 (?:of \d+ )?free)|pool exhausted|too many (?:connections|clients)|"
            r"max_connections|no free connections",
            re.IGNORECASE,
        ),
    ),
    (
        "capacity",
        re.compile(
            r"wraparound|id space|key space|int32|2147483647|4294967295|sequence (?:exhausted|"
            r"limit)|quota (?:exceeded|exhausted)|of the (?:\w+ )?limit|capacity (?:exhausted|"
            r"reached)|\b(?:table|partition|tablespace|file|index)\b[^.\n]{0,40}\bis full\b",
            re.IGNORECASE,
        ),
    ),
    (
        "addresses",
        re.compile(
            ADDRESSES_EXHAUSTED + r"|(?:subnet|\bip address(?:es)?|\bips?\b|ipam)\b.{0,40}"
            r"(?:utili[sz]ation|usage|exhaust\w*|above \d|free)",
            re.IGNORECASE,
        ),
    ),
)


def alert_resource(text: str) -> str | None:
    """The resource an alert's words say is exhausted, or None."""
    for kind, pattern in ALERT_RESOURCES:
        if pattern.search(text):
            return kind
    return None


def saturated_dependency(facts: CaseFacts) -> Citation | None:
    """A declared dependency whose own saturation series is at 90 % or more (a ratio read as a
    percentage), or whose errors or latency series spiked: what it draws from is in trouble."""
    dependencies = set(facts.catalog.dependencies(facts.service))
    for series in facts.metrics:
        if series.service not in dependencies or len(series.points) < 2:
            continue
        kind = series_kind(series.name)
        percents = as_percent(series)
        if kind is SeriesKind.SATURATION and percents and percents[-1] >= SATURATION_PERCENT:
            ref = f"metric:{series.service}/{series.name}"
            text = f"{series.name} of {series.service} at {percents[-1]:.3g} %"
            return Citation(ref, text, W.dependency_spiked)
    return None


def alert_hypotheses(facts: CaseFacts) -> list[Hypothesis]:
    """The resource the service's own alerts say is exhausted."""
    for signal in facts.signals:
        if signal.service != facts.service:
            continue
        kind = alert_resource(f"{signal.title}\n{signal.description}")
        if kind is None:
            continue
        ref = f"signal:{signal.fingerprint}"
        supports = [Citation(ref, f"the alert says so: {signal.title}", W.resource_alert)]
        against = follows_load(facts) if kind in ("memory", "pool") else []
        against += after_maintenance(facts)
        if kind == "pool" and (dependency := saturated_dependency(facts)) is not None:
            against.append(
                Citation(dependency.ref, f"the pool drains into it: {dependency.text}", 0.25)
            )
        statement = f"{kind.capitalize()} exhaustion in {facts.service} (from the alert)"
        return [hypothesis(CauseKind.RESOURCE, statement, supports, against, subject=kind)]
    return []
