"""Naming an incident's commander: the person who coordinates, recorded on the incident and in
the audit chain, so ``/status`` and the App Home can say who leads."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock
from bot.incident import service as incidents
from bot.incident.models import IncidentRecord

__all__ = ["CommanderChange", "set_commander"]


@dataclass(frozen=True, slots=True)
class CommanderChange:
    incident_id: int
    commander: str
    previous: str | None

    @property
    def changed(self) -> bool:
        return self.commander != self.previous


async def set_commander(
    session: AsyncSession, incident_id: int, *, commander: str, actor: str, clock: Clock
) -> CommanderChange:
    """Make ``commander`` (a Slack user id) the incident's commander, with an audit row in the
    caller's transaction; naming the one already in charge changes and records nothing."""
    record = await session.get(IncidentRecord, incident_id, populate_existing=True)
    previous = record.commander if record is not None else None
    change = CommanderChange(incident_id, commander, previous)
    if not change.changed:
        return change
    await incidents.set_commander(session, incident_id=incident_id, commander=commander)
    await audit.append(
        session,
        clock=clock,
        actor=actor,
        event="incident.commander_set",
        incident_id=incident_id,
        details={"commander": commander, "previous": previous},
    )
    return change
