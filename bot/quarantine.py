"""Quarantine: work that keeps failing is set aside, visibly, so that everything else goes on.

The pipeline retries what fails: a signal whose correlation raised is left unclaimed (its
transaction rolled back) and tried on the next pass; an incident whose publishing raised for a
reason other than Slack (Slack's failures back off and retry on their own) is tried again after a
back-off. Without a bound, one row that always fails is retried forever and, for correlation,
holds back every signal after it. So each failure is counted on the row, in a transaction of its
own, and at :data:`QUARANTINE_AFTER` failures the row is quarantined: ``quarantined_at`` is set,
an audit row says why, the pipeline skips it, ``/metrics`` and the App Home count it, and
``incident-bot quarantine list|retry`` shows it and puts it back.

A failure of the database itself (it does not answer, a connection dropped) is not the row's
fault: :func:`is_transient` tells those apart, and they are retried without being counted.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select, update
from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import Clock
from bot.incident.models import IncidentRecord
from bot.redaction import redact
from bot.signal.models import SignalRecord

__all__ = [
    "QUARANTINE_AFTER",
    "QuarantineCounts",
    "Quarantined",
    "Subject",
    "counts",
    "describe",
    "incident_failed",
    "is_transient",
    "quarantined",
    "release",
    "signal_failed",
]

log = logging.getLogger(__name__)

QUARANTINE_AFTER = 3  # failures in a row; each pass of the pipeline is one attempt
ERROR_LIMIT = 500  # characters of the last error kept on the row
BOT_ACTOR = "bot"


class Subject(StrEnum):
    SIGNAL = "signal"
    INCIDENT = "incident"


@dataclass(frozen=True, slots=True)
class QuarantineCounts:
    signals: int = 0
    incidents: int = 0

    @property
    def total(self) -> int:
        return self.signals + self.incidents


@dataclass(frozen=True, slots=True)
class Quarantined:
    """One quarantined row, as ``incident-bot quarantine list`` shows it."""

    subject: Subject
    id: int
    what: str  # source and service of a signal; service and title of an incident
    failures: int
    last_error: str
    at: datetime


def describe(item: Quarantined) -> str:
    """One line of ``incident-bot quarantine list``."""
    return (
        f"{item.subject} {item.id}\t{item.what}\t{item.failures} failures\t"
        f"since {item.at:%Y-%m-%d %H:%M:%S}Z\t{item.last_error}"
    )


# PostgreSQL's "deadlock detected" and "could not serialize access": the database chose this
# transaction to undo because of what others held at that moment, nothing about its rows.
_RETRY_STATES = frozenset({"40P01", "40001"})


def is_transient(error: BaseException) -> bool:
    """True for a failure of the database connection itself, or a deadlock or serialization
    failure the database resolved by undoing this transaction: they say nothing about the row
    being worked on, so they are retried, never counted towards quarantine."""
    if isinstance(
        error,
        OperationalError | InterfaceError | DisconnectionError | PoolTimeoutError | OSError,
    ):
        return True
    state = getattr(getattr(error, "orig", None), "sqlstate", None)
    return isinstance(state, str) and state in _RETRY_STATES


def _describe(error: BaseException) -> str:
    # Redacted: the message may quote an alert's text, and it is shown and logged.
    return redact(f"{type(error).__name__}: {error}")[:ERROR_LIMIT]


async def signal_failed(
    sessions: async_sessionmaker[AsyncSession],
    signal_id: int,
    error: BaseException,
    *,
    clock: Clock,
    limit: int = QUARANTINE_AFTER,
) -> bool:
    """Count one failed correlation of the signal; True when this failure quarantined it."""
    return await _failed(sessions, Subject.SIGNAL, signal_id, error, clock=clock, limit=limit)


async def incident_failed(
    sessions: async_sessionmaker[AsyncSession],
    incident_id: int,
    error: BaseException,
    *,
    clock: Clock,
    limit: int = QUARANTINE_AFTER,
) -> bool:
    """Count one failed publishing pass of the incident; True when this one quarantined it."""
    return await _failed(sessions, Subject.INCIDENT, incident_id, error, clock=clock, limit=limit)


def _table(subject: Subject) -> type[SignalRecord] | type[IncidentRecord]:
    return SignalRecord if subject == Subject.SIGNAL else IncidentRecord


async def _failed(
    sessions: async_sessionmaker[AsyncSession],
    subject: Subject,
    row_id: int,
    error: BaseException,
    *,
    clock: Clock,
    limit: int,
) -> bool:
    table = _table(subject)
    text = _describe(error)
    async with sessions() as session, session.begin():
        await session.execute(
            update(table)
            .where(table.id == row_id, table.quarantined_at.is_(None))
            .values(failures=table.failures + 1, last_error=text)
            .execution_options(synchronize_session=False)
        )
        failures = await session.scalar(select(table.failures).where(table.id == row_id))
        if failures is None or failures < limit:
            log.warning("%s %s failed (%s of %s): %s", subject, row_id, failures, limit, text)
            return False
        quarantine = (
            update(table)
            .where(table.id == row_id, table.quarantined_at.is_(None))
            .values(quarantined_at=clock.now())
            .execution_options(synchronize_session=False)
        )
        if getattr(await session.execute(quarantine), "rowcount", 0) != 1:
            return False  # another replica quarantined it a moment ago
        await audit.append(
            session,
            clock=clock,
            actor=BOT_ACTOR,
            event=f"{subject}.quarantined",
            incident_id=row_id if subject == Subject.INCIDENT else None,
            details={f"{subject}_id": row_id, "failures": failures, "error": text},
        )
    log.error("%s %s quarantined after %s failures: %s", subject, row_id, failures, text)
    return True


async def counts(session: AsyncSession) -> QuarantineCounts:
    """How many signals and incidents are quarantined now."""
    signals = await session.scalar(
        select(func.count()).where(SignalRecord.quarantined_at.is_not(None))
    )
    incidents = await session.scalar(
        select(func.count()).where(IncidentRecord.quarantined_at.is_not(None))
    )
    return QuarantineCounts(int(signals or 0), int(incidents or 0))


async def quarantined(session: AsyncSession) -> Sequence[Quarantined]:
    """Every quarantined row, signals first, oldest first."""
    found: list[Quarantined] = []
    signals = await session.execute(
        select(SignalRecord)
        .where(SignalRecord.quarantined_at.is_not(None))
        .order_by(SignalRecord.quarantined_at, SignalRecord.id)
    )
    for signal in signals.scalars():
        found.append(
            Quarantined(
                Subject.SIGNAL,
                signal.id,
                f"{signal.source} {signal.service}",
                signal.failures,
                signal.last_error or "",
                signal.quarantined_at or signal.received_at,
            )
        )
    incidents = await session.execute(
        select(IncidentRecord)
        .where(IncidentRecord.quarantined_at.is_not(None))
        .order_by(IncidentRecord.quarantined_at, IncidentRecord.id)
    )
    for incident in incidents.scalars():
        found.append(
            Quarantined(
                Subject.INCIDENT,
                incident.id,
                f"{incident.service}: {redact(incident.title)}",
                incident.failures,
                incident.last_error or "",
                incident.quarantined_at or incident.opened_at,
            )
        )
    return found


async def release(
    session: AsyncSession,
    subject: Subject,
    row_id: int | None,
    *,
    actor: str,
    clock: Clock,
) -> list[int]:
    """Put quarantined rows back in the pipeline with a fresh count of failures: the one with
    ``row_id``, or every one of ``subject`` when None. Returns the ids released, each with an
    audit row; the caller commits, and the pipeline's next pass takes them."""
    table = _table(subject)
    query = select(table.id).where(table.quarantined_at.is_not(None))
    if row_id is not None:
        query = query.where(table.id == row_id)
    ids = [int(found) for found in (await session.execute(query.order_by(table.id))).scalars()]
    if not ids:
        return []
    values: dict[str, object] = {"quarantined_at": None, "failures": 0}
    if subject == Subject.INCIDENT:
        values["lease_until"] = None
    await session.execute(
        update(table)
        .where(table.id.in_(ids))
        .values(values)
        .execution_options(synchronize_session=False)
    )
    for released in ids:
        await audit.append(
            session,
            clock=clock,
            actor=actor,
            event=f"{subject}.quarantine_released",
            incident_id=released if subject == Subject.INCIDENT else None,
            details={f"{subject}_id": released},
        )
    return ids
