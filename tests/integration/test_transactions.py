"""The TransactionRunner, on SQLite and PostgreSQL: a unit of work commits whole or not at all,
what the writer thread commits and what the event loop commits each see the other, and on a
SQLite file the WAL stays bounded though the writer never checkpoints on commit."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.audit import service as audit
from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.transactions import TransactionRunner


class _RefusedError(Exception):
    pass


def _append(connection: Connection, clock: FixedClock, event: str) -> int:
    """The row's place in this process's chain (gapless; ``seq`` may skip a rolled-back one)."""
    (entry,) = audit.write_entries(
        connection, [audit.NewEntry(actor="test", event=event)], at=clock.now()
    )
    return entry.position


def _append_then_fail(connection: Connection, clock: FixedClock) -> None:
    _append(connection, clock, "never.kept")
    raise _RefusedError


async def _events(engine: AsyncEngine) -> list[str]:
    """The audit chain's events in order, after verifying it."""
    async with create_session_factory(engine)() as session:
        await audit.verify(session)
        return [entry.event for entry in await audit.entries(session)]


async def test_a_work_commits_whole_and_a_failing_one_leaves_nothing(
    engine: AsyncEngine, transactions: TransactionRunner, clock: FixedClock
) -> None:
    assert await transactions.run(lambda c: _append(c, clock, "first")) == 1
    with pytest.raises(_RefusedError):
        await transactions.run(lambda c: _append_then_fail(c, clock))
    assert await transactions.run(lambda c: _append(c, clock, "second")) == 2

    assert await _events(engine) == ["first", "second"]


async def test_works_given_together_each_commit_once(
    engine: AsyncEngine, transactions: TransactionRunner, clock: FixedClock
) -> None:
    names = [f"work.{n}" for n in range(20)]

    positions = await asyncio.gather(
        *(transactions.run(lambda c, name=name: _append(c, clock, name)) for name in names)
    )

    assert sorted(positions) == list(range(1, 21))
    assert sorted(await _events(engine)) == sorted(names)


async def test_the_writer_and_the_event_loop_see_each_others_commits(
    engine: AsyncEngine, transactions: TransactionRunner, clock: FixedClock
) -> None:
    async with create_session_factory(engine)() as session, session.begin():
        await audit.append(session, clock=clock, actor="loop", event="from.loop")
    assert await transactions.run(lambda c: _append(c, clock, "from.writer")) == 2
    async with create_session_factory(engine)() as session, session.begin():
        entry = await audit.append(session, clock=clock, actor="loop", event="after.writer")
    assert entry.position == 3

    assert await _events(engine) == ["from.loop", "from.writer", "after.writer"]


async def test_in_memory_sqlite_runs_on_the_engines_own_connection(clock: FixedClock) -> None:
    # A second connection to ":memory:" would be another, empty, database.
    engine = create_engine("sqlite+aiosqlite:///:memory:")
    await upgrade_database(engine)
    transactions = TransactionRunner(engine)
    try:
        assert await transactions.run(lambda c: _append(c, clock, "in.memory")) == 1
        assert await _events(engine) == ["in.memory"]
    finally:
        await transactions.close()
        await engine.dispose()


def _wal_pages(database: Path) -> int:
    """The WAL file's length in pages (32-byte header, then frames of a 24-byte header and a
    page). It does not shrink when the WAL starts over, so this is its high-water mark."""
    wal = database.with_name(database.name + "-wal")
    if not wal.exists():
        return 0
    with sqlite3.connect(database) as connection:
        page_size = int(connection.execute("PRAGMA page_size").fetchone()[0])
    return max(0, wal.stat().st_size - 32) // (page_size + 24)


async def test_a_writer_that_never_pauses_still_keeps_the_sqlite_wal_bounded(
    tmp_path: Path, clock: FixedClock
) -> None:
    database = tmp_path / "bot.sqlite3"
    engine = create_engine(f"sqlite+aiosqlite:///{database}")
    await upgrade_database(engine)
    await engine.dispose()  # from here on only the runner's connections write
    # A background checkpoint after every commit; the writer steps in past 40 pages. The works
    # queue up together, so the writer goes from one transaction to the next without a pause
    # and the background checkpoints alone could not restart the WAL.
    transactions = TransactionRunner(engine, checkpoint_every=0.0, wal_limit_pages=40)
    try:
        for burst in range(6):
            await asyncio.gather(
                *(
                    transactions.run(lambda c, b=burst, n=n: _append(c, clock, f"write.{b}.{n}"))
                    for n in range(100)
                )
            )
    finally:
        await transactions.close()

    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM audit_log").fetchone() == (600,)
    # Measured: 166 pages; 1,232 with the background checkpoints alone, 4,146 with none.
    assert _wal_pages(database) < 400
