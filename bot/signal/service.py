"""Database reads and writes for signals. The caller owns the transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from types import MappingProxyType
from typing import Any, cast

from sqlalchemy import Connection, Table, and_, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.audit import service as audit
from bot.clock import Clock, utc
from bot.redaction import redact
from bot.signal.models import SignalRecord
from bot.signal.values import AlertSource, Link, Severity, Signal, SignalStatus, sane_start

__all__ = [
    "FAIR_SHARE",
    "accepted_ids",
    "from_record",
    "next_unprocessed",
    "recent_counts",
    "seen_bodies",
    "signals_of",
    "store",
    "store_many",
    "stored_deliveries",
]

_SIGNALS = cast(Table, SignalRecord.__table__)


def _row(signal: Signal, *, received_at: datetime, body_digest: str | None) -> dict[str, Any]:
    """The stored row. What is kept for display (title, description, links, labels) is
    redacted here, so no reader of the table (App Home, ``/status``, an export, a later
    packet) sees a secret or a customer's data an alert carried; the fingerprint and body
    digest were taken from the delivery before."""
    return {
        "source": signal.source.value,
        "delivery_id": signal.delivery_id,
        "service": signal.service,
        "severity": signal.severity.value,
        "status": signal.status.value,
        "started_at": signal.started_at,
        "title": redact(signal.title),
        "fingerprint": signal.fingerprint,
        "description": redact(signal.description),
        "links": [{"title": redact(link.title), "url": redact(link.url)} for link in signal.links],
        "labels": {key: redact(value) for key, value in signal.labels.items()},
        "owner": signal.owner,
        "received_at": received_at,
        "body_digest": body_digest,
    }


def _accepted(stored: Iterable[tuple[Signal, int]]) -> list[audit.NewEntry]:
    """The audit rows for signals one transaction stored: one ``signal.accepted`` row per source
    listing its signals. A row per signal doubled the rows, hashes and index entries a burst
    of alerts writes, for the same facts under the same chain."""
    by_source: dict[str, list[dict[str, Any]]] = {}
    for signal, signal_id in stored:
        by_source.setdefault(signal.source.value, []).append(
            {
                "signal_id": signal_id,
                "delivery_id": signal.delivery_id,
                "service": signal.service,
                "severity": signal.severity.value,
                "status": signal.status.value,
                "fingerprint": signal.fingerprint,
                "title": signal.title,
            }
        )
    return [
        audit.NewEntry(actor=f"source:{source}", event="signal.accepted", details={"signals": rows})
        for source, rows in by_source.items()
    ]


def accepted_ids(entries: Iterable[audit.AuditEntry]) -> list[int]:
    """The ids of the signals these audit rows record as accepted, in the chain's order. Rows
    written before the accept path listed its signals (one row per signal, its id at the top
    of ``details``) count too."""
    ids: list[int] = []
    for entry in entries:
        if entry.event != "signal.accepted":
            continue
        listed = entry.details.get("signals", [entry.details])
        ids.extend(int(item["signal_id"]) for item in listed if "signal_id" in item)
    return ids


async def store(
    session: AsyncSession, signal: Signal, *, clock: Clock, body_digest: str | None = None
) -> SignalRecord | None:
    """Store ``signal`` in the outbox; None when this delivery was stored before.

    A savepoint contains the insert, so a concurrent replica storing the same delivery (the
    unique constraint fires) leaves the caller's transaction usable.
    """
    connection = await session.connection()
    if await connection.run_sync(stored_deliveries, [(signal.source.value, signal.delivery_id)]):
        return None
    record = SignalRecord(**_row(signal, received_at=clock.now(), body_digest=body_digest))
    try:
        async with session.begin_nested():
            session.add(record)
    except IntegrityError:
        return None
    await audit.append_many(session, _accepted([(signal, record.id)]), clock=clock)
    return record


def store_many(
    connection: Connection,
    signals: Sequence[tuple[Signal, str | None]],
    *,
    received_at: datetime,
) -> list[int]:
    """Store signals known to be new (with their body digests) and their audit rows, and return
    their ids in order: one insert and one audit append for all. A delivery stored meanwhile by
    another replica raises IntegrityError and the caller's transaction is lost; :func:`store`
    is the careful path."""
    if not signals:
        return []
    rows = [_row(signal, received_at=received_at, body_digest=digest) for signal, digest in signals]
    # One multi-row INSERT ... RETURNING, in Core: the ORM's bookkeeping is most of the cost.
    # Asking SQLAlchemy to keep the parameters' order (sort_by_parameter_order) makes it send one
    # statement per row on SQLite; the delivery key maps the returned ids back instead (unique).
    inserted = connection.execute(_INSERT, rows)
    by_delivery = {(source, delivery): int(id_) for id_, source, delivery in inserted}
    ids = [by_delivery[(signal.source.value, signal.delivery_id)] for signal, _ in signals]
    stored = zip((signal for signal, _ in signals), ids, strict=True)
    audit.write_entries(connection, _accepted(stored), at=received_at)
    return ids


# Built once, run for every accepted burst: building a statement costs more than running it.
# One query per source, ``source = ? AND key IN (...)``: SQLite answers a row-value
# ``(source, key) IN (VALUES ...)`` by scanning the whole index, so the checks grew with the table.
_STORED = select(_SIGNALS.c.delivery_id).where(
    _SIGNALS.c.source == bindparam("source"),
    _SIGNALS.c.delivery_id.in_(bindparam("keys", expanding=True)),
)
_SEEN = select(_SIGNALS.c.body_digest).where(
    _SIGNALS.c.source == bindparam("source"),
    _SIGNALS.c.body_digest.in_(bindparam("keys", expanding=True)),
    _SIGNALS.c.received_at >= bindparam("since"),
)
_INSERT = insert(_SIGNALS).returning(_SIGNALS.c.id, _SIGNALS.c.source, _SIGNALS.c.delivery_id)


def stored_deliveries(
    connection: Connection, deliveries: Iterable[tuple[str, str]]
) -> set[tuple[str, str]]:
    """Which of these ``(source, delivery_id)`` pairs are stored already."""
    return {
        (source, delivery_id)
        for source, keys in _by_source(deliveries).items()
        for delivery_id in connection.scalars(_STORED, {"source": source, "keys": keys})
    }


def seen_bodies(
    connection: Connection, bodies: Iterable[tuple[str, str]], *, since: datetime
) -> set[tuple[str, str]]:
    """Which of these ``(source, body_digest)`` pairs were stored since ``since``: a delivery
    with the same exact body from the same source is a retry."""
    return {
        (source, digest)
        for source, keys in _by_source(bodies).items()
        for digest in connection.scalars(_SEEN, {"source": source, "keys": keys, "since": since})
        if digest
    }


_RECENT = select(func.count(), func.min(_SIGNALS.c.received_at)).where(
    _SIGNALS.c.source == bindparam("source"), _SIGNALS.c.received_at >= bindparam("since")
)


def recent_counts(
    connection: Connection, sources: Iterable[str], *, since: datetime
) -> dict[str, tuple[int, datetime | None]]:
    """For each source, how many signals were stored since ``since`` and when the oldest of
    them was (None when there is none): what the per-minute flood cap counts."""
    counts: dict[str, tuple[int, datetime | None]] = {}
    for source in sorted(set(sources)):
        count, oldest = connection.execute(_RECENT, {"source": source, "since": since}).one()
        counts[source] = (int(count or 0), utc(oldest) if oldest is not None else None)
    return counts


def _by_source(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    keys: dict[str, set[str]] = {}
    for source, key in pairs:
        keys.setdefault(source, set()).add(key)
    return {source: sorted(values) for source, values in keys.items()}


def from_record(record: SignalRecord) -> Signal:
    """The stored signal as a value; a start outside the sane range (stored before webhooks
    checked times) is read as unknown, i.e. when it was received."""
    return Signal(
        source=AlertSource(record.source),
        service=record.service,
        severity=Severity(record.severity),
        status=SignalStatus(record.status),
        started_at=sane_start(record.started_at, record.received_at),
        title=record.title,
        fingerprint=record.fingerprint,
        delivery_id=record.delivery_id,
        description=record.description,
        links=tuple(Link(item["title"], item["url"]) for item in record.links),
        labels=MappingProxyType(dict(record.labels)),
        owner=record.owner,
    )


FAIR_SHARE = 20  # signals of one delivery taken per pass, so a flood cannot hold up others


async def next_unprocessed(
    session: AsyncSession, *, limit: int = 100, per_delivery: int = FAIR_SHARE
) -> Sequence[SignalRecord]:
    """Accepted signals not yet correlated nor quarantined, oldest first, taking at most
    ``per_delivery`` of any one delivery: a delivery of three hundred alerts is correlated a
    share at a time, and a sev1 that came after it waits for one share, not for all of it.

    A signal is left for a later pass when an older signal of the same alerting condition
    (fingerprint) is not taken in this one: a condition's signals are correlated in order, so
    its resolve never goes before its firing."""
    pending = and_(SignalRecord.processed_at.is_(None), SignalRecord.quarantined_at.is_(None))
    turn = (
        func.row_number()
        .over(
            partition_by=(SignalRecord.source, SignalRecord.body_digest), order_by=SignalRecord.id
        )
        .label("turn")
    )
    ranked = select(SignalRecord.id, turn).where(pending).subquery()
    query = (
        select(SignalRecord)
        .join(ranked, ranked.c.id == SignalRecord.id)
        .where(ranked.c.turn <= per_delivery)
        .order_by(SignalRecord.id)
        .limit(limit)
    )
    taken = list((await session.execute(query)).scalars())
    if not taken:
        return taken
    first_of = select(SignalRecord.fingerprint, func.min(SignalRecord.id)).where(
        pending, SignalRecord.fingerprint.in_(sorted({record.fingerprint for record in taken}))
    )
    rows = await session.execute(first_of.group_by(SignalRecord.fingerprint))
    oldest = {fingerprint: first for fingerprint, first in rows}
    ids = {record.id for record in taken}
    return [record for record in taken if oldest.get(record.fingerprint, record.id) in ids]


async def signals_of(session: AsyncSession, incident_id: int) -> Sequence[SignalRecord]:
    query = (
        select(SignalRecord)
        .where(SignalRecord.incident_id == incident_id)
        .order_by(SignalRecord.started_at, SignalRecord.id)
    )
    return (await session.execute(query)).scalars().all()
