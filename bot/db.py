"""Database plumbing: the declarative base, engine and session factories, and migrations.

SQLite (aiosqlite) is the embedded default, PostgreSQL (asyncpg) the production store. Two
settings make SQLite safe for the guarantees the bot relies on: WAL journal with a busy timeout,
and ``BEGIN IMMEDIATE`` for every transaction that may write, so that writers are serialized by
the database (the audit chain's "read head, append" needs that) instead of failing half-way with
SQLITE_BUSY. On PostgreSQL the same guarantees come from row locks and unique constraints.

A session that only reads never calls ``session.begin()``: its transaction is begun implicitly
(autobegin) and rolled back when it closes, so nothing it did is ever committed. On SQLite those
transactions begin ``DEFERRED``, taking no lock (in WAL mode readers and the one writer do not
wait for each other). Taking the write lock to read made every poll of the pipeline's publishers
queue for it behind the writers, and SQLite's busy wait sleeps in steps of up to 100 ms, which
put a tenth of a second at a time on a packet's path (bench/README.md, the packet's timeline).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import DateTime, Engine, MetaData, event, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session, SessionTransaction, SessionTransactionOrigin
from sqlalchemy.types import TypeDecorator

from bot.clock import utc
from bot.write_gate import WriteGate

__all__ = [
    "MIGRATIONS_DIR",
    "Base",
    "Database",
    "UTCDateTime",
    "create_engine",
    "create_session_factory",
    "database",
    "downgrade_database",
    "open_database",
    "prepare_sqlite",
    "upgrade_database",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both databases (SQLite stores no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        value = utc(value)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else utc(value)


SQLITE_BUSY_SECONDS = 30.0  # how long a connection waits for SQLite's locks


def _switch_to_wal(cursor: Any) -> None:
    """``PRAGMA journal_mode=WAL``, tried again for up to the busy timeout while it reports the
    database locked: when several connections switch a fresh file at once (replicas starting
    together), SQLite may answer SQLITE_BUSY at once instead of waiting its busy timeout. Once
    the file is in WAL mode (it stays so) the first try succeeds; only that first start waits,
    in steps of a few milliseconds."""
    deadline = time.monotonic() + SQLITE_BUSY_SECONDS
    pause = 0.002
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


_BEGIN = "bot_sqlite_begin"  # execution option: how a SQLite transaction begins


@event.listens_for(Session, "after_transaction_create")
def _begin_by_origin(session: Session, transaction: SessionTransaction) -> None:
    """An explicit ``session.begin()`` may write: ``IMMEDIATE``. An autobegun transaction is
    never committed (the code base never calls ``commit()`` on one), so it only reads:
    ``DEFERRED``. Read by :func:`prepare_sqlite`'s begin hook; other databases ignore it."""
    if transaction.parent is not None:
        return
    reads_only = transaction.origin is SessionTransactionOrigin.AUTOBEGIN
    mode = "DEFERRED" if reads_only else "IMMEDIATE"
    session.execution_options = session.execution_options.union({_BEGIN: mode})


def prepare_sqlite(engine: Engine) -> None:
    """Set the pragmas on every connection ``engine`` opens, and begin its transactions
    ``IMMEDIATE`` (a session's read-only ones ``DEFERRED``: :func:`_begin_by_origin`)."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        # The wait comes first: switching to WAL takes a lock too, and replicas starting on a
        # fresh file all switch while one of them migrates.
        cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
        _switch_to_wal(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    gate = WriteGate(SQLITE_BUSY_SECONDS)
    gate.install(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get(_BEGIN) == "DEFERRED":
            connection.exec_driver_sql("BEGIN DEFERRED")
            return
        dbapi_connection = connection.connection.dbapi_connection
        gate.acquire(dbapi_connection)  # this process's writers queue in order, not in SQLite
        try:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            gate.release(dbapi_connection)
            raise


def create_engine(database_url: str, *, echo: bool = False) -> AsyncEngine:
    """An async engine for ``database_url``; SQLite files get their folder created.

    Bound parameters are alert titles, a person's words, packet text: ``hide_parameters`` keeps
    them out of SQLAlchemy's statement log (which runs whenever its logger is enabled for INFO,
    e.g. with the root logger at DEBUG, echo or not) and out of the text of its errors, which
    end up in log lines. (The SQLite driver's own DEBUG lines are dropped by the log handler:
    :mod:`bot.telemetry.logs`.)"""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, echo=echo, hide_parameters=True)
        prepare_sqlite(engine.sync_engine)
        return engine
    return create_async_engine(url, echo=echo, pool_pre_ping=True, hide_parameters=True)


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def _alembic_config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


# Any constant: the key of the PostgreSQL advisory lock that serializes migrations.
MIGRATION_LOCK_KEY = 0x1BC1DE7


async def _take_migration_lock(connection: AsyncConnection) -> None:
    """Replicas starting together each migrate at start: on PostgreSQL they queue on a
    transaction-scoped advisory lock, so one migrates and the others then find the schema at
    its head (without it, concurrent CREATE TABLEs wait on each other's catalog rows). SQLite
    needs nothing: ``BEGIN IMMEDIATE`` already serializes the migrating transactions."""
    if connection.dialect.name == "postgresql":
        await connection.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        )


async def upgrade_database(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` on ``engine``'s database; safe to call from
    several processes at once."""

    def run(connection: Connection) -> None:
        command.upgrade(_alembic_config(connection), revision)

    async with engine.begin() as connection:
        await _take_migration_lock(connection)
        await connection.run_sync(run)


async def downgrade_database(engine: AsyncEngine, revision: str = "base") -> None:
    """Undo migrations down to ``revision`` (``base`` drops every table the bot made)."""

    def run(connection: Connection) -> None:
        command.downgrade(_alembic_config(connection), revision)

    async with engine.begin() as connection:
        await _take_migration_lock(connection)
        await connection.run_sync(run)


@dataclass(frozen=True, slots=True)
class Database:
    """An engine and its session factory: what the runtime, each command and each replayed
    scenario open, the one way."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    async def close(self) -> None:
        await self.engine.dispose()


async def open_database(database_url: str, *, migrate: bool = False) -> Database:
    """The database at ``database_url``, migrated to the head first when ``migrate`` (the
    runtime and a fresh replay; a command that only reads leaves the schema alone)."""
    engine = create_engine(database_url)
    if migrate:
        try:
            await upgrade_database(engine)
        except BaseException:
            await engine.dispose()
            raise
    return Database(engine=engine, sessions=create_session_factory(engine))


@asynccontextmanager
async def database(database_url: str, *, migrate: bool = False) -> AsyncIterator[Database]:
    """:func:`open_database` for the length of a command; closed however it ends."""
    opened = await open_database(database_url, migrate=migrate)
    try:
        yield opened
    finally:
        await opened.close()
