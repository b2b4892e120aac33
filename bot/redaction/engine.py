"""Hiding secrets and customer data in text before it leaves the bot (for Slack or an LLM).

Every rule of :mod:`bot.redaction.rules` looks at the whole text; where several find the same
place, the longest finding wins, and between equals the more specific rule (vendor formats
come before generic key/value pairs). Each finding becomes ``[redacted:<kind>]``.

What callers can rely on:

- ``redact(redact(x)) == redact(x)``: placeholders are never found again, and the pass repeats
  until nothing more is found (hiding one thing can expose the shape of another next to it);
- text without a finding comes back unchanged, the same object;
- no input raises: the patterns are bounded and precompiled at import.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bot.redaction.rules import PLACEHOLDER, RULES

__all__ = ["Finding", "Redaction", "find", "redact", "redact_with_report"]


@dataclass(frozen=True, slots=True)
class Finding:
    kind: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    kinds: Counter[str]  # how many findings of each kind were hidden, over every pass

    @property
    def found(self) -> bool:
        return bool(self.kinds)


def _placeholders(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in PLACEHOLDER.finditer(text)] if "[redacted:" in text else []


def find(text: str) -> list[Finding]:
    """The findings of one pass, in text order and never overlapping each other or an existing
    placeholder."""
    taken = _placeholders(text)
    candidates: list[tuple[int, int, int, str]] = []
    for order, rule in enumerate(RULES):
        for start, end in rule.spans(text):
            candidates.append((start, -(end - start), order, rule.kind))
    candidates.sort()
    findings: list[Finding] = []
    reach = 0
    for start, negative_length, _, kind in candidates:
        end = start - negative_length
        if start < reach or any(s < end and start < e for s, e in taken):
            continue
        findings.append(Finding(kind, start, end))
        reach = end
    return findings


def _replace(text: str, findings: list[Finding]) -> str:
    parts: list[str] = []
    cursor = 0
    for finding in findings:
        parts.append(text[cursor : finding.start])
        parts.append(f"[redacted:{finding.kind}]")
        cursor = finding.end
    parts.append(text[cursor:])
    return "".join(parts)


def redact_with_report(text: str) -> Redaction:
    """The redacted text and what was hidden in it."""
    kinds: Counter[str] = Counter()
    while findings := find(text):
        kinds.update(finding.kind for finding in findings)
        text = _replace(text, findings)
    return Redaction(text, kinds)


def redact(text: str) -> str:
    """``text`` with every secret and piece of customer data replaced by ``[redacted:<kind>]``."""
    return redact_with_report(text).text
