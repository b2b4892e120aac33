"""Group commit of accepted alerts, on SQLite and PostgreSQL: a burst of concurrent deliveries is
written in a few transactions, each caller hears its own outcome, duplicates inside the burst are
caught as they would be one by one, and the audit chain stays whole."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory
from bot.signal import service
from bot.signal.flows import Incoming, SignalIntake, accept_many, accept_signals
from bot.signal.models import SignalRecord
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus

STARTED = datetime(2026, 3, 4, 14, 3, tzinfo=UTC)


def _signal(delivery: str, service: str = "checkout-api") -> Signal:
    return Signal(
        source=AlertSource.GENERIC,
        service=service,
        severity=Severity.SEV2,
        status=SignalStatus.FIRING,
        started_at=STARTED,
        title=f"{service} errors ({delivery})",
        fingerprint=f"generic:{service}",
        delivery_id=delivery,
    )


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(SignalRecord)) or 0)


async def test_a_burst_commits_in_few_transactions_and_each_caller_gets_its_outcome(
    engine: AsyncEngine, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    commits: list[int] = []
    event.listen(engine.sync_engine, "commit", lambda _connection: commits.append(1))
    intake = SignalIntake(sessions=sessions, clock=clock)

    outcomes = await asyncio.gather(
        *(intake.accept([_signal(f"d-{n}")], body_digest=f"{n:064x}") for n in range(60))
    )

    assert [len(outcome.stored) for outcome in outcomes] == [1] * 60
    assert len({outcome.stored[0] for outcome in outcomes}) == 60
    assert await _count(sessions) == 60
    assert len(commits) < 60  # later arrivals waited and were written together
    async with sessions() as session:
        assert await audit.verify(session) == 60
        rows = await session.execute(select(SignalRecord.id, SignalRecord.delivery_id))
        by_delivery = {delivery: signal_id for signal_id, delivery in rows}
    assert [by_delivery[f"d-{n}"] for n in range(60)] == [o.stored[0] for o in outcomes]


async def test_duplicates_inside_one_burst_are_found_as_one_by_one(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    stored_earlier = await accept_signals([_signal("early")], sessions=sessions, clock=clock)
    assert len(stored_earlier.stored) == 1

    outcomes = await accept_many(
        [
            Incoming([_signal("a"), _signal("b")], body_digest="1" * 64),
            Incoming([_signal("a"), _signal("b")], body_digest="1" * 64),  # the source's retry
            Incoming([_signal("b"), _signal("c")], body_digest="2" * 64),  # b is known now
            Incoming([_signal("early")], body_digest="3" * 64),  # stored before the burst
            Incoming([_signal("d")]),  # a replay: no body
        ],
        sessions=sessions,
        clock=clock,
    )

    assert [(len(o.stored), o.duplicates) for o in outcomes] == [
        (2, 0),
        (0, 2),
        (1, 1),
        (0, 1),
        (1, 0),
    ]
    assert await _count(sessions) == 1 + 4
    async with sessions() as session:
        assert await audit.verify(session) == 5


async def test_the_unique_constraint_refuses_a_burst_whose_delivery_was_stored_meanwhile(
    sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    # What another replica does between a burst's duplicate check and its insert: the database
    # refuses the whole burst (and the intake then writes it one delivery at a time).
    await accept_signals([_signal("raced")], sessions=sessions, clock=clock)
    with pytest.raises(IntegrityError):
        async with sessions() as session, session.begin():
            await service.store_many(
                session, [(_signal("x"), None), (_signal("raced"), None)], clock=clock
            )
    assert await _count(sessions) == 1


async def test_two_replicas_given_the_same_bursts_store_each_delivery_once(
    database_url: str, sessions: async_sessionmaker[AsyncSession], clock: FixedClock
) -> None:
    # Two intakes on two engines are two replicas; each gets every delivery, at the same time.
    other_engine = create_engine(database_url)
    try:
        replicas = [
            SignalIntake(sessions=sessions, clock=clock),
            SignalIntake(sessions=create_session_factory(other_engine), clock=clock),
        ]
        deliveries = [[_signal(f"r-{n}-{k}") for k in range(2)] for n in range(30)]
        outcomes = await asyncio.gather(
            *(replica.accept(signals) for signals in deliveries for replica in replicas)
        )
    finally:
        await other_engine.dispose()
    stored = sum(len(outcome.stored) for outcome in outcomes)
    duplicates = sum(outcome.duplicates for outcome in outcomes)
    assert (stored, duplicates) == (60, 60)
    assert await _count(sessions) == 60
    async with sessions() as session:
        assert await audit.verify(session) == 60
