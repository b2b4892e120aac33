"""Accepting alerts: each delivery's signals are stored (with their audit rows) in a transaction
committed before the source hears back, so an accepted alert is never lost.

:func:`accept_signals` stores one delivery and tolerates another replica storing the same
delivery at the same moment. :func:`accept_many` stores a burst of deliveries in one transaction
(one duplicate check, one insert, one audit append), which is how :class:`SignalIntake` group-
commits concurrent webhooks.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import Clock
from bot.signal import service
from bot.signal.values import Signal
from bot.transactions import TransactionRunner

__all__ = [
    "DEDUP_WINDOW",
    "FLOOD_WINDOW",
    "AcceptOutcome",
    "Incoming",
    "SignalIntake",
    "accept_many",
    "accept_signals",
]

log = logging.getLogger(__name__)

DEDUP_WINDOW = timedelta(minutes=30)
FLOOD_WINDOW = timedelta(minutes=1)  # the per-source cap counts the alerts stored within it


@dataclass(frozen=True, slots=True)
class AcceptOutcome:
    stored: tuple[int, ...]  # ids of the signals stored now
    duplicates: int  # signals of this delivery stored by an earlier delivery
    # Set when the source is over its per-minute cap: nothing of the delivery was stored, and
    # the source may send it again after this many seconds.
    retry_after: int | None = None


def _retry_after(oldest: datetime | None, now: datetime) -> int:
    """Seconds until the oldest alert counted leaves the window (the whole window without one:
    the delivery alone is over the cap)."""
    if oldest is None:
        return int(FLOOD_WINDOW.total_seconds())
    return max(1, math.ceil((oldest + FLOOD_WINDOW - now).total_seconds()))


@dataclass(frozen=True, slots=True)
class Incoming:
    """One delivery's signals and the SHA-256 of its raw body (None for a replay)."""

    signals: Sequence[Signal]
    body_digest: str | None = None

    @property
    def body_key(self) -> tuple[str, str] | None:
        if not self.body_digest or not self.signals:
            return None
        return (self.signals[0].source.value, self.body_digest)


async def accept_signals(
    signals: Sequence[Signal],
    *,
    sessions: async_sessionmaker[AsyncSession],
    clock: Clock,
    body_digest: str | None = None,
    dedup_window: timedelta = DEDUP_WINDOW,
    per_source_minute: int | None = None,
) -> AcceptOutcome:
    """Store one delivery's signals. A delivery whose exact body (``body_digest``) came from
    the same source within ``dedup_window`` is a retry: every signal counts as a duplicate. One
    that would take its source past ``per_source_minute`` alerts in :data:`FLOOD_WINDOW` is
    stored not at all (see :attr:`AcceptOutcome.retry_after`)."""
    incoming = Incoming(signals, body_digest)
    stored: list[int] = []
    duplicates = 0
    async with sessions() as session, session.begin():
        await audit.lock(session)  # writers queue here, before any row lock
        body = incoming.body_key
        connection = await session.connection()
        if body:
            since = clock.now() - dedup_window
            if await connection.run_sync(service.seen_bodies, [body], since=since):
                return AcceptOutcome((), len(signals))
        if per_source_minute is not None and signals:
            source, now = signals[0].source.value, clock.now()
            counts = await connection.run_sync(
                service.recent_counts, [source], since=now - FLOOD_WINDOW
            )
            count, oldest = counts[source]
            if count + len(signals) > per_source_minute:
                return AcceptOutcome((), 0, retry_after=_retry_after(oldest, now))
        for signal in signals:
            record = await service.store(session, signal, clock=clock, body_digest=body_digest)
            if record is None:
                duplicates += 1
            else:
                stored.append(record.id)
    return AcceptOutcome(tuple(stored), duplicates)


async def accept_many(
    batch: Sequence[Incoming],
    *,
    transactions: TransactionRunner,
    clock: Clock,
    dedup_window: timedelta = DEDUP_WINDOW,
    per_source_minute: int | None = None,
) -> list[AcceptOutcome]:
    """Store several deliveries in one transaction, with the same outcomes as accepting them one
    after another in order (a delivery over its source's per-minute cap stores nothing). Raises
    IntegrityError, storing nothing, when another replica stored one of the deliveries between
    the check and the insert; :func:`accept_signals` is the path for that case.

    The transaction is one synchronous unit of work handed to ``transactions`` whole: on SQLite
    that is one hand-off to the writer thread for the burst, not one per statement."""
    now = clock.now()
    return await transactions.run(
        partial(
            _accept_batch,
            batch=batch,
            now=now,
            since=now - dedup_window,
            per_source_minute=per_source_minute,
        )
    )


