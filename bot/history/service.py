"""Database reads and writes for incident history. The caller owns the transaction.

:func:`record_triage` keeps the facts of an incident's packet (its first triage sets
``triaged_at``; a later one, after late evidence, refreshes the facts); :func:`record_outcome`
keeps how it ended, in the resolving transaction; :func:`recent` is the packet's one query.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import RowMapping, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.action.kinds import TELLING_KINDS, ActionKind
from bot.action.models import ActionRecord, ActionState
from bot.action.plan import VendorActionKind
from bot.clock import utc
from bot.history.models import HistoryRecord
from bot.history.values import IncidentFacts, PastIncident, Remedy
from bot.incident.models import IncidentRecord
from bot.redaction import redact
from bot.scenario.terms import CauseKind

__all__ = [
    "RECENT_LIMIT",
    "get",
    "past_incident",
    "recent",
    "record_note",
    "record_outcome",
    "record_triage",
    "verified_remedy",
]

# Stored action kinds that only tell people (follow-ups included: closing a ticket).
TELLING = tuple(kind.value for kind in VendorActionKind if kind.action_kind in TELLING_KINDS)

# The most recent incidents a packet compares with: enough for months of a busy service, few
# enough that the comparison costs nothing next to the evidence sources.
RECENT_LIMIT = 200
NOTE_LIMIT = 2000


async def get(session: AsyncSession, incident_id: int) -> HistoryRecord | None:
    return await session.get(HistoryRecord, incident_id)


def _new_row(incident: IncidentRecord) -> HistoryRecord:
    return HistoryRecord(
        incident_id=incident.id,
        service=incident.service,
        fingerprint=incident.fingerprint,
        title=incident.title,
        severity=incident.severity,
        first_seen_at=incident.first_seen_at,
        templates="",
        noise=False,
        channel_id=incident.channel_id,
        channel_name=incident.channel_name,
    )


async def _row_for(session: AsyncSession, incident: IncidentRecord) -> HistoryRecord:
    """The incident's history row, added when it has none yet (another replica adding it at
    the same moment wins; its row is then read)."""
    row = await session.get(HistoryRecord, incident.id)
    if row is not None:
        return row
    row = _new_row(incident)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        found = await session.get(HistoryRecord, incident.id, populate_existing=True)
        assert found is not None  # the other replica's row, committed before our insert failed
        return found
    return row


async def record_triage(
    session: AsyncSession, *, incident: IncidentRecord, facts: IncidentFacts, at: datetime
) -> None:
    """Keep what the incident's packet established, for the packets of incidents to come."""
    row = await _row_for(session, incident)
    row.cause = facts.cause.value if facts.cause is not None else None
    row.cause_subject = facts.cause_subject
    row.dependency = facts.cause_subject if facts.cause is CauseKind.DEPENDENCY else None
    row.templates = " ".join(sorted(facts.templates))
    row.severity = incident.severity
    row.channel_id, row.channel_name = incident.channel_id, incident.channel_name
    if row.triaged_at is None:
        row.triaged_at = at


async def verified_remedy(session: AsyncSession, incident_id: int) -> Remedy | None:
    """The incident's latest action that the bot verified worked, if any."""
    query = (
        select(ActionRecord.kind, ActionRecord.target)
        .where(
            ActionRecord.incident_id == incident_id,
            ActionRecord.state == ActionState.VERIFIED,
            ActionRecord.kind.not_in(TELLING),  # a ticket or a status update fixes nothing
        )
        .order_by(ActionRecord.id.desc())
        .limit(1)
    )
    found = (await session.execute(query)).first()
    kind = _action_kind(found[0]) if found is not None else None
    return Remedy(kind, found[1]) if kind is not None and found is not None else None


def _action_kind(value: str | None) -> ActionKind | None:
    try:
        return ActionKind(value) if value is not None else None
    except ValueError:  # a kind a later version removed: history keeps the rest
        return None


def _cause_kind(value: str | None) -> CauseKind | None:
    try:
        return CauseKind(value) if value is not None else None
    except ValueError:
        return None


def _note(text: str | None) -> str | None:
    """A person's note as kept: redacted, bounded, None when blank."""
    if text is None or not text.strip():
        return None
    return redact(text.strip()[:NOTE_LIMIT])


async def record_outcome(
    session: AsyncSession,
    *,
    incident: IncidentRecord,
    at: datetime,
    actor: str,
    note: str | None = None,
    noise: bool = False,
) -> HistoryRecord:
    """Keep how the incident ended: when, by whom, the note, noise or not, the verified remedy."""
    row = await _row_for(session, incident)
    row.resolved_at = at
    row.resolved_by = actor
    row.resolution = _note(note)
    row.noise = noise
    row.channel_id, row.channel_name = incident.channel_id, incident.channel_name
    remedy = await verified_remedy(session, incident.id)
    row.remedy_kind = remedy.kind.value if remedy is not None else None
    row.remedy_target = remedy.target if remedy is not None else None
    return row


async def record_note(
    session: AsyncSession, *, incident: IncidentRecord, note: str | None, noise: bool
) -> bool:
    """Add what fixed it (or that it was noise) to a resolved incident that has no note yet;
    False when it has one (a note is never silently replaced)."""
    row = await _row_for(session, incident)
    if row.resolution is not None or row.noise:
        return False
    row.resolution = _note(note)
    row.noise = noise
    return True


def past_incident(values: RowMapping) -> PastIncident:
    """A history row's columns as the packet compares it."""
    kind = _action_kind(values["remedy_kind"])
    target = values["remedy_target"]
    resolved = utc(values["resolved_at"]) if values["resolved_at"] is not None else None
    first = utc(values["first_seen_at"])
    return PastIncident(
        service=values["service"],
        title=values["title"],
        opened_at=first,
        resolved_at=resolved,
        fingerprint=values["fingerprint"],
        cause=_cause_kind(values["cause"]),
        cause_subject=values["cause_subject"],
        templates=frozenset(values["templates"].split()),
        time_to_resolve=resolved - first if resolved is not None else None,
        resolution=values["resolution"],
        remedy=Remedy(kind, target) if kind is not None and target else None,
        noise=bool(values["noise"]),
        incident_id=values["incident_id"],
        channel_id=values["channel_id"],
        channel_name=values["channel_name"],
    )


async def recent(
    session: AsyncSession,
    *,
    service: str,
    dependencies: Collection[str],
    until: datetime,
    limit: int = RECENT_LIMIT,
) -> Sequence[PastIncident]:
    """Incidents resolved before ``until`` of ``service`` or that failed on one of its
    ``dependencies``, the most recent first: one query through the two history indexes."""
    where = HistoryRecord.service == service
    if dependencies:
        where = or_(where, HistoryRecord.dependency.in_(sorted(dependencies)))
    # The table's columns, not ORM objects: a packet reads hundreds of rows and keeps none.
    query = (
        select(HistoryRecord.__table__)
        .where(where, HistoryRecord.resolved_at.is_not(None), HistoryRecord.resolved_at <= until)
        .order_by(HistoryRecord.resolved_at.desc())
        .limit(limit)
    )
    return [past_incident(row) for row in (await session.execute(query)).mappings()]
