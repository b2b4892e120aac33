"""What the App Home shows a person: the open incidents, the actions waiting for an approval,
the kill switch, what the pipeline quarantined and the outcome figures, read in one session as
a value the Slack view is drawn from."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import quarantine
from bot.action.models import ActionRecord, ActionState
from bot.incident import service as incidents
from bot.incident.status import IncidentSummary, summary_of
from bot.killswitch.service import KillSwitch
from bot.killswitch.service import read as read_kill_switch
from bot.outcomes.service import read_report
from bot.outcomes.values import OutcomeFigures
from bot.quarantine import QuarantineCounts

__all__ = ["Overview", "PendingApproval", "overview", "pending_approvals"]


@dataclass(frozen=True, slots=True)
class PendingApproval:
    """An action proposed and not yet decided: what, on what, for which incident, who asked,
    and until when an approval counts (None: it does not expire)."""

    id: int
    kind: str
    target: str
    incident_id: int
    proposed_by: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class Overview:
    incidents: tuple[IncidentSummary, ...]
    approvals: tuple[PendingApproval, ...]
    kill_switch: KillSwitch
    quarantined: QuarantineCounts = field(default_factory=QuarantineCounts)
    # The outcome figures over every incident (None: not asked for; see bot/outcomes).
    outcomes: OutcomeFigures | None = None


async def pending_approvals(session: AsyncSession) -> Sequence[PendingApproval]:
    """Actions in state ``proposed``, the soonest to expire first."""
    query = (
        select(ActionRecord)
        .where(ActionRecord.state == ActionState.PROPOSED)
        .order_by(ActionRecord.expires_at.is_(None), ActionRecord.expires_at, ActionRecord.id)
    )
    return [
        PendingApproval(
            id=record.id,
            kind=record.kind,
            target=record.target,
            incident_id=record.incident_id,
            proposed_by=record.proposed_by,
            expires_at=record.expires_at,
        )
        for record in (await session.execute(query)).scalars()
    ]


async def overview(session: AsyncSession, *, now: datetime | None = None) -> Overview:
    """The open incidents (most severe first), pending approvals, the kill switch and the
    quarantine's counts; given ``now``, the outcome figures of every incident until then."""
    report = await read_report(session, since=None, until=now) if now is not None else None
    return Overview(
        incidents=tuple(summary_of(record) for record in await incidents.list_open(session)),
        approvals=tuple(await pending_approvals(session)),
        kill_switch=await read_kill_switch(session),
        quarantined=await quarantine.counts(session),
        outcomes=report.overall if report is not None else None,
    )
