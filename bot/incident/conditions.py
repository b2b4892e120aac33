"""An incident's alerting conditions, kept as it grows (table ``incident_conditions``).

Correlation asks three things of an incident for every signal that may join it: which
conditions (fingerprints and services) it holds, whether every one of them is resolved, and how
many distinct conditions have fired. Reading them from the signals made each join cost more as
the incident grew (a 4,000-alert storm's last joins read 4,000 rows each). Here they are one row
per condition, upserted in the transaction that joins each signal, so a join reads a number of
rows that does not grow with the storm. The caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, and_, case, delete, or_, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.incident.models import IncidentConditionRecord
from bot.signal.models import SignalRecord
from bot.signal.values import SignalStatus

__all__ = [
    "AlertStates",
    "Conditions",
    "conditions_of",
    "holding",
    "rebuild",
    "record",
    "states_of",
]

_TABLE = cast(Table, IncidentConditionRecord.__table__)


@dataclass(frozen=True, slots=True)
class AlertStates:
    """An incident's alerting conditions (fingerprints) by their latest status, and how many
    distinct conditions ever fired."""

    alerts: int
    firing: int
    fired: int = 0

    @property
    def all_resolved(self) -> bool:
        return self.alerts > 0 and self.firing == 0


@dataclass(frozen=True, slots=True)
class Conditions:
    fingerprints: frozenset[str]
    services: frozenset[str]


@dataclass(slots=True)
class _Latest:
    status: str
    at: datetime
    signal_id: int
    fired: bool
    signals: int


def _latest(records: Iterable[SignalRecord]) -> dict[tuple[str, str], _Latest]:
    """Per (fingerprint, service): the latest status by (started_at, id), whether any fired."""
    found: dict[tuple[str, str], _Latest] = {}
    for signal in records:
        key = (signal.fingerprint, signal.service)
        firing = signal.status == SignalStatus.FIRING
        seen = found.get(key)
        if seen is None:
            found[key] = _Latest(signal.status, signal.started_at, signal.id, firing, 1)
            continue
        seen.fired = seen.fired or firing
        seen.signals += 1
        if (signal.started_at, signal.id) > (seen.at, seen.signal_id):
            seen.status, seen.at, seen.signal_id = signal.status, signal.started_at, signal.id
    return found


def _upsert(dialect: str, rows: list[dict[str, Any]]) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(_TABLE).values(rows)
    new, old = statement.excluded, _TABLE.c
    newer = or_(
        new.latest_at > old.latest_at,
        and_(new.latest_at == old.latest_at, new.latest_signal_id > old.latest_signal_id),
    )

    def pick(column: str) -> Any:
        return case((newer, getattr(new, column)), else_=getattr(old, column))

    return statement.on_conflict_do_update(
        index_elements=["incident_id", "fingerprint", "service"],
        set_={
            "status": pick("status"),
            "latest_at": pick("latest_at"),
            "latest_signal_id": pick("latest_signal_id"),
            "fired": or_(old.fired, new.fired),
            "signals": old.signals + new.signals,
        },
    )


async def record(session: AsyncSession, incident_id: int, signals: Sequence[SignalRecord]) -> None:
    """Fold ``signals`` (just joined to ``incident_id``) into its condition rows."""
    if not signals:
        return
    rows = [
        {
            "incident_id": incident_id,
            "fingerprint": fingerprint,
            "service": service,
            "status": latest.status,
            "latest_at": latest.at,
            "latest_signal_id": latest.signal_id,
            "fired": latest.fired,
            "signals": latest.signals,
        }
        for (fingerprint, service), latest in sorted(_latest(signals).items())
    ]
    bind = session.get_bind()
    await session.execute(_upsert(bind.dialect.name, rows))


async def rebuild(session: AsyncSession, incident_id: int) -> None:
    """Recompute ``incident_id``'s rows from its signals: after a merge or a split moved
    signals between incidents (rare, and by a person)."""
    await session.flush()
    await session.execute(delete(_TABLE).where(_TABLE.c.incident_id == incident_id))
    held = (
        await session.execute(select(SignalRecord).where(SignalRecord.incident_id == incident_id))
    ).scalars()
    await record(session, incident_id, list(held))


async def states_of(session: AsyncSession, incident_id: int) -> AlertStates:
    """Latest status per fingerprint (over its services), firing count, fired count."""
    rows = (
        await session.execute(
            select(
                _TABLE.c.fingerprint,
                _TABLE.c.status,
                _TABLE.c.latest_at,
                _TABLE.c.latest_signal_id,
                _TABLE.c.fired,
            ).where(_TABLE.c.incident_id == incident_id)
        )
    ).all()
    latest: dict[str, tuple[datetime, int, str]] = {}
    fired: set[str] = set()
    for fingerprint, status, at, signal_id, ever_fired in rows:
        if fingerprint not in latest or (at, signal_id) > latest[fingerprint][:2]:
            latest[fingerprint] = (at, signal_id, status)
        if ever_fired:
            fired.add(fingerprint)
    firing = sum(1 for _, _, status in latest.values() if status == SignalStatus.FIRING)
    return AlertStates(alerts=len(latest), firing=firing, fired=len(fired))


async def conditions_of(session: AsyncSession, incident_id: int) -> Conditions:
    rows = (
        await session.execute(
            select(_TABLE.c.fingerprint, _TABLE.c.service).where(
                _TABLE.c.incident_id == incident_id
            )
        )
    ).all()
    return Conditions(frozenset(row[0] for row in rows), frozenset(row[1] for row in rows))


def holding(fingerprint: str, services: Iterable[str]) -> Select[tuple[int]]:
    """The incidents holding a condition of ``fingerprint`` or of one of ``services``."""
    return select(_TABLE.c.incident_id).where(
        or_(_TABLE.c.fingerprint == fingerprint, _TABLE.c.service.in_(list(services)))
    )
