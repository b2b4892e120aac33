"""``/explain``: the packet's reasoning in words, from the packet's own facts and nothing else.

A pure function of the :class:`Packet`, so the wording can later come from a narrator (the LLM)
given the same facts, and so an answer can never hold a fact the packet does not. A question is
matched to a topic by plain words (``why rollback``, ``what changed``, ``who owns``, ``is it the
deploy``); a question matching none is told what the packet knows and that it goes no further.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from enum import StrEnum

from bot.action.kinds import ActionKind
from bot.packet.render import owner_line, runbook_lines
from bot.packet.values import CauseEvidence, Packet

__all__ = ["Topic", "explain", "topic_of"]

CAUSE_KINDS = ("deploy", "dependency", "resource", "config", "flag", "traffic", "security")


class Topic(StrEnum):
    CAUSE = "cause"  # no question, or "why": the top hypothesis and its evidence
    IS_IT = "is_it"  # "is it the deploy?": does the top hypothesis name that kind of cause
    ROLLBACK = "rollback"
    CHANGES = "changes"
    OWNER = "owner"
    RUNBOOK = "runbook"
    APPROVAL = "approval"
    UNKNOWN = "unknown"  # what the packet cannot know: sources that failed
    NEXT = "next"
    SEVERITY = "severity"
    OTHER = "other"  # nothing the packet can answer


# First match wins: "why roll back" is about the rollback, not the cause in general.
_TOPIC_WORDS: tuple[tuple[Topic, re.Pattern[str]], ...] = tuple(
    (topic, re.compile(pattern))
    for topic, pattern in (
        (Topic.IS_IT, r"^(is|was|could)\b.*\b(" + "|".join(CAUSE_KINDS) + r")s?\b"),
        (Topic.ROLLBACK, r"\b(roll ?back|revert)"),
        (Topic.OWNER, r"\b(who|owns?|owner|owning|team|on ?call|page)\b"),
        (Topic.RUNBOOK, r"\brunbooks?\b"),
        (Topic.APPROVAL, r"\b(approv\w*|allowed|permission)"),
        (Topic.UNKNOWN, r"\b(unknown|missing|unavailable|fail\w*|blind|don'?t know)\b"),
        (Topic.CHANGES, r"\b(chang\w*|deploy\w*|release\w*|pr|commit\w*|flags?|ship\w*)\b"),
        (Topic.SEVERITY, r"\b(severity|sev\d?|how bad|impact)\b"),
        (Topic.NEXT, r"\b(next|do now|should|action\w*|fix|mitigat\w*)\b"),
        (Topic.CAUSE, r"\b(why|cause\w*|explain|reason|hypothes\w*|root)\b"),
    )
)


def topic_of(question: str) -> Topic:
    """The topic a question asks about; :attr:`Topic.CAUSE` for no question at all."""
    words = " ".join(question.lower().replace("?", " ").split())
    if not words:
        return Topic.CAUSE
    for topic, pattern in _TOPIC_WORDS:
        if pattern.search(words):
            return topic
    return Topic.OTHER


def _bullets(lines: Iterable[str]) -> list[str]:
    return [f"- {line}" for line in lines]


def _top(packet: Packet) -> CauseEvidence | None:
    return packet.cause_evidence[0] if packet.cause_evidence else None


def _named(cause: CauseEvidence) -> bool:
    return cause.kind != "unknown"


def _cause_line(cause: CauseEvidence) -> str:
    return f"{cause.statement} (a {cause.kind} cause, confidence {cause.confidence:.2f})"


def _evidence(cause: CauseEvidence) -> list[str]:
    lines = ["Evidence for it:", *(_bullets(cause.supports) or ["- none recorded"])]
    if cause.contradicts:
        lines += ["Evidence against it:", *_bullets(cause.contradicts)]
    return lines


def _unknowns(packet: Packet) -> list[str]:
    if not packet.unavailable:
        return ["Every evidence source answered; nothing is unknown for want of one."]
    return [
        "Unknown, because a source failed (the packet says nothing from it):",
        *_bullets(f"{failure.source}: {failure.reason}" for failure in packet.unavailable),
    ]


def _about_cause(packet: Packet) -> list[str]:
    top = _top(packet)
    if top is None:
        lines = ["The packet names no hypothesis about the cause."]
    elif not _named(top):
        lines = [f"The packet names no cause: {top.statement}.", *_evidence(top)]
    else:
        lines = [f"Top hypothesis: {_cause_line(top)}", *_evidence(top)]
    others = packet.cause_evidence[1:]
    if others:
        lines += ["Also considered:", *_bullets(_cause_line(cause) for cause in others)]
    elif top is not None:
        lines.append("No other cause is a lead.")
    lines += ["Signals:", *_bullets(packet.signals or ("No signal beyond the alert itself",))]
    if packet.warnings:
        lines += ["Warnings:", *_bullets(packet.warnings)]
    return lines + _unknowns(packet)


def _about_kind(packet: Packet, question: str) -> list[str]:
    asked = next(kind for kind in CAUSE_KINDS if re.search(rf"\b{kind}s?\b", question.lower()))
    top = _top(packet)
    if top is None or not _named(top):
        answer = f"The packet names no cause, so it cannot say whether it is a {asked}."
        return [answer, *_unknowns(packet)]
    if top.kind == asked:
        return [f"Yes, by the packet's evidence: {_cause_line(top)}", *_evidence(top)]
    lines = [f"Not by the packet's evidence: its top hypothesis is {_cause_line(top)}"]
    lines += _evidence(top)
    runners = [cause for cause in packet.cause_evidence[1:] if cause.kind == asked]
    if runners:
        lines += [f"A {asked} is a runner-up:", *_bullets(_cause_line(c) for c in runners)]
    else:
        lines.append(f"No {asked} is among its leads.")
    return lines


def _approval_word(required: bool) -> str:
    return "needs a human's approval" if required else "needs no approval"


def _about_rollback(packet: Packet) -> list[str]:
    rollbacks = [action for action in packet.actions if action.kind is ActionKind.ROLLBACK]
    top = _top(packet)
    if not rollbacks:
        why = (
            f"its top hypothesis is {_cause_line(top)}"
            if top is not None and _named(top)
            else "it suspects no deploy"
        )
        lines = [f"The packet suggests no rollback: {why}."]
    else:
        lines = [
            f"The packet suggests: {action.text} ({_approval_word(action.requires_approval)})."
            for action in rollbacks
        ]
        if top is not None and top.kind == "deploy":
            lines += [f"Because: {_cause_line(top)}", *_evidence(top)]
    cautions = [warning for warning in packet.warnings if "ollback" in warning]
    if cautions:
        lines += ["Careful:", *_bullets(cautions)]
    return lines


def _about_changes(packet: Packet) -> list[str]:
    change_kinds = {"deploy", "flag", "config"}
    lines = [line for line in packet.signals if "deploy" in line.lower()]
    causes = [c for c in packet.cause_evidence if c.kind in change_kinds]
    reviews = [action.text for action in packet.actions if action.text.startswith("Review ")]
    flags = [action.text for action in packet.actions if action.kind is ActionKind.FLAG_OFF]
    if not (lines or causes or reviews or flags):
        answer = ["The packet records no change to this service."]
        return answer + (_unknowns(packet) if packet.unavailable else [])
    answer = ["What changed, by the packet:", *_bullets(lines)]
    answer += _bullets(_cause_line(cause) for cause in causes)
    answer += _bullets((*reviews, *flags))
    return answer + (_unknowns(packet) if packet.unavailable else [])


def _about_owner(packet: Packet) -> list[str]:
    if not packet.owners:
        return ["The packet knows no owner: the service is not in the catalog."]
    lines = ["Likely owner, by the packet:", *_bullets(owner_line(o) for o in packet.owners)]
    pages = [action.text for action in packet.actions if action.kind is ActionKind.PAGE_OWNER]
    return lines + _bullets(pages)


def _about_runbook(packet: Packet) -> list[str]:
    return ["Runbook, by the packet:", *_bullets(runbook_lines(packet))]


def _about_approval(packet: Packet) -> list[str]:
    needing = [action for action in packet.actions if action.requires_approval]
    if not needing:
        return ["Nothing the packet suggests needs a human's approval."]
    return ["These suggestions need a human's approval:", *_bullets(a.text for a in needing)]


def _about_next(packet: Packet) -> list[str]:
    if not packet.actions:
        return ["The packet suggests nothing yet: it needs more evidence."]
    return [
        "Suggested next, by the packet:",
        *_bullets(f"{a.text} ({_approval_word(a.requires_approval)})" for a in packet.actions),
    ]


def _about_severity(packet: Packet) -> list[str]:
    noun = "alert" if packet.alert_count == 1 else "alerts"
    return [
        f"Severity: {packet.severity.value} candidate, from {packet.alert_count} {noun}; "
        f"first seen {packet.first_seen:%H:%M} UTC.",
        *_bullets(packet.signals),
    ]


def _what_it_knows(packet: Packet) -> list[str]:
    top = _top(packet)
    cause = _cause_line(top) if top is not None and _named(top) else "no named cause"
    owner = packet.owners[0].display if packet.owners else "no known owner"
    return [
        "The packet does not answer that, and I answer only from the packet.",
        f"What it knows: {packet.service}, {packet.severity.value} candidate; top hypothesis: "
        f"{cause}; owner: {owner}; {len(packet.actions)} suggested actions.",
        "Ask about: why, what changed, who owns it, is it the deploy, why rollback, the "
        "runbook, approvals, what is unknown, what next, severity.",
    ]


def explain(packet: Packet, question: str = "") -> str:
    """The answer to ``question`` (the whole explanation when it is empty) in plain text, from
    ``packet``'s facts only."""
    topic = topic_of(question)
    heading = f"INC-{packet.incident_id} · {packet.service}"
    if question.strip():
        heading += f" · “{' '.join(question.split())}”"
    body = {
        Topic.CAUSE: lambda: _about_cause(packet),
        Topic.IS_IT: lambda: _about_kind(packet, question),
        Topic.ROLLBACK: lambda: _about_rollback(packet),
        Topic.CHANGES: lambda: _about_changes(packet),
        Topic.OWNER: lambda: _about_owner(packet),
        Topic.RUNBOOK: lambda: _about_runbook(packet),
        Topic.APPROVAL: lambda: _about_approval(packet),
        Topic.UNKNOWN: lambda: _unknowns(packet),
        Topic.NEXT: lambda: _about_next(packet),
        Topic.SEVERITY: lambda: _about_severity(packet),
        Topic.OTHER: lambda: _what_it_knows(packet),
    }[topic]()
    return "\n".join([heading, *body])
