"""Alembic environment.

The bot runs migrations on a connection it already holds (``bot.db.upgrade_database`` passes it in
``config.attributes["connection"]``). Run by hand (``alembic upgrade head``), it builds its own
async engine from ``DATABASE_URL`` through the bot's settings.
"""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import bot.action.models
import bot.audit.models
import bot.history.models
import bot.incident.models
import bot.interaction.models
import bot.killswitch.models
import bot.pager.models
import bot.signal.models  # noqa: F401 - registers the tables on the metadata
from bot.db import Base, create_engine

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_own_engine() -> None:
    from bot.settings import load_settings

    engine = create_engine(load_settings().database_url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = context.config.attributes.get("connection")
if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
elif connection is not None:
    _run(connection)
else:
    asyncio.run(_run_with_own_engine())
