"""Replicas that start together on a fresh database: each applies the migrations at start, and
every one of them must come up (one migrates, the others find the schema in place)."""

from __future__ import annotations

import asyncio

from sqlalchemy import inspect, text

from bot.db import Base, create_engine, upgrade_database


async def test_replicas_upgrading_a_fresh_database_at_once_all_start(database_url: str) -> None:
    engines = [create_engine(database_url) for _ in range(4)]
    try:
        outcomes = await asyncio.gather(
            *(upgrade_database(engine) for engine in engines), return_exceptions=True
        )
        async with engines[0].connect() as connection:
            tables = set(await connection.run_sync(lambda c: inspect(c).get_table_names()))
            versions = await connection.execute(text("SELECT version_num FROM alembic_version"))
            heads = versions.scalars().all()
    finally:
        for engine in engines:
            await engine.dispose()
    assert [o for o in outcomes if isinstance(o, BaseException)] == []
    assert set(Base.metadata.tables) <= tables
    assert len(heads) == 1
