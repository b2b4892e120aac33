"""The evaluation's output: one line per scenario and a closing count for people, the full
per-scenario result as JSON for tools (``scenarios/FORMAT.md``, "Output of incident-bot eval")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.evaluation.judge import shown
from bot.evaluation.replay import ScenarioRun
from bot.scenario.expectation import Expectation

__all__ = ["report_json", "report_lines"]


def _line(run: ScenarioRun) -> str:
    if run.passed:
        return f"PASS {run.scenario.id}"
    return f"FAIL {run.scenario.id}: " + "; ".join(str(m) for m in run.mismatches)


def report_lines(runs: Sequence[ScenarioRun]) -> list[str]:
    """``PASS id`` or ``FAIL id: key expected X, got Y; ...`` per scenario, then exactly
    ``N passed, M failed``."""
    passed = sum(1 for run in runs if run.passed)
    return [*(_line(run) for run in runs), f"{passed} passed, {len(runs) - passed} failed"]


def _expectations(expectation: Expectation) -> dict[str, Any]:
    written: dict[str, Any] = {}
    for key in type(expectation).model_fields:
        if expectation.expects(key):
            value = getattr(expectation, key)
            if isinstance(value, tuple):
                written[key] = [shown(item) for item in value]
            elif value is None or isinstance(value, int):
                written[key] = value
            else:
                written[key] = shown(value)
    return written


def report_json(runs: Sequence[ScenarioRun]) -> dict[str, Any]:
    """Every scenario's conclusions, expectations, failing keys and timings, and the totals."""
    passed = sum(1 for run in runs if run.passed)
    return {
        "passed": passed,
        "failed": len(runs) - passed,
        "scenarios": [
            {
                "id": run.scenario.id,
                "title": run.scenario.title,
                "file": str(run.path),
                "passed": run.passed,
                "failures": [
                    {"key": m.key, "expected": m.expected, "got": m.got} for m in run.mismatches
                ],
                "conclusions": run.conclusions.as_json(),
                "expectations": _expectations(run.scenario.expect),
                "timings": run.timings,
            }
            for run in runs
        ],
    }
