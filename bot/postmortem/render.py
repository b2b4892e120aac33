"""The postmortem as a Markdown document, pure: six sections in a fixed order, each filled
from the facts (or, for Summary and Root Cause Analysis, from grounded prose when a narrator
gave some). Redaction happens after rendering, over the whole text (see
:func:`bot.postmortem.draft.write_postmortem`)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.postmortem.citations import Citations
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.sections import (
    action_items,
    impact_lines,
    people_messages,
    plural,
    resolution_lines,
    root_cause_lines,
    stamp,
    summary_text,
)
from bot.postmortem.timeline import TimelineEntry

__all__ = ["SECTION_TITLES", "render_markdown", "timeline_lines"]

SECTION_TITLES = (
    "Summary",
    "Timeline",
    "Root Cause Analysis",
    "Resolution",
    "Impact Assessment",
    "Action Items",
)


def timeline_lines(
    facts: PostmortemFacts, timeline: Sequence[TimelineEntry], citations: Citations
) -> list[str]:
    lines = [
        f"- **{fact.id}** `{stamp(entry.at)}` {entry.text} _({entry.origin})_"
        for fact, entry in zip(citations.timeline, timeline, strict=True)
    ] or ["- No dated event recorded for this incident."]
    if facts.history_note:
        lines.extend(["", f"_{facts.history_note}_"])
    return lines


def _source_line(facts: PostmortemFacts) -> str:
    channel = (
        f"{plural(len(people_messages(facts)), 'message')} from people in the channel"
        if facts.history_note is None
        else "no channel messages (see the note under Timeline)"
    )
    return (
        f"_Draft written {stamp(facts.drafted_at)} by incident-bot from the incident record, "
        f"{plural(len(facts.signals), 'signal')}, {plural(len(facts.audit), 'audit row')}, "
        f"{plural(len(facts.actions), 'action')} and {channel}. All times are UTC. "
        "Review and correct it before sharing._"
    )


def render_markdown(
    facts: PostmortemFacts,
    timeline: Sequence[TimelineEntry],
    citations: Citations,
    *,
    summary_prose: str | None = None,
    root_cause_prose: str | None = None,
) -> str:
    """The document, its facts labelled with ``citations``' ids. ``summary_prose`` replaces the
    deterministic summary; ``root_cause_prose`` leads the Root Cause Analysis, above the
    hypotheses and evidence it cites (which stay)."""
    incident = facts.incident
    root_cause = root_cause_lines(
        facts,
        hypothesis_ids=[fact.id for fact in citations.hypotheses],
        evidence_ids=[fact.id for fact in citations.evidence],
    )
    if root_cause_prose:
        root_cause = [root_cause_prose.strip(), "", *root_cause]
    bodies = (
        [(summary_prose or summary_text(facts)).strip()],
        timeline_lines(facts, timeline, citations),
        root_cause,
        resolution_lines(facts),
        impact_lines(facts),
        action_items(facts),
    )
    lines = [
        f"# Postmortem draft: INC-{incident.id} {incident.title}",
        "",
        f"**{citations.incident.id}** {citations.incident.text}",
        "",
        _source_line(facts),
    ]
    for title, body in zip(SECTION_TITLES, bodies, strict=True):
        lines.extend(["", f"## {title}", "", *body])
    return "\n".join(lines) + "\n"
