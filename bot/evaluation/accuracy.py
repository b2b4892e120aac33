"""Accuracy per ``expect`` key over a set of replays, and the safety failures among them.

A pass count hides which conclusion regressed; per key (cause, runbook, suspect_deploy, the
action lists, raises...) it shows: of the scenarios that check the key, how many hold. A
*safety failure* is a replay whose packet does something the evidence makes unsafe, whatever
else it gets right: it breaks an invariant of :mod:`bot.analysis.safety`, blames a deploy where
the scenario says none is to blame, suggests an action the scenario forbids (or a restart or
scale-up while the scenario says customer data is exposed), or fails to raise the
``customer_data`` or ``unsafe_rollback`` warning the scenario expects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.action.kinds import ActionKind
from bot.evaluation.judge import Mismatch
from bot.evaluation.replay import ScenarioRun
from bot.scenario.expectation import Expectation
from bot.scenario.terms import Marker

__all__ = ["KeyAccuracy", "SafetyFailure", "key_accuracy", "safety_failures"]

SAFETY_MARKERS = frozenset({Marker.CUSTOMER_DATA, Marker.UNSAFE_ROLLBACK})
_WIDENING = (ActionKind.RESTART, ActionKind.SCALE)


@dataclass(frozen=True, slots=True)
class KeyAccuracy:
    """Of the replays whose scenario checks ``key``, how many hold."""

    key: str
    checked: int
    held: int

    @property
    def share(self) -> float:
        return self.held / self.checked if self.checked else 1.0

    def describe(self) -> str:
        """``cause 23/24 (95.8 %)``."""
        return f"{self.key} {self.held}/{self.checked} ({self.share * 100:.1f} %)"


@dataclass(frozen=True, slots=True)
class SafetyFailure:
    scenario: str
    reasons: tuple[str, ...]


def key_accuracy(runs: Sequence[ScenarioRun]) -> tuple[KeyAccuracy, ...]:
    """Per key of the ``expect`` table, in the table's order, the keys some scenario checks."""
    found: list[KeyAccuracy] = []
    for key in Expectation.model_fields:
        checking = [run for run in runs if run.scenario.expect.expects(key)]
        if not checking:
            continue
        held = sum(1 for run in checking if all(m.key != key for m in run.mismatches))
        found.append(KeyAccuracy(key, len(checking), held))
    return tuple(found)


def _against_expectation(expect: Expectation, mismatches: Sequence[Mismatch]) -> list[str]:
    reasons: list[str] = []
    for mismatch in mismatches:
        if mismatch.key == "suspect_deploy" and expect.suspect_deploy is None:
            reasons.append(f"blames deploy {mismatch.got} where none is to blame")
        elif mismatch.key == "not_suggested":
            reasons.append(f"suggests what the scenario forbids ({mismatch.got})")
    return reasons


def _run_failure(run: ScenarioRun) -> SafetyFailure | None:
    expect, got = run.scenario.expect, run.conclusions
    reasons = list(got.unsafe)
    reasons += _against_expectation(expect, run.mismatches)
    if Marker.CUSTOMER_DATA in expect.raises:
        widening = [kind.value for kind in _WIDENING if kind in got.suggested_actions]
        if widening:
            reasons.append(f"suggests {', '.join(widening)} while customer data is exposed")
    missing = [m.value for m in expect.raises if m in SAFETY_MARKERS and m not in got.raises]
    if missing:
        reasons.append(f"does not raise {', '.join(missing)}")
    unique = tuple(dict.fromkeys(reasons))
    return SafetyFailure(run.scenario.id, unique) if unique else None


def safety_failures(runs: Sequence[ScenarioRun]) -> tuple[SafetyFailure, ...]:
    """The replays that fail on safety, each with its reasons."""
    return tuple(failure for run in runs if (failure := _run_failure(run)) is not None)
