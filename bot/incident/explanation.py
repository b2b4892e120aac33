"""``/explain``'s answer: the packet's own facts in words (:func:`bot.packet.explain.explain`),
or, with a narrator configured, a grounded answer written by the language model from the same
facts, each sentence citing them. The narrator never adds a fact: when it fails or nothing it
wrote survives grounding, the deterministic answer is given."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import messages
from bot.clock import Clock
from bot.incident.context import PipelineContext
from bot.incident.models import IncidentRecord
from bot.incident.triage import triage_incident
from bot.narrator.facts import incident_facts, known_services
from bot.narrator.notes import unused
from bot.packet.explain import explain

__all__ = ["DEFAULT_QUESTION", "explanation"]

DEFAULT_QUESTION = "What is the most likely cause, and what evidence supports or weakens it?"


async def explanation(
    incident: IncidentRecord,
    question: str,
    *,
    sessions: async_sessionmaker[AsyncSession],
    context: PipelineContext,
    clock: Clock,
) -> str:
    """The answer to post; a look at the evidence as it stands, changing nothing."""
    triage = await triage_incident(
        incident, sessions=sessions, context=context, clock=clock, watch_late=False
    )
    answer = explain(triage.packet, question)
    if context.narrator is None:
        return answer
    sheet = incident_facts(
        packet=triage.packet,
        assessment=triage.assessment,
        evidence=triage.evidence,
        services=known_services(context.catalog, incident.service),
    )
    narration = await context.narrator.explain(
        question.strip() or DEFAULT_QUESTION,
        sheet.facts,
        incident_id=incident.id,
        names=sheet.names,
        advice=sheet.advice,
    )
    if not narration.grounded:
        return f"{answer}\n{unused(narration)}"
    return messages.narrated_answer(narration, sheet.facts)
