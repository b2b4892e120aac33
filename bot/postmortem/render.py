"""The postmortem as a Markdown document, pure: the sections of Google's SRE and incident.io's
templates in a fixed order, each filled from the facts (or, for Summary and the lead of Root
cause, from verified prose when a narrator gave some). Redaction happens after rendering, over
the whole text (see :func:`bot.postmortem.draft.write_postmortem`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.narrator.untrusted import shown_as_data
from bot.postmortem.citations import Citations
from bot.postmortem.facts import PostmortemFacts
from bot.postmortem.measures import Measures, stamp
from bot.postmortem.people import Names
from bot.postmortem.review import (
    action_item_lines,
    action_items,
    lessons,
    went_well,
    went_wrong,
    where_lucky,
)
from bot.postmortem.sections import (
    detection_lines,
    impact_lines,
    people_messages,
    plural,
    resolution_lines,
    root_cause_lines,
    summary_text,
    trigger_lines,
)
from bot.postmortem.timeline import TimelineEntry

__all__ = ["SECTION_TITLES", "Prose", "render_markdown", "timeline_lines"]

SECTION_TITLES = (
    "Summary",
    "Impact",
    "Trigger",
    "Detection",
    "Timeline",
    "Root cause and contributing factors",
    "Resolution",
    "What went well",
    "What went wrong",
    "Where we got lucky",
    "Action items",
    "Lessons",
)


@dataclass(frozen=True, slots=True)
class Prose:
    """Verified prose for a section, how many sentences the verifier left out, and why the
    model gave nothing usable when it did not."""

    text: str | None = None
    left_out: int = 0
    error: str | None = None

    def notes(self) -> list[str]:
        """The bot's words on what became of the model's answer, if anything needs saying."""
        notes: list[str] = []
        if self.error:
            notes.append(f"_The language model's answer was not used: {self.error}._")
        if self.left_out:
            sentences = "sentence" if self.left_out == 1 else "sentences"
            notes.append(
                f"_{self.left_out} {sentences} the language model wrote were left out: not "
                "supported by the facts they cite._"
            )
        return notes


def timeline_lines(
    facts: PostmortemFacts, timeline: Sequence[TimelineEntry], citations: Citations
) -> list[str]:
    lines = [
        f"- **{fact.id}** `{stamp(entry.at)}` {shown_as_data(entry.text)} _({entry.origin})_"
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
    measures: Measures,
    names: Names,
    summary: Prose = Prose(),
    root_cause: Prose = Prose(),
) -> str:
    """The document, its facts labelled with ``citations``' ids. ``summary`` prose replaces
    the deterministic summary; ``root_cause`` prose leads Root cause, above the hypotheses and
    evidence it cites (which stay)."""
    incident = facts.incident
    cause = root_cause_lines(
        facts,
        hypothesis_ids=[fact.id for fact in citations.hypotheses],
        evidence_ids=[fact.id for fact in citations.evidence],
    )
    lead = [root_cause.text.strip()] if root_cause.text else []
    if lead or root_cause.notes():
        cause = [*lead, *root_cause.notes(), "", *cause]
    summary_lines = [summary.text.strip() if summary.text else summary_text(facts, measures)]
    summary_lines += summary.notes()
    bodies = (
        summary_lines,
        impact_lines(facts, measures),
        trigger_lines(facts),
        detection_lines(facts, measures),
        timeline_lines(facts, timeline, citations),
        cause,
        resolution_lines(facts, measures, names),
        went_well(facts, measures),
        went_wrong(facts, measures),
        where_lucky(facts, measures),
        action_item_lines(action_items(facts, measures, names)),
        lessons(facts, measures),
    )
    lines = [
        f"# Postmortem draft: INC-{incident.id} {shown_as_data(incident.title)}",
        "",
        f"**{citations.incident.id}** {citations.incident.text}",
        "",
        _source_line(facts),
    ]
    for title, body in zip(SECTION_TITLES, bodies, strict=True):
        lines.extend(["", f"## {title}", "", *body])
    return "\n".join(lines) + "\n"
