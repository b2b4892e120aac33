"""One chain per writing process: the rows written before chains existed stay verifiable as one
chain after migration 0008, another process appends to a chain of its own (and, on
PostgreSQL, does not wait for this one's open transaction), and a digest records every chain."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Integer, String, column, table, text

from bot.audit import service as audit
from bot.audit import writer as writers
from bot.audit.flows import take_digest, verify_trail
from bot.audit.models import LEGACY_CHAIN
from bot.clock import FixedClock
from bot.db import UTCDateTime, create_engine, create_session_factory, upgrade_database

ROOT = Path(__file__).resolve().parents[2]
# audit_log as migration 0005 left it, with the column type that stores times the bot's way.
LEGACY_LOG = table(
    "audit_log",
    column("seq", Integer),
    column("at", UTCDateTime()),
    column("actor", String),
    column("event", String),
    column("incident_id", Integer),
    column("details", String),
    column("prev_hash", String),
    column("hash", String),
)

# Another process: appends ``count`` rows to its own chain and commits.
OTHER_WRITER = """
import asyncio, sys
from bot.audit import service as audit
from bot.clock import SystemClock
from bot.db import create_engine, create_session_factory

async def main(url, count):
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    for n in range(count):
        async with sessions() as session, session.begin():
            await audit.append(session, clock=SystemClock(), actor="replica-2", event="test.other",
                               details={"n": n})
    await engine.dispose()

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def other_process_appends(database_url: str, count: int) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", OTHER_WRITER, database_url, str(count), cwd=ROOT, env=dict(os.environ)
    )
    return await asyncio.wait_for(process.wait(), timeout=120)


async def test_rows_written_before_chains_verify_as_the_legacy_chain(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine, "0005")
        at = datetime(2026, 3, 4, 14, 0, tzinfo=UTC)
        prev = "0" * 64
        async with engine.begin() as connection:
            for seq in (1, 2, 3):
                row = {
                    "seq": seq,
                    "at": at + timedelta(seconds=seq),
                    "actor": "bot",
                    "event": "incident.opened",
                    "incident_id": 1,
                    "details": '{"severity":"sev2"}',
                    "prev_hash": prev,
                }
                row["hash"] = audit.legacy_hash(**row)
                await connection.execute(LEGACY_LOG.insert(), row)
                prev = row["hash"]
            await connection.execute(
                text("UPDATE audit_head SET seq = 3, hash = :hash WHERE id = 1"), {"hash": prev}
            )
        await upgrade_database(engine)
        sessions = create_session_factory(engine)

        async with sessions() as session:
            assert await audit.verify(session) == 3
        async with sessions() as session, session.begin():
            entry = await audit.append(
                session, clock=FixedClock(at + timedelta(minutes=1)), actor="bot", event="x"
            )
        async with sessions() as session:
            trail = await audit.entries(session)
            assert await audit.verify(session) == 4
        assert [row.chain for row in trail] == [LEGACY_CHAIN] * 3 + [writers.current().chain]
        assert [row.seq for row in trail] == [1, 2, 3, 4]  # the database numbers on from 3
        assert entry.position == 1
    finally:
        await engine.dispose()


async def test_another_process_appends_to_a_chain_of_its_own(
    sessions, clock, database_url, tmp_path
) -> None:
    key = Ed25519PrivateKey.generate()
    async with sessions() as session, session.begin():
        await audit.append(session, clock=clock, actor="replica-1", event="test.mine")
    assert await other_process_appends(database_url, 3) == 0
    async with sessions() as session, session.begin():
        await audit.append(session, clock=clock, actor="replica-1", event="test.mine")

    async with sessions() as session:
        trail = await audit.entries(session)
        assert await audit.verify(session) == 5
    mine = writers.current().chain
    assert [(row.chain == mine, row.position) for row in trail] == [
        (True, 1),
        (False, 1),
        (False, 2),
        (False, 3),
        (True, 2),
    ]
    # Neither process signed: the first digest trusts both chains, and records them both.
    digest = await take_digest(sessions=sessions, signer=key, folder=tmp_path, clock=clock)
    assert sorted(anchor.length for anchor in digest.chains.values()) == [2, 3]
    async with sessions() as session:
        report = await verify_trail(session, verifier=key.public_key(), folder=tmp_path)
    assert (report.rows, report.chains) == (5, 2)


async def test_a_replica_appends_while_this_process_holds_its_chain_open(
    sessions, clock, database_url
) -> None:
    """The point of one chain per writer: another replica never waits on this one's lock. (On
    SQLite every writer shares the database's one write lock, so only PostgreSQL can show it.)"""
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite has one write lock for every writer")
    async with sessions() as session, session.begin():
        await audit.lock(session)
        await audit.append(session, clock=clock, actor="replica-1", event="test.held")
        # Still open, holding this chain's head row: the other process commits anyway.
        assert await other_process_appends(database_url, 2) == 0
    async with sessions() as session:
        assert await audit.verify(session) == 3
