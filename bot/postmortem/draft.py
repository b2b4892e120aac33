"""Writing a postmortem from its facts: the timeline, optional grounded prose, the Markdown and
the short channel summary, all redacted. Pure but for awaiting the narrator."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from bot.errors import IncidentBotError
from bot.messages import postmortem_summary
from bot.postmortem.citations import Citations, cite
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.ports import Fact, PostmortemNarrator
from bot.postmortem.render import render_markdown
from bot.postmortem.sections import action_items, people_messages
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
        "Write the opening of this postmortem's Root Cause Analysis: what the evidence says "
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


async def _prose(
    narrator: PostmortemNarrator | None,
    section: NarratedSection,
    facts: Sequence[Fact],
    *,
    incident_id: int,
    names: Sequence[str],
) -> str | None:
    if narrator is None:
        return None
    try:
        narration = await narrator.write(
            purpose=f"postmortem.{section}",
            facts=facts,
            instructions=INSTRUCTIONS[section],
            incident_id=incident_id,
            names=names,
        )
    except IncidentBotError as exc:
        # The draft stands without prose: the deterministic text says the same from the data.
        log.warning("narrator gave no %s for the postmortem: %s", section, exc)
        return None
    text = narration.text.strip() if narration.grounded else ""
    return text or None


async def write_postmortem(
    facts: PostmortemFacts, *, narrator: PostmortemNarrator | None = None
) -> Postmortem:
    """The draft of ``facts``; Summary and the lead of Root Cause Analysis come from
    ``narrator`` when it gives grounded prose, from the deterministic template otherwise. The
    narrator sees the facts redacted, under the ids the document shows."""
    timeline = build_timeline(facts)
    citations = cite(facts, timeline)
    incident = facts.incident
    names = [service.service for service in facts.services]
    shown = citations.redacted()
    summary_prose = await _prose(narrator, "summary", shown, incident_id=incident.id, names=names)
    root_cause_prose = await _prose(
        narrator, "root_cause", shown, incident_id=incident.id, names=names
    )
    markdown = render_markdown(
        facts,
        timeline,
        citations,
        summary_prose=summary_prose,
        root_cause_prose=root_cause_prose,
    )
    narrated: list[NarratedSection] = []
    if summary_prose:
        narrated.append("summary")
    if root_cause_prose:
        narrated.append("root_cause")
    summary = postmortem_summary(
        incident_id=incident.id,
        status=incident.status,
        timeline_entries=len(timeline),
        messages=len(people_messages(facts)),
        leading_cause=facts.packet.causes[0] if facts.packet and facts.packet.causes else None,
        action_items=len(action_items(facts)),
    )
    return Postmortem(
        incident_id=incident.id,
        filename=f"postmortem-INC-{incident.id}.md",
        title=redact(f"Postmortem draft: INC-{incident.id} {incident.title}"),
        markdown=redact(markdown),
        summary=redact(summary),
        timeline=timeline,
        citations=citations,
        narrated=tuple(narrated),
    )
