"""Running one transaction as one synchronous unit of work.

The webhook accept path commits a burst of alerts in one transaction of about ten statements.
Through aiosqlite every execute, fetch and cursor close is a hand-off from the event loop to
aiosqlite's thread and back: some thirty per transaction, most of the accept path's cost.
:class:`TransactionRunner` hands the whole transaction over once instead.

On a SQLite file the work runs in a writer thread of its own, on its own connection to the same
file with the same pragmas and ``BEGIN IMMEDIATE`` (so it queues with every other writer on
SQLite's one write lock, as before). That connection does not checkpoint the WAL when it commits:
a checkpoint syncs the WAL and the database file to disk, and the writer would wait for the disk
with every burst queued behind it. A second thread checkpoints (``PASSIVE``: it never blocks the
writer) at most every ``checkpoint_every`` seconds while the writer commits, and the writer
checkpoints itself only if the WAL has grown past ``wal_limit_pages`` regardless, which bounds
the WAL under a storm that never pauses.

Other databases (PostgreSQL through asyncpg), and in-memory SQLite which a second connection would
not see, run the same work on the async engine's connection through ``run_sync``.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import Connection, event
from sqlalchemy import create_engine as create_sync_engine
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import prepare_sqlite

__all__ = ["TransactionRunner"]

log = logging.getLogger(__name__)

T = TypeVar("T")


class TransactionRunner:
    """Runs ``work(connection)`` (synchronous Core statements) in one transaction, committed
    when it returns and rolled back when it raises. On SQLite, works given to one runner run one
    after another in the order given."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        checkpoint_every: float = 1.0,
        wal_limit_pages: int = 10_000,
    ) -> None:
        self._engine = engine
        url = engine.url
        self._writer: _SqliteWriter | None = None
        if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
            self._writer = _SqliteWriter(url, checkpoint_every, wal_limit_pages)

    async def run(self, work: Callable[[Connection], T]) -> T:
        if self._writer is not None:
            return await self._writer.run(work)
        async with self._engine.begin() as connection:
            return await connection.run_sync(work)

    async def close(self) -> None:
        """End the writer's threads and close their connections, after the work already given.
        Work given afterwards runs on the async engine."""
        writer, self._writer = self._writer, None
        if writer is not None:
            await writer.close()


class _SqliteWriter:
    def __init__(self, url: URL, checkpoint_every: float, wal_limit_pages: int) -> None:
        self._path = str(url.database)
        self._engine = create_sync_engine(url.set(drivername="sqlite+pysqlite"), pool_size=1)
        prepare_sqlite(self._engine)
        event.listen(self._engine, "connect", _no_autocheckpoint)
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._checkpointer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-wal")
        self._checkpoint_every = checkpoint_every
        self._wal_limit = wal_limit_pages
        # Touched only by the writer thread:
        self._last_checkpoint = time.monotonic()
        self._checkpoint: Future[None] | None = None
        # Written by the checkpointer, read by the writer: the WAL's pages at the last checkpoint.
        self._wal_pages = 0
        self._checkpoint_connection: sqlite3.Connection | None = None  # the checkpointer's

    async def run(self, work: Callable[[Connection], T]) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._thread, partial(self._transaction, work))

    def _transaction(self, work: Callable[[Connection], T]) -> T:
        with self._engine.begin() as connection:
            result = work(connection)
        self._after_commit()
        return result

    def _after_commit(self) -> None:
        if self._wal_pages > self._wal_limit:
            # The WAL starts over only when a checkpoint has copied all of it before the next
            # transaction begins, which a checkpoint running beside a writer that never pauses
            # does not: checkpoint here, between two transactions, and the next one restarts it.
            _checkpoint(self._engine.raw_connection())
            self._wal_pages = 0
            self._last_checkpoint = time.monotonic()
            return
        running = self._checkpoint is not None and not self._checkpoint.done()
        if running or time.monotonic() - self._last_checkpoint < self._checkpoint_every:
            return
        self._last_checkpoint = time.monotonic()
        self._checkpoint = self._checkpointer.submit(self._checkpoint_in_background)

    def _checkpoint_in_background(self) -> None:
        if self._checkpoint_connection is None:
            self._checkpoint_connection = sqlite3.connect(self._path, isolation_level=None)
        self._wal_pages = _checkpoint(self._checkpoint_connection)

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._thread, self._engine.dispose)
        await loop.run_in_executor(self._checkpointer, self._close_checkpointer)
        self._thread.shutdown(wait=True)
        self._checkpointer.shutdown(wait=True)

    def _close_checkpointer(self) -> None:
        if self._checkpoint_connection is not None:
            self._checkpoint_connection.close()
            self._checkpoint_connection = None


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def _checkpoint(connection: Any) -> int:
    """A ``PASSIVE`` checkpoint; returns the WAL's length in pages, or 0 when it failed (logged:
    the next one tries again)."""
    try:
        _busy, wal_pages, _copied = connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    except sqlite3.Error as exc:
        log.warning("WAL checkpoint failed: %s", exc)
        return 0
    finally:
        if not isinstance(connection, sqlite3.Connection):
            connection.close()  # a pooled connection: back to the pool
    return max(0, int(wal_pages))
