"""Fixtures shared by every test folder: a migrated database and a clock that tests move."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)

from bot.clock import FixedClock
from bot.db import create_engine, create_session_factory, upgrade_database
from bot.transactions import TransactionRunner
from tests.postgres import PostgresServer, fresh_database, running_postgres

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2026, 3, 4, 14, 6, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """Every test that touches the database runs on both: SQLite (the embedded default) and a
    fresh PostgreSQL database of its own."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    async with fresh_database(server) as url:
        yield url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade_database(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def sessions(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return create_session_factory(engine)


@pytest.fixture
async def transactions(engine: AsyncEngine) -> AsyncIterator[TransactionRunner]:
    runner = TransactionRunner(engine)
    yield runner
    await runner.close()
