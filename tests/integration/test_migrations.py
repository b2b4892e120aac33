"""The schema comes only from Alembic, and it goes both ways on both databases."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.db import Base, create_engine, downgrade_database, upgrade_database


async def _tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_migrations_create_every_table_the_models_declare(engine: AsyncEngine) -> None:
    assert set(Base.metadata.tables) <= await _tables(engine)


async def test_downgrade_to_base_removes_everything_and_upgrade_restores_it(
    database_url: str,
) -> None:
    engine = create_engine(database_url)
    try:
        await upgrade_database(engine)
        await downgrade_database(engine, "base")
        assert await _tables(engine) <= {"alembic_version"}
        await upgrade_database(engine)
        assert set(Base.metadata.tables) <= await _tables(engine)
    finally:
        await engine.dispose()


async def test_upgrading_twice_is_harmless(engine: AsyncEngine) -> None:
    await upgrade_database(engine)
    assert set(Base.metadata.tables) <= await _tables(engine)


async def test_migrations_create_every_column_the_models_declare(engine: AsyncEngine) -> None:
    def columns(connection: object) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            table: {column["name"] for column in inspector.get_columns(table)}
            for table in Base.metadata.tables
        }

    async with engine.connect() as connection:
        migrated = await connection.run_sync(columns)
    for name, table in Base.metadata.tables.items():
        assert {column.name for column in table.columns} <= migrated[name], name
