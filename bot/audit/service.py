"""Appending to and verifying the audit chains. The caller owns the transaction: an audit row is
written in the same transaction as the state change it records, and commits or rolls back with it.

Each process appends to a chain of its own (:mod:`bot.audit.writer`): its head row in
``audit_chains`` is locked for the append, so only the same process's transactions queue on it,
never another replica's. With a signing key each row carries the Ed25519 signature of its hash.
Checking a whole trail against the signed digests is :mod:`bot.audit.verification`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Connection, Table, bindparam, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import writer as writers
from bot.audit.keys import sign
from bot.audit.models import GENESIS_HASH, LEGACY_CHAIN, AuditChainRecord, AuditRecord
from bot.clock import Clock, utc

__all__ = [
    "ROW_SIGNATURE",
    "AuditEntry",
    "NewEntry",
    "append",
    "append_many",
    "chain_genesis",
    "entries",
    "entry_hash",
    "legacy_hash",
    "lock",
    "lock_head",
    "record_hash",
    "row_hash",
    "verify",
    "write_entries",
]

ROW_SIGNATURE = b"incident-bot audit row"  # what a row's signature is for (see keys.sign)
_CHAINS = cast(Table, AuditChainRecord.__table__)
_LOG = cast(Table, AuditRecord.__table__)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int  # the row's number across all chains, in the order rows were stored
    at: datetime
    actor: str
    event: str
    incident_id: int | None
    details: Mapping[str, Any]
    prev_hash: str
    hash: str
    chain: str = LEGACY_CHAIN
    position: int = 0  # 1, 2, 3... within its chain
    signature: str | None = None


def _canonical(value: Mapping[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def legacy_hash(
    *,
    seq: int,
    at: datetime,
    actor: str,
    event: str,
    incident_id: int | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 of a row of the single chain written before migration 0008 (its ``seq`` is its
    position), as it was computed then."""
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


entry_hash = legacy_hash  # the name bench/ingest/stages.py measures


