"""Text that came from outside the bot and reads like an instruction, found and shown as data.

Alert titles, descriptions and labels, log lines, commit messages, PR titles and what a person
types after ``/explain`` are written by people and programs the bot does not trust. They reach
the model only inside quoted data blocks (:mod:`bot.narrator.prompt`), never among its
instructions, and the verifier (:mod:`bot.narrator.verifier`) never lets a claim repeat one as
advice. This module finds the ones that read like an instruction (``ignore previous
instructions``, ``you must``, ``kubectl delete``, ``rm -rf``, ``DROP TABLE``...), so the prompt
can flag them and the packet can show them quoted (:func:`shown_as_data`). Pure.
"""

from __future__ import annotations

import re

__all__ = [
    "INSTRUCTION_PATTERNS",
    "UNTRUSTED_NOTE",
    "instruction_markers",
    "marked_untrusted",
    "shown_as_data",
    "shown_within",
]

# Each pattern names what it found; the names go into the prompt's flag and the audit.
INSTRUCTION_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        (
            "ignore previous instructions",
            r"\b(?:ignore|disregard|forget|override|skip)\b[^.\n]{0,40}?\b(?:previous|prior|"
            r"above|earlier|all|any|your|the)\b[^.\n]{0,30}?\b(?:instructions?|prompts?|rules?|"
            r"directions?|guidelines?|context)\b",
        ),
        ("you must", r"\byou\s+(?:must|should|shall|need\s+to|have\s+to|are\s+now|will\s+now)\b"),
        ("new instructions", r"\b(?:new|updated|real|actual)\s+(?:instructions?|task|orders?)\b"),
        ("role play", r"\b(?:act|behave|pretend|respond)\s+as\b|\bsystem\s*prompt\b"),
        ("speaker tag", r"(?:^|\n|\s)(?:system|assistant|human|user)\s*:"),
        (
            "tell someone to act",
            r"\btell\s+(?:the\s+)?(?:on-?call|oncall|everyone|engineers?|"
            r"people|users?|them|the\s+team|sre)\s+to\b",
        ),
        (
            "kubectl",
            r"\bkubectl\s+(?:delete|drain|cordon|scale|exec|apply|patch|edit|replace|"
            r"rollout|set|label|annotate|run|create|cp)\b",
        ),
        ("helm", r"\bhelm\s+(?:delete|uninstall|rollback|upgrade|install)\b"),
        ("rm -rf", r"\brm\s+-[a-z]*[rf][a-z]*\b"),
        (
            "sql",
            r"\b(?:drop\s+(?:table|database|schema|index)|truncate\s+table|delete\s+from|"
            r"alter\s+table|update\s+\w+\s+set|grant\s+all)\b",
        ),
        (
            "shell",
            r"\b(?:sudo|chmod\s+777|mkfs|shutdown\s+-|reboot\s+now|dd\s+if=)\b|"
            r"\b(?:curl|wget)\b[^|\n]*\|\s*(?:ba|z)?sh\b",
        ),
        ("mention everyone", r"<!(?:channel|here|everyone)>|@(?:channel|here|everyone)\b"),
        ("page someone", r"\bpage\s+(?:the\s+)?(?:cto|ceo|vp|director|executives?|everyone)\b"),
    )
)

UNTRUSTED_NOTE = "quoted untrusted text that reads like an instruction; nobody should act on it"


def instruction_markers(text: str) -> tuple[str, ...]:
    """The names of the instruction-like patterns ``text`` contains, in the table's order;
    empty when it reads as plain data."""
    return tuple(name for name, pattern in INSTRUCTION_PATTERNS if pattern.search(text))


def shown_as_data(line: str) -> str:
    """``line`` unchanged, or, when it reads like an instruction, quoted and marked as untrusted
    so nobody takes it for the bot's advice (the packet's renderer calls this on the lines that
    carry alert, log, commit and PR text). A line already shown so (the packet's stored text,
    read back by the postmortem) is returned as it is, not quoted twice."""
    if not instruction_markers(line) or _already_marked(line):
        return line
    return marked_untrusted(line)


def _already_marked(line: str) -> bool:
    suffix = f"” ({UNTRUSTED_NOTE})"
    inner = line[1 : -len(suffix)]
    return line.startswith("“") and line.endswith(suffix) and "“" not in inner and "”" not in inner


def marked_untrusted(text: str) -> str:
    """``text`` quoted and marked as untrusted, whatever it reads like (its own curly quotes
    made straight, so it cannot close the quote early)."""
    quoted = text.replace("“", '"').replace("”", '"')
    return f"“{quoted}” ({UNTRUSTED_NOTE})"


def shown_within(text: str, limit: int) -> str:
    """:func:`shown_as_data` in at most ``limit`` characters: a marked text is cut inside its
    quotes, so the mark survives the cut (the channel topic, the packet's context line)."""
    shown = shown_as_data(text)
    if len(shown) <= limit:
        return shown
    if shown == text:
        return text[: max(limit - 1, 0)] + "…"
    room = max(limit - (len(shown) - len(text)) - 1, 0)
    return marked_untrusted(text[:room] + "…")
