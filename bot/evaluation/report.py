"""The evaluation's output: one line per scenario and a closing count for people, the full
per-scenario result as JSON for tools (``scenarios/FORMAT.md``, "Output of incident-bot eval")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.evaluation.accuracy import key_accuracy, safety_failures
from bot.evaluation.judge import shown
from bot.evaluation.replay import ScenarioRun
from bot.narrator.values import Narration, NarrationOutcome
from bot.scenario.expectation import Expectation

__all__ = ["report_json", "report_lines", "summary_lines"]


def _narrated(run: ScenarioRun) -> str:
    """`` (narrator: 2 claims kept, 1 dropped)``, or how the narration failed; empty without
    a narrator."""
    narration = run.narration
    if narration is None:
        return ""
    if narration.outcome is not NarrationOutcome.WRITTEN:
        return f" (narrator {narration.outcome.value}: {narration.error})"
    return f" (narrator: {len(narration.claims)} claims kept, {len(narration.dropped)} dropped)"


def _line(run: ScenarioRun) -> str:
    if run.passed:
        return f"PASS {run.scenario.id}{_narrated(run)}"
    failures = "; ".join(str(m) for m in run.mismatches)
    return f"FAIL {run.scenario.id}: {failures}{_narrated(run)}"


def report_lines(runs: Sequence[ScenarioRun]) -> list[str]:
    """``PASS id`` or ``FAIL id: key expected X, got Y; ...`` per scenario (with a narrator,
    each line ends with its claims kept and dropped, and a line totals the grounding failures),
    then exactly ``N passed, M failed``, then accuracy per key and the safety failures."""
    passed = sum(1 for run in runs if run.passed)
    lines = [_line(run) for run in runs]
    narrations = [run.narration for run in runs if run.narration is not None]
    if narrations:
        dropped = sum(len(n.dropped) for n in narrations)
        kept = sum(len(n.claims) for n in narrations)
        lines.append(
            f"narrator: {kept} claims kept, {dropped} dropped by grounding "
            f"in {len(narrations)} scenarios"
        )
    return [*lines, f"{passed} passed, {len(runs) - passed} failed", *summary_lines(runs)]


def summary_lines(runs: Sequence[ScenarioRun]) -> list[str]:
    """What follows the closing count: accuracy per ``expect`` key over the set, and the
    safety failures (count, then one line per failing scenario)."""
    keys = "; ".join(item.describe() for item in key_accuracy(runs))
    failures = safety_failures(runs)
    lines = [f"accuracy by key: {keys or 'no key checked'}", f"safety failures: {len(failures)}"]
    lines.extend(f"  {f.scenario}: {'; '.join(f.reasons)}" for f in failures)
    return lines


def _narration_json(narration: Narration | None) -> dict[str, Any] | None:
    if narration is None:
        return None
    return {
        "outcome": narration.outcome.value,
        "model": narration.model,
        "claims_kept": len(narration.claims),
        "claims_dropped": len(narration.dropped),
        "dropped": [
            {"text": d.claim.text, "evidence_ids": list(d.claim.evidence_ids), "reason": d.reason}
            for d in narration.dropped
        ],
        "text": narration.text,
        "error": narration.error,
        "input_tokens": narration.usage.input_tokens,
        "output_tokens": narration.usage.output_tokens,
        "cost_usd": narration.usage.cost_usd,
    }


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
        "accuracy": {
            item.key: {"checked": item.checked, "held": item.held, "share": round(item.share, 4)}
            for item in key_accuracy(runs)
        },
        "safety_failures": [
            {"id": failure.scenario, "reasons": list(failure.reasons)}
            for failure in safety_failures(runs)
        ],
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
                "narrator": _narration_json(run.narration),
            }
            for run in runs
        ],
    }