def _accept_batch(
    connection: Connection,
    *,
    batch: Sequence[Incoming],
    now: datetime,
    since: datetime,
    per_source_minute: int | None,
) -> list[AcceptOutcome]:
    # Replicas queue on the chain's lock before checking, so their checks never race.
    audit.lock_head(connection)
    retried = service.seen_bodies(
        connection, [key for item in batch if (key := item.body_key)], since=since
    )
    stored_before = service.stored_deliveries(
        connection,
        [(signal.source.value, signal.delivery_id) for item in batch for signal in item.signals],
    )
    recent: dict[str, tuple[int, datetime | None]] = {}
    if per_source_minute is not None:
        sources = {signal.source.value for item in batch for signal in item.signals}
        recent = service.recent_counts(connection, sources, since=now - FLOOD_WINDOW)
    outcomes: list[AcceptOutcome | None] = [None] * len(batch)
    duplicates = [0] * len(batch)
    plan: list[tuple[int, Signal, str | None]] = []
    for index, item in enumerate(batch):
        body = item.body_key
        if body in retried:
            duplicates[index] = len(item.signals)
            continue
        fresh: list[Signal] = []
        for signal in item.signals:
            delivery = (signal.source.value, signal.delivery_id)
            if delivery in stored_before:
                duplicates[index] += 1
                continue
            stored_before.add(delivery)
            fresh.append(signal)
        if fresh and per_source_minute is not None:
            source = fresh[0].source.value
            count, oldest = recent[source]
            if count + len(fresh) > per_source_minute:  # nothing of it is stored
                for signal in fresh:
                    stored_before.discard((signal.source.value, signal.delivery_id))
                outcomes[index] = AcceptOutcome((), 0, retry_after=_retry_after(oldest, now))
                continue
            recent[source] = (count + len(fresh), oldest or now)
        plan.extend((index, signal, item.body_digest) for signal in fresh)
        if body is not None and fresh:
            retried.add(body)  # the same body later in this burst is a retry
    signal_ids = service.store_many(
        connection, [(signal, digest) for _, signal, digest in plan], received_at=now
    )
    stored: list[list[int]] = [[] for _ in batch]
    for (index, _, _), signal_id in zip(plan, signal_ids, strict=True):
        stored[index].append(signal_id)
    return [
        outcome or AcceptOutcome(tuple(ids), count)
        for outcome, ids, count in zip(outcomes, stored, duplicates, strict=True)
    ]


@dataclass(slots=True)
class _Waiting:
    incoming: Incoming
    answer: asyncio.Future[AcceptOutcome] = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )


class SignalIntake:
    """Group commit for webhooks: deliveries that arrive while a transaction is being written
    wait and are written together in the next one, so a burst costs a few transactions instead
    of one each, and a lone alert is written at once (nothing waits on a timer).

    Every caller still hears back only after its own delivery is committed. A burst that fails
    as a whole (another replica stored one of its deliveries meanwhile, or the database hiccups)
    is written again one delivery per transaction, so one bad delivery fails alone.
    """

    def __init__(
        self,
        *,
        sessions: async_sessionmaker[AsyncSession],
        transactions: TransactionRunner,
        clock: Clock,
        dedup_window: timedelta = DEDUP_WINDOW,
        max_batch: int = 200,
        per_source_minute: int | None = None,
    ) -> None:
        self._per_source_minute = per_source_minute
        self._sessions = sessions
        self._transactions = transactions
        self._clock = clock
        self._dedup_window = dedup_window
        self._max_batch = max_batch
        self._waiting: list[_Waiting] = []
        self._writer: asyncio.Task[None] | None = None

    async def accept(
        self, signals: Sequence[Signal], *, body_digest: str | None = None
    ) -> AcceptOutcome:
        waiting = _Waiting(Incoming(signals, body_digest))
        self._waiting.append(waiting)
        if self._writer is None or self._writer.done():
            # A task of its own: a caller that goes away does not stop the others' commit.
            self._writer = asyncio.create_task(self._write_all(), name="signal-intake")
        return await asyncio.shield(waiting.answer)

    async def _write_all(self) -> None:
        while self._waiting:
            batch = self._waiting[: self._max_batch]
            del self._waiting[: self._max_batch]
            await self._write(batch)

    async def _write(self, batch: list[_Waiting]) -> None:
        try:
            outcomes = await accept_many(
                [waiting.incoming for waiting in batch],
                transactions=self._transactions,
                clock=self._clock,
                dedup_window=self._dedup_window,
                per_source_minute=self._per_source_minute,
            )
        except Exception:  # noqa: BLE001 - every delivery is retried alone, and answered
            if len(batch) > 1:
                log.warning("group commit of %d deliveries failed; one at a time", len(batch))
            for waiting in batch:
                await self._write_one(waiting)
            return
        for waiting, outcome in zip(batch, outcomes, strict=True):
            waiting.answer.set_result(outcome)

    async def _write_one(self, waiting: _Waiting) -> None:
        try:
            outcome = await accept_signals(
                waiting.incoming.signals,
                sessions=self._sessions,
                clock=self._clock,
                body_digest=waiting.incoming.body_digest,
                dedup_window=self._dedup_window,
                per_source_minute=self._per_source_minute,
            )
        except Exception as exc:  # noqa: BLE001 - raised to the caller, whose request fails
            waiting.answer.set_exception(exc)
        else:
            waiting.answer.set_result(outcome)
