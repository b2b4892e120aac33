"""/readyz on its own: a database that does not answer makes the bot not ready, and the reason
names the check without quoting the connection string."""

from __future__ import annotations

import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy.ext.asyncio import create_async_engine

from bot.db import create_session_factory
from bot.telemetry.metrics import NO_METRICS
from handlers.operations import OperationsDeps, add_operations_routes


async def _connected() -> bool:
    return True


async def _nothing() -> tuple[bytes, str]:
    return b"", "text/plain"


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def unreachable() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    # Nothing listens on the port: a PostgreSQL server that is down.
    engine = create_async_engine(
        f"postgresql+asyncpg://bot:pw-not-shown@127.0.0.1:{_closed_port()}/bot"
    )
    app = web.Application()
    add_operations_routes(
        app,
        OperationsDeps(
            sessions=create_session_factory(engine),
            slack_connected=_connected,
            stopping=lambda: False,
            metrics=NO_METRICS,
            exposition=_nothing,
        ),
    )
    async with TestClient(TestServer(app)) as client:
        yield client
    await engine.dispose()


async def test_a_database_that_does_not_answer_makes_the_bot_not_ready(
    unreachable: TestClient[web.Request, web.Application],
) -> None:
    response = await unreachable.get("/readyz")
    answer = json.loads(await response.text())
    assert response.status == 503
    assert answer["checks"]["database"].startswith("unreachable ("), answer
    assert "pw-not-shown" not in json.dumps(answer)
