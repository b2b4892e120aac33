"""Directions and comparisons in a claim against the series and times it cites.

Pure. ``rose`` / ``fell`` must agree with the cited facts' wording, ``from X to Y`` with the
cited ``from A to B`` (the same two numbers the other way round is an inversion), ``X higher
than Y`` with the numbers themselves, and ``before`` / ``after`` a deploy with the cited times
(``at 13:52 UTC`` against ``first anomaly at 14:03 UTC``) or with the cited wording (``landed 11
minutes before first spike``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import Literal

from bot.narrator.values import Fact, FactKind
from bot.narrator.vocabulary import DOWN_WORDS, UP_WORDS

__all__ = ["direction_conflict", "polarity"]

Polarity = Literal["up", "down"]
Order = Literal["before", "after"]

NUM = r"(\d+(?:\.\d+)?)"
FROM_TO = re.compile(rf"\bfrom\s+{NUM}\s*%?\s*\w*\s+to\s+{NUM}", re.IGNORECASE)
COMPARE = re.compile(
    rf"{NUM}\s*%?\s*(?:\w+\s+)?(?:is|was|are|were)?\s*(higher|more|greater|above|larger|lower|"
    rf"less|fewer|below|smaller)\s+than\s+(?:the\s+|its\s+)?{NUM}",
    re.IGNORECASE,
)
CHANGE = r"(?:deploy\w*|release|rollout|change|commit)"
EFFECT_THEN_DEPLOY = re.compile(
    rf"\b(before|after)\s+(?:the\s+|a\s+|its\s+|that\s+|this\s+)?(?:[\w-]+\s+){{0,2}}?{CHANGE}\b",
    re.IGNORECASE,
)
DEPLOY_THEN_EFFECT = re.compile(rf"\b{CHANGE}\b[^.;]*?\b(before|after)\b", re.IGNORECASE)
AT_TIME = re.compile(r"\b(?:at|seen)\s+(\d{1,2}):(\d{2})\b")
EFFECT_KINDS = frozenset({FactKind.ALERT, FactKind.METRIC, FactKind.LOG, FactKind.POD})


def _words(text: str, words: Sequence[str]) -> bool:
    lowered = text.lower()
    return any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in words)


def polarity(text: str) -> set[Polarity]:
    """Which ways ``text`` says something moved."""
    found: set[Polarity] = set()
    if _words(text, UP_WORDS):
        found.add("up")
    if _words(text, DOWN_WORDS):
        found.add("down")
    return found


def _pairs(text: str) -> list[tuple[Decimal, Decimal]]:
    pairs: list[tuple[Decimal, Decimal]] = []
    for start, end in FROM_TO.findall(text):
        try:
            pairs.append((Decimal(start), Decimal(end)))
        except InvalidOperation:  # pragma: no cover - the pattern only matches numbers
            continue
    return pairs


def _series_conflict(text: str, cited: Sequence[Fact]) -> str | None:
    claimed = polarity(text)
    cited_pairs = [pair for fact in cited for pair in _pairs(fact.text)]
    for start, end in _pairs(text):
        if start == end:
            continue
        moved: Polarity = "up" if end > start else "down"
        if claimed and moved not in claimed:
            return f"says it went {'down' if moved == 'up' else 'up'} from {start} to {end}"
        for a, b in cited_pairs:
            if (start, end) == (b, a):
                return f"reverses its evidence, which goes from {a} to {b}"
        claimed = claimed or {moved}
    if len(claimed) == 1:
        series = _series(text, cited)
        cited_ways = set().union(*(polarity(fact.text) for fact in series)) if series else set()
        if len(cited_ways) == 1 and claimed != cited_ways:
            (said,) = claimed
            (truth,) = cited_ways
            return f"says the series went {said} where its evidence says {truth}"
    return None


def _series(text: str, cited: Sequence[Fact]) -> list[Fact]:
    """The cited facts that describe a series (a metric, or any ``from A to B``), narrowed to
    those naming what ``text`` names (``error rate``, ``latency``) when some do. A log line
    that happens to say "DROP" is not a series falling."""
    series = [f for f in cited if f.kind is FactKind.METRIC or FROM_TO.search(f.text)]
    words = {w for w in re.findall(r"[a-z]{4,}", text.lower()) if w not in ("from", "rose")}
    named = [f for f in series if words & set(re.findall(r"[a-z]{4,}", f.text.lower()))]
    return named or series


def _comparison_conflict(text: str) -> str | None:
    for left, word, right in COMPARE.findall(text):
        a, b = Decimal(left), Decimal(right)
        bigger = word.lower() in ("higher", "more", "greater", "above", "larger")
        if (bigger and not a > b) or (not bigger and not a < b):
            return f"says {left} is {word.lower()} than {right}"
    return None


def _minutes(text: str) -> int | None:
    match = AT_TIME.search(text)
    return int(match.group(1)) * 60 + int(match.group(2)) if match else None


def _deploy_order(text: str) -> Order | None:
    """Whether ``text`` puts the deploy before or after the effect."""
    match = EFFECT_THEN_DEPLOY.search(text)
    if match is not None:  # "errors rose after the deploy": the deploy came before
        return "before" if match.group(1).lower() == "after" else "after"
    match = DEPLOY_THEN_EFFECT.search(text)
    if match is not None:  # "the deploy landed before the spike"
        return "before" if match.group(1).lower() == "before" else "after"
    return None


def _true_order(cited: Sequence[Fact]) -> Order | None:
    deploys = [_minutes(f.text) for f in cited if f.kind is FactKind.DEPLOY]
    effects = [_minutes(f.text) for f in cited if f.kind in EFFECT_KINDS]
    deploy_at = [m for m in deploys if m is not None]
    effect_at = [m for m in effects if m is not None]
    if deploy_at and effect_at:
        if max(deploy_at) <= min(effect_at):
            return "before"
        if min(deploy_at) > max(effect_at):
            return "after"
        return None
    for fact in cited:  # "Latest deploy landed 11 minutes before first spike"
        order = _deploy_order(fact.text) if DEPLOY_THEN_EFFECT.search(fact.text) else None
        if order is not None:
            return order
    return None


def direction_conflict(text: str, cited: Sequence[Fact]) -> str | None:
    """Why ``text``'s directions, comparisons or order disagree with ``cited``; None if not."""
    conflict = _series_conflict(text, cited) or _comparison_conflict(text)
    if conflict is not None:
        return conflict
    claimed = _deploy_order(text)
    truth = _true_order(cited) if claimed is not None else None
    if claimed is not None and truth is not None and claimed != truth:
        return f"puts the deploy {claimed} the effect, where its evidence puts it {truth}"
    return None
