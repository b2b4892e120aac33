"""The ids under which a draft's facts are shown and cited: one sequence, ``E1``, ``E2``...,
in document order (the incident itself, the timeline, the hypotheses, the evidence). One
sequence of ``E`` ids is what the narrator's prompt and verifier expect, and a reader finds
any cited id in the document by searching for it. Each fact says what it is (a hypothesis, a
line of the record) and, when it quotes outside text (an alert's title, a person's message, a
PR title inside a hypothesis), where that text came from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.narrator.untrusted import shown_as_data
from bot.narrator.values import FactKind
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.measures import stamp
from bot.postmortem.ports import Fact
from bot.postmortem.timeline import TimelineEntry
from bot.redaction import redact

__all__ = ["Citations", "cite", "incident_line"]

ORIGINS = {
    "signal": "an alert's title, as its sender wrote it",
    "channel": "a person's message in the incident channel",
}
HYPOTHESIS_ORIGIN = "the bot's ranking, quoting PR titles and log lines as written"


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
        return tuple(Fact(f.id, redact(f.text), f.kind, f.origin, f.hypothesis) for f in self.all)


def incident_line(facts: PostmortemFacts) -> str:
    """``INC-7 · sev1 · resolved · billing-webhooks · billing-webhooks error rate above 5%``."""
    incident = facts.incident
    return (
        f"INC-{incident.id} · {incident.severity} · {incident.status} · {incident.service} · "
        f"{shown_as_data(incident.title)}"
    )


def cite(facts: PostmortemFacts, timeline: Sequence[TimelineEntry]) -> Citations:
    counter = iter(range(1, 1_000_000))

    def fact(
        text: str,
        kind: FactKind = FactKind.RECORD,
        origin: str | None = None,
        rank: int | None = None,
    ) -> Fact:
        return Fact(f"E{next(counter)}", shown_as_data(text), kind, origin, rank)

    incident = fact(incident_line(facts), origin=ORIGINS["signal"])
    dated = tuple(
        fact(f"{stamp(entry.at)}: {entry.text}", origin=ORIGINS.get(entry.origin.split(" ")[0]))
        for entry in timeline
    )
    packet = facts.packet
    hypotheses = (
        tuple(
            fact(cause, FactKind.HYPOTHESIS, HYPOTHESIS_ORIGIN, rank)
            for rank, cause in enumerate(packet.causes, start=1)
        )
        if packet
        else ()
    )
    evidence = tuple(fact(line) for line in packet.evidence) if packet else ()
    return Citations(incident, dated, hypotheses, evidence)
