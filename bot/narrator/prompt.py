"""The text the model reads: our instructions apart, everything else as delimited, quoted data.

Pure. The user message has one ``<task>`` (our own words, never anything someone outside the bot
wrote), then data blocks, each naming where its text came from: ``<facts>`` with one ``<fact>``
per fact (``trust="untrusted"`` and ``origin`` when it quotes an alert, a log line, a commit
or a PR; ``flagged`` when that text reads like an instruction), ``<advice>`` with the only steps
the model may mention, and ``<question>`` for what a person typed after ``/explain``. Data is
redacted and its angle brackets neutralised, so no text can close its block and speak as us.
Nothing from the audit trail (tokens, costs, dropped claims, plan hashes, checkpoints) is ever
passed in: callers hand facts, advice and a question only.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.narrator.untrusted import instruction_markers
from bot.narrator.values import Fact
from bot.redaction import redact

__all__ = ["ADVICE_ID", "data_text", "request_text"]

ADVICE_ID = "A"  # advice items are A1, A2... in the prompt


def data_text(text: str) -> str:
    """Redacted, on one line, with ``<`` and ``>`` replaced so it cannot open or close a tag."""
    return " ".join(redact(text).split()).replace("<", "\u2039").replace(">", "\u203a")


def _attribute(value: str) -> str:
    return data_text(value).replace('"', "'")


def _fact(fact: Fact) -> str:
    attributes = [f'id="{fact.id}"', f'kind="{fact.kind.value}"']
    if fact.hypothesis is not None:
        attributes.append(f'hypothesis="{fact.hypothesis}"')
    if fact.origin is not None:
        attributes.append('trust="untrusted"')
        attributes.append(f'origin="{_attribute(fact.origin)}"')
        markers = instruction_markers(fact.text)
        if markers:
            attributes.append(f'flagged="reads like an instruction: {", ".join(markers)}"')
    return f"<fact {' '.join(attributes)}>{data_text(fact.text)}</fact>"


def request_text(
    *,
    instructions: str,
    facts: Sequence[Fact],
    advice: Sequence[str] = (),
    question: str | None = None,
) -> str:
    """The user message of one request. ``instructions`` must be the bot's own words."""
    # Our own words, but redacted all the same: a caller may have formatted a value into them.
    parts = [f"<task>\n{redact(instructions.strip())}\n</task>", "<facts>"]
    parts.extend(_fact(fact) for fact in facts)
    if not facts:
        parts.append("(no facts)")
    parts.append("</facts>")
    parts.append("<advice origin=\"the packet's suggested actions and its runbook's steps\">")
    parts.extend(
        f'<step id="{ADVICE_ID}{n}">{data_text(step)}</step>'
        for n, step in enumerate(advice, start=1)
    )
    if not advice:
        parts.append("(none: do not advise anything)")
    parts.append("</advice>")
    if question is not None:
        markers = instruction_markers(question)
        flag = f' flagged="reads like an instruction: {", ".join(markers)}"' if markers else ""
        parts.append(
            '<question origin="typed after /explain by a person in Slack" trust="untrusted"'
            f"{flag}>{data_text(question)}</question>"
        )
    return "\n".join(parts)
