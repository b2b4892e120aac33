"""Judging conclusions against a scenario's ``expect`` table, by the format's rules.

Only the keys written are checked. Commit shas compare by prefix (the shorter a prefix of the
longer, at least seven characters); services, teams and runbooks compare exactly; ``null``
for ``suspect_deploy`` or ``runbook`` means the bot must blame no deploy or say no runbook fits.
The list keys hold when every expected item is among the conclusions (``not_suggested``: when
none is).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from bot.evaluation.conclusions import Conclusions
from bot.scenario.expectation import MIN_SHA_PREFIX, Expectation

__all__ = ["Mismatch", "judge", "same_commit", "shown"]

Value = str | int | Enum | None | tuple[str | Enum, ...]


@dataclass(frozen=True, slots=True)
class Mismatch:
    """One expected key that does not hold: ``key expected X, got Y``."""

    key: str
    expected: str
    got: str

    def __str__(self) -> str:
        return f"{self.key} expected {self.expected}, got {self.got}"


def shown(value: Value) -> str:
    """A value as the report writes it: ``null``, ``sev2``, ``[rollback, restart]``."""
    if value is None:
        return "null"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, tuple):
        return "[" + ", ".join(shown(item) for item in value) + "]"
    return str(value)


def same_commit(expected: str, got: str) -> bool:
    """Whether two shas name the same commit: the shorter is a prefix of the longer and has at
    least seven characters (case does not matter in hex)."""
    shorter, longer = sorted((expected.lower(), got.lower()), key=len)
    return len(shorter) >= MIN_SHA_PREFIX and longer.startswith(shorter)


def _holds(key: str, expected: Value, got: Value) -> bool:
    if key == "suspect_deploy" and isinstance(expected, str) and isinstance(got, str):
        return same_commit(expected, got)
    if key == "not_suggested" and isinstance(expected, tuple) and isinstance(got, tuple):
        return not set(expected) & set(got)
    if isinstance(expected, tuple) and isinstance(got, tuple):
        return set(expected) <= set(got)
    return expected == got


def judge(expectation: Expectation, conclusions: Conclusions) -> tuple[Mismatch, ...]:
    """Every written key of ``expectation`` that ``conclusions`` do not meet, in the table's
    order; empty when the scenario passes."""
    mismatches: list[Mismatch] = []
    for key in type(expectation).model_fields:
        if not expectation.expects(key):
            continue
        expected: Value = getattr(expectation, key)
        source = "suggested_actions" if key == "not_suggested" else key
        got: Value = getattr(conclusions, source)
        if not _holds(key, expected, got):
            what = shown(expected)
            if key == "not_suggested":
                what = f"none of {what}"
            mismatches.append(Mismatch(key, what, shown(got)))
    return tuple(mismatches)
