"""Two replicas correlating at once on PostgreSQL (issue 18): a signal another worker is
correlating right now is skipped, not waited for (``FOR UPDATE SKIP LOCKED``), and so is every
later signal of its condition, which stays in order for whichever worker has the first. Before,
the second replica blocked on the first one's row lock for its whole batch and then found the
signal claimed, so two replicas correlated no faster than one (bench/replicas, ``--waits``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.catalog import Catalog
from bot.incident.correlate import correlate_pending
from bot.quarantine import is_transient
from bot.signal.flows import accept_signals
from bot.signal.models import SignalRecord
from bot.signal.sources import normalize
from bot.signal.values import AlertSource


async def _accept(sessions: Any, clock: Any, **body: Any) -> None:
    raw = json.dumps(body)
    digest = hashlib.sha256(raw.encode()).hexdigest()
    signals = normalize(AlertSource.GENERIC, body, received_at=clock.now(), body_digest=digest)
    await accept_signals(signals, sessions=sessions, clock=clock, body_digest=digest)


async def _signals(sessions: Any) -> list[SignalRecord]:
    async with sessions() as session:
        return list(
            (await session.execute(select(SignalRecord).order_by(SignalRecord.id))).scalars()
        )


async def test_a_signal_another_replica_holds_is_skipped_with_the_rest_of_its_condition(
    database_url: str, sessions: Any, clock: Any
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: no second replica can hold a row")
    for n in range(2):  # one condition notified twice, then another condition
        await _accept(
            sessions, clock, service="checkout", title="checkout 5xx", description=f"n{n}"
        )
    await _accept(sessions, clock, service="search", title="search latency")
    first, second, other = await _signals(sessions)
    assert first.fingerprint == second.fingerprint != other.fingerprint

    async with sessions() as replica, replica.begin():  # another replica, mid-correlation
        await replica.execute(
            select(SignalRecord.id).where(SignalRecord.id == first.id).with_for_update()
        )
        done = await asyncio.wait_for(
            correlate_pending(sessions=sessions, clock=clock, catalog=Catalog()), timeout=30
        )
        assert done == 1
        by_id = {record.id: record for record in await _signals(sessions)}
        assert by_id[other.id].processed_at is not None
        assert by_id[first.id].processed_at is None
        assert by_id[second.id].processed_at is None  # its condition waits for the first

    assert await correlate_pending(sessions=sessions, clock=clock, catalog=Catalog()) == 2
    assert all(record.processed_at is not None for record in await _signals(sessions))


async def test_a_deadlock_the_database_resolved_is_transient_not_the_rows_fault(
    database_url: str, sessions: Any, clock: Any
) -> None:
    """Two transactions locking the same two rows in opposite order: PostgreSQL undoes one
    ("deadlock detected"), which says nothing about the signal or incident being worked on, so
    it is retried and never counts towards quarantine."""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer at a time: two transactions cannot deadlock")
    await _accept(sessions, clock, service="checkout", title="checkout 5xx")
    await _accept(sessions, clock, service="search", title="search latency")
    first, second = (record.id for record in await _signals(sessions))
    locked = asyncio.Event()

    async def lock(one: int, other: int, ready: asyncio.Event) -> None:
        async with sessions() as session, session.begin():
            await session.execute(
                select(SignalRecord.id).where(SignalRecord.id == one).with_for_update()
            )
            ready.set()
            await locked.wait()
            await session.execute(
                select(SignalRecord.id).where(SignalRecord.id == other).with_for_update()
            )

    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    a = asyncio.create_task(lock(first, second, ready_a))
    b = asyncio.create_task(lock(second, first, ready_b))
    await ready_a.wait()
    await ready_b.wait()
    locked.set()
    results = await asyncio.wait_for(asyncio.gather(a, b, return_exceptions=True), timeout=60)
    (undone,) = [result for result in results if isinstance(result, BaseException)]
    assert "deadlock detected" in str(undone)
    assert is_transient(undone)
    assert not is_transient(ValueError("a row the code cannot read"))
