"""Resolving with a note: what fixed it, or that it was not an incident (noise), kept for the
packets of incidents to come. A note given after the incident was resolved (the button resolves
without one) is added once; a note is never silently replaced."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock
from bot.history import service as history
from bot.incident import service as incidents
from bot.incident.correlate import resolve_incident
from bot.incident.models import IncidentStatus

__all__ = ["ResolveOutcome", "resolve_with_note"]


class ResolveOutcome(StrEnum):
    RESOLVED = "resolved"  # it was open and is resolved now (with the note, if one was given)
    NOTED = "noted"  # it was resolved already; the note was added
    UNCHANGED = "unchanged"  # resolved already, with nothing to add (or a note kept already)


async def resolve_with_note(
    session: AsyncSession,
    incident_id: int,
    *,
    actor: str,
    clock: Clock,
    note: str | None = None,
    noise: bool = False,
) -> ResolveOutcome:
    """Resolve the incident with ``note`` and ``noise``; on one resolved already, add them
    when it has no note yet. Audited in the caller's transaction either way."""
    if await resolve_incident(
        session, incident_id, actor=actor, clock=clock, note=note, noise=noise
    ):
        return ResolveOutcome.RESOLVED
    record = await incidents.get(session, incident_id)
    has_words = bool(note and note.strip())
    if record is None or record.status != IncidentStatus.RESOLVED or not (has_words or noise):
        return ResolveOutcome.UNCHANGED
    if not await history.record_note(session, incident=record, note=note, noise=noise):
        return ResolveOutcome.UNCHANGED
    row = await history.get(session, incident_id)
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.resolution_noted",
        incident_id=incident_id,
        details={"note": row.resolution if row is not None else None, "noise": noise},
    )
    return ResolveOutcome.NOTED
