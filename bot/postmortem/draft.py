"""Writing a postmortem from its facts: the timeline, optional verified prose, the Markdown and
the short channel summary, all redacted. Pure but for awaiting the narrator.

Without a narrator every line comes from the audit and the packet. With one, Summary and the
lead of Root cause are the model's prose, but only the sentences the verifier passes
(:mod:`bot.narrator.verifier`: every entity in the facts they cite, causes only as the analysis
ranked them, advice only as the packet suggested it); the draft says how many it left out.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.errors import IncidentBotError
from bot.messages import postmortem_summary
from bot.narrator.untrusted import shown_as_data
from bot.postmortem.citations import Citations, cite
from bot.postmortem.confirmations import confirmations
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.measures import measure
from bot.postmortem.people import Names
from bot.postmortem.ports import Fact, PostmortemNarrator
from bot.postmortem.render import Prose, render_markdown
from bot.postmortem.review import action_items
from bot.postmortem.sections import people_messages, top_cause
from bot.postmortem.timeline import TimelineEntry, build_timeline
from bot.redaction import redact

__all__ = ["INSTRUCTIONS", "NarratedSection", "Postmortem", "write_postmortem"]

log = logging.getLogger(__name__)

NarratedSection = Literal["summary", "root_cause"]

# What the narrator is asked for each section it may write (purpose: postmortem.<section>).
INSTRUCTIONS: dict[NarratedSection, str] = {
    "summary": (
        "Write the Summary of this incident's postmortem: what was affected, when it began and "
        "ended (or that it is still open), how it was handled and where it stands. Past tense, "
        "plain words, for readers who were not there."
    ),
    "root_cause": (
        "Write the opening of this postmortem's Root cause section: what the evidence says "
        "about the cause, how strongly, and what it leaves open. The hypotheses are the bot's "
        "leads, not confirmed findings: say so."
    ),
}


@dataclass(frozen=True, slots=True)
class Postmortem:
    incident_id: int
    filename: str  # postmortem-INC-<id>.md
    title: str
    markdown: str  # redacted
    summary: str  # the message posted next to the file, redacted
    timeline: tuple[TimelineEntry, ...]
    citations: Citations
    narrated: tuple[NarratedSection, ...]  # sections whose prose came from the narrator
    # The action items' texts (redacted): follow-up tickets are opened from them.
    items: tuple[str, ...] = ()


async def _prose(
    narrator: PostmortemNarrator | None,
    section: NarratedSection,
    facts: Sequence[Fact],
    *,
    incident_id: int,
    names: Sequence[str],
    advice: Sequence[str],
) -> Prose:
    if narrator is None:
        return Prose()
    try:
        narration = await narrator.write(
            purpose=f"postmortem.{section}",
            facts=facts,
            instructions=INSTRUCTIONS[section],
            incident_id=incident_id,
            names=names,
            advice=advice,
        )
    except IncidentBotError as exc:
        # The draft stands without prose: the deterministic text says the same from the data.
        log.warning("narrator gave no %s for the postmortem: %s", section, exc)
        return Prose()
    text = narration.text.strip() if narration.grounded else ""
    return Prose(text or None, len(narration.dropped), narration.error)


def _advice(facts: PostmortemFacts) -> tuple[str, ...]:
    packet = facts.packet
    return (*packet.suggested, *packet.runbook) if packet is not None else ()


def _confirmed(facts: PostmortemFacts, names: Names) -> str | None:
    """The first cause someone confirmed and who did, for the summary message."""
    found = confirmations(facts)
    if not found:
        return None
    return f"{shown_as_data(found[0].cause)} ({found[0].by(names)})"


async def write_postmortem(
    facts: PostmortemFacts, *, narrator: PostmortemNarrator | None = None
) -> Postmortem:
    """The draft of ``facts``; Summary and the lead of Root cause come from ``narrator`` when
    it gives verified prose, from the deterministic template otherwise. The narrator sees the
    facts redacted, under the ids the document shows, and nothing of the audit's internals."""
    names = Names.of(facts)
    timeline = build_timeline(facts, names)
    citations = cite(facts, timeline)
    measures = measure(facts, names)
    incident = facts.incident
    known = [*(s.service for s in facts.services), *names.known]
    known += [s.owner for s in facts.services if s.owner]
    shown = citations.redacted()
    advice = _advice(facts)
    summary = await _prose(
        narrator, "summary", shown, incident_id=incident.id, names=known, advice=advice
    )
    root_cause = await _prose(
        narrator, "root_cause", shown, incident_id=incident.id, names=known, advice=advice
    )
    markdown = render_markdown(
        facts,
        timeline,
        citations,
        measures=measures,
        names=names,
        summary=summary,
        root_cause=root_cause,
    )
    narrated: list[NarratedSection] = []
    if summary.text:
        narrated.append("summary")
    if root_cause.text:
        narrated.append("root_cause")
    message = postmortem_summary(
        incident_id=incident.id,
        status=incident.status,
        timeline_entries=len(timeline),
        messages=len(people_messages(facts)),
        leading_cause=top_cause(facts),  # outside text in it quoted when it reads as an order
        action_items=len(items := action_items(facts, measures, names)),
        confirmed=_confirmed(facts, names),
    )
    return Postmortem(
        incident_id=incident.id,
        filename=f"postmortem-INC-{incident.id}.md",
        title=redact(f"Postmortem draft: INC-{incident.id} {shown_as_data(incident.title)}"),
        markdown=redact(markdown),
        summary=redact(message),
        timeline=timeline,
        citations=citations,
        narrated=tuple(narrated),
        items=tuple(redact(item.text) for item in items),
    )
