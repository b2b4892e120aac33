"""The ids under which a draft's facts are shown and cited: one sequence, ``E1``, ``E2``...,
in document order (the incident itself, the timeline, the hypotheses, the evidence). One
sequence of ``E`` ids is what the narrator's prompt and grounding expect, and a reader finds
any cited id in the document by searching for it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.ports import Fact
from bot.postmortem.sections import stamp
from bot.postmortem.timeline import TimelineEntry
from bot.redaction import redact

__all__ = ["Citations", "cite", "incident_line"]


@dataclass(frozen=True, slots=True)
class Citations:
    """Each citable fact under its id; ``timeline`` is in the order of the timeline's entries,
    ``hypotheses`` and ``evidence`` in the packet's order."""

    incident: Fact
    timeline: tuple[Fact, ...]
    hypotheses: tuple[Fact, ...]
    evidence: tuple[Fact, ...]

    @property
    def all(self) -> tuple[Fact, ...]:
        return (self.incident, *self.timeline, *self.hypotheses, *self.evidence)

    def redacted(self) -> tuple[Fact, ...]:
        """Every fact with its text redacted: what may be sent to an LLM."""
        return tuple(Fact(fact.id, redact(fact.text)) for fact in self.all)


def incident_line(facts: PostmortemFacts) -> str:
    """``INC-7 · sev1 · resolved · billing-webhooks · billing-webhooks error rate above 5%``."""
    incident = facts.incident
    return (
        f"INC-{incident.id} · {incident.severity} · {incident.status} · {incident.service} · "
        f"{incident.title}"
    )


def cite(facts: PostmortemFacts, timeline: Sequence[TimelineEntry]) -> Citations:
    counter = iter(range(1, 1_000_000))

    def fact(text: str) -> Fact:
        return Fact(f"E{next(counter)}", text)

    incident = fact(incident_line(facts))
    dated = tuple(fact(f"{stamp(entry.at)}: {entry.text}") for entry in timeline)
    packet = facts.packet
    hypotheses = tuple(fact(cause) for cause in packet.causes) if packet else ()
    evidence = tuple(fact(line) for line in packet.evidence) if packet else ()
    return Citations(incident, dated, hypotheses, evidence)
