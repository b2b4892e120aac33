"""One writer at a time, in arrival order, among the async engine's SQLite transactions.

SQLite has one write lock, and a connection that finds it taken waits in its busy handler, which
sleeps and tries again in growing steps (1, 2, 5, ... up to 100 ms). Between writers of one
process that is neither prompt nor fair: a task that commits and begins again at once (the
correlator going through a storm, batch after batch) takes the lock back before a sleeping waiter
wakes, and the publisher waiting to take an incident's lease waited 230-340 ms (the packet's
timeline in bench/README.md). So the async engine's write transactions (``BEGIN IMMEDIATE``) first
queue here, on an asyncio lock (first come, first served; handed over at once), and SQLite's
own lock is then normally free. Read-only transactions (``DEFERRED``) never queue. Other
processes, and the intake's writer thread (:mod:`bot.transactions`), still meet SQLite's busy
wait, as before.

The gate is held from ``BEGIN IMMEDIATE`` until the transaction's commit or rollback, or until
its connection goes back to the pool or is closed, whichever comes first. Waiting for it longer
than SQLite's busy timeout fails the same way SQLite would ("database is locked").
"""

from __future__ import annotations

import asyncio
import sqlite3
import weakref
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.util import await_
from sqlalchemy.util.concurrency import in_greenlet

__all__ = ["WriteGate"]


class WriteGate:
    """Per engine; one asyncio lock per event loop the engine is used from."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        # The DBAPI connection holding the gate, and the lock it holds.
        self._held: dict[int, asyncio.Lock] = {}

    def install(self, engine: Engine) -> None:
        """Release on commit, rollback, and on the connection's return to the pool or close."""

        def on_end(connection: Connection) -> None:
            if not connection.invalidated:
                self.release(connection.connection.dbapi_connection)

        def on_pool(dbapi_connection: Any, *_args: Any) -> None:
            self.release(dbapi_connection)

        event.listen(engine, "commit", on_end)
        event.listen(engine, "rollback", on_end)
        event.listen(engine.pool, "checkin", on_pool)
        event.listen(engine.pool, "close", on_pool)
        event.listen(engine.pool, "invalidate", on_pool)

    def acquire(self, dbapi_connection: Any) -> None:
        """Queue for the gate (in an async engine's greenlet; elsewhere, a no-op)."""
        if not in_greenlet() or id(dbapi_connection) in self._held:
            return
        loop = asyncio.get_running_loop()
        lock = self._locks.get(loop)
        if lock is None:
            lock = self._locks[loop] = asyncio.Lock()
        try:
            await_(asyncio.wait_for(lock.acquire(), self._timeout))
        except TimeoutError:
            raise sqlite3.OperationalError("database is locked") from None
        self._held[id(dbapi_connection)] = lock

    def release(self, dbapi_connection: Any) -> None:
        lock = self._held.pop(id(dbapi_connection), None)
        if lock is not None and lock.locked():
            lock.release()
