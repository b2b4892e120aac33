""" "Cause unknown": the floor every named cause must beat."""

from __future__ import annotations

from bot.analysis.citing import hypothesis
from bot.analysis.values import CaseFacts, Citation, Hypothesis
from bot.analysis.weights import W
from bot.scenario.terms import CauseKind

__all__ = ["unknown_hypothesis"]


def unknown_hypothesis(facts: CaseFacts) -> Hypothesis:
    """The floor every other hypothesis must beat: the evidence names no cause."""
    supports = [
        Citation("evidence:all", "no other explanation is better supported", W.unknown_floor)
    ]
    if facts.deploys_checked and not facts.candidates:
        supports.append(
            Citation("evidence:deploys", "no deploy of the service in the 2 hours before", 0.0)
        )
    return hypothesis(CauseKind.UNKNOWN, "Cause unknown from the evidence so far", supports)
