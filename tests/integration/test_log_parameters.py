"""No database driver logs bound parameters at any level: with the root logger at DEBUG (so
SQLAlchemy's statement log and aiosqlite's per-operation lines are on), a row written with a
planted secret and a statement that fails on it (PostgreSQL repeats the key in its error's
detail) leave no trace of the secret in the log."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from bot.db import create_engine
from tests.harness.logs import debug_log_lines

# Not a shape any redaction rule knows: only the drivers' own discretion keeps it out.
PLANTED = "planted-value-7f3c-q9z"


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    with debug_log_lines() as stream:
        yield stream


async def test_statements_and_their_errors_are_logged_without_their_parameters(
    database_url: str, debug_log: io.StringIO
) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE planted (value VARCHAR(64) PRIMARY KEY)"))
            await connection.execute(text("INSERT INTO planted VALUES (:v)"), {"v": PLANTED})
        with pytest.raises(IntegrityError) as failed:
            async with engine.begin() as connection:
                await connection.execute(text("INSERT INTO planted VALUES (:v)"), {"v": PLANTED})
        logging.getLogger("bot.test").error("write failed", exc_info=failed.value)
    finally:
        await engine.dispose()

    logged = debug_log.getvalue()
    assert "INSERT INTO planted" in logged  # the statement log was on
    assert "write failed" in logged
    assert PLANTED not in logged, [line for line in logged.splitlines() if PLANTED in line]
    assert "already exists" in logged or "UNIQUE constraint failed" in logged
