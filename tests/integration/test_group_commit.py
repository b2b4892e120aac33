"""Group commit of accepted alerts, on SQLite and PostgreSQL: a burst of concurrent deliveries is
written in a few transactions, each caller hears its own outcome, duplicates inside the burst are
caught as they would be one by one, and the audit chain stays whole."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from functools import partial

import pytest
from sqlalchemy import Connection, Engine, event, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory
from bot.signal import service
from bot.signal.flows import Incoming, SignalIntake, accept_many, accept_signals
from bot.signal.models import SignalRecord
from bot.signal.values import AlertSource, Severity, Signal, SignalStatus
from bot.transactions import TransactionRunner

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


async def _audited(sessions: async_sessionmaker[AsyncSession]) -> tuple[int, list[int]]:
    """The audit chain's length, verified, and the signal ids it records as accepted."""
    async with sessions() as session:
        length = await audit.verify(session)
        return length, sorted(service.accepted_ids(await audit.entries(session)))


async def test_a_burst_commits_in_few_transactions_and_each_caller_gets_its_outcome(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    commits: list[int] = []

    def committed(_connection: Connection) -> None:
        commits.append(1)

    # Every engine's commits: on SQLite the intake writes through a connection of its own.
    event.listen(Engine, "commit", committed)
    intake = SignalIntake(sessions=sessions, transactions=transactions, clock=clock)
    try:
        outcomes = await asyncio.gather(
            *(intake.accept([_signal(f"d-{n}")], body_digest=f"{n:064x}") for n in range(60))
        )
    finally:
        event.remove(Engine, "commit", committed)

    assert [len(outcome.stored) for outcome in outcomes] == [1] * 60
    assert len({outcome.stored[0] for outcome in outcomes}) == 60
    assert await _count(sessions) == 60
    assert 0 < len(commits) < 60  # later arrivals waited and were written together
    # One audit row per transaction lists the signals it stored, each signal exactly once.
    assert await _audited(sessions) == (len(commits), sorted(o.stored[0] for o in outcomes))
    async with sessions() as session:
        rows = await session.execute(select(SignalRecord.id, SignalRecord.delivery_id))
        by_delivery = {delivery: signal_id for signal_id, delivery in rows}
    assert [by_delivery[f"d-{n}"] for n in range(60)] == [o.stored[0] for o in outcomes]


async def test_duplicates_inside_one_burst_are_found_as_one_by_one(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
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
        transactions=transactions,
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
    in_burst = sorted(signal_id for outcome in outcomes for signal_id in outcome.stored)
    assert await _audited(sessions) == (2, sorted([*stored_earlier.stored, *in_burst]))


async def test_the_unique_constraint_refuses_a_burst_whose_delivery_was_stored_meanwhile(
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    # What another replica does between a burst's duplicate check and its insert: the database
    # refuses the whole burst (and the intake then writes it one delivery at a time).
    await accept_signals([_signal("raced")], sessions=sessions, clock=clock)
    with pytest.raises(IntegrityError):
        await transactions.run(
            partial(
                service.store_many,
                signals=[(_signal("x"), None), (_signal("raced"), None)],
                received_at=clock.now(),
            )
        )
    assert await _count(sessions) == 1


async def test_two_replicas_given_the_same_bursts_store_each_delivery_once(
    database_url: str,
    sessions: async_sessionmaker[AsyncSession],
    transactions: TransactionRunner,
    clock: FixedClock,
) -> None:
    # Two intakes on two engines are two replicas; each gets every delivery, at the same time.
    other_engine = create_engine(database_url)
    other_transactions = TransactionRunner(other_engine)
    try:
        replicas = [
            SignalIntake(sessions=sessions, transactions=transactions, clock=clock),
            SignalIntake(
                sessions=create_session_factory(other_engine),
                transactions=other_transactions,
                clock=clock,
            ),
        ]
        deliveries = [[_signal(f"r-{n}-{k}") for k in range(2)] for n in range(30)]
        outcomes = await asyncio.gather(
            *(replica.accept(signals) for signals in deliveries for replica in replicas)
        )
    finally:
        await other_transactions.close()
        await other_engine.dispose()
    stored = sum(len(outcome.stored) for outcome in outcomes)
    duplicates = sum(outcome.duplicates for outcome in outcomes)
    assert (stored, duplicates) == (60, 60)
    assert await _count(sessions) == 60
    _, accepted = await _audited(sessions)  # the length: however the bursts met
    assert accepted == sorted(signal_id for o in outcomes for signal_id in o.stored)
