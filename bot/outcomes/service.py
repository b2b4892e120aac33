"""Reading incidents' outcomes from the database: a few grouped queries (incidents, their first
packet, people's acts, actions, noise), whatever the number of incidents. Read-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Subquery, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.kinds import ActionKind
from bot.action.models import ActionRecord, ActionState
from bot.audit.models import AuditRecord
from bot.clock import utc
from bot.history.models import HistoryRecord
from bot.incident.models import IncidentRecord
from bot.outcomes.compute import outcome_report
from bot.outcomes.values import IncidentOutcome, OutcomeReport

__all__ = [
    "HUMAN_ACTORS",
    "RESOLVING_EVENTS",
    "RecentReport",
    "incident_outcomes",
    "read_report",
]

HUMAN_ACTORS = ("slack:", "cli:")  # audit actors that are people (a Slack user, an operator)
RESOLVING_EVENTS = ("incident.resolved", "incident.resolution_noted")
RAN = (
    ActionState.EXECUTING,
    ActionState.SUCCEEDED,
    ActionState.FAILED,
    ActionState.VERIFIED,
    ActionState.NOT_VERIFIED,
)


def _human() -> ColumnElement[bool]:
    return or_(*(AuditRecord.actor.startswith(prefix) for prefix in HUMAN_ACTORS))


def _posted() -> Subquery:
    """Each incident's first packet posted."""
    return (
        select(AuditRecord.incident_id, func.min(AuditRecord.at).label("posted"))
        .where(AuditRecord.event == "packet.posted", AuditRecord.incident_id.is_not(None))
        .group_by(AuditRecord.incident_id)
        .subquery()
    )


async def _packets(session: AsyncSession) -> dict[int, datetime]:
    posted = _posted()
    rows = await session.execute(select(posted.c.incident_id, posted.c.posted))
    return {row[0]: utc(row[1]) for row in rows if row[0] is not None}


async def _first_human_after_packet(session: AsyncSession) -> dict[int, datetime]:
    """Each incident's first act of a person once its packet was posted (one who declared the
    incident acted before any packet: that is not acknowledging it)."""
    posted = _posted()
    query = (
        select(AuditRecord.incident_id, func.min(AuditRecord.at))
        .join(posted, posted.c.incident_id == AuditRecord.incident_id)
        .where(_human(), AuditRecord.at >= posted.c.posted)
        .group_by(AuditRecord.incident_id)
    )
    return {row[0]: utc(row[1]) for row in await session.execute(query) if row[0] is not None}


async def _acts_before_resolving(session: AsyncSession) -> dict[int, int]:
    query = (
        select(AuditRecord.incident_id, func.count())
        .join(IncidentRecord, IncidentRecord.id == AuditRecord.incident_id)
        .where(
            _human(),
            AuditRecord.event.not_in(RESOLVING_EVENTS),
            or_(IncidentRecord.resolved_at.is_(None), AuditRecord.at <= IncidentRecord.resolved_at),
        )
        .group_by(AuditRecord.incident_id)
    )
    return {row[0]: int(row[1]) for row in await session.execute(query) if row[0] is not None}


async def _actions(session: AsyncSession) -> dict[int, tuple[int, int, bool]]:
    """Per incident: actions run, actions verified, whether an owner was paged."""
    query = select(ActionRecord.incident_id, ActionRecord.kind, ActionRecord.state).where(
        ActionRecord.dry_run.is_(False), ActionRecord.state.in_(RAN)
    )
    found: dict[int, tuple[int, int, bool]] = {}
    for incident_id, kind, state in await session.execute(query):
        ran, verified, paged = found.get(incident_id, (0, 0, False))
        found[incident_id] = (
            ran + 1,
            verified + (state == ActionState.VERIFIED),
            paged or kind == ActionKind.PAGE_OWNER,
        )
    return found


async def incident_outcomes(
    session: AsyncSession, *, since: datetime | None = None
) -> Sequence[IncidentOutcome]:
    """Every incident first seen at or after ``since`` (merged ones aside: their signals count
    in the incident they joined), with its outcome."""
    query = select(
        IncidentRecord.id,
        IncidentRecord.service,
        IncidentRecord.severity,
        IncidentRecord.first_seen_at,
        IncidentRecord.resolved_at,
        IncidentRecord.severity_raised,
    ).where(IncidentRecord.merged_into.is_(None))
    if since is not None:
        query = query.where(IncidentRecord.first_seen_at >= since)
    incidents = (await session.execute(query.order_by(IncidentRecord.id))).all()
    packets = await _packets(session)
    humans = await _first_human_after_packet(session)
    acts = await _acts_before_resolving(session)
    actions = await _actions(session)
    noise = set(
        (
            await session.execute(select(HistoryRecord.incident_id).where(HistoryRecord.noise))
        ).scalars()
    )
    outcomes = []
    for incident_id, service, severity, first_seen, resolved, raised in incidents:
        ran, verified, paged = actions.get(incident_id, (0, 0, False))
        outcomes.append(
            IncidentOutcome(
                incident_id=incident_id,
                service=service,
                severity=severity,
                first_seen_at=utc(first_seen),
                packet_at=packets.get(incident_id),
                first_human_at=humans.get(incident_id),
                resolved_at=utc(resolved) if resolved is not None else None,
                human_acts=acts.get(incident_id, 0),
                escalated=bool(raised) or paged,
                executed=ran,
                verified=verified,
                noise=incident_id in noise,
            )
        )
    return outcomes


async def read_report(
    session: AsyncSession, *, since: datetime | None, until: datetime
) -> OutcomeReport:
    """The outcome report of the incidents first seen in [``since``, ``until``]."""
    return outcome_report(await incident_outcomes(session, since=since), since=since, until=until)


class RecentReport:
    """The all-time outcome report, read again at most once every ``max_age``.

    Why: ``/metrics`` is scraped every 15-60 s by each Prometheus watching each replica, and the
    report reads every incident and its audit rows; with ten thousand incidents stored that is
    a real query for figures that move on the scale of minutes (MTTR, rates). The first read
    is always fresh; later ones are at most ``max_age`` old."""

    def __init__(self, max_age: timedelta = timedelta(seconds=30)) -> None:
        self._max_age = max_age
        self._report: OutcomeReport | None = None
        self._read_at: datetime | None = None

    async def read(self, session: AsyncSession, *, now: datetime) -> OutcomeReport:
        if self._report is None or self._read_at is None or now - self._read_at >= self._max_age:
            self._report = await read_report(session, since=None, until=now)
            self._read_at = now
        return self._report
