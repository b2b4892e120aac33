"""Appending to and verifying the audit chain. The caller owns the transaction: an audit row is
written in the same transaction as the state change it records, and commits or rolls back with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit.models import GENESIS_HASH, AuditHeadRecord, AuditRecord
from bot.clock import Clock, utc
from bot.errors import AuditChainError

__all__ = [
    "AuditEntry",
    "NewEntry",
    "append",
    "append_many",
    "entries",
    "entry_hash",
    "lock",
    "lock_head",
    "verify",
    "write_entries",
]

HEAD_ID = 1
_HEAD = cast(Table, AuditHeadRecord.__table__)
_LOG = cast(Table, AuditRecord.__table__)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    event: str
    incident_id: int | None
    details: Mapping[str, Any]
    prev_hash: str
    hash: str


def _canonical(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    event: str,
    incident_id: int | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 over the row's content and the previous hash, in a fixed canonical form."""
    content = _canonical(
        {
            "seq": seq,
            "at": utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "event": event,
            "incident_id": incident_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class NewEntry:
    """One row to append: what happened, who did it, and to which incident."""

    actor: str
    event: str
    incident_id: int | None = None
    details: Mapping[str, Any] | None = None


async def append(
    session: AsyncSession,
    *,
    clock: Clock,
    actor: str,
    event: str,
    incident_id: int | None = None,
    details: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Add one row to the chain inside the caller's transaction (see :func:`append_many`)."""
    (entry,) = await append_many(
        session, [NewEntry(actor, event, incident_id, details)], clock=clock
    )
    return entry


async def lock(session: AsyncSession) -> None:
    """Take the chain's lock now, in the caller's transaction. Writers that will append take it
    first, before their other writes, so two replicas never hold row locks the other waits on
    (a deadlock); they queue here instead. On SQLite the transaction's ``BEGIN IMMEDIATE``
    holds the database's one write lock already."""
    await (await session.connection()).run_sync(lock_head)


def lock_head(connection: Connection) -> None:
    """:func:`lock` on a synchronous connection."""
    if connection.dialect.name != "sqlite":
        _head(connection)


# Built once: every accepted burst of alerts runs them, and building a statement costs more than
# executing it (Core, not the ORM, for the same reason).
_READ_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == HEAD_ID).with_for_update()
_APPEND = insert(_LOG)
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == HEAD_ID)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def _head(connection: Connection) -> tuple[int, str]:
    """The chain's head (sequence number and hash), locked."""
    seq, digest = connection.execute(_READ_HEAD).one()
    return int(seq), str(digest)


async def append_many(
    session: AsyncSession, rows: Sequence[NewEntry], *, clock: Clock
) -> list[AuditEntry]:
    """Add ``rows`` to the chain, in order, inside the caller's transaction.

    The head row is locked (``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already holds the write
    lock), so concurrent appenders on several replicas queue instead of forking the chain. Many
    rows take one lock and one flush, which is what lets a burst of alerts commit together.
    """
    if not rows:
        return []
    connection = await session.connection()
    return await connection.run_sync(write_entries, rows, at=clock.now())


def write_entries(
    connection: Connection, rows: Sequence[NewEntry], *, at: datetime
) -> list[AuditEntry]:
    """:func:`append_many` on a synchronous connection, the rows stamped ``at``."""
    if not rows:
        return []
    seq, prev_hash = _head(connection)
    # Both databases keep microseconds, so the hash of ``at`` survives the round trip.
    at = utc(at)
    appended: list[AuditEntry] = []
    records: list[dict[str, Any]] = []
    for row in rows:
        text = _canonical(dict(row.details or {}))
        seq += 1
        digest = entry_hash(
            seq=seq,
            at=at,
            actor=row.actor,
            event=row.event,
            incident_id=row.incident_id,
            details=text,
            prev_hash=prev_hash,
        )
        records.append(
            {
                "seq": seq,
                "at": at,
                "actor": row.actor,
                "event": row.event,
                "incident_id": row.incident_id,
                "details": text,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        appended.append(
            AuditEntry(
                seq, at, row.actor, row.event, row.incident_id, json.loads(text), prev_hash, digest
            )
        )
        prev_hash = digest
    connection.execute(_APPEND, records)
    connection.execute(_MOVE_HEAD, {"new_seq": seq, "new_hash": prev_hash})
    return appended


def _entry(record: AuditRecord) -> AuditEntry:
    return AuditEntry(
        seq=record.seq,
        at=record.at,
        actor=record.actor,
        event=record.event,
        incident_id=record.incident_id,
        details=json.loads(record.details),
        prev_hash=record.prev_hash,
        hash=record.hash,
    )


async def entries(
    session: AsyncSession, *, incident_id: int | None = None, since: datetime | None = None
) -> Sequence[AuditEntry]:
    """The chain in order, optionally only one incident's rows or rows from ``since`` on."""
    query = select(AuditRecord).order_by(AuditRecord.seq)
    if incident_id is not None:
        query = query.where(AuditRecord.incident_id == incident_id)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    return [_entry(record) for record in (await session.execute(query)).scalars()]


async def verify(session: AsyncSession) -> int:
    """Check the whole chain; return the number of rows, or raise :class:`AuditChainError`
    naming the first row that was edited, deleted, or inserted out of order."""
    expected_seq = 1
    prev_hash = GENESIS_HASH
    result = await session.stream_scalars(select(AuditRecord).order_by(AuditRecord.seq))
    async for record in result:
        if record.seq != expected_seq:
            raise AuditChainError(
                record.seq,
                f"expected row {expected_seq} here: rows were deleted or inserted out of order",
            )
        if record.prev_hash != prev_hash:
            raise AuditChainError(
                record.seq, "does not link to the row before it (deleted or re-ordered rows)"
            )
        recomputed = entry_hash(
            seq=record.seq,
            at=record.at,
            actor=record.actor,
            event=record.event,
            incident_id=record.incident_id,
            details=record.details,
            prev_hash=record.prev_hash,
        )
        if recomputed != record.hash:
            raise AuditChainError(record.seq, "content does not match its hash (row was edited)")
        prev_hash = record.hash
        expected_seq += 1
    head = (
        await session.execute(select(AuditHeadRecord).where(AuditHeadRecord.id == HEAD_ID))
    ).scalar_one_or_none()
    count = expected_seq - 1
    if head is None:
        raise AuditChainError(count + 1, "the chain's head record is missing")
    if head.seq != count or head.hash != prev_hash:
        raise AuditChainError(
            count + 1 if head.seq > count else head.seq,
            f"the chain ends at row {count} but its head records row {head.seq}: "
            "rows were deleted from the end or the head was altered",
        )
    return count
