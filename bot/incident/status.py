"""The ``/status`` answer as a value: one incident's state, or the list of open incidents."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.incident import service as incidents
from bot.incident.models import IncidentRecord
from bot.signal import service as signals

__all__ = [
    "IncidentStatusReport",
    "IncidentSummary",
    "OpenAction",
    "SignalLine",
    "status_of",
    "summary_of",
]


@dataclass(frozen=True, slots=True)
class SignalLine:
    id: int
    title: str
    source: str
    status: str
    started_at: datetime


@dataclass(frozen=True, slots=True)
class OpenAction:
    id: int
    kind: str
    target: str
    state: str


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    id: int
    service: str
    severity: str
    status: str
    title: str
    opened_at: datetime
    channel_id: str | None
    channel_name: str | None
    commander: str | None = None  # a Slack user id


@dataclass(frozen=True, slots=True)
class IncidentStatusReport:
    incident: IncidentSummary
    signals: tuple[SignalLine, ...]
    actions: tuple[OpenAction, ...]


def summary_of(record: IncidentRecord) -> IncidentSummary:
    return IncidentSummary(
        id=record.id,
        service=record.service,
        severity=record.severity,
        status=record.status,
        title=record.title,
        opened_at=record.opened_at,
        channel_id=record.channel_id,
        channel_name=record.channel_name,
        commander=record.commander,
    )


async def status_of(
    session: AsyncSession, *, channel_id: str
) -> IncidentStatusReport | Sequence[IncidentSummary]:
    """The incident whose channel this is, with its signals and open actions; elsewhere, every
    open incident (most severe first)."""
    record = await incidents.by_channel(session, channel_id)
    if record is None:
        return [summary_of(item) for item in await incidents.list_open(session)]
    signal_rows = await signals.signals_of(session, record.id)
    action_rows = await incidents.open_actions(session, record.id)
    return IncidentStatusReport(
        incident=summary_of(record),
        signals=tuple(
            SignalLine(row.id, row.title, row.source, row.status, row.started_at)
            for row in signal_rows
        ),
        actions=tuple(OpenAction(a.id, a.kind, a.target, a.state) for a in action_rows),
    )
