"""The incidents as a read-only board: every incident with its severity, service, state, age
and channel, and one incident's story (its audit timeline with the trail's verification, its
actions and their states, and its postmortem draft when one was shared).

Database reads only, for the sandbox console (``handlers/sandbox``); nothing here changes a row.
What leaves through it is redacted like an audit export (:func:`bot.audit.export.json_line`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.models import ActionRecord
from bot.audit import service as audit
from bot.audit.export import json_line
from bot.clock import utc
from bot.errors import AuditTrailError
from bot.incident.models import IncidentRecord
from bot.redaction import redact

__all__ = [
    "ActionLine",
    "ChainCheck",
    "IncidentLine",
    "IncidentStory",
    "PostmortemDraftRef",
    "incident_board",
    "incident_story",
]

POSTMORTEM_DRAFTED = "postmortem.drafted"


@dataclass(frozen=True, slots=True)
class IncidentLine:
    id: int
    title: str
    severity: str
    service: str
    status: str
    opened_at: datetime
    age_seconds: float
    channel_id: str | None
    channel_name: str | None

    @property
    def ref(self) -> str:
        return f"INC-{self.id}"


@dataclass(frozen=True, slots=True)
class ActionLine:
    id: int
    kind: str
    target: str
    state: str
    dry_run: bool
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    result: str | None


@dataclass(frozen=True, slots=True)
class ChainCheck:
    """The whole trail's hash chains, checked now: ``rows`` when they hold, else ``problem``."""

    ok: bool
    rows: int
    problem: str | None


@dataclass(frozen=True, slots=True)
class PostmortemDraftRef:
    """The newest draft shared in the channel (its file in Slack)."""

    file_id: str
    filename: str
    at: datetime


@dataclass(frozen=True, slots=True)
class IncidentStory:
    incident: IncidentLine
    timeline: Sequence[Mapping[str, Any]]  # audit rows as exported: redacted, times in UTC
    chain: ChainCheck
    actions: Sequence[ActionLine]
    postmortem: PostmortemDraftRef | None


def _line(record: IncidentRecord, now: datetime) -> IncidentLine:
    return IncidentLine(
        id=record.id,
        title=redact(record.title),
        severity=record.severity,
        service=record.service,
        status=record.status,
        opened_at=utc(record.opened_at),
        age_seconds=max(0.0, (utc(now) - utc(record.opened_at)).total_seconds()),
        channel_id=record.channel_id,
        channel_name=record.channel_name,
    )


async def incident_board(session: AsyncSession, *, now: datetime) -> Sequence[IncidentLine]:
    """Every incident, newest first."""
    query = select(IncidentRecord).order_by(IncidentRecord.id.desc())
    return [_line(record, now) for record in (await session.execute(query)).scalars()]


async def _chain(session: AsyncSession) -> ChainCheck:
    try:
        return ChainCheck(ok=True, rows=await audit.verify(session), problem=None)
    except AuditTrailError as exc:
        return ChainCheck(ok=False, rows=0, problem=str(exc))


def _action(record: ActionRecord) -> ActionLine:
    return ActionLine(
        id=record.id,
        kind=record.kind,
        target=redact(record.target),
        state=record.state,
        dry_run=record.dry_run,
        proposed_by=record.proposed_by,
        proposed_at=utc(record.proposed_at),
        decided_by=record.decided_by,
        decided_at=utc(record.decided_at) if record.decided_at else None,
        result=redact(record.result) if record.result else None,
    )


def _postmortem(timeline: Sequence[audit.AuditEntry]) -> PostmortemDraftRef | None:
    drafted = [entry for entry in timeline if entry.event == POSTMORTEM_DRAFTED]
    if not drafted:
        return None
    details = drafted[-1].details
    return PostmortemDraftRef(
        file_id=str(details.get("file_id", "")),
        filename=str(details.get("filename", "")),
        at=utc(drafted[-1].at),
    )


async def incident_story(
    session: AsyncSession, incident_id: int, *, now: datetime
) -> IncidentStory | None:
    """One incident's story; None for an unknown incident."""
    record = await session.get(IncidentRecord, incident_id)
    if record is None:
        return None
    timeline = await audit.entries(session, incident_id=incident_id)
    query = select(ActionRecord).where(ActionRecord.incident_id == incident_id)
    actions = await session.execute(query.order_by(ActionRecord.id))
    return IncidentStory(
        incident=_line(record, now),
        timeline=[json.loads(json_line(entry)) for entry in timeline],
        chain=await _chain(session),
        actions=[_action(action) for action in actions.scalars()],
        postmortem=_postmortem(timeline),
    )