def row_hash(
    *,
    chain: str,
    position: int,
    at: datetime,
    actor: str,
    event: str,
    incident_id: int | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 over a row's chain, position, content and the previous row's hash, in a fixed
    canonical form: a row cannot move to another chain or place without a new hash."""
    content = _canonical(
        {
            "v": 2,
            "chain": chain,
            "position": position,
            "at": utc(at).isoformat(timespec="microseconds"),
            "actor": actor,
            "event": event,
            "incident_id": incident_id,
            "details": details,
            "prev_hash": prev_hash,
        }
    )
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def record_hash(record: AuditRecord) -> str:
    """The hash a stored row should carry, by its chain's rule."""
    if record.chain == LEGACY_CHAIN:
        return legacy_hash(
            seq=record.position,
            at=record.at,
            actor=record.actor,
            event=record.event,
            incident_id=record.incident_id,
            details=record.details,
            prev_hash=record.prev_hash,
        )
    return row_hash(
        chain=record.chain,
        position=record.position,
        at=record.at,
        actor=record.actor,
        event=record.event,
        incident_id=record.incident_id,
        details=record.details,
        prev_hash=record.prev_hash,
    )


def chain_genesis(chain: str) -> str:
    """The ``prev_hash`` of a chain's first row: distinct per chain (``prev_hash`` is unique
    across the table, so no chain can fork), all zeros for the legacy chain."""
    if chain == LEGACY_CHAIN:
        return GENESIS_HASH
    return hashlib.sha256(f"incident-bot audit chain {chain}".encode()).hexdigest()


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
    """Add one row to this process's chain inside the caller's transaction (see
    :func:`append_many`)."""
    (entry,) = await append_many(
        session, [NewEntry(actor, event, incident_id, details)], clock=clock
    )
    return entry


async def lock(session: AsyncSession) -> None:
    """Take this process's chain lock now, in the caller's transaction. Writers that will append
    take it first, before their other writes, so two transactions of this process never hold
    row locks the other waits on (a deadlock); they queue here instead. Other replicas append to
    chains of their own and do not wait. On SQLite the transaction's ``BEGIN IMMEDIATE`` holds
    the database's one write lock already."""
    await (await session.connection()).run_sync(lock_head)


def lock_head(connection: Connection) -> None:
    """:func:`lock` on a synchronous connection."""
    if connection.dialect.name != "sqlite":
        _head(connection, writers.current().chain)


# Built once: every accepted burst of alerts runs them, and building a statement costs more than
# executing it (Core, not the ORM, for the same reason).
_READ_HEAD = (
    select(_CHAINS.c.length, _CHAINS.c.hash)
    .where(_CHAINS.c.chain == bindparam("chain"))
    .with_for_update()
)
_NEW_HEAD = {
    "sqlite": sqlite.insert(_CHAINS).on_conflict_do_nothing(),
    "postgresql": postgresql.insert(_CHAINS).on_conflict_do_nothing(),
}
_APPEND = insert(_LOG).returning(_LOG.c.seq, _LOG.c.hash)
_MOVE_HEAD = (
    update(_CHAINS)
    .where(_CHAINS.c.chain == bindparam("head_chain"))
    .values(length=bindparam("new_length"), hash=bindparam("new_hash"))
)


def _head(connection: Connection, chain: str) -> tuple[int, str]:
    """The chain's head (length and newest hash), locked; created on the chain's first append
    (``ON CONFLICT DO NOTHING``: two transactions of one process may both try)."""
    head = connection.execute(_READ_HEAD, {"chain": chain}).one_or_none()
    if head is None:
        genesis = {"chain": chain, "length": 0, "hash": chain_genesis(chain)}
        connection.execute(_NEW_HEAD[connection.dialect.name], genesis)
        head = connection.execute(_READ_HEAD, {"chain": chain}).one()
    return int(head.length), str(head.hash)


async def append_many(
    session: AsyncSession, rows: Sequence[NewEntry], *, clock: Clock
) -> list[AuditEntry]:
    """Add ``rows`` to this process's chain, in order, inside the caller's transaction.

    The chain's head row is locked (``FOR UPDATE``; SQLite's ``BEGIN IMMEDIATE`` already holds
    the write lock), so this process's concurrent appenders queue instead of forking the chain.
    Many rows take one lock and one insert, which is what lets a burst of alerts commit together.
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
    writer = writers.current()
    position, prev_hash = _head(connection, writer.chain)
    # Both databases keep microseconds, so the hash of ``at`` survives the round trip.
    at = utc(at)
    records: list[dict[str, Any]] = []
    for row in rows:
        text = _canonical(dict(row.details or {}))
        position += 1
        digest = row_hash(
            chain=writer.chain,
            position=position,
            at=at,
            actor=row.actor,
            event=row.event,
            incident_id=row.incident_id,
            details=text,
            prev_hash=prev_hash,
        )
        signature = None
        if writer.signer is not None:
            signature = sign(writer.signer, ROW_SIGNATURE, digest.encode())
        records.append(
            {
                "chain": writer.chain,
                "position": position,
                "at": at,
                "actor": row.actor,
                "event": row.event,
                "incident_id": row.incident_id,
                "details": text,
                "prev_hash": prev_hash,
                "hash": digest,
                "signature": signature,
            }
        )
        prev_hash = digest
    seqs = {str(digest): int(seq) for seq, digest in connection.execute(_APPEND, records)}
    connection.execute(
        _MOVE_HEAD, {"head_chain": writer.chain, "new_length": position, "new_hash": prev_hash}
    )
    return [
        AuditEntry(
            seq=seqs[record["hash"]],
            at=at,
            actor=record["actor"],
            event=record["event"],
            incident_id=record["incident_id"],
            details=json.loads(record["details"]),
            prev_hash=record["prev_hash"],
            hash=record["hash"],
            chain=writer.chain,
            position=record["position"],
            signature=record["signature"],
        )
        for record in records
    ]


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
        chain=record.chain,
        position=record.position,
        signature=record.signature,
    )


async def entries(
    session: AsyncSession, *, incident_id: int | None = None, since: datetime | None = None
) -> Sequence[AuditEntry]:
    """The trail in the order it was stored, optionally only one incident's rows or rows from
    ``since`` on."""
    query = select(AuditRecord).order_by(AuditRecord.seq)
    if incident_id is not None:
        query = query.where(AuditRecord.incident_id == incident_id)
    if since is not None:
        query = query.where(AuditRecord.at >= since)
    return [_entry(record) for record in (await session.execute(query)).scalars()]


async def verify(session: AsyncSession) -> int:
    """Check every chain's hashes and head; return the number of rows, or raise
    :class:`~bot.errors.AuditChainError` naming the first row that was edited, deleted, inserted
    out of order or cut off a chain's end. Signatures and digests: :func:`bot.audit.verification
    .verify_trail`."""
    from bot.audit.verification import check_chains

    return (await check_chains(session)).rows
