"""Writing a postmortem from its facts: the timeline, optional grounded prose, the Markdown and
the short channel summary, all redacted. Pure but for awaiting the narrator."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import IncidentBotError
from bot.messages import postmortem_summary
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.ports import Fact, NarratedSection, PostmortemNarrator
from bot.postmortem.render import render_markdown
from bot.postmortem.sections import action_items, people_messages
from bot.postmortem.timeline import TimelineEntry, build_timeline
from bot.redaction import redact

__all__ = ["Postmortem", "narrator_facts", "write_postmortem"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Postmortem:
    incident_id: int
    filename: str  # postmortem-INC-<id>.md
    title: str
    markdown: str  # redacted
    summary: str  # the message posted next to the file, redacted
    timeline: tuple[TimelineEntry, ...]
    narrated: tuple[NarratedSection, ...]  # sections whose prose came from the narrator


def narrator_facts(facts: PostmortemFacts, timeline: Sequence[TimelineEntry]) -> tuple[Fact, ...]:
    """What the narrator may state, redacted (it may be sent to an LLM): the incident itself
    (``I1``), the timeline (``T…``), the hypotheses (``H…``) and the evidence (``E…``), with
    the ids the document shows, so a citation can be followed."""
    incident = facts.incident
    items = [
        Fact(
            "I1",
            f"INC-{incident.id} {incident.severity} {incident.status} on {incident.service}: "
            f"{incident.title}",
        )
    ]
    items.extend(
        Fact(entry.id, f"{entry.at:%Y-%m-%d %H:%M:%S} UTC {entry.text}") for entry in timeline
    )
    if facts.packet is not None:
        items.extend(Fact(f"H{i}", cause) for i, cause in enumerate(facts.packet.causes, 1))
        items.extend(Fact(f"E{i}", line) for i, line in enumerate(facts.packet.evidence, 1))
    return tuple(Fact(item.id, redact(item.text)) for item in items)


async def _prose(
    narrator: PostmortemNarrator | None, section: NarratedSection, facts: Sequence[Fact]
) -> str | None:
    if narrator is None:
        return None
    try:
        text = await narrator.narrate(section, facts)
    except IncidentBotError as exc:
        # The draft stands without prose: the deterministic text says the same from the data.
        log.warning("narrator gave no %s for the postmortem: %s", section, exc)
        return None
    return text.strip() if text and text.strip() else None


async def write_postmortem(
    facts: PostmortemFacts, *, narrator: PostmortemNarrator | None = None
) -> Postmortem:
    """The draft of ``facts``; Summary and the lead of Root Cause Analysis come from
    ``narrator`` when it gives grounded prose, from the deterministic template otherwise."""
    timeline = build_timeline(facts)
    cited = narrator_facts(facts, timeline)
    summary_prose = await _prose(narrator, "summary", cited)
    root_cause_prose = await _prose(narrator, "root_cause", cited)
    markdown = render_markdown(
        facts, timeline, summary_prose=summary_prose, root_cause_prose=root_cause_prose
    )
    incident = facts.incident
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
        narrated=tuple(narrated),
    )
